"""Hostile and broken files (S16-S20): each gets a clear Chinese message, never a 500, writes
nothing and leaves no temporary file — through the service and through the upload page."""

import os
import subprocess
from pathlib import Path

import pytest

from enrollment.models import Person, RosterImport
from enrollment.roster_files import FileLimits, RosterFileError, check_xlsx, open_roster
from enrollment.services import roster_import_preview
from tests import rosters


def _empty(folder, roster):
    path = folder / "empty.xlsx"
    path.write_bytes(b"")
    return path


def _pdf_renamed(folder, roster):
    path = folder / "really-a-pdf.xlsx"
    path.write_bytes(b"%PDF-1.7\n" + b"0" * 2000)
    return path


def _binary_renamed(folder, roster):
    path = folder / "photo.csv"
    path.write_bytes(b"\x00\x01\x02garbage" * 500)
    return path


def _not_a_roster(folder, roster):
    path = folder / "notes.csv"
    path.write_text("会议纪要\n今天讨论了工作安排\n", encoding="utf-8")
    return path


def _bad_encoding(folder, roster):
    path = folder / "latin.csv"
    path.write_bytes("姓名,身份证号\n".encode("utf-16"))
    return path


def _zip_not_excel(folder, roster):
    import zipfile
    path = folder / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    return path


def _path_traversal(folder, roster):
    import zipfile
    path = folder / "traversal.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("../../etc/passwd", "x")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return path


