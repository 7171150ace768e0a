"""Excel files of the enrollment app: the roster export and the import error report.
Rows in, file out; the views fetch the rows through the scoped selectors."""

from collections.abc import Iterable

from tongzhou_care.core.masking import mask_address, mask_id_number, mask_phone
from tongzhou_care.core.xlsx import Column, add_summary, add_table, new_workbook, write_table

from .models import Category, PersonStatus, Policy, Sex
from .rules import PREMIUM_CEILING, gaps_text

# The headers are the importer's own column names, so a full export can be imported again.
ROSTER_COLUMNS = [
    Column("姓名", 10), Column("性别", 6), Column("公民身份号码", 22), Column("出生日期", 12, "date"),
    Column("所属乡镇（街道）", 14), Column("村（居）委会", 16), Column("家庭住址", 34),
    Column("联系电话", 15), Column("扶助类别", 22), Column("开始享受扶助时间", 16, "date"),
    Column("状态", 8), Column("死亡/减员日期", 14, "date"), Column("减员原因", 20),
]
# Values read for each exported person (selectors.person_export_values), in this order.
ROSTER_VALUES = ("name", "sex", "id_number", "birth_date", "street__name", "community", "address",
                 "phone", "category", "assistance_start", "status", "status_date", "removal_reason")

_SEX = dict(Sex.choices)
_CATEGORY = dict(Category.choices)
_STATUS = dict(PersonStatus.choices)


def roster_rows(values: Iterable[tuple], *, full: bool) -> Iterable[list]:
    """Display rows from ROSTER_VALUES tuples; masked unless `full` (S10): the ID number shows
    first 6 + last 4, the birth date only its year, the address without building and door, the
    phone first 3 + last 4."""
    for (name, sex, id_number, birth, street, community, address, phone, category, start,
         status, status_date, reason) in values:
        yield [
            name, _SEX.get(sex, sex),
            id_number if full else mask_id_number(id_number),
            birth if full else f"{birth.year}年",
            street, community, address if full else mask_address(address),
            phone if full else mask_phone(phone),
            _CATEGORY.get(category, category), start, _STATUS.get(status, status), status_date,
            reason,
        ]


def write_roster(out, values: Iterable[tuple], *, full: bool) -> int:
    """The roster as one sheet with no title row (it is meant for re-import)."""
    return write_table(out, ROSTER_COLUMNS, roster_rows(values, full=full), sheet_name="参保对象")


def write_error_report(out, *, header: list[str], rows: Iterable[tuple[str, int, str, list, list]],
                       title: str, several_sheets: bool = False) -> int:
    """The rows of an import that were not imported: the sheet (when the file has several),
    the original row number, what kind, the reason in Chinese, then the row as it stood in the
    file (under the first sheet's header)."""
    columns = ([Column("工作表", 12)] if several_sheets else []) + [
        Column("原文件行号", 10, "number"), Column("类型", 8), Column("原因", 50)] + [
        Column(h or f"第{i + 1}列", max(10, min(30, len(h) * 2 + 4))) for i, h in enumerate(header)]
    return write_table(out, columns, (
        ([sheet] if several_sheets else []) + [number, kind, "；".join(messages)] + list(original)
        for sheet, number, kind, messages, original in rows
    ), sheet_name="未导入的行", title=title)


# --- Scheme years ---------------------------------------------------------------------------

def certificate_data(policies, *, issued_on) -> list[dict]:
    """What a certificate shows, from policies fetched with person, street and insurer. The ID
    number is masked: the certificate travels with elderly people and their helpers (S10)."""
    return [{
        "number": p.number, "name": p.person.name, "id_number": mask_id_number(p.person.id_number),
        "street": p.person.street.name, "cover_start": p.cover_start, "cover_end": p.cover_end,
        "gaps": gaps_text(p.cover),
        "daily_subsidy": p.scheme_year.daily_subsidy, "day_cap": p.scheme_year.day_cap,
        "insurer": p.scheme_year.insurer.name, "contract_number": p.scheme_year.contract_number,
        "hotline": p.scheme_year.insurer.hotline, "scheme_year": p.scheme_year.name,
        "report_deadline_days": p.scheme_year.report_deadline_days, "issued_on": issued_on,
    } for p in policies]


def write_certificates(target, policies, *, issued_on) -> None:
    """One A4 page per certificate, all in one PDF."""
    render_certificates(target, certificate_data(policies, issued_on=issued_on))


def render_certificates(target, certificates: list[dict]) -> None:
    """The certificates of certificate_data as one PDF (also a part of a batch job)."""
    from tongzhou_care.core.pdf import render_pdf

    render_pdf("enrollment/pdf/certificates.html", {"certificates": certificates}, target)


