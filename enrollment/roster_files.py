"""Reading an uploaded roster safely (S16, S17): what the file really is, whether it is safe to
open, and its rows as plain values with their row numbers in the original file.

Nothing here touches the database. Every refusal is a RosterFileError with a Chinese message
a commission officer can act on.
"""

import codecs
import csv
import io
import itertools
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


def _non_empty(source, limits: FileLimits) -> Iterator[tuple[int, list]]:
    """The rows of a sheet that hold something; a long run of empty rows ends the sheet (a
    sheet formatted down to row 1,048,576 is not a million-row roster)."""
    empty_run = 0
    for number, cells in source:
        if any(clean_text(c) for c in cells):
            empty_run = 0
            yield number, cells
        else:
            empty_run += 1
            if empty_run >= limits.max_empty_run:
                return


def iter_sheets(path: Path, kind: str, limits: FileLimits = LIMITS) -> list[tuple[str, Iterator[tuple[int, list]]]]:
    """(sheet name, rows) for every worksheet, in the workbook's order; a CSV is one sheet
    named "". Rows are (row number in the original file, cell values), read when iterated,
    empty rows left out."""
    if kind == "csv":
        text = decode_csv(path.read_bytes())
        return [("", _non_empty(enumerate(csv.reader(io.StringIO(text, newline="")), start=1), limits))]
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError, SheetTypeEnum

    try:
        # From a file object calamine recognises the format by content; from a path it goes by
        # the extension, and a renamed file would fail.
        with path.open("rb") as f:
            workbook = CalamineWorkbook.from_filelike(f)
        names = [m.name for m in workbook.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
    except PasswordError:
        raise RosterFileError("文件设有密码，系统无法读取。请取消密码后重新上传。") from None
    except (CalamineError, ValueError, OSError) as error:
        raise RosterFileError("文件不完整或已损坏，无法读取。请重新导出后上传。") from error
    return [(name, _non_empty(_sheet_rows(workbook, name), limits)) for name in names]


def _sheet_rows(workbook, name: str):
    """A worksheet's rows, loaded when first asked for (one sheet in memory at a time)."""
    from python_calamine import CalamineError

    try:
        sheet = workbook.get_sheet_by_name(name)
        # calamine (0.9) yields the leading empty rows too: the n-th row is Excel's row n,
        # for .xlsx and .xls alike (tested), whatever sheet.start says.
        yield from enumerate(sheet.iter_rows(), start=1)
    except (CalamineError, ValueError, OSError) as error:
        raise RosterFileError("文件不完整或已损坏，无法读取。请重新导出后上传。") from error


def iter_rows(path: Path, kind: str) -> Iterator[tuple[int, list]]:
    """The rows of the first sheet that has rows (payment files and other one-table lists)."""
    for _, rows in iter_sheets(path, kind):
        first = next(rows, None)
        if first is not None:
            yield first
            yield from rows
            return


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
    "bank_name": ("开户银行", "开户行", "银行名称", "开户银行名称", "发放银行", "代发银行"),
    "bank_account": ("银行账号", "银行卡号", "银行帐号", "账号", "帐号", "卡号", "银行账户",
                     "存折账号", "发放账号", "收款账号"),
    "status": ("状态", "人员状态", "对象状态", "享受状态", "扶助状态"),
    "death_date": ("死亡日期", "死亡时间", "去世日期", "去世时间"),
    "event_date": ("死亡/减员日期", "变更日期", "减员日期", "注销日期", "迁出日期", "退出日期",
                   "停发日期", "终止日期", "状态变更日期", "变更时间", "减员时间"),
    "event_reason": ("减员原因", "变更原因", "注销原因", "退出原因", "停发原因"),
}
FIELD_LABELS = {"name": "姓名", "id_number": "公民身份号码", "sex": "性别", "birth_date": "出生日期",
                "street": "所属乡镇（街道）", "community": "村（居）委会", "address": "家庭住址",
                "phone": "联系电话", "bank_name": "开户银行", "bank_account": "银行账号",
                "category": "扶助类别", "assistance_start": "开始享受扶助时间",
                "spouse_id_number": "配偶身份证号", "status": "状态", "death_date": "死亡日期",
                "event_date": "变更日期", "event_reason": "减员原因"}
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


def _blank(cells: list, index: int) -> bool:
    return index >= len(cells) or not clean_text(cells[index])


