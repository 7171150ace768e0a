"""The annual evaluation report (年度评估报告) of a scheme year, read section by section: every
table is the figure selectors' or another scoped selector's, so the report says what the pages
say. Sections are plain tables (title, columns, rows) and charts (labels and series), which the
PDF and the workbook render (oversight/exports/annual_report.py) without querying."""

from dataclasses import dataclass, field
from datetime import date

from django.db import connection
from django.db.models import Count

from enrollment.rules.cover import PREMIUM_CEILING
from enrollment.selectors import premium_settlement_for
from tongzhou_care.core.xlsx import Column

from ..exports.figures import INDICATOR_COLUMNS, SLA_COLUMNS, indicator_rows, sla_rows
from ..rules.figures import percent
from . import figures as fig


@dataclass(frozen=True)
class Chart:
    title: str
    labels: list[str]
    series: list[tuple[str, list[float]]]     # (name, one value per label)
    unit: str = ""


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[Column]
    rows: list[list]
    sheet: str = ""                            # the workbook's sheet name (defaults to the title)


@dataclass
class Section:
    title: str
    text: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


def _pct(value) -> str:
    return "—" if value is None else f"{percent(value)}%"


def coverage_section(user, scheme_year, today: date) -> Section:
    """参保与人数: the year's headcount by month (premium settlement) and by street."""
    settlement, lines = premium_settlement_for(scheme_year)
    scope = fig.figure_scope(user, scheme_year)
    where = " AND FALSE" if scope.empty else ""
    params = {"year": scheme_year.pk}
    if scope.street_ids is not None:
        where += " AND pe.street_id = ANY(%(streets)s)"
        params["streets"] = list(scope.street_ids)
    rows = fig._fetch_all(f"""
        SELECT s.name, count(*) FILTER (WHERE p.cover_end >= p.cover_start),
               count(*) FILTER (WHERE p.cover_start > sy.coverage_start),
               count(*) FILTER (WHERE p.end_reason <> ''),
               round(sum(greatest(p.cover_end - p.cover_start + 1, 0))::numeric
                     / (sy.coverage_end - sy.coverage_start + 1), 2)
        FROM enrollment_policy p JOIN enrollment_person pe ON pe.id = p.person_id
        JOIN core_street s ON s.id = pe.street_id JOIN enrollment_schemeyear sy ON sy.id = p.scheme_year_id
        WHERE p.scheme_year_id = %(year)s{where}
        GROUP BY s.code, s.name, sy.coverage_start, sy.coverage_end ORDER BY s.code""", params)
    section = Section("一、参保与人数", text=[
        f"年初参保 {settlement.start_headcount} 人，全年参保 {settlement.persons} 人；"
        f"年中增员、减员共 {len(lines)} 人次（见保费结算）。"])
    section.tables.append(Table("各月在保人数", [Column("期间", 26), Column("首日在保人数", 14, "number")],
                                [[f"{p.start:%Y-%m-%d} 至 {p.end:%Y-%m-%d}", n] for p, n in settlement.months],
                                sheet="各月在保人数"))
    section.tables.append(Table("各街道/乡镇参保人数", [
        Column("街道/乡镇", 16), Column("参保人数", 10, "number"), Column("年中增员", 10, "number"),
        Column("减员", 8, "number"), Column("暴露（人年）", 12, "number")], [list(r) for r in rows], sheet="各街道参保"))
    section.charts.append(Chart("各月在保人数", [f"{p.start:%m}月" for p in settlement.periods],
                                [("在保人数", [float(n) for n in settlement.monthly_headcount])], unit="人"))
    return section


