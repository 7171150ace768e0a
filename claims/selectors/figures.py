"""Figures of the claims app for the home dashboards, scoped to the user like the claims they
rest on (S8). Counts and money come from the tallies the database keeps (ClaimDayTally,
PaidTally): a handful of rows per day, however many claims there are; the open claims (a
street's, the insurer's queue) are read from the partial index on their deadline or their
state, and are as many as the work in hand, not as the years of history."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)

from enrollment.models import PersonStatus, SchemeYear
from enrollment.rules import Cover, scheme_periods
from tongzhou_care.core.access import sees_all_streets, streets_of
from tongzhou_care.core.models import Role

from ..models import Claim, ClaimDayTally, ClaimStatus, PaidTally
from ..rules import NEXT_STEPS, missing_documents, required_documents, next_step
from . import claims_visible_to, tally_rows_visible_to

ZERO = Decimal("0.00")
# The states a claim can still move out of, from the family's side or the insurer's.
OPEN_STATES = (ClaimStatus.REPORTED, ClaimStatus.DOCUMENTS_PENDING, ClaimStatus.ACCEPTED, ClaimStatus.APPEALED,
               ClaimStatus.DECIDED)


def paid_tally_visible_to(user) -> QuerySet[PaidTally]:
    """Money paid, as sums: the district for the commission and finance (finance pays the
    premium and sees the money, never a claim), the company's for insurer staff, the street's
    for an officer, nothing for anyone else."""
    qs = PaidTally.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if sees_all_streets(user):
        return qs
    if user.role == Role.INSURER_STAFF and user.has_perm("claims.view_claim"):
        return qs.filter(insurer_id=user.insurer_id)
    if user.role == Role.STREET_OFFICER and user.has_perm("claims.view_claim"):
        return qs.filter(street__in=streets_of(user))
    return qs.none()


def day_tally_visible_to(user) -> QuerySet[ClaimDayTally]:
    return tally_rows_visible_to(user, ClaimDayTally.objects.all())


def admission_window(scheme_year: SchemeYear) -> tuple[date | None, date]:
    """The admission days whose claims belong to a scheme year: after the previous year's end
    (any day before, for the first year) up to its own end (oversight.selectors.figures'
    rule: a stay admitted before the first scheme year belongs to the first)."""
    previous = (SchemeYear.objects.filter(coverage_start__lt=scheme_year.coverage_start)
                .order_by("-coverage_end").values_list("coverage_end", flat=True).first())
    return (previous + timedelta(days=1) if previous else None), scheme_year.coverage_end


def in_admission_window(qs: QuerySet, scheme_year: SchemeYear) -> QuerySet:
    """Claims or day tally rows of a scheme year (admitted in its admission_window)."""
    first, last = admission_window(scheme_year)
    qs = qs.filter(admitted_on__lte=last)
    return qs.filter(admitted_on__gte=first) if first else qs


# --- Claims by month and state (the commission's chart) ----------------------------------------

@dataclass(frozen=True)
class MonthRow:
    label: str                       # "2025年3月", or "3.15–4.14" when the year starts mid-month
    counts: dict[str, int]           # state → claims admitted in the period, in that state now
    total: int


@dataclass(frozen=True)
class ClaimsByMonth:
    scheme_year: SchemeYear
    states: list[tuple[str, str]]    # (state, label) in workflow order, those with any claim
    rows: list[MonthRow]
    totals: dict[str, int]
    total: int


def _period_label(period: Cover) -> str:
    if period.start.day == 1:
        return f"{period.start.year}年{period.start.month}月"
    return f"{period.start.month}.{period.start.day}–{period.end.month}.{period.end.day}"


def claims_by_month(user, scheme_year: SchemeYear) -> ClaimsByMonth:
    """The scheme year's claims the user may see by month of admission and present state (one
    query on the day tally). A stay admitted before the first scheme year began is shown on a
    line of its own."""
    coverage = Cover(scheme_year.coverage_start, scheme_year.coverage_end)
    periods = scheme_periods(coverage)
    rows = (in_admission_window(day_tally_visible_to(user), scheme_year).values("admitted_on", "status")
            .annotate(n=Sum("n")).order_by())
    before: dict[str, int] = defaultdict(int)
    by_period: list[dict[str, int]] = [defaultdict(int) for _ in periods]
    starts = [p.start for p in periods]
    for row in rows:
        day = row["admitted_on"]
        if day < coverage.start:
            before[row["status"]] += row["n"]
            continue
        index = max(i for i, start in enumerate(starts) if start <= day)
        by_period[index][row["status"]] += row["n"]
    present = {s for counts in [before, *by_period] for s, n in counts.items() if n}
    states = [(s, label) for s, label in ClaimStatus.choices if s in present]
    lines = ([("保险年度开始前入院", before)] if any(before.values()) else []) + [
        (_period_label(p), counts) for p, counts in zip(periods, by_period)]
    out = [MonthRow(label, {s: counts.get(s, 0) for s, _ in states}, sum(counts.values())) for label, counts in lines]
    totals = {s: sum(r.counts[s] for r in out) for s, _ in states}
    return ClaimsByMonth(scheme_year, states, out, totals, sum(totals.values()))


def claims_per_street(user, scheme_year: SchemeYear) -> dict[int, int]:
    """The scheme year's claims (every state) per street, of the claims the user may see."""
    rows = (in_admission_window(day_tally_visible_to(user), scheme_year).values("street_id")
            .annotate(n=Sum("n")).order_by())
    return {row["street_id"]: row["n"] for row in rows}


