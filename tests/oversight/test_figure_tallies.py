"""The figure tallies (claims/tallies.py, kept by the triggers of claims migrations 0009 and 0011) against
the rows: after every kind of write — the services, ORM saves, .update(), bulk_create, raw SQL,
deletes, TRUNCATE, children written before their claim, a claim moved to another street,
insurer or year, scheme years created, moved and deleted, the working-day calendar changed —
the figures the selectors read from the tallies equal the same figures counted straight from
the claims, portions, payments and supplements (the queries the selectors ran before the
tallies), for every scope; and every tally equals a recount from scratch."""

from datetime import date, datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pgtrigger
import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from claims.models import (
    Claim,
    ClaimAction,
    ClaimPaymentMismatch,
    ClaimPortion,
    ClaimStepTally,
    ClaimYearTally,
    MoneyTally,
    Payment,
    PolicyDaysTally,
    Supplement,
    SupplementPortion,
)
from claims.tallies import rebuild_figure_tallies, sync_workday_calendar
from enrollment.models import Policy, SchemeYear
from oversight.selectors import figures as fig
from tests.factories import PersonFactory, SchemeYearFactory, make_user
from tests.oversight.test_figures import world  # noqa: F401  (services: paid, decided, reported)
from tongzhou_care.core.models import Insurer, Role
from tongzhou_care.core.money import to_yuan

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
END, MID = date(2025, 12, 31), date(2025, 5, 7)


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


# --- The figures counted straight from the rows -----------------------------------------------

