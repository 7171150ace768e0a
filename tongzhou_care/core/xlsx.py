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


def write_table(out, columns: list[Column], rows: Iterable[Iterable], *, sheet_name: str = "Sheet1",
                title: str | None = None) -> int:
    """Write one sheet (an optional title row, the header, the rows) to the file object `out`
    and return the number of data rows. Strings are always written as strings: one that looks
    like a formula gets Excel's quote prefix, so it is shown, never evaluated."""
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    sheet = workbook.add_worksheet(sheet_name[:31])
    header_format = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                         "text_wrap": True, "valign": "vcenter"})
    text_format = workbook.add_format({"num_format": "@"})
    quoted_format = workbook.add_format({"num_format": "@", "quote_prefix": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    money_format = workbook.add_format({"num_format": "#,##0.00"})

    first = 0
    if title:
        sheet.write_string(0, 0, title, workbook.add_format({"bold": True, "font_size": 14}))
        first = 1
    for c, column in enumerate(columns):
        sheet.set_column(c, c, column.width, text_format if column.kind == "text" else None)
        sheet.write_string(first, c, column.header, header_format)
    sheet.freeze_panes(first + 1, 0)

    count = 0
    for r, row in enumerate(rows, start=first + 1):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                fmt = quoted_format if value.startswith(FORMULA_TRIGGERS) else text_format
                sheet.write_string(r, c, value, fmt)
            elif isinstance(value, datetime):
                local = timezone.localtime(value) if timezone.is_aware(value) else value
                sheet.write_datetime(r, c, local.replace(tzinfo=None), date_format)
            elif isinstance(value, date):
                sheet.write_datetime(r, c, datetime(value.year, value.month, value.day), date_format)
            elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
                sheet.write_number(r, c, float(value),
                                   money_format if columns[c].kind == "money" else None)
            else:
                sheet.write_string(r, c, str(value), text_format)
        count += 1
    if count:
        sheet.autofilter(first, 0, first + count, len(columns) - 1)
    workbook.close()
    return count
