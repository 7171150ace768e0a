from collections.abc import Iterable

from enrollment.models import Sex
from tongzhou_care.core.masking import mask_id_number, mask_phone
from tongzhou_care.core.xlsx import Column, write_table

from ..models.service_log import ServiceKind

_KIND = dict(ServiceKind.choices)
_SEX = dict(Sex.choices)

NOT_CONTACTED_COLUMNS = [
    Column("街道/乡镇", 14), Column("社区/村", 16), Column("姓名", 10), Column("性别", 6), Column("出生年份", 10),
    Column("公民身份号码", 22), Column("联系电话", 15), Column("住址", 36), Column("上次服务日期", 14, "date"),
    Column("上次服务方式", 16), Column("本次走访日期", 14), Column("走访情况", 30),
]


def write_not_contacted(out, values: Iterable[tuple], *, title: str) -> int:
    """The persons not contacted this scheme year (selectors NOT_CONTACTED_VALUES), masked
    (S10: ID first 6 + last 4, phone first 3 + last 4, birth year only), with two empty columns
    the officer fills in on the visit round; returns the number of rows."""
    def rows():
        for street, community, name, sex, birth, id_number, phone, address, last_on, last_kind in values:
            yield [street, community, name, _SEX.get(sex, sex), f"{birth.year}年", mask_id_number(id_number),
                   mask_phone(phone), address, last_on, _KIND.get(last_kind, "从未登记"), "", ""]

    return write_table(out, NOT_CONTACTED_COLUMNS, rows(), sheet_name="未联系对象", title=title)


SERVICE_LOG_COLUMNS = [
    Column("服务日期", 12, "date"), Column("街道/乡镇", 14), Column("社区/村", 16), Column("姓名", 10),
    Column("公民身份号码", 22), Column("服务方式", 24), Column("服务人", 18), Column("相关理赔", 16),
    Column("服务内容", 40),
]


def write_service_log(out, values: Iterable[tuple]) -> int:
    """The service log (selectors SERVICE_LOG_VALUES), ID numbers masked; returns the rows."""
    def rows():
        for served_on, street, community, name, id_number, kind, officer, claim, note in values:
            yield [served_on, street, community, name, mask_id_number(id_number), _KIND.get(kind, kind), officer,
                   claim or "", note]

    return write_table(out, SERVICE_LOG_COLUMNS, rows(), sheet_name="服务台账")
