"""The oversight app's home panels (tongzhou_care/core/home.py): for the commission, the table
of every street and what is overdue; for an officer, the service to-dos (surveys, families not
contacted, publicity) and what is addressed to the street; for insurer staff, the complaints
about their company."""

from enrollment.home import year_of
from tongzhou_care.core.charts import chart, series
from tongzhou_care.core.home import COMMISSION, home_panel
from tongzhou_care.core.models import Role

from .selectors.checks import check_home_figures
from .selectors.complaints import overdue_complaints_addressed_to
from .selectors.dashboard import officer_service_figures, open_check_findings_by_rule, street_table
from .selectors.inspections import finding_home_figures, finding_search


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
