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


# --- Real export shapes and next year's files ---------------------------------------------------

def write_sheets(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A workbook with one worksheet per entry, rows written as given (text stays text)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, (int, float)):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(value))
    workbook.close()
    return path


def two_row_header(folder: Path, rows: list[list] | None = None) -> Path:
    """As the 奖扶特扶 system prints it: a title, then a header in two rows — 户籍所在地 merged
    over 乡镇（街道） and 村（居）委会, the other columns merged down both rows."""
    import xlsxwriter

    path = folder / "两行表头花名册.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("花名册")
    sheet.merge_range(0, 0, 0, 6, "通州区2026年度独生子女死亡特别扶助对象花名册")
    for column, title in enumerate(["序号", "姓名", "公民身份号码"]):
        sheet.merge_range(1, column, 2, column, title)
    sheet.merge_range(1, 3, 1, 4, "户籍所在地")
    sheet.write_string(2, 3, "乡镇（街道）")
    sheet.write_string(2, 4, "村（居）委会")
    sheet.merge_range(1, 5, 2, 5, "扶助类别")
    sheet.merge_range(1, 6, 2, 6, "联系电话")
    for r, row in enumerate(rows or [
        [1, "张三", "110112195001150019", "中仓街道", "运河社区", "死亡特扶", "13900000001"],
        [2, "李四", "110112195001150027", "宋庄", "小堡村", "死亡特扶", ""],
    ], start=3):
        for c, value in enumerate(row):
            if isinstance(value, int):
                sheet.write_number(r, c, value)
            elif value:
                sheet.write_string(r, c, value)
    workbook.close()
    return path


def one_sheet_per_street(folder: Path, sheets: dict[str, list[tuple[str, str]]]) -> Path:
    """One worksheet per street, named after it, without a street column; and a notes sheet
    (填表说明) that is not a table."""
    content = {name: [[f"{name}独生子女死亡特别扶助对象名单"], ["序号", "姓名", "公民身份号码", "扶助类别"]]
               + [[i, person, id_number, "死亡特扶"] for i, (person, id_number) in enumerate(people, start=1)]
               for name, people in sheets.items()}
    content["填表说明"] = [["1. 每个街道一张表"], ["2. 身份证号设为文本格式"]]
    return write_sheets(folder / "分街道花名册.xlsx", content)


LIFECYCLE_COLUMNS = ["状态", "死亡日期", "变更日期", "减员原因", "开户银行", "银行账号"]


def next_year(roster: SampleRoster, folder: Path, *, year: int, name: str | None = None,
              changes: dict[str, dict[str, str]] | None = None, drop: set[str] = frozenset(),
              extra: list[list] = ()) -> Path:
    """The same roster as next year's export, with the columns such an export adds (状态,
    死亡日期, 变更日期, 减员原因, 开户银行, 银行账号): `changes` ID number → {column: value} for
    any column of HEADER or those, `drop` ID numbers left out, `extra` rows (in HEADER order)
    added at the end."""
    changes = changes or {}
    header = roster.rows[roster.header_row - 1] + LIFECYCLE_COLUMNS
    rows = [[f"通州区{year}年度独生子女死亡特别扶助对象花名册"], [f"填报日期：{year}年1月5日"], header]
    for row in roster.rows[roster.header_row:-2] + [list(r) for r in extra]:
        id_number = str(row[3]).upper()
        if id_number in drop:
            continue
        row = list(row) + ["在册"] + [""] * (len(LIFECYCLE_COLUMNS) - 1)
        for column, value in changes.get(id_number, {}).items():
            row[header.index(column)] = value
        rows.append([v.strftime("%Y-%m-%d") if hasattr(v, "strftime") else v for v in row])
    rows.append([f"合计：{len(rows) - 3}人"])
    return write_sheets(folder / (name or f"通州区{year}年度特扶花名册.xlsx"), {"花名册": rows})
