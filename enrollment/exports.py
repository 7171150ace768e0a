"""Excel files of the enrollment app: the roster export and the import error report.
Rows in, file out; the views fetch the rows through the scoped selectors."""

from collections.abc import Iterable

from tongzhou_care.core.masking import mask_id_number, mask_phone
from tongzhou_care.core.xlsx import Column, write_table

from .models import Category, PersonStatus, Sex

# The headers are the importer's own column names, so a full export can be imported again.
ROSTER_COLUMNS = [
    Column("姓名", 10), Column("性别", 6), Column("公民身份号码", 22), Column("出生日期", 12, "date"),
    Column("所属乡镇（街道）", 14), Column("村（居）委会", 16), Column("家庭住址", 34),
    Column("联系电话", 15), Column("扶助类别", 22), Column("开始享受扶助时间", 16, "date"),
    Column("状态", 8), Column("死亡/减员日期", 14, "date"), Column("减员原因", 20),
]
# Values read for each exported person (selectors.person_export_rows), in this order.
ROSTER_VALUES = ("name", "sex", "id_number", "birth_date", "street__name", "community", "address",
                 "phone", "category", "assistance_start", "status", "status_date", "removal_reason")

_SEX = dict(Sex.choices)
_CATEGORY = dict(Category.choices)
_STATUS = dict(PersonStatus.choices)


def roster_rows(values: Iterable[tuple], *, full: bool) -> Iterable[list]:
    """Display rows from ROSTER_VALUES tuples; masked unless `full` (S10): the ID number shows
    first 6 + last 4, the birth date only its year, the phone first 3 + last 4."""
    for (name, sex, id_number, birth, street, community, address, phone, category, start,
         status, status_date, reason) in values:
        yield [
            name, _SEX.get(sex, sex),
            id_number if full else mask_id_number(id_number),
            birth if full else f"{birth.year}年",
            street, community, address,
            phone if full else mask_phone(phone),
            _CATEGORY.get(category, category), start, _STATUS.get(status, status), status_date,
            reason,
        ]


def write_roster(out, values: Iterable[tuple], *, full: bool) -> int:
    """The roster as one sheet with no title row (it is meant for re-import)."""
    return write_table(out, ROSTER_COLUMNS, roster_rows(values, full=full), sheet_name="参保对象")


def write_error_report(out, *, header: list[str], rows: Iterable[tuple[int, str, list, list]],
                       title: str) -> int:
    """The rows of an import that were not imported: the original row number, what kind,
    the reason in Chinese, then the row as it stood in the file."""
    columns = [Column("原文件行号", 10, "number"), Column("类型", 8), Column("原因", 50)] + [
        Column(h or f"第{i + 1}列", max(10, min(30, len(h) * 2 + 4))) for i, h in enumerate(header)]
    return write_table(out, columns, (
        [number, kind, "；".join(messages)] + list(original)
        for number, kind, messages, original in rows
    ), sheet_name="未导入的行", title=title)