def _two_row_header(top: list, sub: list) -> tuple[list[str], dict[str, int]]:
    """A header in two rows: group labels above (户籍所在地 merged over 乡镇（街道） and
    村（居）委会), column names below, and columns merged down both rows (姓名) named in the top
    row only. Each column's name is the lower cell, or the upper one where the lower is empty;
    a group label is kept in front of the names it stands over ("户籍所在地/乡镇（街道）")."""
    width = max(len(top), len(sub))
    names: list[str] = []
    columns: dict[str, int] = {}
    group = ""
    for i in range(width):
        upper = clean_text(top[i]) if i < len(top) else ""
        lower = clean_text(sub[i]) if i < len(sub) else ""
        if upper:
            group = upper if lower else ""      # a label over names starts a group
        elif not lower:
            group = ""
        if lower:
            names.append(f"{group}/{lower}" if group and group != lower else lower)
            field = _ALIAS_TO_FIELD.get(normalise_header(lower)) or _ALIAS_TO_FIELD.get(normalise_header(upper))
        else:
            names.append(upper)
            field = _ALIAS_TO_FIELD.get(normalise_header(upper))
        if field and field not in columns:
            columns[field] = i
    return names, columns


@dataclass
class RosterSheet:
    """One table of a roster file: a worksheet (name "" for a CSV) with its header."""

    name: str
    header_row: int                  # Excel's row of the header (the upper row of two)
    header_rows: int                 # 1, or 2 for a header with group labels above the names
    header: list[str]                # each column's name as the file spells it
    columns: dict[str, int]          # field → column index
    title_lines: list[str]
    default_category: str | None     # from a title naming the category, without a category column
    default_street: str | None       # the sheet's name, when it names a street and there is no street column
    rows: int = 0                    # data rows read

    def label(self, field: str) -> str:
        """The file's own name of the column holding `field` (or the importer's, if none)."""
        index = self.columns.get(field)
        if index is not None and index < len(self.header) and self.header[index]:
            return self.header[index]
        return FIELD_LABELS.get(field, field)


@dataclass
class RosterTable:
    kind: str
    sheets: list[RosterSheet]        # the sheets read so far (the first at open, the rest as rows are read)
    notes: list[str]                 # sheets not read, and why
    rows: Iterator[tuple[RosterSheet, int, dict, list]]   # (sheet, row number, {field: value}, original cells)

    # The first sheet's, for one-sheet files.
    @property
    def header_row(self) -> int:
        return self.sheets[0].header_row

    @property
    def header(self) -> list[str]:
        return self.sheets[0].header

    @property
    def columns(self) -> dict[str, int]:
        return self.sheets[0].columns

    @property
    def title_lines(self) -> list[str]:
        return self.sheets[0].title_lines

    @property
    def default_category(self) -> str | None:
        return self.sheets[0].default_category


def safe_rows(path: Path, limits: FileLimits = LIMITS) -> tuple[str, Iterator[tuple[int, list]]]:
    """(kind, rows) of an uploaded spreadsheet after the checks every upload passes (size,
    content sniffing, zip and XML bombs, encryption, formulas); raises RosterFileError."""
    kind = checked_kind(path, limits)
    return kind, iter_rows(path, kind)


def checked_kind(path: Path, limits: FileLimits = LIMITS) -> str:
    """The file's kind once it has passed the checks every upload passes; raises RosterFileError."""
    if path.stat().st_size > limits.max_bytes:
        raise RosterFileError(f"文件超过 {limits.max_bytes // (1024 * 1024)} MB 的上限，请分批导入。")
    kind = sniff(path)
    if kind == "xlsx":
        check_xlsx(path, limits)
    return kind


_NO_HEADER = "工作表“{}”前{}行没有同时含“姓名”和“公民身份号码”的表头，未读取。"


def _find_header(name: str, rows, is_street) -> tuple[RosterSheet | None, Iterator, bool]:
    """Read a sheet up to its header (the first row of the first 30 holding a name and an ID
    column) and the group row under it, if any: (the sheet, its data rows, whether it had any
    rows at all); the sheet is None when it has no header."""
    title_lines: list[str] = []
    seen = False
    for number, cells in rows:
        seen = True
        columns = map_header(cells)
        if "name" in columns and "id_number" in columns:
            break
        title_lines.append(" ".join(clean_text(c) for c in cells if clean_text(c)))
        if len(title_lines) >= HEADER_SEARCH_ROWS:
            return None, rows, True
    else:
        return None, rows, seen
    sheet = RosterSheet(name=name, header_row=number, header_rows=1, header=[clean_text(c) for c in cells],
                        columns=columns, title_lines=title_lines,
                        default_category=category_from_title(title_lines), default_street=None)
    following = next(rows, None)
    if following is not None:
        sub_number, sub = following
        if (sub_number == number + 1 and _blank(sub, columns["name"]) and _blank(sub, columns["id_number"])
                and any(_ALIAS_TO_FIELD.get(normalise_header(c)) for c in sub)):
            sheet.header, sheet.columns = _two_row_header(cells, sub)
            sheet.header_rows = 2
        else:
            rows = itertools.chain([following], rows)      # the first data row
    if "street" not in sheet.columns and name and is_street is not None and is_street(name):
        sheet.default_street = name
    return sheet, rows, True