def _rows(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def direct(user, year: SchemeYear, today: date) -> dict:
    """Every tally-based figure of the selectors, counted from the claims, portions, payments
    and supplements themselves (the selectors' queries before the tallies; paid money is that of
    the claims whose payment is recorded, as the dashboards' PaidTally counts it — the same
    claims as those in state 'paid' whenever the services wrote them)."""
    scope = fig.figure_scope(user, year)
    where, params = fig._year_claims(year, scope)
    claim_filter, _ = fig._claim_filter(scope)
    params.update(year=year.pk, today=today)
    (claims,) = _rows(f"""
        SELECT count(*), count(*) FILTER (WHERE c.status = 'withdrawn'), count(*) FILTER (WHERE c.status = 'refused'),
               count(*) FILTER (WHERE c.status IN ('decided', 'paid')), count(*) FILTER (WHERE c.status = 'paid'),
               count(*) FILTER (WHERE c.status IN ('reported', 'documents_pending', 'accepted', 'appealed')),
               avg(c.amount + coalesce((SELECT sum(s.amount_difference) FROM claims_supplement s
                                        WHERE s.claim_id = c.id), 0)) FILTER (WHERE c.status IN ('decided', 'paid'))
        FROM claims_claim c WHERE {where}""", params)
    (money,) = _rows(f"""
        SELECT (SELECT coalesce(sum(cp.amount), 0) FROM claims_claimportion cp
                JOIN enrollment_policy p ON p.id = cp.policy_id JOIN claims_claim c ON c.id = cp.claim_id
                JOIN claims_payment pay ON pay.claim_id = c.id
                WHERE p.scheme_year_id = %(year)s{claim_filter})
             + (SELECT coalesce(sum(sp.amount_difference), 0) FROM claims_supplementportion sp
                JOIN claims_supplement s ON s.id = sp.supplement_id JOIN enrollment_policy p ON p.id = sp.policy_id
                JOIN claims_claim c ON c.id = s.claim_id
                WHERE p.scheme_year_id = %(year)s AND s.settled_at IS NOT NULL{claim_filter}),
               (SELECT coalesce(sum(cp.days_payable), 0) FROM claims_claimportion cp
                JOIN enrollment_policy p ON p.id = cp.policy_id JOIN claims_claim c ON c.id = cp.claim_id
                JOIN claims_payment pay ON pay.claim_id = c.id
                WHERE p.scheme_year_id = %(year)s{claim_filter})
             + (SELECT coalesce(sum(sp.days_difference), 0) FROM claims_supplementportion sp
                JOIN claims_supplement s ON s.id = sp.supplement_id JOIN enrollment_policy p ON p.id = sp.policy_id
                JOIN claims_claim c ON c.id = s.claim_id
                WHERE p.scheme_year_id = %(year)s AND s.settled_at IS NOT NULL{claim_filter}),
               (SELECT count(*) FROM claims_claimportion cp
                JOIN enrollment_policy p ON p.id = cp.policy_id JOIN claims_claim c ON c.id = cp.claim_id
                JOIN claims_payment pay ON pay.claim_id = c.id
                WHERE p.scheme_year_id = %(year)s AND cp.days_payable > 0{claim_filter}),
               (SELECT coalesce(sum(cp.amount), 0) FROM claims_claimportion cp
                JOIN enrollment_policy p ON p.id = cp.policy_id JOIN claims_claim c ON c.id = cp.claim_id
                WHERE p.scheme_year_id = %(year)s AND c.status = 'decided'{claim_filter})
             + (SELECT coalesce(sum(sp.amount_difference), 0) FROM claims_supplementportion sp
                JOIN claims_supplement s ON s.id = sp.supplement_id JOIN enrollment_policy p ON p.id = sp.policy_id
                JOIN claims_claim c ON c.id = s.claim_id
                WHERE p.scheme_year_id = %(year)s AND s.settled_at IS NULL{claim_filter})""", params)
    short = {r[0] for r in _rows(f"""
        SELECT c.id FROM claims_claim c JOIN claims_payment pay ON pay.claim_id = c.id
        LEFT JOIN (SELECT s.claim_id, sum(s.amount_difference) AS total,
                          sum(s.amount_difference) FILTER (WHERE s.settled_at IS NOT NULL
                                                            AND s.decided_at > p.recorded_at) AS later
                   FROM claims_supplement s JOIN claims_payment p ON p.claim_id = s.claim_id
                   GROUP BY s.claim_id) s ON s.claim_id = c.id
        WHERE c.status = 'paid' AND {where}
          AND pay.amount + coalesce(s.later, 0) <> c.amount + coalesce(s.total, 0)""", params)}
    (paid_with_payment,) = _rows(f"""
        SELECT count(*) FROM claims_claim c JOIN claims_payment pay ON pay.claim_id = c.id
        WHERE c.status = 'paid' AND {where}""", params)[0]
    # SLA steps claim by claim with the Python calendar (core.workdays), as the lists read them.
    sql, sla_params = fig._sla_states_sql(year, scope, today)
    sla = {step: dict(in_time=0, late=0, open_late=0, pending=0) for step in fig.STEPS}
    columns = ", ".join(f"{step}_state" for step in fig.STEPS)
    for *states, n in _rows(f"SELECT {columns}, count(*) FROM ({sql}) x GROUP BY {columns}", sla_params):
        for step, state in zip(fig.STEPS, states):
            if state:
                sla[step][state] += n
    decided_days = dict(_rows(f"""
        SELECT cp.policy_id, sum(cp.days_covered) FROM claims_claimportion cp
        JOIN claims_claim c ON c.id = cp.claim_id JOIN enrollment_policy p ON p.id = cp.policy_id
        WHERE p.scheme_year_id = %(year)s AND c.status IN ('decided', 'paid'){claim_filter}
        GROUP BY cp.policy_id""", params))
    mean = claims[6]
    return {"claims": claims[:6] + (to_yuan(mean) if mean is not None else None,),
            "money": (to_yuan(money[0]), money[1], money[2], to_yuan(money[3])),
            "sla": sla, "full_payment": (paid_with_payment, len(short)), "short": short,
            "decided_days": {k: v for k, v in decided_days.items() if v}}


def from_tallies(user, year: SchemeYear, today: date) -> dict:
    """The same figures as the selectors give them (from the tallies)."""
    f = fig.year_figures(user, year, today=today)
    scope = fig.figure_scope(user, year)
    full = fig._full_payment(year, scope)
    tally_filter, params = fig._claim_filter(scope, "t")
    params["year"] = year.pk
    decided_days = dict(_rows(f"""
        SELECT t.policy_id, sum(t.days) FROM claims_policydaystally t
        JOIN enrollment_policy p ON p.id = t.policy_id
        WHERE p.scheme_year_id = %(year)s{tally_filter} GROUP BY t.policy_id""", params))
    return {"claims": (f.claims_reported, f.claims_withdrawn, f.claims_refused, f.claims_decided, f.claims_paid,
                       f.claims_outstanding, f.mean_decided),
            "money": (f.paid_amount, f.paid_days, f.paid_stays, f.owed_amount),
            "sla": {s.step: dict(in_time=s.in_time, late=s.late, open_late=s.open_late, pending=s.pending)
                    for s in fig.sla_compliance(user, year, today=today)},
            "full_payment": (full["paid"], full["short"]),
            "short": {row[0] for row in _rows(*fig._not_in_full_sql(year, scope))},
            "decided_days": {k: v for k, v in decided_days.items() if v}}


def tally_rows() -> dict:
    """Every tally's rows that count something, by key."""
    def rows(model, keys, values):
        return {tuple(r[k] for k in keys): tuple(r[v] for v in values)
                for r in model.objects.values(*keys, *values) if any(r[v] for v in values)}
    return {
        "year": rows(ClaimYearTally, ("scheme_year", "street", "insurer", "status"),
                     ("amount", "supplements", "with_payment")),
        "step": rows(ClaimStepTally, ("scheme_year", "street", "insurer", "step", "working_days"), ("claims",)),
        "money": rows(MoneyTally, ("scheme_year", "street", "insurer"), ("owed", "paid_stays")),
        "policy": rows(PolicyDaysTally, ("policy", "street", "insurer"), ("days",)),
        "mismatch": set(ClaimPaymentMismatch.objects.values_list("claim_id", flat=True)),
    }


class _Recounted(Exception):
    pass


def recount() -> dict:
    """The tallies counted again from scratch (in a savepoint rolled back)."""
    try:
        with transaction.atomic():
            rebuild_figure_tallies()
            counted = tally_rows()
            raise _Recounted
    except _Recounted:
        return counted


@pytest.fixture
def users(commission_staff, finance, officer_a, officer_b, insurer_user):
    other = make_user(Role.INSURER_STAFF, username="other_insurer",
                      insurer=Insurer.objects.create(name="他保险公司", hotline="95511"))
    return [commission_staff, finance, officer_a, officer_b, insurer_user, other]


def agree(users, *years) -> dict:
    """Assert the tally-based figures equal the direct ones for every user, year and both days,
    and the tallies equal a recount; return the commission's direct figures of the first year."""
    years = years or tuple(SchemeYear.objects.order_by("coverage_start"))
    for year in years:
        year = SchemeYear.objects.get(pk=year.pk)          # fresh: its neighbours may have moved
        for user in users:
            for today in (MID, END):
                assert from_tallies(user, year, today) == direct(user, year, today), (user.username, year.name, today)
    assert tally_rows() == recount()
    return direct(users[0], SchemeYear.objects.get(pk=years[0].pk), END)


# --- Helpers writing rows without the services --------------------------------------------------

def new_claim(person, admitted, discharged, *, actor, number, status="reported", **fields) -> Claim:
    insurer = SchemeYear.objects.order_by("coverage_start").first().insurer_id
    return Claim(number=number, person=person, street_id=person.street_id, insurer_id=insurer,
                 hospital="通州区人民医院", admitted_on=admitted, discharged_on=discharged, cause="illness",
                 diagnosis="肺炎", reporter_name="李专管", reporter_relation="专管员", reporter_phone="13900001111",
                 reported_at=at(str(discharged or admitted)), reported_by=actor, status=status, **fields)


def decided(amount: str, days: int, **fields) -> dict:
    return {"days_claimed": days, "days_payable": days, "amount": D(amount), **fields}


def portion(claim, year, days: int, amount: str) -> ClaimPortion:
    return ClaimPortion(claim=claim, policy=Policy.objects.get(person=claim.person, scheme_year=year),
                        first_day=claim.admitted_on, last_day=claim.discharged_on, days_claimed=days, days_covered=days,
                        days_payable=days, daily_subsidy=D("300.00"), amount=D(amount))


# --- The tests ---------------------------------------------------------------------------------

def test_tallies_follow_the_services(year, world, users, insurer_user, commission_staff):
    from claims.services import claim_mark_notice_sent, claim_refuse, payment_record

    first = agree(users, year)
    assert first["claims"][:6] == (3, 0, 0, 2, 1, 1)
    payment_record(claim_id=world["c2"].pk, paid_on=date(2025, 4, 20), amount=D("1500.00"), bank_reference="B2",
                   actor=insurer_user, today=date(2025, 4, 20))
    assert agree(users, year)["money"] == (D("4500.00"), 15, 2, D("0.00"))
    claim_refuse(claim_id=world["c3"].pk, code="not_inpatient", explanation="门诊留观，不属于住院。", actor=insurer_user)
    refused = agree(users, year)
    assert refused["claims"][:6] == (3, 0, 1, 2, 2, 0) and refused["sla"]["refusal_notice"]["pending"] == 1
    claim_mark_notice_sent(claim_id=world["c3"].pk, actor=insurer_user)
    assert agree(users, year)["sla"]["refusal_notice"]["in_time"] == 1


def test_tallies_follow_orm_writes(year, world, users, insured, insurer_user, commission_staff):
    a1, b1 = insured["a1"], insured["b1"]
    # bulk_create: a decided claim and a paid one (paid 100 short) with their portions and payment.
    c4, c5 = Claim.objects.bulk_create([
        new_claim(a1, date(2025, 7, 1), date(2025, 7, 5), actor=commission_staff, number="T4", status="decided",
                  decided_at=at("2025-07-08"), accepted_at=at("2025-07-07"), **decided("1200.00", 4)),
        new_claim(b1, date(2025, 8, 1), date(2025, 8, 3), actor=commission_staff, number="T5", status="paid",
                  decided_at=at("2025-08-05"), paid_at=at("2025-08-25"), accepted_at=at("2025-08-04"),
                  **decided("600.00", 2)),
    ])
    ClaimPortion.objects.bulk_create([portion(c4, year, 4, "1200.00"), portion(c5, year, 2, "600.00")])
    Payment.objects.bulk_create([Payment(claim=c5, paid_on=date(2025, 8, 25), amount=D("500.00"), bank_reference="B5",
                                         recorded_by=insurer_user)])
    after = agree(users, year)
    assert after["claims"][:6] == (5, 0, 0, 4, 2, 1) and after["short"] == {c5.pk}
    # .update(): c2 marked paid without a payment; then its payment saved; the short payment fixed.
    Claim.objects.filter(pk=world["c2"].pk).update(status="paid", paid_at=at("2025-04-30"), due_step="", due_on=None)
    agree(users, year)
    Payment.objects.create(claim=world["c2"], paid_on=date(2025, 4, 30), amount=D("1500.00"), bank_reference="B2",
                           recorded_by=insurer_user)
    Payment.objects.filter(claim=c5).update(amount=D("600.00"))
    assert agree(users, year)["short"] == set()
    # A supplementary decision on c1 after its payment (open: short; then settled by save()),
    # its portion changed by .update().
    supplement = Supplement.objects.create(claim=world["c1"], sequence=1, cause="amendment", note="补",
                                           days_difference=1, amount_difference=D("300.00"),
                                           decided_at=timezone.now(), decided_by=insurer_user)
    SupplementPortion.objects.create(supplement=supplement, policy=world["c1"].portions.get().policy,
                                     days_difference=1, amount_difference=D("300.00"))
    opened = agree(users, year)
    assert opened["short"] == {world["c1"].pk} and opened["money"][3] == D("1500.00")
    supplement.settled_on, supplement.settled_at, supplement.settled_by = date(2025, 6, 5), at("2025-06-05"), insurer_user
    supplement.bank_reference = "S1"
    supplement.save()
    assert agree(users, year)["short"] == set()
    SupplementPortion.objects.filter(supplement=supplement).update(amount_difference=F("amount_difference") - 50,
                                                                   days_difference=0)
    ClaimPortion.objects.filter(claim=c4).update(days_covered=F("days_covered") + 1, days_claimed=F("days_claimed") + 1,
                                                 amount=D("1250.00"))
    agree(users, year)
    # Deletes through the ORM, children first as the foreign keys want.
    SupplementPortion.objects.filter(supplement=supplement).delete()
    supplement.delete()
    Payment.objects.filter(claim=c5).delete()
    ClaimPortion.objects.filter(claim__in=[c4, c5]).delete()
    Claim.objects.filter(pk__in=[c4.pk, c5.pk]).delete()
    assert agree(users, year)["claims"][:6] == (3, 0, 0, 2, 2, 1)


def test_tallies_follow_raw_sql(year, world, users, insured, street_b, commission_staff):
    c1, c2, c3 = world["c1"], world["c2"], world["c3"]
    with connection.cursor() as cursor:
        # A claim copied from c2 for b1 in raw SQL, its portion written before the claim itself
        # (the foreign keys are checked at commit): the claim's trigger counts the pair.
        cursor.execute("SELECT nextval(pg_get_serial_sequence('claims_claim', 'id'))")
        new_id = cursor.fetchone()[0]
        policy = Policy.objects.get(person=insured["b1"], scheme_year=year).pk
        cursor.execute("""INSERT INTO claims_claimportion (claim_id, policy_id, first_day, last_day, days_claimed,
                              days_covered, days_payable, daily_subsidy, amount)
                          VALUES (%s, %s, '2025-09-01', '2025-09-03', 3, 3, 3, 300, 900)""", [new_id, policy])
        cursor.execute("""INSERT INTO claims_claim (id, number, person_id, street_id, insurer_id, hospital, admitted_on,
                              discharged_on, cause, diagnosis, reporter_name, reporter_relation, reporter_phone,
                              proxy_filing, payee_name, payee_relation, payee_id_number, payee_bank, payee_account,
                              status, late_report, reported_at, reported_by_id, accepted_at, decided_at, days_claimed,
                              days_payable, amount, calculation, refusal_code, refusal_explanation, appeal_reason,
                              appeal_count, due_step, due_on, version, updated_at)
                          SELECT %s, 'RAW1', %s, %s, insurer_id, hospital, '2025-09-01', '2025-09-04', cause, diagnosis,
                                 reporter_name, reporter_relation, reporter_phone, proxy_filing, payee_name,
                                 payee_relation, payee_id_number, payee_bank, payee_account, 'decided', false,
                                 '2025-09-05 10:00+08', reported_by_id, '2025-09-08 10:00+08', '2025-09-09 10:00+08',
                                 3, 3, 900, '[]', '', '', '', 0, 'pay', '2025-09-23', 1, now()
                          FROM claims_claim WHERE id = %s""", [new_id, insured["b1"].pk, street_b.pk, c2.pk])
    inserted = agree(users, year)
    assert inserted["claims"][:6] == (4, 0, 0, 3, 1, 1) and inserted["money"][3] == D("2400.00")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE claims_claim SET street_id = %s WHERE id = %s", [street_b.pk, c1.pk])   # moved street
        cursor.execute("UPDATE claims_claimportion SET amount = amount + 1 WHERE claim_id = %s", [c2.pk])
        cursor.execute("UPDATE claims_payment SET amount = amount - 1 WHERE claim_id = %s", [c1.pk])  # now short
        cursor.execute("UPDATE claims_claim SET accepted_at = '2025-03-13 09:00+08', documents_requested_at = NULL "
                       "WHERE id = %s", [c1.pk])
    moved = agree(users, year)
    assert moved["short"] == {c1.pk}
    assert direct(users[3], year, END)["claims"][0] == 3                # officer B: b1's two and c1
    other = Insurer.objects.create(name="再保险公司", hotline="95522")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE claims_claim SET insurer_id = %s WHERE id = %s", [other.pk, c2.pk])     # moved insurer
        cursor.execute("UPDATE claims_claim SET id = id + 1000000 WHERE id = %s", [c3.pk])              # a new id
        cursor.execute("UPDATE claims_claim SET status = 'refused', refused_at = '2025-05-10 10:00+08', "
                       "due_step = 'refusal_notice', due_on = '2025-05-15' WHERE id = %s", [c3.pk + 1000000])
    agree(users, year)
    with pgtrigger.ignore("claims.ClaimAction:claimaction_append_only"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM claims_payment WHERE claim_id = %s", [c1.pk])
        cursor.execute("DELETE FROM claims_claimaction")
        cursor.execute("DELETE FROM claims_claimdocument")
        cursor.execute("DELETE FROM oversight_survey")
        cursor.execute("DELETE FROM claims_claim WHERE id = %s", [c1.pk])      # its portion goes after it
        cursor.execute("DELETE FROM claims_claimportion WHERE claim_id = %s", [c1.pk])
        cursor.execute("DELETE FROM claims_claim WHERE id = %s", [c3.pk + 1000000])
    assert agree(users, year)["claims"][:6] == (2, 0, 0, 2, 0, 0)


def test_tallies_follow_the_scheme_years(year, world, users, insured, commission_staff, commission_admin):
    from enrollment.services import policies_issue

    # Two stays admitted after the 2025 year's end: no scheme year takes them yet.
    Claim.objects.bulk_create([
        new_claim(insured["a1"], date(2026, 1, 5), date(2026, 1, 9), actor=commission_staff, number="N1"),
        new_claim(insured["b1"], date(2026, 2, 5), None, actor=commission_staff, number="N2",
                  due_step="accept", due_on=date(2026, 2, 9)),
    ])
    before = agree(users, year)
    assert before["claims"][0] == 3
    later = SchemeYearFactory(name="2026年度", insurer=year.insurer, coverage_start=date(2026, 1, 1),
                              coverage_end=date(2026, 12, 31))
    assert agree(users, year, later)["claims"][0] == 3
    assert direct(users[0], later, END)["claims"][0] == 2 == fig.year_figures(users[0], later, today=END).claims_reported
    # 2025 cut short by raw SQL: its claims after 30 June belong to 2026 now.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE enrollment_schemeyear SET coverage_end = '2025-04-30' WHERE id = %s", [year.pk])
    assert agree(users, year, later)["claims"][0] == 2
    assert fig.year_figures(users[0], SchemeYear.objects.get(pk=later.pk), today=END).claims_reported == 3
    # A policy never moves to another year (the money tallies are keyed by the paying policy's
    # year): the database refuses it, even in raw SQL.
    policies_issue(scheme_year_id=later.pk, actor=commission_admin, today=later.coverage_start)
    Policy.objects.filter(scheme_year=later, person=insured["a1"]).delete()
    with pytest.raises(IntegrityError, match="cannot move to another scheme year"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("UPDATE enrollment_policy SET scheme_year_id = %s WHERE person_id = %s AND scheme_year_id = %s",
                       [later.pk, insured["a1"].pk, year.pk])
    assert agree(users, year, later)["money"] == before["money"]
    # The later year deleted: its claims have no year again.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM enrollment_policy WHERE scheme_year_id = %s", [later.pk])
        cursor.execute("DELETE FROM enrollment_schemeyear WHERE id = %s", [later.pk])
    assert agree(users, year)["claims"][0] == 2
    assert not ClaimStepTally.objects.filter(scheme_year_id=later.pk).exclude(claims=0).exists()
    assert not ClaimYearTally.objects.filter(scheme_year_id=later.pk).exclude(amount=0, with_payment=0).exists()


def test_truncate_counts_again(year, world, users, insurer_user):
    supplement = Supplement.objects.create(claim=world["c2"], sequence=1, cause="amendment", note="补",
                                           days_difference=0, amount_difference=D("-100.00"),
                                           decided_at=at("2025-06-01"), decided_by=insurer_user)
    SupplementPortion.objects.create(supplement=supplement, policy=world["c2"].portions.get().policy,
                                     days_difference=0, amount_difference=D("-100.00"))
    assert agree(users, year)["money"][3] == D("1400.00")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")      # no deferred check pending on the table
        cursor.execute("TRUNCATE claims_supplementportion")
    assert agree(users, year)["money"][3] == D("1500.00")
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE claims_payment, claims_supplement, claims_supplementportion")
    assert agree(users, year)["full_payment"] == (0, 0)


def test_sla_settings_change_without_a_recount(year, world, users):
    # c1 was decided 6 working days after its acceptance (14 → 24 March): late at 5, in time at 6.
    assert agree(users, year)["sla"]["decide"]["late"] == 1
    SchemeYear.objects.filter(pk=year.pk).update(sla_decide_days=6)
    assert agree(users, year)["sla"]["decide"] == dict(in_time=2, late=0, open_late=0, pending=0)


def test_the_calendar_in_the_database_is_the_official_one(year, world, users):
    assert sync_workday_calendar() is False                 # migrate left it as core.workdays says
    # A calendar that makes 17–21 March 2025 holidays: c1's decision (14 → 24 March) in time.
    with connection.cursor() as cursor:
        cursor.execute("SELECT array_agg(workday AND day NOT BETWEEN '2025-03-17' AND '2025-03-21' ORDER BY day), "
                       "min(day) FROM claims_workday")
        days, first = cursor.fetchone()
        cursor.execute("SELECT claims_workday_fill(%s, %s)", [first, days])
    rebuild_figure_tallies()
    assert fig.sla_compliance(users[0], year, today=END)[1].late == 0
    assert direct(users[0], year, END)["sla"]["decide"]["late"] == 1
    assert sync_workday_calendar() is True                  # the official calendar back, counted again
    assert agree(users, year)["sla"]["decide"]["late"] == 1


def test_the_migration_counts_the_rows_already_there(year, world, users, insured, commission_staff):
    from django.core.management import call_command
    from django.db import connection

    # The claims the fixtures wrote left the tallies' deferred foreign-key checks pending in this
    # test's transaction; a migration that alters a tally table (claims 0012) or the claims
    # table (the sealing of personal data, issue 14) needs them done.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("migrate", "claims", "0010", verbosity=0)
    # Written while no trigger kept the tallies: they know nothing of it. Through the claim model
    # of that migration state (its personal columns not sealed yet).
    from django.db.migrations.executor import MigrationExecutor

    then = MigrationExecutor(connection).loader.project_state(("claims", "0010_figure_tallies")).apps
    OldClaim = then.get_model("claims", "Claim")
    claim = new_claim(insured["a2"], date(2025, 10, 1), date(2025, 10, 2), actor=commission_staff,
                      number="M1", due_step="accept", due_on=date(2025, 10, 7))
    OldClaim.objects.bulk_create([OldClaim(**{f.attname: getattr(claim, f.attname)
                                              for f in OldClaim._meta.concrete_fields if f.attname != "id"})])
    Claim.objects.filter(pk=world["c3"].pk).update(status="withdrawn", due_step="", due_on=None)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("migrate", "claims", verbosity=0)
    assert agree(users, year)["claims"][:6] == (4, 1, 0, 2, 1, 1)


@pytest.mark.django_db(transaction=True)
def test_the_runtime_role_keeps_the_tallies(year, world, users):
    """The web and worker processes' role (no ownership) runs the triggers: a scheme year
    created (the claims of its window re-counted under a table lock) and claims written."""
    import psycopg2

    from tests.dbroles import runtime_url

    conn = psycopg2.connect(runtime_url())
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT set_config('pghistory.context_id', gen_random_uuid()::text, false)")
            cursor.execute("SELECT set_config('pghistory.context_metadata', '{\"action\": \"test\"}', false)")
            changed = {"name": "'2026年度'", "coverage_start": "'2026-01-01'", "coverage_end": "'2026-12-31'",
                       "policies_issued_at": "NULL", "money_locked_at": "NULL"}
            columns = [f.column for f in SchemeYear._meta.concrete_fields if f.column != "id"]
            cursor.execute(f"INSERT INTO enrollment_schemeyear ({', '.join(columns)}) "
                           f"SELECT {', '.join(changed.get(c, c) for c in columns)} FROM enrollment_schemeyear "
                           "WHERE id = %s", [year.pk])
            cursor.execute("UPDATE claims_claim SET status = 'withdrawn', withdrawn_at = now(), due_step = '', "
                           "due_on = NULL WHERE id = %s", [world["c3"].pk])
    finally:
        conn.close()
    assert agree(users)["claims"][:6] == (3, 1, 0, 2, 1, 0)
