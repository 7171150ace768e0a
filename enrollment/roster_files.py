"""Reading an uploaded roster safely (S16, S17): what the file really is, whether it is safe to
open, and its rows as plain values with their row numbers in the original file.

Nothing here touches the database. Every refusal is a RosterFileError with a Chinese message
a commission officer can act on.
"""

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .rules import clean_name, clean_text


class RosterFileError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FileLimits:
    max_bytes: int = 50 * 1024 * 1024          # the upload itself
    max_zip_members: int = 100
    max_uncompressed: int = 400 * 1024 * 1024  # declared total of an .xlsx's members
    max_ratio: int = 100                       # per member: uncompressed / compressed
    max_rows: int = 200_000                    # data rows
    max_empty_run: int = 1_000                 # consecutive empty rows that end the table


LIMITS = FileLimits()

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")


def sniff(path: Path) -> str:
    """"xlsx", "xls" or "csv", from the content, never the file name (a renamed file is read
    as what it is). Raises RosterFileError for empty, encrypted or unknown files."""
    size = path.stat().st_size
    if size == 0:
        raise RosterFileError("文件为空，请检查后重新上传。")
    with path.open("rb") as f:
        head = f.read(8)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head == _OLE_SIGNATURE:
        # An encrypted .xlsx is an OLE container holding EncryptionInfo and EncryptedPackage.
        if _ENCRYPTION_INFO in path.read_bytes():
            raise RosterFileError("文件设有打开密码，系统无法读取。请在Excel中取消密码后重新上传。")
        return "xls"
    if head.startswith((b"PK", b"%PDF", b"\x89PNG", b"\xff\xd8", b"GIF8", b"Rar!", b"7z")):
        raise RosterFileError("文件内容不是Excel或CSV花名册，请上传 .xlsx、.xls 或 .csv 文件。")
    sample = path.read_bytes()[:65536]
    if b"\x00" in sample:
        raise RosterFileError("文件内容不是Excel或CSV花名册，请上传 .xlsx、.xls 或 .csv 文件。")
    return "csv"


_DANGEROUS_XML = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_ROOT_ELEMENT = re.compile(rb"<[A-Za-z_]")
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"[^>]*>\s*<f[ >/]')


