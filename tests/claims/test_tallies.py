"""The day tally (claims per admission day, street, insurer and state) and the paid tally (money
paid per scheme year, day, street and insurer) that the dashboards read stay equal to a count
made here from the rows themselves, after every kind of write: the services, bulk updates, raw
SQL in an unusual order, deletes and TRUNCATE."""

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from claims import services
from claims.models import Claim, ClaimDayTally, ClaimStatus, PaidTally, Payment, Supplement
from enrollment.services import scheme_year_save
from tests.claims.conftest import REPORT_DAY, decided_claim, report
from tests.factories import PersonFactory
from tongzhou_care.core.models import Insurer

D = date


def day_counted() -> dict:
    """Claims per (admission day, street, insurer, state), counted one by one."""
    return dict(Counter((c.admitted_on, c.street_id, c.insurer_id, c.status) for c in Claim.objects.all()))


def day_tally() -> dict:
    return {(t.admitted_on, t.street_id, t.insurer_id, t.status): t.n for t in ClaimDayTally.objects.exclude(n=0)}


def paid_counted() -> dict:
    """(amount, days, portions) per (scheme year, day, street, insurer): each paid claim's portions
    on its payment day, each settled supplement's portions on its settlement day."""
    out = defaultdict(lambda: [Decimal("0.00"), 0, 0])
    for payment in Payment.objects.select_related("claim"):
        for portion in payment.claim.portions.select_related("policy"):
            row = out[(portion.policy.scheme_year_id, payment.paid_on, payment.claim.street_id,
                       payment.claim.insurer_id)]
            row[0] += portion.amount
            row[1] += portion.days_payable
            row[2] += 1
    for supplement in Supplement.objects.filter(settled_at__isnull=False).select_related("claim"):
        for portion in supplement.portions.select_related("policy"):
            row = out[(portion.policy.scheme_year_id, supplement.settled_on, supplement.claim.street_id,
                       supplement.claim.insurer_id)]
            row[0] += portion.amount_difference
            row[1] += portion.days_difference
    return {k: tuple(v) for k, v in out.items() if any(v)}


def paid_tally() -> dict:
    return {(t.scheme_year_id, t.paid_on, t.street_id, t.insurer_id): (t.amount, t.days, t.portions)
            for t in PaidTally.objects.all() if t.amount or t.days or t.portions}


def assert_tallies_true():
    assert day_tally() == day_counted()
    assert paid_tally() == paid_counted()


def pay(claim, actor, on=REPORT_DAY, amount=None):
    claim.refresh_from_db()
    return services.payment_record(claim_id=claim.pk, paid_on=on, amount=amount or claim.amount,
                                   bank_reference=f"ZH{claim.pk}", actor=actor, today=REPORT_DAY)


@pytest.mark.django_db
def test_the_services_keep_both_tallies_true(insured, officer_a, insurer_user, year, commission_admin, street_a):
    first = decided_claim(insured, officer_a, insurer_user, D(2025, 3, 1), D(2025, 3, 11))     # 10 days, 3,000.00
    pay(first, insurer_user, on=D(2025, 4, 2))
    report(insured, officer_a, D(2025, 4, 1), D(2025, 4, 3))                                     # reported only
    second = decided_claim(insured, officer_a, insurer_user, D(2025, 5, 1), D(2025, 5, 6))      # 5 days, 1,500.00
    assert_tallies_true()
    assert day_tally()[(D(2025, 3, 1), street_a.pk, year.insurer_id, ClaimStatus.PAID)] == 1
    assert paid_tally() == {(year.pk, D(2025, 4, 2), street_a.pk, year.insurer_id): (Decimal("3000.00"), 10, 1)}

    # An amendment from 1 March: the paid claim gets a supplement settled later, the unpaid one
    # is paid with its supplement (its payment settles it: counted once, on the payment day).
    year.refresh_from_db()
    year.daily_subsidy = Decimal("320.00")
    scheme_year_save(scheme_year=year, actor=commission_admin, amendment_date=D(2025, 3, 1), amendment_reason="提标")
    services.claim_supplement(claim_id=first.pk, actor=insurer_user)
    services.claim_supplement(claim_id=second.pk, actor=insurer_user)
    assert_tallies_true()                      # open supplements pay nothing yet
    pay(second, insurer_user, on=D(2025, 6, 3), amount=Decimal("1600.00"))
    services.supplement_settle(claim_id=first.pk, settled_on=D(2025, 6, 20), bank_reference="ZH9",
                               actor=insurer_user, today=REPORT_DAY)
    assert_tallies_true()
    by_day = {k[1]: v for k, v in paid_tally().items()}
    assert by_day == {D(2025, 4, 2): (Decimal("3000.00"), 10, 1),
                      D(2025, 6, 3): (Decimal("1600.00"), 5, 1),      # 1,500.00 decided + 100.00 supplement
                      D(2025, 6, 20): (Decimal("200.00"), 0, 0)}      # 10 days × 20.00, settled later
    assert sum(v[0] for v in by_day.values()) == Decimal("4800.00")