def claims_section(user, scheme_year, today: date, figures) -> Section:
    """理赔与资金: the figures of the year and the claims reported and paid by month."""
    where, params = fig._year_claims(scheme_year, fig.figure_scope(user, scheme_year))
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT to_char(c.admitted_on, 'YYYY-MM'), count(*), count(*) FILTER (WHERE c.status = 'paid'),
                   coalesce(sum(c.amount) FILTER (WHERE c.status = 'paid'), 0)
            FROM claims_claim c WHERE {where} GROUP BY 1 ORDER BY 1""", params)
        months = cursor.fetchall()
    f = figures
    pairs = [("参保人数（人）", f.persons), ("暴露（人年）", f.exposure.quantize(fig.Decimal("0.01"))),
             ("保费（保费结算，元）", f.premium), ("已赚保费（元）", f.earned_premium),
             ("报案（件）", f.claims_reported), ("已核定（件）", f.claims_decided), ("已支付（件）", f.claims_paid),
             ("未决：已报案未核定（件）", f.claims_outstanding), ("拒赔（件）", f.claims_refused),
             ("撤案（件）", f.claims_withdrawn), ("已支付天数", f.paid_days), ("已支付金额（元）", f.paid_amount),
             ("已核定未支付（元）", f.owed_amount), ("件均核定金额（元）", f.mean_decided),
             ("未决估计（元）", f.outstanding_estimate), ("已发生赔款（元）", f.incurred), ("赔付率", _pct(f.loss_ratio)),
             ("出险频率（次/人年）", None if f.frequency is None else f.frequency.quantize(fig.Decimal("0.001"))),
             ("次均支付天数", None if f.mean_paid_days is None else f.mean_paid_days.quantize(fig.Decimal("0.1"))),
             ("达到年度上限的人数", f.persons_at_cap), ("达到上限的占比", _pct(f.share_at_cap))]
    section = Section("二、理赔与资金", text=[
        f"截至 {today:%Y年%m月%d日}，报案 {f.claims_reported} 件，已支付 {f.claims_paid} 件、{f.paid_amount:,.2f} 元，"
        f"已发生赔款 {f.incurred:,.2f} 元，赔付率 {_pct(f.loss_ratio)}。"
        + ("保险年度尚未结束，赔付率按已赚保费计算。" if f.running else "")])
    section.tables.append(Table("赔付情况", [Column("指标", 28), Column("数值", 20)],
                                [[label, value] for label, value in pairs], sheet="赔付情况"))
    section.tables.append(Table("各月理赔（按入院月份）", [
        Column("月份", 10), Column("报案（件）", 10, "number"), Column("已支付（件）", 12, "number"),
        Column("核定金额（已支付，元）", 20, "money")], [list(m) for m in months], sheet="各月理赔"))
    section.charts.append(Chart("保费与赔款（元）", ["保费", "已支付", "已核定未付", "未决估计"],
                                [("金额", [float(f.premium), float(f.paid_amount), float(f.owed_amount),
                                           float(f.outstanding_estimate)])], unit="元"))
    section.charts.append(Chart("各月报案与支付（件）", [m[0][5:] + "月" for m in months],
                                [("报案", [float(m[1]) for m in months]), ("已支付", [float(m[2]) for m in months])],
                                unit="件"))
    return section


def sla_section(evaluation) -> Section:
    section = Section("三、服务时限", text=["已办结的环节以办理日期对比期限；未办结的以当前办理期限对比统计日，未到期的不计入。"])
    section.tables.append(Table("各环节服务时限", SLA_COLUMNS, list(sla_rows(evaluation.sla)), sheet="服务时限"))
    section.charts.append(Chart("各环节按时率（%）", [s.label for s in evaluation.sla],
                                [("按时率", [float(percent(s.share) or 0) for s in evaluation.sla])], unit="%"))
    return section


def complaints_section(user, scheme_year) -> Section:
    """投诉: the complaints received in the year by whom they are about, category and state."""
    from ..models.complaints import About, ComplaintCategory, ComplaintStatus
    from .complaints import complaints_visible_to

    qs = (complaints_visible_to(user).filter(received_on__range=(scheme_year.coverage_start, scheme_year.coverage_end))
          .order_by().values_list("about", "category", "status"))
    counts: dict = {}
    for about, category, status in qs:
        counts[(about, category, status)] = counts.get((about, category, status), 0) + 1
    rows = []
    for about in About:
        for category in ComplaintCategory:
            n = [counts.get((about.value, category.value, s.value), 0) for s in ComplaintStatus]
            if sum(n):
                rows.append([about.label, category.label, *n, sum(n)])
    columns = [Column("被投诉方", 12), Column("类别", 12)] + [Column(s.label, 8, "number") for s in ComplaintStatus] + [
        Column("合计", 8, "number")]
    return Section("四、投诉", text=[f"本年度受理投诉 {sum(counts.values())} 件。"],
                   tables=[Table("投诉分类统计", columns, rows, sheet="投诉")])


def surveys_section(user, scheme_year) -> Section:
    from .surveys import survey_figures

    figures = survey_figures(user, scheme_year_id=scheme_year.pk)
    columns = ([Column("街道/乡镇", 14), Column("任务", 8, "number"), Column("已完成", 8, "number"),
                Column("应答率", 8)] + [Column(q, 10) for q in figures.questions])
    rows = [[r.label, r.total, r.answered, "—" if r.rate is None else f"{r.rate}%",
             *["—" if m is None else m for m in r.means]] for r in [*figures.by_street, figures.total]]
    return Section("五、满意度调查", tables=[Table("满意度调查（各题均分，1–5分）", columns, rows, sheet="满意度调查")])


def evaluation_section(evaluation) -> Section:
    return Section("八、保险公司绩效评估", text=[
        f"总分 {evaluation.total.total} 分，等级：{evaluation.total.grade}。"],
        tables=[Table("评估指标", INDICATOR_COLUMNS, list(indicator_rows(evaluation)), sheet="绩效评估")])


def premium_section(user, scheme_year, today: date) -> Section:
    outlook = fig.premium_recommendation(user, scheme_year, today=today)
    r = outlook.current
    section = Section("九、下一年度保费建议")
    if r is None:
        section.text.append("本年度没有在保人员，无法测算。")
        return section
    ceiling = f"{PREMIUM_CEILING:.0f}"
    section.text.append(
        f"按本年度 {r.persons} 人、{r.exposure:.2f} 人年的赔付经验，下一年度补贴 {r.subsidy:,.2f} 元/天、上限 {r.cap} 天时，"
        f"预期赔付 {r.expected_cost:,.2f} 元/人年，目标赔付率 {percent(r.target)}%，建议保费 {r.premium:,.2f} 元/人/年"
        f"（90%区间 {r.low:,.2f} 至 {r.high:,.2f} 元）。"
        + (f"建议保费超过每人每年{ceiling}元的上限（实施方案五(二)）。" if r.over_ceiling else
           (f"90%区间上端超过{ceiling}元的上限。" if r.interval_over_ceiling else f"在每人每年{ceiling}元的上限以内。")))
    section.tables.append(Table("保费测算", [Column("项目", 28), Column("数值", 20)], [
        ["依据人数", r.persons], ["依据人年", f"{r.exposure:.2f}"], ["补贴标准（元/天）", r.subsidy],
        ["年度天数上限", r.cap], ["目标赔付率", f"{percent(r.target)}%"], ["预期赔付（元/人年）", r.expected_cost],
        ["建议保费（元/人/年）", r.premium], ["90%区间下限（元）", r.low], ["90%区间上限（元）", r.high],
        [f"超过{ceiling}元上限", "是" if r.over_ceiling else "否"]], sheet="保费建议"))
    return section



def inspections_section(user, scheme_year, today: date) -> Section:
    """巡查与整改: the year's inspections by whom they looked at, and their findings by category
    and state, with those overdue today."""
    from ..models.inspections import FindingStatus, InspectionScope, Party
    from .inspections import inspection_findings_visible_to, inspections_visible_to, overdue_q

    window = (scheme_year.coverage_start, scheme_year.coverage_end)
    inspections = {row["target"]: row["n"] for row in inspections_visible_to(user).filter(inspected_on__range=window)
                   .order_by().values("target").annotate(n=Count("pk"))}
    findings = inspection_findings_visible_to(user).filter(issued_on__range=window).order_by()
    counts = {(r["scope"], r["status"]): r["n"] for r in findings.values("scope", "status").annotate(n=Count("pk"))}
    overdue = {r["scope"]: r["n"] for r in findings.filter(overdue_q(today)).values("scope").annotate(n=Count("pk"))}
    rows = [[scope.label, *[counts.get((scope.value, s.value), 0) for s in FindingStatus],
             sum(counts.get((scope.value, s.value), 0) for s in FindingStatus), overdue.get(scope.value, 0)]
            for scope in InspectionScope]
    columns = ([Column("问题类别", 10)] + [Column(s.label, 9, "number") for s in FindingStatus]
               + [Column("合计", 8, "number"), Column("逾期未整改", 10, "number")])
    text = "；".join(f"巡查{party.label} {inspections.get(party.value, 0)} 次" for party in Party)
    return Section("六、巡查与整改", text=[f"本年度{text}，发现问题 {sum(counts.values())} 个，"
                                         f"截至 {today:%Y-%m-%d} 逾期未整改 {sum(overdue.values())} 个。"],
                   tables=[Table("巡查发现问题", columns, rows, sheet="巡查与整改")])


def checks_section(user) -> Section:
    """数据核查: per rule, the findings open (of which the latest run no longer found), resolved and
    dismissed (the state today: findings are not tied to a scheme year)."""
    from .checks import latest_run, rule_summary

    rows = [[r["rule"].title, r["open"], r["cleared"], r["resolved"], r["dismissed"]] for r in rule_summary(user)]
    run = latest_run(user)
    columns = [Column("核查规则", 40), Column("待处理", 8, "number"), Column("其中最近未再发现", 14, "number"),
               Column("已核实处理", 10, "number"), Column("已排除", 8, "number")]
    when = f"最近一次核查于 {run.started_at:%Y-%m-%d %H:%M}。" if run else "尚未运行数据核查。"
    return Section("七、数据核查", text=[when + "下表为各规则的发现及处理情况（截至报告生成时）。"],
                   tables=[Table("数据核查发现", columns, rows, sheet="数据核查")])


def later_sections(user, scheme_year, today: date) -> list:
    """Inspections and findings (六) and data checks (七)."""
    return [lambda: inspections_section(user, scheme_year, today), lambda: checks_section(user)]