CHANGE_COLUMNS = [
    Column("类型", 6), Column("保单号", 16), Column("姓名", 10), Column("公民身份号码", 22),
    Column("所属乡镇（街道）", 14), Column("生效日期", 12, "date"), Column("通知保险公司日期", 16, "date"),
    Column("原因", 24), Column("记录人", 12), Column("记录时间", 18, "date"),
]


def write_change_list(out, changes) -> int:
    """增减员清单: additions with the day cover starts, removals with the last day of cover
    (ID numbers masked: the list travels by e-mail to the insurer)."""
    return write_table(out, CHANGE_COLUMNS, (
        [c.get_kind_display(), c.policy.number, c.policy.person.name,
         mask_id_number(c.policy.person.id_number),
         c.policy.person.street.name, c.effective_date, c.notified_on, c.reason,
         str(c.created_by), c.created_at]
        for c in changes), sheet_name="增减员清单")


INSURED_COLUMNS = [
    Column("保单号", 16), Column("姓名", 10), Column("性别", 6), Column("公民身份号码", 22),
    Column("出生日期", 12, "date"), Column("所属乡镇（街道）", 14), Column("村（居）委会", 16),
    Column("联系电话", 15), Column("保障开始", 12, "date"), Column("保障结束", 12, "date"),
    Column("终止原因", 8),
]
INSURED_VALUES = ("number", "person__name", "person__sex", "person__id_number", "person__birth_date",
                  "person__street__name", "person__community", "person__phone", "cover_start",
                  "cover_end", "end_reason")


def write_insured_list(out, values, *, full: bool) -> int:
    """承保清单 for the insurer, from INSURED_VALUES tuples; masked unless `full`."""
    end_reasons = dict(Policy.EndReason.choices) | {"": ""}
    return write_table(out, INSURED_COLUMNS, (
        [number, name, _SEX.get(sex, sex), id_number if full else mask_id_number(id_number),
         birth if full else f"{birth.year}年", street, community,
         phone if full else mask_phone(phone), start, end, end_reasons.get(reason, reason)]
        for number, name, sex, id_number, birth, street, community, phone, start, end, reason in values
    ), sheet_name="承保清单")


PREMIUM_LINE_COLUMNS = [
    Column("类型", 6), Column("保单号", 16), Column("姓名", 10), Column("公民身份号码", 22),
    Column("所属乡镇（街道）", 14), Column("保障开始", 12, "date"), Column("保障结束", 12, "date"),
    Column("在保天数", 10, "number"), Column("保费（元）", 12, "money"), Column("终止原因", 8),
    Column("未在保期间（恢复参保前）", 26),
]


def write_premium_settlement(out, scheme_year, settlement, lines) -> int:
    """保费结算 as Excel: a titled summary sheet, the monthly headcount, and the additions and
    removals with their covered days and amounts."""
    workbook = new_workbook(out)
    add_summary(workbook, [
        ("承保机构", scheme_year.insurer.name),
        ("合同编号", scheme_year.contract_number),
        ("保险期间", f"{scheme_year.coverage_start:%Y-%m-%d} 至 {scheme_year.coverage_end:%Y-%m-%d}"),
        ("每人每年保费（元）", scheme_year.premium_per_person),
        ("年中增减员保费计算", scheme_year.get_proration_display()),
        ("年初参保人数", settlement.start_headcount),
        ("全年参保人数", settlement.persons),
        ("应付保费合计（元）", settlement.total),
        (f"预算上限：参保人数×{PREMIUM_CEILING:.0f}元（元）", settlement.cap),
        ("是否在预算上限内", "是" if settlement.within_cap else "否"),
    ], sheet_name="结算汇总", title=f"{scheme_year.name}保费结算")
    add_table(workbook, [Column("期间", 26), Column("首日在保人数", 14, "number")], (
        [f"{p.start:%Y-%m-%d} 至 {p.end:%Y-%m-%d}", n]
        for p, n in settlement.months), sheet_name="各月在保人数")
    count = add_table(workbook, PREMIUM_LINE_COLUMNS, (
        [l["kind"], l["number"], l["name"], mask_id_number(l["id_number"]), l["street"],
         l["cover_start"], l["cover_end"], l["days"], l["amount"], l["end_reason"], l["gaps"]]
        for l in lines), sheet_name="增减员明细")
    workbook.close()
    return count


def write_premium_settlement_pdf(target, scheme_year, settlement, lines) -> None:
    from tongzhou_care.core.money import yuan_in_words
    from tongzhou_care.core.pdf import render_pdf

    render_pdf("enrollment/pdf/premium_settlement.html", {
        "sy": scheme_year, "s": settlement, "lines": lines, "ceiling": PREMIUM_CEILING,
        "total_in_words": yuan_in_words(settlement.total),
    }, target)