# --- Money paid ------------------------------------------------------------------------------

def paid_per_street(user, scheme_year: SchemeYear) -> dict[int, Decimal]:
    """Money paid by the scheme year's policies per street (claims' portions and settled
    supplementary decisions), as the user may see it."""
    rows = (paid_tally_visible_to(user).filter(scheme_year=scheme_year).values("street_id")
            .annotate(amount=Sum("amount")).order_by())
    return {row["street_id"]: row["amount"] for row in rows}


@dataclass(frozen=True)
class PaidPeriod:
    label: str
    period: Cover | None             # None: paid after the scheme year ended
    amount: Decimal
    days: int
    portions: int


def paid_by_period(user, scheme_year: SchemeYear) -> list[PaidPeriod]:
    """Money paid by the scheme year's policies in each monthly period of the year, by the day
    it was paid, then what was paid after the year ended (claims settled late), if any."""
    coverage = Cover(scheme_year.coverage_start, scheme_year.coverage_end)
    periods = scheme_periods(coverage)
    sums = [[ZERO, 0, 0] for _ in periods]
    later = [ZERO, 0, 0]
    rows = (paid_tally_visible_to(user).filter(scheme_year=scheme_year).values("paid_on")
            .annotate(amount=Sum("amount"), days=Sum("days"), portions=Sum("portions")).order_by())
    for row in rows:
        day = row["paid_on"]
        if day > coverage.end:
            target = later
        else:
            target = sums[max([i for i, p in enumerate(periods) if p.start <= day] or [0])]
        target[0] += row["amount"]
        target[1] += row["days"]
        target[2] += row["portions"]
    out = [PaidPeriod(_period_label(p), p, *values) for p, values in zip(periods, sums)]
    if any(later):
        out.append(PaidPeriod("保险年度结束后", None, *later))
    return out


@dataclass(frozen=True)
class PremiumMonth:
    label: str
    headcount: int                   # insured on the period's first day
    premium: Decimal                 # the part of the settlement falling to the period
    paid: Decimal                    # claims paid in the period (by the year's policies)
    stays: int                       # paid portions (stays) in the period
    premium_sum: Decimal             # running totals
    paid_sum: Decimal
    ratio: Decimal | None            # paid_sum ÷ premium_sum, percent


@dataclass(frozen=True)
class PremiumAgainstPaid:
    rows: list[PremiumMonth]
    later: list[PaidPeriod]          # paid after the year ended (no premium falls there)
    premium: Decimal
    paid: Decimal
    ratio: Decimal | None


