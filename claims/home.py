"""The claims app's home panels (tongzhou_care/core/home.py): the officer's field tasks and open
claims with what each waits for, the insurer's work queue, the commission's claims by month and
state, finance's premium against claims paid by month."""

from enrollment.home import year_of
from tongzhou_care.core.charts import chart, series
from tongzhou_care.core.home import COMMISSION, home_panel
from tongzhou_care.core.models import Role

from .models import ClaimStatus
from .selectors import claim_counts, claims_awaiting_documents, overdue_claims
from .selectors.figures import claims_by_month, claims_in_progress, premium_against_paid, work_queue

# The claims list's state filter behind each step of the work queue.
STEP_STATES = {"accept": "reported", "request_documents": "reported", "decide": "accepted", "review": "appealed",
               "pay": "decided", "refusal_notice": "refused"}


@home_panel("claims.field_tasks", order=10, roles=(Role.STREET_OFFICER,), template="claims/home/field_tasks.html")
def field_tasks(home):
    """The officer's field tasks, each two taps away: find a person (to report a stay or log a
    visit) and the claims still missing a document."""
    user = home.user
    awaiting = claims_awaiting_documents(user) if user.has_perm("claims.upload_claim_document") else []
    return {"find": user.has_perm("enrollment.view_person"), "awaiting_documents": awaiting}


@home_panel("claims.work_queue", order=15, roles=(Role.INSURER_STAFF,), template="claims/home/work_queue.html")
def insurer_work_queue(home):
    """What waits on the insurer: to accept, to ask for documents, to decide, to review, to pay,
    to deliver a refusal notice; how many are past the deadline; the most urgent claims."""
    user = home.user
    if not user.has_perm("claims.view_claim"):
        return None
    queue = work_queue(user, home.today)
    labels = [s.label for s in queue.steps]
    return {
        "queue": queue, "steps": [(step, STEP_STATES[step.step]) for step in queue.steps],
        "counts": [(ClaimStatus(s).label, s, n) for s, n in claim_counts(user).items()],
        "chart": chart("bar", labels, [series("未逾期", [s.count - s.overdue for s in queue.steps], stack="q"),
                                       series("已逾期", [s.overdue for s in queue.steps], stack="q", color="#b00020")],
                       title="保险公司待办理赔（按事项）", unit="件", horizontal=True, stacked=True),
    }


@home_panel("claims.in_progress", order=30, roles=(Role.STREET_OFFICER,), template="claims/home/in_progress.html")
def officer_claims_in_progress(home):
    """The street's open claims, each with what it waits for (the family's documents or
    discharge date, or the insurer's next step), those past the insurer's deadline first."""
    user = home.user
    if not user.has_perm("claims.view_claim"):
        return None
    progress = claims_in_progress(user, home.today,
                                  without_missing=user.has_perm("claims.upload_claim_document"))
    return {
        "progress": progress,
        "chart": chart("bar", [label for _, _, label, _ in progress.by_step],
                       [series("理赔件数", [n for *_, n in progress.by_step])],
                       title="本街道在办理赔等待的事项", unit="件", horizontal=True) if progress.by_step else None,
    }


@home_panel("claims.by_month", order=30, roles=COMMISSION, template="claims/home/by_month.html")
def commission_claims_by_month(home):
    """The scheme year's claims by month of admission and present state, and the claims past the
    insurer's deadline."""
    user, year = home.user, year_of(home)
    if year is None or not user.has_perm("claims.view_all_claims"):
        return None
    figures = claims_by_month(user, year)
    return {
        "year": year, "by_month": figures, "overdue": overdue_claims(user, home.today).count(),
        "chart": chart("bar", [r.label for r in figures.rows],
                       [series(label, [r.counts[s] for r in figures.rows], stack="s") for s, label in figures.states],
                       title=f"{year.name}理赔按入院月份和状态", unit="件", stacked=True),
    }


@home_panel("claims.premium_paid", order=25, roles=(Role.FINANCE,), template="claims/home/premium_paid.html")
def finance_premium_against_paid(home):
    """The year's premium settlement month by month (headcount, the premium falling to the
    month) against the claims paid in that month, with running totals."""
    user, year = home.user, year_of(home)
    if year is None or not user.has_perm("enrollment.view_premium"):
        return None
    figures = premium_against_paid(user, year)
    rows = figures.rows
    return {
        "year": year, "figures": figures,
        "chart": chart("bar", [r.label for r in rows],
                       [series("当月保费", [r.premium for r in rows]), series("当月支付赔款", [r.paid for r in rows])],
                       title=f"{year.name}各月保费与支付赔款", unit="元"),
    }
