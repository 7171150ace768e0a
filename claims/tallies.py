"""The figure tallies (issue 10 point 7): the claim-side aggregates of the insurer evaluation and
the dynamic adjustment (oversight/selectors/figures.py), kept in advance by statement-level
triggers (migration 0009, docs/performance.md) so that a page reads a few hundred rows instead
of scanning a year's million claims, portions and payments.

Each tally is what one SQL aggregate over the source rows would give, kept true in the same
statement as any insert, update or delete of those rows — services, bulk writes and raw SQL
alike; TRUNCATE of a source table and a change of the scheme years' coverage re-count what they
touch. They hold ids, counts and money only (no personal data). `rebuild_figure_tallies` counts
everything again from the rows.

Which rows count where (docs/figures.md "Which claims belong to a year"):
- ClaimYearTally, ClaimStepTally: the claim's scheme year is the one of its admission day (a stay
  admitted before the first scheme year belongs to the first), its street and insurer the claim's.
- MoneyTally, PolicyDaysTally: the scheme year, resp. the policy, that pays the portion.

Models only (the triggers are SQL); imported by claims.models so Django finds them."""

import functools
from datetime import date

from django.db import connection, models

# A step not done yet, waiting with a deadline (ClaimStepTally.working_days).
OPEN = -1
# The working-day calendar the triggers read (claims_workday, migration 0009): these days,
# from the official calendar of tongzhou_care.core.workdays.
CALENDAR_FIRST, CALENDAR_LAST = date(2000, 1, 1), date(2100, 12, 31)


def _fk(to: str):
    # A tally never holds up a delete of what it counts (no database constraint, nothing
    # cascades), and its unique key is its only index.
    return models.ForeignKey(to, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")


class ClaimYearTally(models.Model):
    """The claims of a scheme year (of admission) per street, insurer and state: how many, the
    sum of their decided amounts, of their supplementary decisions, and how many have a payment."""

    scheme_year = _fk("enrollment.SchemeYear")
    street = _fk("core.Street")
    insurer = _fk("core.Insurer")
    status = models.CharField(max_length=20)
    claims = models.BigIntegerField(default=0)
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
    """What a scheme year's policies paid ('paid': portions of paid claims and settled
    supplementary decisions) and owe ('owed': portions of decided claims not paid yet and open
    supplementary decisions), per street and insurer of the claim: amount, days, and the
    portions with paid days (stays)."""

    scheme_year = _fk("enrollment.SchemeYear")
    street = _fk("core.Street")
    insurer = _fk("core.Insurer")
    state = models.CharField(max_length=10)
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    days = models.BigIntegerField(default=0)
    stays = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scheme_year", "street", "insurer", "state"],
                                               name="moneytally_one_row")]


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