def premium_against_paid(user, scheme_year: SchemeYear) -> PremiumAgainstPaid:
    """Finance's month by month: the scheme year's premium settlement per monthly period
    (enrollment.selectors.premium_months) against the claims paid in that period, with running
    totals and the share of the premium paid out so far; then what was paid after the year."""
    from enrollment.selectors import premium_months
    from tongzhou_care.core.rules import percent_of

    months, paid = premium_months(user, scheme_year), paid_by_period(user, scheme_year)
    rows, premium_sum, paid_sum = [], ZERO, ZERO
    for month, money in zip(months, paid):
        premium_sum += month.amount
        paid_sum += money.amount
        rows.append(PremiumMonth(money.label, month.headcount, month.amount, money.amount, money.portions,
                                 premium_sum, paid_sum, percent_of(paid_sum, premium_sum)))
    later = paid[len(months):]
    paid_sum += sum((money.amount for money in later), ZERO)
    return PremiumAgainstPaid(rows, later, premium_sum, paid_sum, percent_of(paid_sum, premium_sum))


# --- Open claims: what each waits for -------------------------------------------------------
# Counted in SQL by the facts the next step depends on (state, documents complete, discharged,
# refusal notice delivered): a few groups however many claims are open; only the claims listed
# are read one by one.

@dataclass
class OpenClaim:
    id: int
    due_on: date | None
    reported_at: object
    step: str
    party: str
    label: str
    missing: tuple[str, ...]         # labels of the documents still missing
    overdue: bool
    claim: Claim | None = None       # the claim itself, fetched for the claims listed


def _documents_complete() -> Q:
    """Claims with every document rules.required_documents asks of them: built from the rule
    for each case (deceased or not, filed by a proxy or not), so SQL and rule cannot differ."""
    from ..models import ClaimDocument

    def has(kind):
        return Q(Exists(ClaimDocument.objects.filter(claim=OuterRef("pk"), kind=kind)))

    complete = Q(pk__in=[])
    for deceased in (True, False):
        for proxy in (True, False):
            case = Q(person__status=PersonStatus.DECEASED) if deceased else ~Q(person__status=PersonStatus.DECEASED)
            case &= Q(proxy_filing=proxy)
            for kind in required_documents(proxy_filing=proxy, insured_deceased=deceased):
                case &= has(kind)
            complete |= case
    return complete


def _facts(qs: QuerySet) -> QuerySet:
    def flag(q):
        return ExpressionWrapper(q, output_field=BooleanField())

    return qs.annotate(complete=flag(_documents_complete()), discharged=flag(Q(discharged_on__isnull=False)),
                       notice_sent=flag(Q(refusal_notice_sent_at__isnull=False)))


def _step(row: dict) -> str | None:
    return next_step(status=row["status"], discharged=row["discharged"], missing=() if row["complete"] else ("?",),
                     notice_sent=row["notice_sent"])


@dataclass(frozen=True)
class StepCount:
    step: str
    party: str
    label: str
    count: int
    overdue: int
    first_due: date | None


def _step_counts(qs: QuerySet, today: date) -> dict[str, StepCount]:
    """Open claims of `qs` per next step: how many, how many past the insurer's deadline, the
    earliest deadline (one grouped query)."""
    counts: dict[str, list] = {}
    for row in (_facts(qs).order_by().values("status", "complete", "discharged", "notice_sent")
                .annotate(n=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)), first_due=Min("due_on"))):
        step = _step(row)
        if step is None:
            continue
        total = counts.setdefault(step, [0, 0, None])
        total[0] += row["n"]
        total[1] += row["overdue"]
        if row["first_due"] and (total[2] is None or row["first_due"] < total[2]):
            total[2] = row["first_due"]
    return {step: StepCount(step, *NEXT_STEPS[step], *values) for step, values in counts.items()}


def _listed(qs: QuerySet, today: date, limit: int, *, exclude: Q | None = None) -> list[OpenClaim]:
    """The first `limit` claims of `qs` (in its order; `exclude` may name the annotations
    complete and discharged), each with its next step and missing documents, their claims and
    persons attached: a bounded read."""
    from ..models import ClaimDocument

    labels = dict(ClaimDocument.Kind.choices)
    rows = []
    facts = _facts(qs)
    if exclude is not None:
        facts = facts.exclude(exclude)
    kinds = ArraySubquery(ClaimDocument.objects.filter(claim=OuterRef("pk")).values("kind"))
    for row in (facts.annotate(kinds=kinds).values("id", "status", "complete", "discharged", "notice_sent",
                                                   "proxy_filing", "person__status", "due_on", "reported_at",
                                                   "kinds")[:limit]):
        step = _step(row)
        if step is None:
            continue
        required = required_documents(proxy_filing=row["proxy_filing"],
                                      insured_deceased=row["person__status"] == PersonStatus.DECEASED)
        missing = missing_documents(required=required, provided=set(row["kinds"]) - {None})
        party, label = NEXT_STEPS[step]
        rows.append(OpenClaim(row["id"], row["due_on"], row["reported_at"], step, party, label,
                              tuple(labels[k] for k in missing), row["due_on"] is not None and row["due_on"] < today))
    claims = Claim.objects.select_related("person").in_bulk([r.id for r in rows])
    for row in rows:
        row.claim = claims[row.id]
    return rows