@pytest.mark.django_db
def test_a_recovery_after_a_late_death_is_negative(insured, officer_a, insurer_user, year, commission_admin):
    from enrollment.services import person_update

    claim = decided_claim(insured, officer_a, insurer_user, D(2025, 3, 1), D(2025, 3, 11))
    pay(claim, insurer_user, on=D(2025, 4, 2))
    insured.refresh_from_db()
    person_update(person_id=insured.pk, version=insured.version, actor=commission_admin, today=REPORT_DAY,
                  changes={"status": "deceased", "status_date": D(2025, 3, 6)})
    services.claim_supplement(claim_id=claim.pk, actor=insurer_user)                # −4 days, −1,200.00
    services.supplement_settle(claim_id=claim.pk, settled_on=D(2025, 6, 25), bank_reference="ZH-R",
                               actor=insurer_user, today=REPORT_DAY)
    assert_tallies_true()
    assert sorted(paid_tally().values()) == [(Decimal("-1200.00"), -4, 0), (Decimal("3000.00"), 10, 1)]


@pytest.mark.django_db
def test_bulk_updates_raw_sql_any_write_order_deletes_and_truncate(insured, officer_a, insurer_user, year,
                                                                  street_a, street_b, commission_admin):
    from enrollment.services import policies_issue
    from tests.claims.conftest import YEAR_START

    neighbour = PersonFactory(street=street_a)
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=YEAR_START)
    paid = decided_claim(insured, officer_a, insurer_user, D(2025, 3, 1), D(2025, 3, 11))
    pay(paid, insurer_user)
    other = decided_claim(neighbour, officer_a, insurer_user, D(2025, 3, 2), D(2025, 3, 4))
    report(insured, officer_a, D(2025, 4, 1), D(2025, 4, 3))
    Claim.objects.filter(status=ClaimStatus.REPORTED).update(status=ClaimStatus.WITHDRAWN)      # bulk path
    assert_tallies_true()
    with connection.cursor() as cursor:
        # A payment written before the portions it pays (raw SQL, the other order than the services').
        cursor.execute("SELECT id, policy_id, amount, days_payable FROM claims_claimportion WHERE claim_id = %s",
                       [other.pk])
        (portion_id, policy_id, amount, days), = cursor.fetchall()
        cursor.execute("DELETE FROM claims_claimportion WHERE id = %s", [portion_id])
        cursor.execute("INSERT INTO claims_payment (claim_id, paid_on, amount, bank_reference, recorded_by_id, "
                       "recorded_at) VALUES (%s, '2025-07-01', %s, 'RAW', %s, now())",
                       [other.pk, amount, insurer_user.pk])
        assert_tallies_true()
        cursor.execute("INSERT INTO claims_claimportion (claim_id, policy_id, first_day, last_day, days_claimed, "
                       "days_covered, days_payable, daily_subsidy, amount) VALUES (%s, %s, '2025-03-02', "
                       "'2025-03-03', %s, %s, %s, 300, %s)", [other.pk, policy_id, days, days, days, amount])
        cursor.execute("UPDATE claims_claim SET status = 'paid' WHERE id = %s", [other.pk])
        assert_tallies_true()
        assert sum(v[0] for v in paid_tally().values()) == Decimal("3600.00")
        # A claim moved to another street and insurer takes its claims and its money along.
        moved_to = Insurer.objects.create(name="乙保险公司", hotline="95502")
        cursor.execute("UPDATE claims_claim SET street_id = %s, insurer_id = %s WHERE id = %s",
                       [street_b.pk, moved_to.pk, paid.pk])
        assert_tallies_true()
        assert {k[2] for k in paid_tally()} == {street_a.pk, street_b.pk}
        # A payment's day corrected, then removed.
        cursor.execute("UPDATE claims_payment SET paid_on = '2025-07-15' WHERE claim_id = %s", [other.pk])
        assert_tallies_true()
        cursor.execute("DELETE FROM claims_payment WHERE claim_id = %s", [other.pk])
        assert_tallies_true()
    # TRUNCATE fires no row triggers: the tallies are rebuilt from what is left.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")      # no deferred checks pending in the test's transaction
        cursor.execute("TRUNCATE claims_payment")
        assert paid_tally() == {} == paid_counted()
        cursor.execute("TRUNCATE claims_claimaction, claims_claimportion, claims_claimdocument, claims_supplementportion, "
                       "claims_supplement, claims_claim CASCADE")
    assert day_tally() == {} and paid_tally() == {}