def check_xlsx(path: Path, limits: FileLimits = LIMITS) -> None:
    """Refuse a zip bomb, an XML bomb or a damaged file before any parser sees it (S17):
    too many members, a declared size or compression ratio over the limits, unsafe member
    names, DTDs or entities in any XML part, formulas in a worksheet. Python's zipfile never
    inflates past the declared size, so the declared sizes are a true bound."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > limits.max_zip_members:
                raise RosterFileError("文件结构异常（压缩包成员过多），已拒绝读取。")
            total = 0
            for m in members:
                if m.filename.startswith("/") or ".." in m.filename.split("/"):
                    raise RosterFileError("文件结构异常（含不安全的路径），已拒绝读取。")
                if m.flag_bits & 0x1:
                    raise RosterFileError("文件设有密码，系统无法读取。请取消密码后重新上传。")
                total += m.file_size
                if m.file_size > 1024 * 1024 and m.file_size > limits.max_ratio * max(m.compress_size, 1):
                    raise RosterFileError("文件解压后异常巨大（疑似压缩炸弹），已拒绝读取。")
            if total > limits.max_uncompressed:
                raise RosterFileError("文件解压后超过大小上限，已拒绝读取。请分批导入。")
            names = {m.filename for m in members}
            if "xl/workbook.xml" not in names:
                raise RosterFileError("文件不是Excel工作簿（缺少工作簿内容），请另存为 .xlsx 后重新上传。")
            formulas = []
            for m in members:
                if m.filename.endswith((".xml", ".rels")):
                    _scan_xml_member(archive, m, formulas)
            if formulas:
                where = "、".join(formulas[:5]) + ("等" if len(formulas) > 5 else "")
                raise RosterFileError(f"文件含有公式（单元格 {where}）。为防止数据被公式篡改，"
                                      "请将公式复制后“粘贴为数值”，保存后重新上传。")
    except zipfile.BadZipFile:
        raise RosterFileError("文件不完整或已损坏，无法打开。请重新导出后上传。") from None
    except (zipfile.LargeZipFile, NotImplementedError):
        raise RosterFileError("文件使用了不支持的压缩方式，请用Excel另存为 .xlsx 后重新上传。") from None


def _scan_xml_member(archive, member, formulas: list[str]) -> None:
    """A DTD can only stand in an XML document's prolog (before the root element), so the
    first block tells whether one exists; the rest of a worksheet is only searched for formula
    cells, with a fast substring test first (the regex runs only on a block that has one)."""
    is_sheet = member.filename.startswith("xl/worksheets/")
    tail = b""
    with archive.open(member) as stream:
        first = True
        while chunk := stream.read(4 * 1024 * 1024):
            if first:
                root = _ROOT_ELEMENT.search(chunk)
                prolog = chunk[: root.start()] if root else chunk
                if root is None or _DANGEROUS_XML.search(prolog):
                    raise RosterFileError("文件含有不安全的XML定义（疑似XML炸弹），已拒绝读取。")
            first = False
            if not is_sheet:
                return
            block = tail + chunk
            if len(formulas) < 6 and (b"<f>" in block or b"<f " in block):
                formulas.extend(m.decode() for m in _FORMULA_CELL.findall(block)
                                if m.decode() not in formulas)
            tail = chunk[-200:]


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) or GBK/GB18030, as Chinese exports come."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise RosterFileError("CSV文件的字符编码无法识别，请另存为 UTF-8 或 GBK 编码后重新上传。") from None


def iter_rows(path: Path, kind: str) -> Iterator[tuple[int, list]]:
    """(row number in the original file, cell values) for the first sheet that has rows;
    empty rows are skipped, and a long run of them ends the table (a sheet formatted down to
    row 1,048,576 is not a million-row roster)."""
    if kind == "csv":
        text = decode_csv(path.read_bytes())
        rows = csv.reader(io.StringIO(text, newline=""))
        source = enumerate(rows, start=1)
    else:
        source = _iter_workbook(path)
    empty_run = 0
    for number, cells in source:
        if any(clean_text(c) for c in cells):
            empty_run = 0
            yield number, cells
        else:
            empty_run += 1
            if empty_run >= LIMITS.max_empty_run:
                return


def _iter_workbook(path: Path):
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    try:
        # From a file object calamine recognises the format by content; from a path it goes by
        # the extension, and a renamed file would fail.
        with path.open("rb") as f:
            workbook = CalamineWorkbook.from_filelike(f)
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            if sheet.height == 0:
                continue
            # calamine (0.9) yields the leading empty rows too: the n-th row is Excel's row n,
            # for .xlsx and .xls alike (tested), whatever sheet.start says.
            for number, cells in enumerate(sheet.iter_rows(), start=1):
                yield number, cells
            return
    except PasswordError:
        raise RosterFileError("文件设有密码，系统无法读取。请取消密码后重新上传。") from None
    except (CalamineError, ValueError, OSError) as error:
        raise RosterFileError("文件不完整或已损坏，无法读取。请重新导出后上传。") from error


# --- The table inside the file ------------------------------------------------------------------

# Column names seen in 奖扶特扶 exports over the years, by the field they fill. Compared after
# normalise_header (no spaces, half-width brackets).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "扶助对象姓名", "对象姓名", "被扶助人姓名"),
    "id_number": ("公民身份号码", "身份证号", "身份证号码", "公民身份证号码", "公民身份证号",
                  "证件号码", "身份证"),
    "sex": ("性别",),
    "birth_date": ("出生日期", "出生年月", "出生年月日"),
    "street": ("所属乡镇(街道)", "乡镇街道", "所属街道", "乡镇(街道)", "街道(乡镇)", "所属街乡",
               "街乡", "乡镇", "街道", "所属乡镇", "乡镇/街道", "街道/乡镇"),
    "community": ("村(居)委会", "所属村(居)", "社区(村)", "村(社区)", "村居", "社区", "所属社区",
                  "居委会", "村(居)", "所属村(居)委会"),
    "address": ("家庭住址", "住址", "现住址", "户籍地址", "居住地址", "联系地址", "现居住地址"),
    "phone": ("联系电话", "电话", "手机号码", "联系方式", "手机", "电话号码"),
    "category": ("扶助类别", "扶助对象类别", "对象类别", "类别", "扶助类型"),
    "assistance_start": ("开始享受扶助时间", "享受扶助起始时间", "起始享受时间", "开始扶助时间",
                         "扶助起始年月", "开始享受时间", "纳入时间", "享受起始时间"),
    "spouse_id_number": ("配偶身份证号", "配偶公民身份号码", "配偶身份证号码"),
    "status": ("状态", "人员状态", "对象状态"),
}
FIELD_LABELS = {"name": "姓名", "id_number": "公民身份号码", "sex": "性别", "birth_date": "出生日期",
                "street": "所属乡镇（街道）", "community": "村（居）委会", "address": "家庭住址",
                "phone": "联系电话", "category": "扶助类别", "assistance_start": "开始享受扶助时间",
                "spouse_id_number": "配偶身份证号", "status": "状态"}
REQUIRED = ("name", "id_number", "street")
HEADER_SEARCH_ROWS = 30
# Lines that end the table: the grand total and the signature block. A 小计 (subtotal per
# street) is not an end: the rows after it belong to the next street (_SUBTOTAL, skipped).
_END_MARKERS = ("合计", "总计", "共计", "填表人", "填报人", "审核人", "制表人", "单位负责人",
                "填报日期", "制表日期")
_SUBTOTAL = "小计"


def normalise_header(value) -> str:
    text = clean_text(value)
    for a, b in (("（", "("), ("）", ")"), ("／", "/")):
        text = text.replace(a, b)
    return "".join(ch for ch in text if not ch.isspace() and ch not in "*＊:：")


_ALIAS_TO_FIELD = {normalise_header(a): f for f, aliases in COLUMN_ALIASES.items() for a in aliases}


def map_header(cells: list, aliases: dict[str, str] | None = None) -> dict[str, int]:
    """Field → column index for the cells of a candidate header row (first match wins), by the
    roster's column names or the given normalised aliases."""
    aliases = _ALIAS_TO_FIELD if aliases is None else aliases
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        field = aliases.get(normalise_header(cell))
        if field and field not in columns:
            columns[field] = index
    return columns