@dataclass(frozen=True)
class InProgress:
    claims: list[OpenClaim]          # the most urgent first, at most `limit`
    total: int                       # open claims in all
    by_step: list[tuple[str, str, str, int]]   # (step, party, label, claims) for the steps with any
    shown: int
    missing_elsewhere: int = 0       # claims lacking documents, counted but listed elsewhere

    @property
    def more(self) -> int:
        """Open claims not listed (beyond the limit, or listed elsewhere)."""
        return self.total - self.shown - self.missing_elsewhere


# Claims still lacking documents before acceptance: the officer's field tasks list them.
AWAITING_DOCUMENTS = ("request_documents", "documents")
LACKING_DOCUMENTS = Q(status__in=(ClaimStatus.REPORTED, ClaimStatus.DOCUMENTS_PENDING), complete=False)


def claims_in_progress(user, today: date, *, limit: int = 15, without_missing: bool = False) -> InProgress:
    """The open claims the user may see (an officer: the street's), each with what it waits
    for: the family's documents or discharge date, or the insurer's next step; those past the
    insurer's deadline first, then by deadline, then the newest reports. With
    `without_missing`, claims still lacking a document before acceptance are counted but not
    listed (the officer's field tasks list them)."""
    qs = (claims_visible_to(user)
          .filter(Q(status__in=OPEN_STATES) | Q(status=ClaimStatus.REFUSED, refusal_notice_sent_at__isnull=True)))
    counts = _step_counts(qs, today)
    by_step = [(c.step, c.party, c.label, c.count) for step in NEXT_STEPS if (c := counts.get(step))]
    elsewhere = sum(counts[s].count for s in AWAITING_DOCUMENTS if s in counts) if without_missing else 0
    urgent_first = qs.order_by(Case(When(due_on__lt=today, then=Value(0)), default=Value(1)),
                               F("due_on").asc(nulls_last=True), "-reported_at", "-id")
    listed = _listed(urgent_first, today, limit, exclude=LACKING_DOCUMENTS if without_missing else None)
    total = sum(c.count for c in counts.values())
    return InProgress(listed, total, by_step, len(listed), elsewhere)


@dataclass(frozen=True)
class QueueStep:
    step: str
    label: str
    count: int
    overdue: int
    first_due: date | None


@dataclass(frozen=True)
class WorkQueue:
    steps: list[QueueStep]
    total: int
    overdue: int
    urgent: list[OpenClaim]          # the most urgent claims of every step, earliest deadline first


QUEUE_STEPS = ("accept", "request_documents", "decide", "review", "pay", "refusal_notice")


def work_queue(user, today: date, *, urgent: int = 8) -> WorkQueue:
    """What waits on the insurer among the claims the user may see: to accept, to ask for
    documents (一次性告知), to decide, to review on appeal, to pay, to deliver a refusal notice;
    per step the count, how many are past their deadline, the earliest deadline; and the most
    urgent claims. Read from the claims that carry an insurer's deadline (a partial index)."""
    qs = claims_visible_to(user).filter(due_on__isnull=False)
    counts = _step_counts(qs, today)
    steps = [QueueStep(step, NEXT_STEPS[step][1], c.count if c else 0, c.overdue if c else 0, c.first_due if c else None)
             for step in QUEUE_STEPS for c in [counts.get(step)]]
    # Not the insurer's to act on: the family's documents after the notice, the discharge date.
    theirs = (Q(status=ClaimStatus.DOCUMENTS_PENDING, complete=False)
              | Q(status=ClaimStatus.ACCEPTED, discharged=False))
    first = _listed(qs.order_by("due_on", "id"), today, urgent, exclude=theirs)
    return WorkQueue(steps, sum(s.count for s in steps), sum(s.overdue for s in steps), first)
