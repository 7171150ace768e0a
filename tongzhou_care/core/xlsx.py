"""Writing Excel files people open in Excel and WPS: Chinese headers, frozen header row,
widths that fit, ID numbers as text, formulas never (S19). Rows in, file out; no queries.

xlsxwriter in constant-memory mode keeps one row in memory and writes the rest to temporary
files, so a 100,000-row export costs what a 10-row one does in memory.
"""

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter
from django.utils import timezone

# S19: text starting with one of these becomes a formula (or a DDE payload) in a spreadsheet.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 12          # in Excel character units; CJK characters count about 2
    kind: str = "text"         # text | date | number | money


def open_temp():
    """A temporary file the caller streams and closes; the OS removes it on close."""
    return tempfile.TemporaryFile(prefix="tz-export-", suffix=".xlsx")


def new_workbook(out) -> xlsxwriter.Workbook:
    """A workbook writing to `out`, one row in memory at a time, never turning text into
    numbers, formulas or links."""
    return xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_numbers": False,
                                     "strings_to_formulas": False, "strings_to_urls": False})


def _write_value(sheet, r, c, value, column: Column, formats: dict) -> None:
    if value is None or value == "":
        return
    if isinstance(value, str):
        fmt = formats["quoted"] if value.startswith(FORMULA_TRIGGERS) else formats["text"]
        sheet.write_string(r, c, value, fmt)
    elif isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        sheet.write_datetime(r, c, local.replace(tzinfo=None), formats["date"])
    elif isinstance(value, date):
        sheet.write_datetime(r, c, datetime(value.year, value.month, value.day), formats["date"])
    elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        sheet.write_number(r, c, float(value), formats["money"] if column.kind == "money" else None)
    else:
        sheet.write_string(r, c, str(value), formats["text"])


def _formats(workbook) -> dict:
    return {
        "header": workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                       "text_wrap": True, "valign": "vcenter"}),
        "text": workbook.add_format({"num_format": "@"}),
        "quoted": workbook.add_format({"num_format": "@", "quote_prefix": True}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "money": workbook.add_format({"num_format": "#,##0.00"}),
        "title": workbook.add_format({"bold": True, "font_size": 14}),
        "bold": workbook.add_format({"bold": True}),
    }


def add_table(workbook, columns: list[Column], rows: Iterable[Iterable], *, sheet_name: str,
              title: str | None = None) -> int:
    """Add a sheet: an optional title row, the header (frozen, filterable), the rows; return
    the number of rows. Strings are always strings: one that looks like a formula gets Excel's
    quote prefix, so it is shown, never evaluated (S19)."""
    formats = _formats(workbook)
    sheet = workbook.add_worksheet(sheet_name[:31])
    first = 0
    if title:
        sheet.write_string(0, 0, title, formats["title"])
        first = 1
    for c, column in enumerate(columns):
        sheet.set_column(c, c, column.width, formats["text"] if column.kind == "text" else None)
        sheet.write_string(first, c, column.header, formats["header"])
    sheet.freeze_panes(first + 1, 0)
    count = 0
    extra = Column("")      # a row wider than the header (a CSV line with a stray comma) keeps its cells
    for r, row in enumerate(rows, start=first + 1):
        for c, value in enumerate(row):
            _write_value(sheet, r, c, value, columns[c] if c < len(columns) else extra, formats)
        count += 1
    if count:
        sheet.autofilter(first, 0, first + count, len(columns) - 1)
    return count


def add_summary(workbook, pairs: list[tuple[str, object]], *, sheet_name: str, title: str) -> None:
    """Add a sheet of label / value pairs under a title (the head of a report)."""
    formats = _formats(workbook)
    sheet = workbook.add_worksheet(sheet_name[:31])
    sheet.set_column(0, 0, 32)
    sheet.set_column(1, 1, 28)
    sheet.write_string(0, 0, title, formats["title"])
    value_column = Column("", kind="money")
    for r, (label, value) in enumerate(pairs, start=2):
        sheet.write_string(r, 0, label, formats["bold"])
        column = value_column if isinstance(value, Decimal) else Column("", kind="text")
        _write_value(sheet, r, 1, value, column, formats)


def write_table(out, columns: list[Column], rows: Iterable[Iterable], *, sheet_name: str = "Sheet1",
                title: str | None = None) -> int:
    """A workbook of one table (add_table) written to `out`; returns the number of rows."""
    workbook = new_workbook(out)
    count = add_table(workbook, columns, rows, sheet_name=sheet_name, title=title)
    workbook.close()
    return count