def category_from_title(lines: list[str]) -> str | None:
    """A roster of one category says so in its title (…特别扶助对象花名册)."""
    from .rules import RuleViolation, category_from_text

    for line in lines:
        if "花名册" in line or "名单" in line or "扶助" in line:
            try:
                return category_from_text(line)
            except RuleViolation:
                continue
    return None


@dataclass
class RosterTable:
    kind: str
    header_row: int
    header: list[str]
    columns: dict[str, int]
    title_lines: list[str]
    default_category: str | None
    rows: Iterator[tuple[int, dict, list]]   # (row number, {field: value}, original cells)


def safe_rows(path: Path, limits: FileLimits = LIMITS) -> tuple[str, Iterator[tuple[int, list]]]:
    """(kind, rows) of an uploaded spreadsheet after the checks every upload passes (size,
    content sniffing, zip and XML bombs, encryption, formulas); raises RosterFileError."""
    if path.stat().st_size > limits.max_bytes:
        raise RosterFileError(f"文件超过 {limits.max_bytes // (1024 * 1024)} MB 的上限，请分批导入。")
    kind = sniff(path)
    if kind == "xlsx":
        check_xlsx(path, limits)
    return kind, iter_rows(path, kind)


@dataclass
class Table:
    """A table found in an uploaded file: its header and its data rows, read lazily."""

    kind: str
    header_row: int
    header: list[str]
    columns: dict[str, int]
    title_lines: list[str]
    rows: Iterator[tuple[int, dict, list]]   # (row number, {field: value}, original cells)


