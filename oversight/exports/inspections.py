"""Inspection printouts and exports: the record sheet (巡查记录表, PDF for signature) and the
findings list (Excel). Data in, file out; the caller fetched what is passed."""

from collections.abc import Iterable
from datetime import date

from tongzhou_care.core.pdf import render_pdf
from tongzhou_care.core.xlsx import Column, write_table

from ..models.inspections import FindingStatus, InspectionScope, Party
from ..rules.inspections import is_overdue


def write_record_sheet(target, inspection, findings, *, today: date) -> None:
    """The inspection with its findings on A4, with lines for the inspectors' and the
    inspected office's signatures and seal."""
    render_pdf("oversight/inspections/pdf/record_sheet.html",
               {"inspection": inspection, "findings": findings, "today": today}, target)


FINDING_COLUMNS = [
    Column("巡查日期", 12, "date"), Column("巡查对象", 18), Column("序号", 6, "number"), Column("问题类别", 10),
    Column("问题描述", 40), Column("整改要求", 30), Column("责任单位类型", 12), Column("责任单位", 18),
    Column("提出日期", 12, "date"), Column("整改期限（工作日）", 10, "number"), Column("整改截止日期", 12, "date"),
    Column("状态", 10), Column("是否逾期", 8), Column("退回次数", 8, "number"),
]
# What the export reads per finding, in one query, in the order of FINDING_COLUMNS.
FINDING_VALUES = ("inspection__inspected_on", "inspection__target", "inspection__street__name",
                  "inspection__insurer__name", "number", "scope", "description", "requirement", "responsible",
                  "responsible_street__name", "responsible_insurer__name", "issued_on", "deadline_days", "due_on",
                  "status", "return_count")


def write_finding_list(out, values: Iterable[tuple], *, today: date) -> int:
    """The findings as one sheet; returns the number of rows. Text that looks like a formula
    is written as text (core.xlsx, S19)."""
    def rows():
        for (inspected_on, target, street, insurer, number, scope, description, requirement, responsible,
             party_street, party_insurer, issued_on, days, due_on, status, returns) in values:
            yield [inspected_on, street if target == Party.STREET else insurer, number,
                   InspectionScope(scope).label, description, requirement, Party(responsible).label,
                   party_street if responsible == Party.STREET else party_insurer, issued_on, days, due_on,
                   FindingStatus(status).label, "是" if is_overdue(status=status, due_on=due_on, today=today) else "否",
                   returns]

    return write_table(out, FINDING_COLUMNS, rows(), sheet_name="巡查问题")