HOSTILE = {
    "empty": (_empty, "文件为空"),
    "truncated": (rosters.truncated, "不完整或已损坏"),
    "pdf renamed to .xlsx": (_pdf_renamed, "不是Excel或CSV"),
    "binary renamed to .csv": (_binary_renamed, "不是Excel或CSV"),
    "text that is not a roster": (_not_a_roster, "未找到表头行"),
    "unknown encoding": (_bad_encoding, "不是Excel或CSV"),
    "zip that is not a workbook": (_zip_not_excel, "不是Excel工作簿"),
    "zip bomb": (lambda folder, roster: rosters.zip_bomb(folder), "压缩炸弹"),
    "xml bomb": (rosters.xml_bomb, "XML炸弹"),
    "path traversal": (_path_traversal, "不安全的路径"),
    "password protected": (rosters.password_protected, "密码"),
    "formula in a cell": (rosters.with_formula, "含有公式"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_file_refused_with_message_and_nothing_written(kind, tmp_path, commission_admin):
    make, message = HOSTILE[kind]
    path = make(tmp_path, rosters.sample())
    with pytest.raises(RosterFileError) as error:
        roster_import_preview(path=path, file_name=path.name, roster_year=2026, actor=commission_admin)
    assert message in error.value.message
    assert not RosterImport.objects.exists() and not Person.objects.exists()


def test_size_limit(tmp_path):
    path = rosters.as_xlsx(rosters.sample(), tmp_path)
    with pytest.raises(RosterFileError, match="MB 的上限"):
        open_roster(path, FileLimits(max_bytes=1000))


def test_row_limit(tmp_path):
    path = rosters.as_xlsx(rosters.sample(), tmp_path)
    with pytest.raises(RosterFileError, match="行的上限"):
        list(open_roster(path, FileLimits(max_rows=10)).rows)


def test_declared_size_limit(tmp_path):
    path = rosters.as_xlsx(rosters.sample(), tmp_path)
    with pytest.raises(RosterFileError, match="超过大小上限"):
        check_xlsx(path, FileLimits(max_uncompressed=1000))


@pytest.mark.django_db
def test_million_empty_trailing_rows_are_ignored(tmp_path, commission_admin):
    roster = rosters.sample()
    path = rosters.million_empty_rows(tmp_path, roster)
    ri = roster_import_preview(path=path, file_name=path.name, roster_year=2026, actor=commission_admin)
    assert ri.rows_total == len(roster.people) and ri.error_count == 0


@pytest.mark.django_db
def test_renamed_but_real_workbook_is_read_by_content(tmp_path, commission_admin):
    roster = rosters.sample()
    path = rosters.as_xlsx(roster, tmp_path)
    renamed = path.rename(tmp_path / "花名册.xls")
    ri = roster_import_preview(path=renamed, file_name=renamed.name, roster_year=2026, actor=commission_admin)
    assert ri.file_kind == "xlsx" and ri.rows_total == len(roster.people)


def _upload(client, path: Path, year=2026):
    with path.open("rb") as f:
        return client.post("/roster/imports/new/", {"file": f, "roster_year": year})


@pytest.fixture
def upload_dir(tmp_path, settings):
    folder = tmp_path / "uploads"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    # Force the on-disk path for every upload, small ones included.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    return folder


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_upload_gets_a_page_not_a_500_and_leaves_no_temp_file(
        kind, tmp_path, commission_admin, client_for, upload_dir):
    make, message = HOSTILE[kind]
    files = tmp_path / "files"
    files.mkdir()
    path = make(files, rosters.sample())
    response = _upload(client_for(commission_admin), path)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert os.listdir(upload_dir) == []
    assert not RosterImport.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("memory_size", [0, 10 * 1024 * 1024])
def test_good_upload_leaves_no_temp_file(memory_size, tmp_path, commission_admin, client_for,
                                         upload_dir, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = memory_size   # on disk, then in memory
    path = rosters.as_xlsx(rosters.sample(), tmp_path)
    response = _upload(client_for(commission_admin), path)
    assert response.status_code == 302
    assert os.listdir(upload_dir) == []


@pytest.mark.django_db
def test_oversized_upload_refused_before_reading(tmp_path, commission_admin, client_for, upload_dir):
    from enrollment.roster_files import LIMITS

    path = tmp_path / "huge.xlsx"
    with path.open("wb") as f:
        f.seek(LIMITS.max_bytes + 1024 * 1024)
        f.write(b"\0")
    response = _upload(client_for(commission_admin), path)
    assert response.status_code == 400 and "50 MB 的上限" in response.content.decode()
    assert os.listdir(upload_dir) == []


def _sheet(tmp_path, rows_by_number: dict[int, list]) -> Path:
    """A workbook with rows at the given Excel row numbers (others left empty)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    for number, cells in rows_by_number.items():
        for column, value in enumerate(cells, start=1):
            workbook.active.cell(row=number, column=column, value=value)
    path = tmp_path / "花名册.xlsx"
    workbook.save(path)
    return path


HEADER = ["姓名", "公民身份号码", "所属乡镇（街道）", "扶助类别"]
DEATH = "独生子女死亡特别扶助"


@pytest.mark.parametrize("suffix", ["xlsx", "xls"])
def test_row_numbers_are_excels_even_below_empty_rows(tmp_path, suffix):
    path = _sheet(tmp_path, {3: ["通州区2026年度花名册"], 5: HEADER, 6: ["张三", "110112195001150010", "中仓", DEATH],
                             7: ["李四", "110112195001150029", "中仓", DEATH]})
    if suffix == "xls":
        subprocess.run(["soffice", "--headless", "--convert-to", "xls", "--outdir", str(tmp_path), str(path)],
                       check=True, capture_output=True)
        path = path.with_suffix(".xls")
    table = open_roster(path)
    assert table.header_row == 5
    assert [number for _, number, _, _ in table.rows] == [6, 7]


@pytest.mark.parametrize("total", ["合计", "合    计", "合　计", "总 计：2人"])
def test_a_total_line_ends_the_table_whatever_its_spaces(tmp_path, total):
    path = _sheet(tmp_path, {1: HEADER, 2: ["张三", "110112195001150010", "中仓", DEATH], 3: [total, "", ""],
                             4: ["填表人：王", "", ""]})
    assert [number for _, number, _, _ in open_roster(path).rows] == [2]


def test_a_subtotal_per_street_does_not_end_the_table(tmp_path):
    path = _sheet(tmp_path, {1: HEADER, 2: ["张三", "110112195001150010", "中仓", DEATH], 3: ["小计", "1人", ""],
                             4: ["李四", "110112195001150029", "永顺", DEATH], 5: ["小 计", "1人", ""],
                             6: ["合计", "2人", ""]})
    assert [values["name"] for _, _, values, _ in open_roster(path).rows] == ["张三", "李四"]


def test_a_two_row_header_with_a_merged_group_is_understood(tmp_path):
    """户籍所在地 merged over 乡镇（街道） and 村（居）委会; 姓名, 身份证号 merged down both rows."""
    path = rosters.two_row_header(tmp_path)
    table = open_roster(path)
    rows = list(table.rows)
    sheet = table.sheets[0]
    assert (sheet.header_row, sheet.header_rows) == (2, 2)
    assert sheet.label("street") == "户籍所在地/乡镇（街道）" and sheet.label("name") == "姓名"
    assert [(number, values["street"], values["community"]) for _, number, values, _ in rows] == [
        (4, "中仓街道", "运河社区"), (5, "宋庄", "小堡村")]


def test_a_workbook_is_read_sheet_by_sheet_and_says_which_sheet(tmp_path):
    path = rosters.one_sheet_per_street(tmp_path, {"中仓街道": [("张三", "110112195001150010")],
                                                   "宋庄镇": [("李四", "110112195001150029")]})
    table = open_roster(path, is_street=lambda name: name in ("中仓街道", "宋庄镇"))
    rows = [(sheet.name, number, values["street"]) for sheet, number, values, _ in table.rows]
    # No street column: each sheet's name is its street. The notes sheet has no header.
    assert rows == [("中仓街道", 3, "中仓街道"), ("宋庄镇", 3, "宋庄镇")]
    assert [s.name for s in table.sheets] == ["中仓街道", "宋庄镇"]
    assert table.notes == ["工作表“填表说明”前30行没有同时含“姓名”和“公民身份号码”的表头，未读取。"]


def test_a_later_sheet_missing_a_required_column_is_named(tmp_path):
    path = rosters.one_sheet_per_street(tmp_path, {"中仓街道": [("张三", "110112195001150010")],
                                                   "其他": [("李四", "110112195001150029")]})
    with pytest.raises(RosterFileError, match="工作表“其他”第2行表头缺少必需的列：“所属乡镇（街道）”"):
        list(open_roster(path, is_street=lambda name: name == "中仓街道").rows)


@pytest.mark.parametrize("padding", [" ", "\t", "\r\n", " \t\n "])
def test_csv_formula_found_behind_spaces_tabs_and_line_breaks(tmp_path, padding):
    """Issue 13 point 6: a spreadsheet program trims the cell before reading it as a formula."""
    import csv

    from enrollment.sample_roster import write_csv

    roster = rosters.sample()
    source = write_csv(tmp_path / "plain.csv", roster, encoding="utf-8")
    lines = list(csv.reader(source.read_text(encoding="utf-8").splitlines()))
    lines[roster.header_row][1] = padding + '=HYPERLINK("http://x.invalid","张三")'
    path = tmp_path / "formula.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(lines)
    with pytest.raises(RosterFileError, match="含有公式"):
        list(open_roster(path).rows)