def open_table(path: Path, *, map_columns: Callable[[list], dict[str, int]], is_header: Callable[[dict], bool],
               key: str, is_key: Callable[[object], bool], not_found: str, limits: FileLimits = LIMITS) -> Table:
    """The one table reader of every upload (rosters, the insurer's payment files): the safety
    checks of safe_rows, the header row searched under up to 30 title lines, then the data rows
    lazily: a row whose `key` cell is not a key (is_key) and that starts with a total or
    signature line (合计 …) ends the table, a 小计 line is skipped, and in a CSV a cell that is a
    formula once trimmed is refused. Raises RosterFileError (`not_found` when no header)."""
    kind, rows = safe_rows(path, limits)
    title_lines: list[str] = []
    for number, cells in rows:
        mapped = map_columns(cells)
        if is_header(mapped):
            return Table(kind=kind, header_row=number, header=[clean_text(c) for c in cells], columns=mapped,
                         title_lines=title_lines, rows=_data_rows(rows, mapped, kind, limits, key, is_key))
        title_lines.append(" ".join(clean_text(c) for c in cells if clean_text(c)))
        if len(title_lines) >= HEADER_SEARCH_ROWS:
            break
    raise RosterFileError(not_found)


def _is_id_cell(cell) -> bool:
    """A roster row with an 18-character ID is data."""
    return isinstance(cell, str) and len(cell.strip()) == 18


def open_roster(path: Path, limits: FileLimits = LIMITS) -> RosterTable:
    """Check the file, find the header row under any title lines, map the columns and return
    the data rows lazily; a total line (合计 …) or a signature line ends them. Raises
    RosterFileError for an unsafe or unreadable file, a missing header or required column."""
    table = open_table(path, map_columns=map_header, is_header=lambda m: "name" in m and "id_number" in m,
                       key="id_number", is_key=_is_id_cell, limits=limits,
                       not_found="未找到表头行：前30行中没有同时含“姓名”和“公民身份号码（身份证号）”的行。"
                                 "请确认上传的是花名册。")
    columns, header_row = table.columns, table.header_row
    default_category = category_from_title(table.title_lines)
    missing = [f for f in REQUIRED if f not in columns]
    if "category" not in columns and default_category is None:
        missing.append("category")
    if missing:
        details = "；".join(f"“{FIELD_LABELS[f]}”（可用列名：{'、'.join(COLUMN_ALIASES[f][:4])}）"
                           for f in missing)
        raise RosterFileError(f"第{header_row}行表头缺少必需的列：{details}。")
    return RosterTable(kind=table.kind, header_row=header_row, header=table.header, columns=columns,
                       title_lines=table.title_lines, default_category=default_category, rows=table.rows)


def _data_rows(rows, columns: dict[str, int], kind: str, limits: FileLimits, key: str, is_key):
    width = max(columns.values()) + 1
    fields = list(columns.items())
    key_column = columns[key]
    count = 0
    for number, cells in rows:
        if len(cells) < width:
            cells = list(cells) + [""] * (width - len(cells))
        # A row with a key (an 18-character ID, a claim number) is data; anything else may be
        # the total or signature line that ends the table (it starts in one of the first cells).
        if not is_key(cells[key_column]):
            # Compared without any space: "合    计" and "合　计" are totals too.
            leading = "".join(clean_name(c) for c in cells[:3])
            later = [clean_name(c) for c in cells[1:3] if isinstance(c, str)]
            if leading.startswith(_END_MARKERS) or any(c.startswith(_END_MARKERS[:3]) for c in later):
                return
            if leading.startswith(_SUBTOTAL) or any(c.startswith(_SUBTOTAL) for c in later):
                continue
        if kind == "csv":
            # A spreadsheet program trims the cell before it looks for a formula.
            formula = next((i for i, c in enumerate(cells) if c.lstrip(" \t\r\n").startswith("=")), None)
            if formula is not None:
                raise RosterFileError(f"第{number}行第{formula + 1}列含有公式“{cells[formula].strip()[:20]}”。"
                                      "为防止数据被公式篡改，请删除公式后重新上传。")
        count += 1
        if count > limits.max_rows:
            raise RosterFileError(f"数据超过 {limits.max_rows:,} 行的上限，请分批导入。")
        yield number, {field: cells[index] for field, index in fields}, cells
