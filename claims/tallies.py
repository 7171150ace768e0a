"""The tallies: counts and sums that would otherwise scan a million claims, kept in advance in
tables that database triggers keep true in the same statement as any insert, update or delete of
the rows they count — services, bulk writes and raw SQL alike; a TRUNCATE of a source table counts
again. Every tally of the project is here, one model each (docs/architecture.md "Tallies"). They
hold ids, counts and money only (no personal data). Their triggers are SQL in the migrations:

| tally | one row per | migration | read by |
|---|---|---|---|
| ClaimTally | street, insurer, state | claims 0004 | home pages, list totals |
| ClaimDayTally | admission day, street, insurer, state | claims 0009 | dashboards; every figure's claim counts by state |
| PaidTally | paying scheme year, day paid, street, insurer | claims 0009 | dashboards; the figures' paid amount and days |
| ClaimYearTally | scheme year of admission, street, insurer, state | claims 0011 | the mean decided amount, paid claims with their payment |
| ClaimStepTally | scheme year, street, insurer, SLA step, working days taken | claims 0011 | SLA compliance (绩效评估) |
| MoneyTally | paying scheme year, street, insurer | claims 0011 | money owed, paid stays |
| PolicyDaysTally | policy, street, insurer | claims 0011 | the premium recommendation's experience |
| ClaimPaymentMismatch | paid claim not paid in full | claims 0011 | 足额赔付率 and its list |

Which rows count where (docs/figures.md "Which claims belong to a year"): a claim's scheme year is
the one of its admission day (a stay admitted before the first scheme year belongs to the first),
its street and insurer the claim's; money belongs to the scheme year of the policy that pays the
portion (a policy never changes its scheme year: the database refuses it, migration 0011). A
claim is paid when its payment is recorded (PaidTally, MoneyTally's paid stays); through the
services that is exactly when its state is 'paid' (pay is the only way there, records the payment
in the same transaction, and is final).

The figure tallies (claims 0011) are one generic mechanism: each is one aggregate over a join of
the source tables, and a statement changes it by that aggregate over its new rows minus over its
old rows; creating, deleting or moving a scheme year moves the claims whose year changed.
`rebuild_figure_tallies` counts them all again from the rows (a repair tool)."""

import functools
from datetime import date

from django.db import connection, models
from django.db.models import Q

from tongzhou_care.core.models import Insurer, Street

from .models import ClaimStatus  # claims.models imports this module at its end: ClaimStatus exists

# A step not done yet, waiting with a deadline (ClaimStepTally.working_days).
OPEN = -1
# The working-day calendar the triggers read (claims_workday, migration 0011): these days,
# from the official calendar of tongzhou_care.core.workdays.
CALENDAR_FIRST, CALENDAR_LAST = date(2000, 1, 1), date(2100, 12, 31)


class ClaimTally(models.Model):
    """How many claims each (street, insurer, state) has and their decided amount, kept by
    database triggers on the claims table (migrations 0004, 0012) in the same statement as any
    insert, update or delete — bulk and raw SQL included. Home pages and list totals read these
    few rows instead of counting a million claims."""

    street = models.ForeignKey(Street, on_delete=models.CASCADE, related_name="+")
    insurer = models.ForeignKey(Insurer, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20, choices=ClaimStatus.choices)
    n = models.BigIntegerField(default=0)
    amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)   # their decided amounts

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["street", "insurer", "status"], name="claimtally_one_row"),
            models.CheckConstraint(name="claimtally_not_negative", condition=Q(n__gte=0)),
        ]


class ClaimDayTally(models.Model):
    """How many claims were admitted on each day, per (street, insurer, state), kept by database
    triggers on the claims table (migration 0009) like ClaimTally. The dashboards read a scheme
    year's claims by month and state, and each street's claims of the year, from these rows
    (a few thousand a year) instead of counting a million claims. The admission day decides
    the scheme year a claim belongs to (oversight.selectors.figures), so these rows add up to
    the same claims as the year's figures."""

    admitted_on = models.DateField()
    street = models.ForeignKey(Street, on_delete=models.CASCADE, related_name="+")
    insurer = models.ForeignKey(Insurer, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20, choices=ClaimStatus.choices)
    # No CHECK (n >= 0): the trigger applies each statement's net change in one ordered upsert,
    # and PostgreSQL checks the proposed row of an upsert before it finds the conflict.
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["admitted_on", "street", "insurer", "status"],
                                    name="claimdaytally_one_row"),
        ]


class PaidTally(models.Model):
    """Money paid out per day, per (scheme year of the paying policy, street, insurer): each
    paid claim's portions on the day of its payment, each settled supplementary decision's
    portions on the day it was settled (a recovery is negative). Kept by database triggers on
    payments, portions, supplements, supplement portions and claims (migration 0009), whatever
    order they are written in; the dashboards sum a year's money per street and per month from
    these rows, and the year's figures (oversight.selectors.figures) their paid amount and paid
    days."""

    scheme_year = models.ForeignKey("enrollment.SchemeYear", on_delete=models.CASCADE, related_name="+")
    paid_on = models.DateField()
    street = models.ForeignKey(Street, on_delete=models.CASCADE, related_name="+")
    insurer = models.ForeignKey(Insurer, on_delete=models.CASCADE, related_name="+")
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    days = models.BigIntegerField(default=0)       # paid days (a recovery gives days back)
    portions = models.BigIntegerField(default=0)   # paid portions (a stay split over two years counts in each)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scheme_year", "paid_on", "street", "insurer"],
                                    name="paidtally_one_row"),
        ]


