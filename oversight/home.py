"""The oversight app's home panels (tongzhou_care/core/home.py): for the commission, the table
of every street and what is overdue; for an officer, the service to-dos (surveys, families not
contacted, publicity) and what is addressed to the street; for insurer staff, the complaints
about their company."""

from enrollment.home import year_of
from tongzhou_care.core.charts import chart, series
from tongzhou_care.core.home import COMMISSION, home_panel
from tongzhou_care.core.models import Role

from .selectors.complaints import overdue_complaints_addressed_to
from .selectors.dashboard import officer_service_figures, street_table


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
    """Survey tasks, persons not contacted this year, publicity delivered, overdue complaints."""
    figures = officer_service_figures(home.user, year_of(home), home.today)
    return figures if any(figures.values()) else None


@home_panel("oversight.overdue", order=50, roles=COMMISSION + (Role.INSURER_STAFF,),
            template="oversight/home/overdue.html")
def overdue_supervision(home):
    """Complaints past their deadline that the user must act on (the commission: all; insurer
    staff: about their company)."""
    user = home.user
    if not user.has_perm("oversight.view_complaint"):
        return None
    overdue = overdue_complaints_addressed_to(user, home.today)
    return {"complaints": {"count": overdue.count(), "first": list(overdue[:5])}}
