"""The figures the commission decides by, per scheme year (domain.md "Oversight": 绩效评估 and
动态调整), scoped to the user: the commission and finance see the district, insurer staff the
years of their company's contracts (and its claims), a street officer their street (claims of
the street, policies of its persons). Every figure set is a handful of SQL queries, the same
number whatever the number of claims; the arithmetic is in oversight/rules/figures.py.

The claim-side aggregates are read from the tallies the database keeps by trigger
(claims/tallies.py: the dashboards' day and paid tallies, and the figure tallies of claims 0011):
a few thousand rows a year instead of the year's claims, portions and payments. Only what depends on today is counted live, on an index: the
open SLA steps past their deadline (`due_on < today`) and the stays not decided yet (the
premium's experience). The policies (premium, exposure, persons at the cap) are counted from
the policies, whose number does not grow with the claims.

Which claims belong to a scheme year: those admitted on a day of it, a stay admitted before
the first scheme year belonging to the first (the year whose settings the claim's deadlines
follow, claims.services.claim._scheme_year_of). Money and paid days belong to the scheme year
of the policy that pays them (a stay crossing the year end is split by its portions).

Stable interface (called by the dashboards): year_figures, sla_compliance, insurer_evaluation.
"""

import functools
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Max, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from claims.models import ClaimStatus
from claims.rules import SLA_STEPS
from claims.tallies import OPEN
from enrollment.models import DayCounting, SchemeYear
from enrollment.rules import Cover, scheme_periods
from tongzhou_care.core.access import sees_all_streets
from tongzhou_care.core.models import Role
from tongzhou_care.core.money import to_yuan
from tongzhou_care.core.workdays import is_workday

from ..rules import figures as rules

ZERO = Decimal("0")
OUTSTANDING = (ClaimStatus.REPORTED, ClaimStatus.DOCUMENTS_PENDING, ClaimStatus.ACCEPTED, ClaimStatus.APPEALED)
DECIDED = (ClaimStatus.DECIDED, ClaimStatus.PAID)
# The scheme year's setting of each SLA step (working days).
SLA_SETTINGS = {"accept": "sla_accept_days", "decide": "sla_decide_days", "pay": "sla_pay_days",
                "refusal_notice": "sla_refusal_notice_days"}


# --- Scope ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """Whose figures: nothing, the district, one insurer's claims, or one street."""

    empty: bool = False
    street_ids: tuple[int, ...] | None = None     # None: every street
    insurer_id: int | None = None                 # claims handled by this insurer only
    label: str = "全区"


def figure_scope(user, scheme_year: SchemeYear) -> Scope:
    """The commission and finance: the district; insurer staff: the years of their company's
    contract, its claims; a street officer: their street; anyone else: nothing."""
    if not (user.is_authenticated and user.is_active):
        return Scope(empty=True, label="")
    if sees_all_streets(user):
        return Scope()
    if user.role == Role.INSURER_STAFF and user.insurer_id == scheme_year.insurer_id:
        return Scope(insurer_id=user.insurer_id, label=str(user.insurer))
    if user.role == Role.STREET_OFFICER and user.street_id:
        return Scope(street_ids=(user.street_id,), label=str(user.street))
    return Scope(empty=True, label="")


def _claim_filter(scope: Scope, alias: str = "c") -> tuple[str, dict]:
    """SQL conditions on a claim (alias) for the scope, and their parameters."""
    sql, params = [], {}
    if scope.empty:
        sql.append("FALSE")
    if scope.street_ids is not None:
        sql.append(f"{alias}.street_id = ANY(%(scope_streets)s)")
        params["scope_streets"] = list(scope.street_ids)
    if scope.insurer_id is not None:
        sql.append(f"{alias}.insurer_id = %(scope_insurer)s")
        params["scope_insurer"] = scope.insurer_id
    return "".join(f" AND {s}" for s in sql), params


def _previous_end(scheme_year: SchemeYear) -> date:
    """The last day of the scheme year before this one (date.min for the first), read once per
    scheme year object: a literal date lets the planner see how many claims the year has."""
    if not hasattr(scheme_year, "_previous_end"):
        end = (SchemeYear.objects.filter(coverage_start__lt=scheme_year.coverage_start)
               .aggregate(end=Max("coverage_end"))["end"])
        scheme_year._previous_end = end or date(1, 1, 1)
    return scheme_year._previous_end


