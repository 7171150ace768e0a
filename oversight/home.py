"""The oversight app's home panels (tongzhou_care/core/home.py): for the commission, the table
of every street and what is overdue; for an officer, the service to-dos (surveys, families not
contacted, publicity) and what is addressed to the street; for insurer staff, the complaints
about their company."""

from enrollment.home import year_of
from enrollment.selectors import scheme_years_visible_to
from tongzhou_care.core.charts import chart, series
from tongzhou_care.core.home import COMMISSION, home_panel
from tongzhou_care.core.models import Role

from .rules.figures import percent
from .selectors.checks import check_home_figures
from .selectors.complaints import overdue_complaints_addressed_to
from .selectors.dashboard import officer_service_figures, open_check_findings_by_rule, street_table
from .selectors.figures import insurer_evaluation, sla_compliance, year_figures
from .selectors.inspections import finding_home_figures, finding_search


@home_panel("oversight.money", order=20, roles=COMMISSION, template="oversight/home/money.html")
def commission_year_money(home):
    """The scheme year's premium against claims paid and still to pay, and the loss ratio to
    date (issue 10's year figures: selectors.figures.year_figures)."""
    user, year = home.user, year_of(home)
    if year is None or not user.has_perm("enrollment.view_adjustment"):
        return None
    f = year_figures(user, year, today=home.today)
    return {
        "f": f, "year": year, "above_target": f.loss_ratio is not None and f.loss_ratio * 100 > year.target_loss_ratio,
        "chart": chart("bar", ["保费", "赔款"], [
            series("已赚保费", [f.earned_premium, None], stack="m"),
            series("尚未到期的保费", [f.premium - f.earned_premium, None], stack="m"),
            series("已支付", [None, f.paid_amount], stack="m"),
            series("已核定未支付", [None, f.owed_amount], stack="m"),
            series("未决估计（已报案未核定）", [None, f.outstanding_estimate], stack="m"),
        ], title=f"{year.name}保费与已支付、未支付赔款", unit="元", horizontal=True, stacked=True),
    }


@home_panel("oversight.sla", order=35, roles=COMMISSION + (Role.INSURER_STAFF,), template="oversight/home/sla.html")
def insurer_sla(home):
    """The insurer's compliance with each service deadline this scheme year; for insurer staff
    also their evaluation to date (selectors.figures: sla_compliance, insurer_evaluation)."""
    user, year = home.user, year_of(home)
    if year is None or not user.has_perm("enrollment.view_evaluation"):
        return None
    if not scheme_years_visible_to(user).filter(pk=year.pk).exists():
        return None                       # another company's year: not this insurer's to see
    evaluation = insurer_evaluation(user, year, today=home.today) if user.role == Role.INSURER_STAFF else None
    steps = evaluation.sla if evaluation else sla_compliance(user, year, today=home.today)
    return {
        "year": year, "steps": steps, "evaluation": evaluation,
        "chart": chart("bar", [s.label for s in steps], [series("按时率", [percent(s.share) for s in steps])],
                       title=f"{year.name}保险公司各环节按时率", unit="%", max_value=100),
    }


@home_panel("oversight.streets", order=40, roles=COMMISSION, template="oversight/home/streets.html")
def commission_street_table(home):
    """Per street: insured, claims, claims per 100 insured, money paid, complaints, families
    told; a chart of claims per 100 insured."""
    user, year = home.user, year_of(home)
    if year is None or not user.has_perm("claims.view_all_claims"):
        return None
    table = street_table(user, year)
    return {"table": table,
            "chart": chart("bar", [r.street.name for r in table.rows], [series("每百名参保对象报案件数",
                           [r.per_hundred for r in table.rows])], title=f"{year.name}各街道/乡镇每百名参保对象报案件数",
                           unit="件", horizontal=True)}


@home_panel("oversight.service", order=45, roles=(Role.STREET_OFFICER,), template="oversight/home/service.html")
def officer_service(home):
    """Survey tasks, persons not contacted this year, publicity delivered, overdue complaints,
    and what the commission addressed to the street: inspection findings to rectify (the most
    urgent listed) and data-check findings to help verify."""
    user = home.user
    figures = officer_service_figures(user, year_of(home), home.today)
    figures["findings"] = finding_home_figures(user, home.today)
    if figures["findings"]:
        figures["findings_first"] = list(finding_search(user, home.today, state="pending")[:5])
    figures["checks"] = check_home_figures(user)
    return figures if any(figures.values()) else None


@home_panel("oversight.supervision", order=50, roles=COMMISSION, template="oversight/home/supervision.html")
def commission_supervision(home):
    """What is overdue or open: complaints past their deadline, inspection findings overdue or
    waiting for acceptance, open data-check findings by rule."""
    user = home.user
    overdue = overdue_complaints_addressed_to(user, home.today)
    rules = open_check_findings_by_rule(user)
    return {
        "complaints": {"count": overdue.count(), "first": list(overdue[:5])},
        "findings": finding_home_figures(user, home.today),
        "findings_overdue": list(finding_search(user, home.today, state="overdue")[:5]),
        "checks": rules, "check_line": check_home_figures(user),
        "chart": chart("bar", [r["rule"].title for r in rules], [series("待处理", [r["open"] for r in rules])],
                       title="待处理的数据核查发现（按规则）", unit="条", horizontal=True) if rules else None,
    }


@home_panel("oversight.insurer", order=50, roles=(Role.INSURER_STAFF,), template="oversight/home/insurer.html")
def insurer_supervision(home):
    """Complaints about the company past their deadline, inspection findings addressed to it."""
    user = home.user
    if not user.has_perm("oversight.view_complaint"):
        return None
    overdue = overdue_complaints_addressed_to(user, home.today)
    return {"complaints": {"count": overdue.count(), "first": list(overdue[:5])},
            "findings": finding_home_figures(user, home.today)}
