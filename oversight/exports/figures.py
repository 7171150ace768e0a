"""The insurer evaluation as a printout (PDF with a signature block) and a workbook; rows in,
bytes out, no queries."""

from decimal import Decimal

from tongzhou_care.core.pdf import render_pdf
from tongzhou_care.core.xlsx import Column, add_summary, add_table, new_workbook

from ..rules.figures import percent

INDICATOR_COLUMNS = [Column("指标", 24), Column("权重", 8, "number"), Column("实际值", 14),
                     Column("得分（0–100）", 14, "number"), Column("加权得分", 12, "number"), Column("依据", 60)]


def indicator_value(indicator) -> str:
    """The measured figure as the evaluation writes it: a share in %, a rate or mean as a number."""
    if indicator.value is None:
        return "无可计量数据"
    if indicator.key in ("complaint_rate", "satisfaction"):
        return f"{Decimal(indicator.value).quantize(Decimal('0.01'))}"
    return f"{percent(indicator.value)}%"


def basis_text(indicator) -> str:
    return "；".join(f"{b.label}：{'—' if b.value is None else b.value}" for b in indicator.basis)


def indicator_rows(evaluation):
    measured = evaluation.total.weight_measured
    for i in evaluation.indicators:
        weighted = (i.score * i.weight / measured).quantize(Decimal("0.01")) if i.score is not None and measured else None
        yield [i.label, i.weight, indicator_value(i),
               i.score.quantize(Decimal("0.1")) if i.score is not None else None, weighted, basis_text(i)]


def evaluation_summary(evaluation) -> list[tuple[str, object]]:
    y = evaluation.scheme_year
    return [("保险年度", y.name), ("承保机构", y.insurer.name), ("合同编号", y.contract_number),
            ("保险期间", f"{y.coverage_start:%Y-%m-%d} 至 {y.coverage_end:%Y-%m-%d}"),
            ("统计截至", f"{evaluation.today:%Y-%m-%d}" + ("（保险年度尚未结束）" if evaluation.running else "")),
            ("范围", evaluation.scope.label), ("总分", evaluation.total.total), ("等级", evaluation.total.grade)]


def write_evaluation_xlsx(out, evaluation) -> int:
    """绩效评估 as Excel: the summary, the indicators with their basis, the SLA steps."""
    workbook = new_workbook(out)
    add_summary(workbook, evaluation_summary(evaluation), sheet_name="评估汇总",
                title=f"{evaluation.scheme_year.name}保险公司绩效评估")
    count = add_table(workbook, INDICATOR_COLUMNS, indicator_rows(evaluation), sheet_name="评估指标")
    add_table(workbook, SLA_COLUMNS, sla_rows(evaluation.sla), sheet_name="服务时限")
    workbook.close()
    return count


SLA_COLUMNS = [Column("环节", 18), Column("时限（工作日）", 12, "number"), Column("计入件数", 10, "number"),
               Column("按时", 8, "number"), Column("超时办结", 10, "number"), Column("逾期未办", 10, "number"),
               Column("未到期", 8, "number"), Column("按时率", 10)]


def sla_rows(steps):
    for s in steps:
        yield [s.label, s.days, s.counted, s.in_time, s.late, s.open_late, s.pending,
               f"{percent(s.share)}%" if s.share is not None else "—"]


def write_evaluation_pdf(target, evaluation) -> None:
    render_pdf("oversight/figures/pdf/evaluation.html", {
        "e": evaluation, "sy": evaluation.scheme_year, "rows": list(indicator_rows(evaluation)),
        "summary": evaluation_summary(evaluation), "sla": list(sla_rows(evaluation.sla))}, target)