def _check_required(sheet: RosterSheet, several: bool) -> None:
    missing = [f for f in REQUIRED if f not in sheet.columns and not (f == "street" and sheet.default_street)]
    if "category" not in sheet.columns and sheet.default_category is None:
        missing.append("category")
    if missing:
        details = "；".join(f"“{FIELD_LABELS[f]}”（可用列名：{'、'.join(COLUMN_ALIASES[f][:4])}）"
                           for f in missing)
        where = f"工作表“{sheet.name}”" if several else ""
        raise RosterFileError(f"{where}第{sheet.header_row}行表头缺少必需的列：{details}。")


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
    """The one-sheet table reader of other uploads (the insurer's payment files): the safety
    checks of safe_rows, the header row searched under up to 30 title lines, then the data rows
    lazily, read as a roster's are (_data_rows). Raises RosterFileError (`not_found` when no
    header). A roster has its own reader (open_roster: several sheets, two-row headers)."""
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


def open_roster(path: Path, limits: FileLimits = LIMITS, *, is_street=None) -> RosterTable:
    """Check the file, find each sheet's header row under any title lines (a header may take
    two rows: group labels above the names), map the columns and return the data rows lazily,
    sheet after sheet; a total line (合计 …) or a signature line ends a sheet's rows. A sheet
    without a header is left out with a note. `is_street(text)` tells whether a sheet's name
    names a street (one sheet per street, no street column). Raises RosterFileError for an
    unsafe or unreadable file, no header in any sheet, or a missing required column."""
    kind = checked_kind(path, limits)
    sheets = iter_sheets(path, kind, limits)
    several = len(sheets) > 1
    notes: list[str] = []
    remaining = iter(sheets)
    first = None
    for name, rows in remaining:
        first, rows, seen = _find_header(name, rows, is_street)
        if first is not None:
            break
        if seen and several:
            notes.append(_NO_HEADER.format(name, HEADER_SEARCH_ROWS))
    if first is None:
        raise RosterFileError("未找到表头行：前30行中没有同时含“姓名”和“公民身份号码（身份证号）”的行。"
                              "请确认上传的是花名册。")
    _check_required(first, several)
    table = RosterTable(kind=kind, sheets=[first], notes=notes, rows=iter(()))
    table.rows = _all_rows(table, rows, remaining, limits, is_street, several)
    return table


def _all_rows(table: RosterTable, rows, remaining, limits: FileLimits, is_street, several: bool):
    count = [0]        # data rows of all sheets, against the row limit
    yield from _roster_rows(table.sheets[0], rows, table.kind, limits, count)
    for name, rows in remaining:
        sheet, rows, seen = _find_header(name, rows, is_street)
        if sheet is None:
            if seen:
                table.notes.append(_NO_HEADER.format(name, HEADER_SEARCH_ROWS))
            continue
        _check_required(sheet, several)
        table.sheets.append(sheet)
        yield from _roster_rows(sheet, rows, table.kind, limits, count)


def _roster_rows(sheet: RosterSheet, rows, kind: str, limits: FileLimits, count: list[int]):
    """A roster sheet's data rows with the sheet they come from (and its street, for a sheet per
    street without a street column)."""
    for number, values, cells in _data_rows(rows, sheet.columns, kind, limits, "id_number", _is_id_cell, count):
        sheet.rows += 1
        if sheet.default_street is not None:
            values["street"] = sheet.default_street
        yield sheet, number, values, cells


def _data_rows(rows, columns: dict[str, int], kind: str, limits: FileLimits, key: str, is_key,
               count: list[int] | None = None):
    """(row number, {field: value}, cells) of a table's data rows: a row whose `key` cell is not a
    key (is_key) and that starts with a total or signature line (合计 …) ends the table, a 小计
    line is skipped, and in a CSV a cell that is a formula once trimmed is refused. `count`
    carries the rows read against the limit across the sheets of one file."""
    count = [0] if count is None else count
    width = max(columns.values()) + 1
    fields = list(columns.items())
    key_column = columns[key]
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
        count[0] += 1
        if count[0] > limits.max_rows:
            raise RosterFileError(f"数据超过 {limits.max_rows:,} 行的上限，请分批导入。")
        yield number, {field: cells[index] for field, index in fields}, cells