def _year_claims(scheme_year: SchemeYear, scope: Scope, alias: str = "c") -> tuple[str, dict]:
    """The WHERE clause of the scheme year's claims in scope (admitted in the year, or before
    the first year for the first), with parameters."""
    where, params = _claim_filter(scope, alias)
    params.update(year_after=_previous_end(scheme_year), year_end=scheme_year.coverage_end)
    return f"{alias}.admitted_on > %(year_after)s AND {alias}.admitted_on <= %(year_end)s{where}", params


def _fetch(sql: str, params: dict) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [c.name for c in cursor.description]
        return dict(zip(columns, cursor.fetchone()))


def _fetch_all(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- Year figures (动态调整) -------------------------------------------------------------------

@dataclass(frozen=True)
class YearFigures:
    """Every figure of domain.md "Dynamic adjustment" for one scheme year, to `today`."""

    scheme_year: SchemeYear
    scope: Scope
    today: date
    running: bool                    # the year has not ended by today
    persons: int                     # insured persons (a policy with cover)
    exposure: Decimal                # person-years of cover, the whole year
    exposure_to_date: Decimal        # person-years of cover on or before today
    premium: Decimal                 # the premium settlement (保费结算) of the policies in scope
    earned_premium: Decimal          # the part of it earned by today
    claims_reported: int
    claims_withdrawn: int
    claims_refused: int
    claims_decided: int              # decided or paid
    claims_paid: int
    claims_outstanding: int          # reported, not decided (nor refused or withdrawn)
    paid_days: int                   # paid by the year's policies (payments and settled supplements)
    paid_amount: Decimal
    paid_stays: int                  # stays with days paid by the year's policies
    owed_amount: Decimal             # decided and not yet paid (and open supplements)
    mean_decided: Decimal | None     # mean amount of a decided claim (decided + supplements)
    outstanding_estimate: Decimal    # outstanding × mean decided
    incurred: Decimal
    loss_ratio: Decimal | None       # incurred ÷ earned premium
    frequency: Decimal | None        # stays (decided or outstanding) per person-year to date
    mean_paid_days: Decimal | None   # paid days per paid stay
    persons_at_cap: int
    share_at_cap: Decimal | None

    @property
    def outstanding_total(self) -> Decimal:
        """What is still to pay: owed plus the estimate of the claims not decided."""
        return to_yuan(self.owed_amount + self.outstanding_estimate)


def _policy_figures(scheme_year: SchemeYear, scope: Scope, today: date) -> dict:
    """Persons, covered days (whole year, to date), persons at the cap and the premium under
    the contract's proration rule (each policy rounded to the fen, as the settlement bills it)."""
    coverage = Cover(scheme_year.coverage_start, scheme_year.coverage_end)
    where, params = (" AND FALSE" if scope.empty else ""), {}
    if scope.street_ids is not None:
        where += " AND pe.street_id = ANY(%(scope_streets)s)"
        params["scope_streets"] = list(scope.street_ids)
    params.update(year=scheme_year.pk, today=today, premium=scheme_year.premium_per_person,
                  coverage_days=coverage.days, start=coverage.start, proration=scheme_year.proration,
                  periods=[p.start for p in scheme_periods(coverage)])
    return _fetch(f"""
        SELECT count(*) FILTER (WHERE p.cover_end >= p.cover_start) AS persons,
               coalesce(sum(greatest(p.cover_end - p.cover_start + 1, 0)), 0) AS cover_days,
               coalesce(sum(greatest(least(p.cover_end, %(today)s::date) - p.cover_start + 1, 0)), 0)
                   AS cover_days_to_date,
               count(*) FILTER (WHERE p.cover_end >= p.cover_start AND p.days_used >= p.day_cap) AS at_cap,
               coalesce(sum(CASE %(proration)s
                   WHEN 'day' THEN round(%(premium)s::numeric * greatest(p.cover_end - p.cover_start + 1, 0)
                                         / %(coverage_days)s, 2)
                   WHEN 'month' THEN round(%(premium)s::numeric * (SELECT count(*) FROM unnest(%(periods)s::date[]) s
                                           WHERE s BETWEEN p.cover_start AND p.cover_end) / 12, 2)
                   ELSE CASE WHEN p.cover_start = %(start)s AND p.cover_end >= p.cover_start
                             THEN %(premium)s::numeric ELSE 0 END
               END), 0) AS premium
        FROM enrollment_policy p JOIN enrollment_person pe ON pe.id = p.person_id
        WHERE p.scheme_year_id = %(year)s{where}""", params)


def _tally_filter(scheme_year: SchemeYear, scope: Scope, alias: str = "t") -> tuple[str, dict]:
    """The WHERE clause of a figure tally's rows of the scheme year in scope, with parameters."""
    where, params = _claim_filter(scope, alias)
    params["year"] = scheme_year.pk
    return f"{alias}.scheme_year_id = %(year)s{where}", params


def _claim_figures(scheme_year: SchemeYear, scope: Scope) -> dict:
    """Counts of the year's claims by state (the day tally over the year's admission days) and
    the mean amount of a decided claim: its decided amount plus its supplementary decisions
    (the claim-year tally)."""
    counted_where, params = _year_claims(scheme_year, scope, "d")
    tally_where, tally_params = _tally_filter(scheme_year, scope)
    params.update(tally_params, outstanding=list(OUTSTANDING), decided=list(DECIDED))
    return _fetch(f"""
        WITH counted AS (
            SELECT coalesce(sum(d.n), 0)::bigint AS reported,
                   coalesce(sum(d.n) FILTER (WHERE d.status = 'withdrawn'), 0)::bigint AS withdrawn,
                   coalesce(sum(d.n) FILTER (WHERE d.status = 'refused'), 0)::bigint AS refused,
                   coalesce(sum(d.n) FILTER (WHERE d.status = ANY(%(decided)s)), 0)::bigint AS decided,
                   coalesce(sum(d.n) FILTER (WHERE d.status = 'paid'), 0)::bigint AS paid,
                   coalesce(sum(d.n) FILTER (WHERE d.status = ANY(%(outstanding)s)), 0)::bigint AS outstanding
            FROM claims_claimdaytally d
            WHERE {counted_where})
        SELECT counted.*,
               (SELECT sum(t.amount + t.supplements) FROM claims_claimyeartally t
                WHERE t.status = ANY(%(decided)s) AND {tally_where}) / nullif(counted.decided, 0) AS mean_decided
        FROM counted""", params)


def _money_figures(scheme_year: SchemeYear, scope: Scope) -> dict:
    """What the year's policies paid and owe: the portions of claims with their payment
    recorded plus settled supplementary decisions (paid: the paid tally); portions of decided,
    unpaid claims plus open supplements (owed) and the paid stays (the money tally)."""
    where, params = _tally_filter(scheme_year, scope)
    return _fetch(f"""
        SELECT paid.*, money.*
        FROM (SELECT coalesce(sum(t.amount), 0) AS paid_amount, coalesce(sum(t.days), 0)::bigint AS paid_days
              FROM claims_paidtally t WHERE {where}) paid,
             (SELECT coalesce(sum(t.paid_stays), 0)::bigint AS paid_stays, coalesce(sum(t.owed), 0) AS owed
              FROM claims_moneytally t WHERE {where}) money""", params)


def year_figures(user, scheme_year: SchemeYear, *, today: date) -> YearFigures:
    """Exposure, premium, claims reported/decided/paid/outstanding, paid days and amount,
    incurred, loss ratio, frequency, mean paid days per stay and the share of persons at the
    cap, for the scheme year in the user's scope (three queries)."""
    scope = figure_scope(user, scheme_year)
    coverage_days = Cover(scheme_year.coverage_start, scheme_year.coverage_end).days
    pol = _policy_figures(scheme_year, scope, today)
    cl = _claim_figures(scheme_year, scope)
    money = _money_figures(scheme_year, scope)
    exposure = rules.exposure(pol["cover_days"], coverage_days)
    exposure_to_date = rules.exposure(pol["cover_days_to_date"], coverage_days)
    premium = to_yuan(pol["premium"])
    earned = rules.earned_premium(premium=premium, exposure_to_date=exposure_to_date, exposure_full=exposure)
    mean_decided = to_yuan(cl["mean_decided"]) if cl["mean_decided"] is not None else None
    incurred = rules.incurred(paid=money["paid_amount"], owed=money["owed"], outstanding=cl["outstanding"],
                              mean_decided=mean_decided)
    return YearFigures(
        scheme_year=scheme_year, scope=scope, today=today, running=today < scheme_year.coverage_end,
        persons=pol["persons"], exposure=exposure, exposure_to_date=exposure_to_date, premium=premium,
        earned_premium=earned, claims_reported=cl["reported"], claims_withdrawn=cl["withdrawn"],
        claims_refused=cl["refused"], claims_decided=cl["decided"], claims_paid=cl["paid"],
        claims_outstanding=cl["outstanding"], paid_days=money["paid_days"], paid_amount=to_yuan(money["paid_amount"]),
        paid_stays=money["paid_stays"], owed_amount=to_yuan(money["owed"]), mean_decided=mean_decided,
        outstanding_estimate=to_yuan((mean_decided or ZERO) * cl["outstanding"]), incurred=incurred,
        loss_ratio=rules.loss_ratio(incurred, earned),
        frequency=(Decimal(cl["decided"] + cl["outstanding"]) / exposure_to_date) if exposure_to_date else None,
        mean_paid_days=rules.share(money["paid_days"], money["paid_stays"]),
        persons_at_cap=pol["at_cap"], share_at_cap=rules.share(pol["at_cap"], pol["persons"]))


def years_side_by_side(user, *, today: date, limit: int = 5) -> list[YearFigures]:
    """The figures of the latest scheme years the user may see (newest first, a year not begun
    yet included, with its premium and no claims), for the table of several years side by side."""
    from enrollment.selectors import scheme_years_visible_to

    return [year_figures(user, y, today=today)
            for y in scheme_years_visible_to(user).order_by("-coverage_start")[:limit]]


# --- Working-day calendar in SQL ---------------------------------------------------------------

STEPS = tuple(SLA_SETTINGS)


def _calendar(scheme_year: SchemeYear, today: date) -> dict:
    """The due day of each SLA step for every day a step may start on, as SQL array parameters:
    the scheme year's number of official working days after that day (the rule of
    claims.rules.add_working_days, which the claims' own deadlines follow)."""
    # Steps start after the admission (at most a year before the coverage for the first year's
    # claims) and before today; a start outside the range has no due day and counts as late.
    first = scheme_year.coverage_start - timedelta(days=400)
    # The steps' timestamps are the clock's, which may lie after the day the figures are asked
    # for: the calendar reaches the clock's today too.
    last = max(today, scheme_year.coverage_end, timezone.localdate()) + timedelta(days=31)
    ns = tuple(getattr(scheme_year, SLA_SETTINGS[step]) for step in STEPS)
    days, dues = _due_days(first, last, ns)
    return {"cal_first": days[0], **{f"cal_{step}": due for step, due in zip(STEPS, dues)}}


@functools.lru_cache(maxsize=16)
def _due_days(first: date, last: date, ns: tuple[int, ...]) -> tuple[list, list]:
    """(days, [due day of each n for each day]) between first and last: the n-th working day
    after d is the working day whose count from `first` is d's count + n (n = 0: d itself)."""
    margin = timedelta(days=max(ns, default=0) * 3 + 30)      # room for the last days' deadlines
    days, counts, workdays = [], [], []
    day, count = first, 0
    while day <= last + margin:
        if is_workday(day):
            workdays.append(day)
            count += 1
        days.append(day)
        counts.append(count)
        day += timedelta(days=1)
    n_days = (last - first).days + 1
    dues = [[days[i] if n == 0 else workdays[counts[i] + n - 1] for i in range(n_days)] for n in ns]
    return days[:n_days], dues


# Each SLA step: (the moment it started, the moment it was done) on the claim; the triggers of
# claims migration 0011 measure the same (its STEPS), tests/oversight/test_figure_tallies.py
# holds them equal.
STEP_TIMES = {
    "accept": ("c.reported_at", "least(c.documents_requested_at, c.accepted_at, c.refused_at)"),
    "decide": ("c.accepted_at", "least(CASE WHEN c.decided_at >= c.accepted_at THEN c.decided_at END, "
                                "CASE WHEN c.refused_at >= c.accepted_at THEN c.refused_at END)"),
    "pay": ("c.decided_at", "CASE WHEN c.decided_at IS NOT NULL THEN c.paid_at END"),
    "refusal_notice": ("c.refused_at", "CASE WHEN c.refused_at IS NOT NULL THEN c.refusal_notice_sent_at END"),
}


def _local(expression: str) -> str:
    """SQL: the local calendar day of a timestamp."""
    return f"(({expression}) AT TIME ZONE '{settings.TIME_ZONE}')::date"


def _sla_states_sql(scheme_year: SchemeYear, scope: Scope, today: date) -> tuple[str, dict]:
    """SQL of one row per claim of the year in scope with the state of each SLA step
    (`<step>_state`: 'in_time', 'late', 'open_late', 'pending' or NULL), in one pass.

    Completed steps (the timestamps on the claim, local dates): accept = from the report to the
    first of 一次性告知 / 受理 / 拒赔; decide = from the acceptance to the decision or a refusal
    after it; pay = from the decision to the payment; refusal_notice = from the refusal to the
    notice's delivery. Due = that many official working days after the start (the scheme
    year's SLA); done on or before the due day is in time. A step not done yet counts by the
    deadline the claim carries (due_step, due_on): late once today is past it, pending (not
    counted) before. A claim counts once per step, on its last pass (an appeal's second
    decision replaces the first). Read claim by claim: for the lists of the claims behind a
    figure (the counts come from the step tally, sla_compliance)."""
    where, params = _year_claims(scheme_year, scope)
    params.update(_calendar(scheme_year, today))
    params["today"] = today
    states = []
    for step, (started, answered) in STEP_TIMES.items():
        # The due day: the calendar array's element for the start day (an index, not a join).
        due = f"(%(cal_{step})s::date[])[{_local(started)} - %(cal_first)s::date + 1]"
        states.append(f"""CASE WHEN {answered} IS NOT NULL
                     THEN CASE WHEN {_local(answered)} <= {due} THEN 'in_time' ELSE 'late' END
                   WHEN c.due_step = '{step}' AND c.due_on IS NOT NULL
                     THEN CASE WHEN c.due_on < %(today)s THEN 'open_late' ELSE 'pending' END
              END AS {step}_state""")
    sql = f"""
        SELECT c.id, {", ".join(states)}
        FROM claims_claim c
        WHERE {where}"""
    return sql, params


@dataclass(frozen=True)
class SlaStep:
    step: str
    label: str
    days: int                  # the SLA in working days
    in_time: int
    late: int                  # done after the due day
    open_late: int             # not done, past the due day
    pending: int               # not done, not due yet (not counted)

    @property
    def counted(self) -> int:
        return self.in_time + self.late + self.open_late

    @property
    def late_total(self) -> int:
        return self.late + self.open_late

    @property
    def share(self) -> Decimal | None:
        """In time ÷ counted."""
        return rules.share(self.in_time, self.counted)


def sla_compliance(user, scheme_year: SchemeYear, *, today: date) -> list[SlaStep]:
    """Per SLA step of the insurer (accept, decide, pay, refusal notice) over the scheme year's
    claims in the user's scope: counted, in time, late (done late or still open past the due
    day), pending, and the share in time (one query: the step tally, and the open steps past
    their deadline counted live on the due-day index)."""
    scope = figure_scope(user, scheme_year)
    tally_where, params = _tally_filter(scheme_year, scope)
    claims_where, claims_params = _year_claims(scheme_year, scope)
    params.update(claims_params, today=today)
    still_open = " ".join(f"WHEN '{step}' THEN {done} IS NULL" for step, (_, done) in STEP_TIMES.items())
    rows = _fetch_all(f"""
        SELECT t.step, t.working_days, sum(t.claims)::bigint
        FROM claims_claimsteptally t WHERE {tally_where}
        GROUP BY t.step, t.working_days
        UNION ALL
        SELECT c.due_step, NULL, count(*)
        FROM claims_claim c
        WHERE c.due_on < %(today)s AND {claims_where} AND CASE c.due_step {still_open} ELSE FALSE END
        GROUP BY c.due_step""", params)
    counts = {step: dict(in_time=0, late=0, open_late=0, pending=0) for step in STEPS}
    days = {step: getattr(scheme_year, SLA_SETTINGS[step]) for step in STEPS}
    for step, working_days, n in rows:
        if step not in counts:
            continue
        c = counts[step]
        if working_days is None:            # open past the deadline (live)
            c["open_late"] += n
            c["pending"] -= n
        elif working_days == OPEN:          # open, with a deadline
            c["pending"] += n
        elif working_days <= days[step]:
            c["in_time"] += n
        else:
            c["late"] += n
    return [SlaStep(step=step, label=label, days=days[step], **counts[step]) for step, label in SLA_STEPS.items()]


# --- Insurer evaluation (绩效评估) -----------------------------------------------------------

@dataclass(frozen=True)
class Basis:
    """A figure an indicator rests on, as shown beside it."""

    label: str
    value: object


@dataclass(frozen=True)
class EvaluationIndicator:
    indicator: rules.Indicator
    basis: list[Basis]
    behind: str = ""            # which claims stand behind it (claims_behind key), if any
    link: str = ""              # or a page with the records behind it (complaints, surveys)

    def __getattr__(self, name):
        return getattr(self.indicator, name)


@dataclass(frozen=True)
class Evaluation:
    scheme_year: SchemeYear
    scope: Scope
    today: date
    running: bool
    indicators: list[EvaluationIndicator]
    total: rules.EvaluationTotal
    figures: YearFigures
    sla: list[SlaStep] = field(default_factory=list)


def _full_payment(scheme_year: SchemeYear, scope: Scope) -> dict:
    """Paid claims of the year (with their payment), and how many were not paid in full: the
    payment plus the supplementary decisions settled after it differs from the decided amount
    plus every supplementary decision (owed, or paid twice) — the claim-year tally and the
    mismatch set the triggers keep (claims.tallies.ClaimPaymentMismatch)."""
    tally_where, params = _tally_filter(scheme_year, scope)
    short_sql, short_params = _not_in_full_sql(scheme_year, scope)
    params.update(short_params)
    return _fetch(f"""
        SELECT (SELECT coalesce(sum(t.with_payment), 0)::bigint FROM claims_claimyeartally t
                WHERE t.status = 'paid' AND {tally_where}) AS paid,
               (SELECT count(*) FROM ({short_sql}) x) AS short""", params)


def _not_in_full_sql(scheme_year: SchemeYear, scope: Scope) -> tuple[str, dict]:
    """SQL of the ids of the year's paid claims in scope not paid in full."""
    where, params = _year_claims(scheme_year, scope)
    return f"""
        SELECT c.id FROM claims_claimpaymentmismatch m JOIN claims_claim c ON c.id = m.claim_id
        WHERE c.status = 'paid' AND {where}""", params


def _complaints(scheme_year: SchemeYear, scope: Scope, today: date) -> dict:
    """Complaints about the year's insurer received in the year: all, closed in time, closed
    late, open past their deadline."""
    params = {"insurer": scheme_year.insurer_id, "start": scheme_year.coverage_start,
              "end": scheme_year.coverage_end, "today": today}
    where = " AND FALSE" if scope.empty or (scope.insurer_id and scope.insurer_id != scheme_year.insurer_id) else ""
    if scope.street_ids is not None:
        where += " AND street_id = ANY(%(streets)s)"
        params["streets"] = list(scope.street_ids)
    return _fetch(f"""
        SELECT count(*) AS total,
               count(*) FILTER (WHERE status = 'closed' AND closed_on <= due_on) AS in_time,
               count(*) FILTER (WHERE status = 'closed' AND closed_on > due_on) AS late,
               count(*) FILTER (WHERE status <> 'closed' AND due_on < %(today)s) AS open_late
        FROM oversight_complaint
        WHERE about = 'insurer' AND insurer_id = %(insurer)s AND received_on BETWEEN %(start)s AND %(end)s{where}""",
                  params)


def _satisfaction(scheme_year: SchemeYear, scope: Scope) -> dict:
    """Answered surveys of the year about the year's insurer and the mean overall score."""
    params = {"year": scheme_year.pk, "insurer": scheme_year.insurer_id}
    where = " AND FALSE" if scope.empty else ""
    if scope.street_ids is not None:
        where += " AND street_id = ANY(%(streets)s)"
        params["streets"] = list(scope.street_ids)
    return _fetch(f"""
        SELECT count(*) AS answered, avg(score_overall) AS mean
        FROM oversight_survey
        WHERE scheme_year_id = %(year)s AND insurer_id = %(insurer)s AND status = 'answered'{where}""", params)


def insurer_evaluation(user, scheme_year: SchemeYear, *, today: date) -> Evaluation:
    """The insurer evaluation of the scheme year to `today`: each indicator of domain.md with
    the figures it rests on, its weight (the year's settings) and score, the weighted total and
    the grade (oversight/rules/figures.py)."""
    scope = figure_scope(user, scheme_year)
    figures = year_figures(user, scheme_year, today=today)
    sla = sla_compliance(user, scheme_year, today=today)
    by_step = {s.step: s for s in sla}
    full = _full_payment(scheme_year, scope)
    complaints = _complaints(scheme_year, scope, today)
    survey = _satisfaction(scheme_year, scope)
    y = scheme_year
    target = y.target_loss_ratio / 100

    def sla_indicator(step, key, label):
        s = by_step[step]
        return EvaluationIndicator(
            rules.Indicator(key, label, getattr(y, f"weight_{key}"), s.share, rules.score_share(s.share)),
            [Basis("时限（工作日）", s.days), Basis("计入件数", s.counted), Basis("按时", s.in_time),
             Basis("超时办结", s.late), Basis("逾期未办", s.open_late), Basis("未到期", s.pending)],
            behind=step)

    paid_in_full = full["paid"] - full["short"]
    full_share = rules.share(paid_in_full, full["paid"])
    per_hundred = (rules.share(complaints["total"], figures.claims_reported) * 100
                   if figures.claims_reported else None)
    closed_counted = complaints["in_time"] + complaints["late"] + complaints["open_late"]
    closed_share = rules.share(complaints["in_time"], closed_counted)
    mean = Decimal(survey["mean"]).quantize(Decimal("0.01")) if survey["mean"] is not None else None
    indicators = [
        sla_indicator("accept", "sla_accept", "按时受理率"),
        sla_indicator("decide", "sla_decide", "按时核定率"),
        sla_indicator("pay", "sla_pay", "按时支付率"),
        EvaluationIndicator(
            rules.Indicator("full_payment", "足额赔付率", y.weight_full_payment, full_share,
                            rules.score_share(full_share)),
            [Basis("已支付件数", full["paid"]), Basis("足额支付", paid_in_full), Basis("未足额或多付", full["short"])],
            behind="full_payment"),
        EvaluationIndicator(
            rules.Indicator("complaint_rate", "每百件理赔投诉数", y.weight_complaint_rate, per_hundred,
                            rules.score_complaint_rate(per_hundred, zero_score_at=y.complaint_rate_zero_score)),
            [Basis("投诉保险公司件数", complaints["total"]), Basis("报案件数", figures.claims_reported),
             Basis("达到此值得0分", y.complaint_rate_zero_score)],
            link="complaints"),
        EvaluationIndicator(
            rules.Indicator("complaints_in_time", "投诉按时办结率", y.weight_complaints_in_time, closed_share,
                            rules.score_share(closed_share)),
            [Basis("按时办结", complaints["in_time"]), Basis("超时办结", complaints["late"]),
             Basis("逾期未办结", complaints["open_late"])],
            link="complaints"),
        EvaluationIndicator(
            rules.Indicator("satisfaction", "满意度（总体满意度均分）", y.weight_satisfaction, mean,
                            rules.score_satisfaction(mean)),
            [Basis("已完成调查", survey["answered"]), Basis("均分（1–5分）", mean)],
            link="surveys"),
        EvaluationIndicator(
            rules.Indicator("loss_ratio", "赔付率", y.weight_loss_ratio, figures.loss_ratio,
                            rules.score_loss_ratio(figures.loss_ratio, target=target)),
            [Basis("已赚保费（元）", figures.earned_premium), Basis("已决赔款与未决估计（元）", figures.incurred),
             Basis("目标赔付率", f"{y.target_loss_ratio}%")],
            behind="paid"),
    ]
    total = rules.evaluation_total([i.indicator for i in indicators])
    return Evaluation(scheme_year=y, scope=scope, today=today, running=figures.running, indicators=indicators,
                      total=total, figures=figures, sla=sla)


# --- The claims behind a figure ----------------------------------------------------------------

BEHIND = {
    "accept": "超时受理或一次性告知的理赔",
    "decide": "超时核定的理赔",
    "pay": "超时支付的理赔",
    "refusal_notice": "超时送达拒赔通知的理赔",
    "full_payment": "未足额支付（或多付）的理赔",
    "paid": "已支付的理赔",
    "outstanding": "已报案未核定的理赔",
}


def claims_behind(user, scheme_year: SchemeYear, key: str, *, today: date) -> QuerySet:
    """The claims an indicator of the year rests on, as the user may see them (claims list
    scope): those late in an SLA step, not paid in full, paid, or outstanding. Raises KeyError
    for an unknown key."""
    from claims.selectors import claims_visible_to

    if key not in BEHIND:
        raise KeyError(key)
    scope = figure_scope(user, scheme_year)
    qs = claims_visible_to(user)
    if key in SLA_STEPS:
        sql, params = _sla_states_sql(scheme_year, scope, today)
        ids = f"SELECT id FROM ({sql}) x WHERE {key}_state IN ('late', 'open_late')"
    elif key == "full_payment":
        ids, params = _not_in_full_sql(scheme_year, scope)
    else:
        where, params = _year_claims(scheme_year, scope)
        params["states"] = ["paid"] if key == "paid" else list(OUTSTANDING)
        ids = f"SELECT c.id FROM claims_claim c WHERE c.status = ANY(%(states)s) AND {where}"
    return qs.filter(pk__in=_named(ids, params)).order_by("-reported_at", "-id")


def _named(sql: str, params: dict) -> RawSQL:
    """RawSQL takes positional parameters: turn %(name)s into %s in order."""
    import re

    order = []

    def repl(match):
        order.append(params[match.group(1)])
        return "%s"

    return RawSQL(re.sub(r"%\((\w+)\)s", repl, sql), order)


# --- Next year's premium ------------------------------------------------------------------------

def person_groups(user, scheme_year: SchemeYear, *, today: date) -> list[rules.PersonGroup]:
    """Each insured person's covered hospital days of the scheme year, grouped by (days,
    covered days): decided claims by their portions' covered days (before the annual cap, from
    the per-policy tally), claims not decided yet and claims refused because the allowance was
    used up by their stay dates inside the person's cover (to today while still in hospital;
    counted live: they are few, and a stay still in hospital grows with today). One query."""
    scope = figure_scope(user, scheme_year)
    where, params = (" AND FALSE" if scope.empty else ""), {}
    if scope.street_ids is not None:
        where += " AND pe.street_id = ANY(%(scope_streets)s)"
        params["scope_streets"] = list(scope.street_ids)
    inclusive = 1 if scheme_year.day_counting == DayCounting.INCLUSIVE else 0
    params.update(year=scheme_year.pk, today=today, estimated=list(OUTSTANDING), inclusive=inclusive)
    claims_where, claims_params = _claim_filter(scope)
    tally_where, _ = _claim_filter(scope, "t")
    params.update(claims_params)
    rows = _fetch_all(f"""
        WITH pol AS (
            SELECT p.id, p.person_id, p.cover_start, p.cover_end,
                   greatest(p.cover_end - p.cover_start + 1, 0) AS cover_days
            FROM enrollment_policy p JOIN enrollment_person pe ON pe.id = p.person_id
            WHERE p.scheme_year_id = %(year)s{where}),
        decided AS (
            SELECT t.policy_id, sum(t.days) AS days
            FROM claims_policydaystally t JOIN pol ON pol.id = t.policy_id
            WHERE TRUE{tally_where}
            GROUP BY t.policy_id),
        estimated AS (
            SELECT pol.id AS policy_id,
                   sum(CASE WHEN coalesce(c.discharged_on, %(today)s::date) = c.admitted_on
                            THEN CASE WHEN c.admitted_on BETWEEN pol.cover_start AND pol.cover_end THEN 1 ELSE 0 END
                            ELSE greatest(least(coalesce(c.discharged_on, %(today)s::date) + %(inclusive)s,
                                                pol.cover_end + 1)
                                          - greatest(c.admitted_on, pol.cover_start), 0) END) AS days
            FROM claims_claim c JOIN pol ON pol.person_id = c.person_id
            WHERE (c.status = ANY(%(estimated)s)
                   OR (c.status = 'refused' AND c.refusal_code = 'allowance_exhausted'))
              AND c.admitted_on <= pol.cover_end
              AND coalesce(c.discharged_on, %(today)s::date) >= pol.cover_start{claims_where}
            GROUP BY pol.id)
        SELECT coalesce(decided.days, 0) + coalesce(estimated.days, 0) AS days, pol.cover_days, count(*)
        FROM pol LEFT JOIN decided ON decided.policy_id = pol.id LEFT JOIN estimated ON estimated.policy_id = pol.id
        WHERE pol.cover_days > 0
        GROUP BY 1, 2""", params)
    return [rules.PersonGroup(days=int(days), cover_days=cover_days, count=n) for days, cover_days, n in rows]


@dataclass(frozen=True)
class PremiumOutlook:
    scheme_year: SchemeYear
    figures: YearFigures
    current: rules.PremiumRecommendation | None     # at this year's subsidy, cap and target
    what_if: rules.PremiumRecommendation | None     # at the terms asked for (None: same as current)


def premium_recommendation(user, scheme_year: SchemeYear, *, today: date, subsidy: Decimal | None = None,
                           cap: int | None = None, target: Decimal | None = None) -> PremiumOutlook:
    """Next year's recommended premium from the scheme year's experience, at its own terms and
    (what-if) at another daily subsidy, day cap or target loss ratio (a percentage)."""
    figures = year_figures(user, scheme_year, today=today)
    groups = person_groups(user, scheme_year, today=today)
    coverage_days = Cover(scheme_year.coverage_start, scheme_year.coverage_end).days
    own = dict(subsidy=scheme_year.daily_subsidy, cap=scheme_year.day_cap, target=scheme_year.target_loss_ratio / 100)
    current = rules.recommend_premium(groups, coverage_days=coverage_days, **own)
    asked = dict(subsidy=subsidy if subsidy is not None else own["subsidy"], cap=cap if cap is not None else own["cap"],
                 target=target / 100 if target is not None else own["target"])
    what_if = rules.recommend_premium(groups, coverage_days=coverage_days, **asked) if asked != own else None
    return PremiumOutlook(scheme_year=scheme_year, figures=figures, current=current, what_if=what_if)
