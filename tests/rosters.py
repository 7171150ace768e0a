"""Roster files for tests: the generated 奖扶特扶-style export (enrollment.sample_roster) in
every format real exports come in, and the hostile files S16-S20 name."""

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

from enrollment.sample_roster import SampleRoster, build_sample_roster, write_csv, write_xlsx
from tongzhou_care.core.streets import STREETS

STREET_NAMES = [name for _, name, _ in STREETS]


def sample(year: int = 2026, *, seed: int = 11, inject_errors: bool = False,
           per_street=(2, 4)) -> SampleRoster:
    return build_sample_roster(year, STREET_NAMES, seed=seed, per_street=per_street,
                               inject_errors=inject_errors)


def as_xlsx(roster: SampleRoster, folder: Path, name: str = "花名册.xlsx") -> Path:
    return write_xlsx(folder / name, roster)


def as_csv(roster: SampleRoster, folder: Path, encoding: str, name: str = "花名册.csv") -> Path:
    return write_csv(folder / name, roster, encoding=encoding)


def as_xls(roster: SampleRoster, folder: Path, name: str = "花名册.xls") -> Path:
    """A real BIFF .xls, made from the .xlsx by LibreOffice as Excel 97-2003 would save it."""
    source = as_xlsx(roster, folder, "source.xlsx")
    profile = folder / "lo-profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "xls",
         "--outdir", str(folder / "xls"), str(source)],
        check=True, capture_output=True, timeout=120, env={**os.environ, "HOME": str(folder)},
    )
    target = folder / name
    shutil.move(folder / "xls" / "source.xls", target)
    return target


def zip_bomb(folder: Path) -> Path:
    """A valid-looking .xlsx whose sheet declares 200 MB of zeros in a few hundred KB."""
    path = folder / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<sheetData>" + b"0" * (200 * 1024 * 1024))
    return path


def xml_bomb(folder: Path, roster: SampleRoster) -> Path:
    """The sample roster with a billion-laughs DTD in its shared strings."""
    source = as_xlsx(roster, folder, "plain.xlsx")
    path = folder / "laughs.xlsx"
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">'
                        for i in range(1, 10))
              + ']>')
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/sharedStrings.xml" or item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text = laughs + text.split("?>", 1)[1] if text.startswith("<?xml") else laughs + text
                data = text.encode()
            out.writestr(item, data)
    return path


def with_formula(folder: Path, roster: SampleRoster) -> Path:
    """The sample roster with one name replaced by a formula (what openpyxl writes for '=...')."""
    import openpyxl

    source = as_xlsx(roster, folder, "plain.xlsx")
    workbook = openpyxl.load_workbook(source)
    sheet = workbook.active
    sheet.cell(row=roster.header_row + 2, column=2).value = '=HYPERLINK("http://x.invalid","张三")'
    path = folder / "formula.xlsx"
    workbook.save(path)
    return path


def million_empty_rows(folder: Path, roster: SampleRoster) -> Path:
    """The sample roster with formatted but empty rows down to Excel's last row, 1,048,576."""
    source = as_xlsx(roster, folder, "plain.xlsx")
    path = folder / "million.xlsx"
    first = len(roster.rows) + 1
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                empty = "".join(f'<row r="{n}"><c r="A{n}" s="0"/><c r="L{n}" s="0"/></row>'
                                for n in range(first, 1_048_577))
                data = data.decode().replace("</sheetData>", empty + "</sheetData>").encode()
            out.writestr(item, data)
    return path


def password_protected(folder: Path, roster: SampleRoster) -> Path:
    """The sample roster encrypted with an open password, as Excel does (an OLE container)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    source = as_xlsx(roster, folder, "plain.xlsx")
    path = folder / "locked.xlsx"
    with source.open("rb") as f, path.open("wb") as out:
        OOXMLFile(f).encrypt("secret-2026", out)
    return path


def truncated(folder: Path, roster: SampleRoster) -> Path:
    source = as_xlsx(roster, folder, "plain.xlsx")
    path = folder / "truncated.xlsx"
    path.write_bytes(source.read_bytes()[: source.stat().st_size // 2])
    return path
