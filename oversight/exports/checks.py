"""The data-check findings as Excel: rows in, file out (ID numbers masked, S10; text that looks
like a formula written as text, S19)."""

from collections.abc import Iterable
from datetime import date

from tongzhou_care.core.masking import mask_id_number
from tongzhou_care.core.xlsx import Column, write_table

from ..models.checks import CheckFindingStatus
from ..rules.checks import RULES_BY_NAME, describe

CHECK_COLUMNS = [
    Column("核查规则", 30), Column("对象", 20), Column("参保对象", 10), Column("公民身份号码", 22),
    Column("理赔编号", 16), Column("街道/乡镇", 14), Column("核查情况", 60), Column("处理状态", 12),
    Column("首次发现时间", 18, "date"), Column("最近一次核查", 14), Column("重新打开次数", 8, "number"),
    Column("处理人", 12), Column("处理时间", 18, "date"), Column("处理说明或排除理由", 40),
]
# What the export reads per finding, in one query.
EXPORT_VALUES = ("rule", "key", "person__name", "person__id_number", "claim__number", "street__name", "detail",
                 "status", "first_found_at", "cleared_at", "reopened_count", "handled_by__full_name",
                 "handled_by__username", "handled_at", "note")


def write_check_findings(out, values: Iterable[tuple], *, today: date) -> int:
    """The findings as one sheet; returns the number of rows."""
    def rows():
        for (rule, key, name, id_number, claim_number, street, detail, status, first_found_at, cleared_at,
             reopened, handler_name, handler_username, handled_at, note) in values:
            title = RULES_BY_NAME[rule].title if rule in RULES_BY_NAME else rule
            yield [title, key, name, mask_id_number(id_number) if id_number else "", claim_number, street,
                   describe(rule, detail, today=today), CheckFindingStatus(status).label, first_found_at,
                   "已不再发现" if cleared_at else "仍存在", reopened, handler_name or handler_username, handled_at,
                   note]

    return write_table(out, CHECK_COLUMNS, rows(), sheet_name="数据核查发现")