# --- The figure tallies (issue 10 point 7, claims 0010/0011) ---------------------------------------

def _fk(to: str):
    # A tally never holds up a delete of what it counts (no database constraint, nothing
    # cascades), and its unique key is its only index.
    return models.ForeignKey(to, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")


class ClaimYearTally(models.Model):
    """The claims of a scheme year (of admission) per street, insurer and state: the sum of their
    decided amounts, of their supplementary decisions, and how many have a payment (how many
    there are: ClaimDayTally, summed over the year's days)."""

    scheme_year = _fk("enrollment.SchemeYear")
    street = _fk("core.Street")
    insurer = _fk("core.Insurer")
    status = models.CharField(max_length=20)
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    supplements = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    with_payment = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scheme_year", "street", "insurer", "status"],
                                               name="claimyeartally_one_row")]


class ClaimStepTally(models.Model):
    """The insurer's SLA steps (accept, decide, pay, refusal notice) of a scheme year's claims
    per street and insurer: how many were done in how many official working days after the day
    they started (0: on that day or before), and how many wait undone with a deadline (OPEN).
    A step is in time when its working days ≤ the scheme year's SLA, so the settings can change
    without re-counting; only the open steps past their deadline are counted live."""

    scheme_year = _fk("enrollment.SchemeYear")
    street = _fk("core.Street")
    insurer = _fk("core.Insurer")
    step = models.CharField(max_length=20)
    working_days = models.IntegerField()
    claims = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scheme_year", "street", "insurer", "step", "working_days"],
                                               name="claimsteptally_one_row")]


class MoneyTally(models.Model):
    """What PaidTally does not hold, per scheme year of the paying policy, street and insurer of
    the claim: the money the year's policies owe (portions of decided claims not paid yet, and
    supplementary decisions not yet settled) and the paid stays (portions with paid days of the
    claims whose payment is recorded)."""

    scheme_year = _fk("enrollment.SchemeYear")
    street = _fk("core.Street")
    insurer = _fk("core.Insurer")
    owed = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    paid_stays = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scheme_year", "street", "insurer"], name="moneytally_one_row")]


class PolicyDaysTally(models.Model):
    """A policy's covered hospital days (before the annual cap) of its decided and paid claims,
    per street and insurer of the claim: the premium recommendation's experience per person."""

    policy = _fk("enrollment.Policy")
    street = _fk("core.Street")
    insurer = _fk("core.Insurer")
    days = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["policy", "street", "insurer"], name="policydaystally_one_row")]


class ClaimPaymentMismatch(models.Model):
    """A paid claim not paid in full: its payment plus the supplementary decisions settled after
    it differs from its decided amount plus every supplementary decision (owed, or paid twice).
    Rare by nature, so the figures count them and list them from here."""

    claim = models.OneToOneField("claims.Claim", primary_key=True, on_delete=models.DO_NOTHING,
                                 db_constraint=False, related_name="+")


@functools.lru_cache(maxsize=1)
def calendar_days() -> tuple[bool, ...]:
    """Whether each day from CALENDAR_FIRST to CALENDAR_LAST is an official working day."""
    from datetime import timedelta

    from tongzhou_care.core.workdays import is_workday

    return tuple(is_workday(CALENDAR_FIRST + timedelta(days=i))
                 for i in range((CALENDAR_LAST - CALENDAR_FIRST).days + 1))


def _calendar_text(days) -> str:
    return "".join("1" if d else "0" for d in days)


def sync_workday_calendar(using: str = "default") -> bool:
    """Make the database's working-day calendar (claims_workday) the official one of
    tongzhou_care.core.workdays — it changes when the `chinesecalendar` package learns a new
    year's holidays — and count the SLA steps again if it changed; True when it did. Run after
    every migrate (claims.apps)."""
    from django.db import connections

    days = calendar_days()
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT to_regprocedure('claims_workday_fill(date, boolean[])') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return False                      # migrated back before the tallies
        cursor.execute("SELECT coalesce(string_agg(CASE WHEN workday THEN '1' ELSE '0' END, '' ORDER BY day), '') "
                       "FROM claims_workday WHERE day BETWEEN %s AND %s", [CALENDAR_FIRST, CALENDAR_LAST])
        if cursor.fetchone()[0] == _calendar_text(days):
            return False
        cursor.execute("SELECT claims_workday_fill(%s, %s::boolean[])", [CALENDAR_FIRST, list(days)])
        cursor.execute("SELECT claims_figuretallies_rebuild()")
    return True


def sync_workday_calendar_after_migrate(sender, using="default", **kwargs):
    sync_workday_calendar(using=using)


def rebuild_figure_tallies() -> None:
    """Count every figure tally again from the rows (what the triggers keep; a repair tool)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT claims_figuretallies_rebuild()")
