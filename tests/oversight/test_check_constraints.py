"""The "impossible" conditions: the database refuses them even from raw SQL, and the data
checks that look for them anyway agree with the constraints exactly. Where PostgreSQL refuses
raw SQL, the test removes the constraint inside its own transaction (DDL is transactional; the
rollback at the end of the test restores it) to plant the condition the check must find."""

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from oversight.models import CheckFinding
from oversight.rules.checks import RULES_BY_NAME
from oversight.services.checks import checks_run
from tests.factories import PersonFactory

from .checks_world import TODAY, _raw_claim, build_world, drop_constraint


@pytest.fixture
def world(street_a, street_b, commission_staff, commission_admin):
    return build_world(street_a=street_a, street_b=street_b, commission_staff=commission_staff,
                       commission_admin=commission_admin)


def flagged(world, rule: str) -> set[str]:
    checks_run(actor=world.staff, today=TODAY, rules=(RULES_BY_NAME[rule],))
    return set(CheckFinding.objects.filter(rule=rule).values_list("key", flat=True))


D = date.fromisoformat


# Two stays of one person: (first admitted, first discharged, second admitted, second discharged,
# first withdrawn) and whether they overlap under claim_no_overlapping_stays. The check flags the
# second stay exactly when the constraint refuses it.
PAIRS = [
    ("2025-05-01", "2025-05-10", "2025-05-10", "2025-05-12", False, False),   # readmitted on the discharge day
    ("2025-05-01", "2025-05-10", "2025-05-09", "2025-05-12", False, True),    # one day shared
    ("2025-05-01", "2025-05-01", "2025-05-02", "2025-05-02", False, False),   # two same-day stays, next day
    ("2025-05-01", "2025-05-01", "2025-05-01", "2025-05-03", False, False),   # same-day stay, readmitted that day
    ("2025-05-01", "2025-05-10", "2025-05-10", "2025-05-10", False, False),   # a same-day stay on the discharge day
    ("2025-05-01", "2025-05-01", "2025-05-01", "2025-05-01", False, True),    # two same-day stays on one day
    ("2025-05-01", None, "2025-06-20", "2025-06-22", False, True),            # first still in hospital
    ("2025-05-01", "2025-05-20", "2025-05-05", "2025-05-06", False, True),    # second inside the first
    ("2025-05-01", "2025-05-10", "2025-05-05", "2025-05-12", True, False),    # first withdrawn
]


@pytest.mark.django_db
@pytest.mark.parametrize("a1, d1, a2, d2, first_withdrawn, overlap", PAIRS)
def test_the_overlap_check_agrees_with_the_constraint(world, street_a, a1, d1, a2, d2, first_withdrawn, overlap):
    person = PersonFactory(street=street_a, name="重叠测")
    first = _raw_claim(world, person, D(a1), d1 and D(d1), "LPPAIR001")
    if first_withdrawn:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE claims_claim SET status = 'withdrawn' WHERE id = %s", [first])
    try:
        with transaction.atomic():
            _raw_claim(world, person, D(a2), d2 and D(d2), "LPPAIR002")
        refused = False
    except IntegrityError as error:
        assert "claim_no_overlapping_stays" in str(error)
        refused = True
    assert refused is overlap, "PostgreSQL refuses an overlapping stay even from raw SQL"
    if refused:
        drop_constraint("claims_claim", "claim_no_overlapping_stays")
        second = _raw_claim(world, person, D(a2), d2 and D(d2), "LPPAIR002")
        assert flagged(world, "overlapping_stays") == {f"claim:{second}"}
    else:
        assert flagged(world, "overlapping_stays") == set()


@pytest.mark.django_db
def test_a_counter_over_the_cap_is_refused_even_raw_and_found_when_forced(world):
    policy = world.p1.policies.get()
    with pytest.raises(IntegrityError, match="policy_allowance_within_cap"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE enrollment_policy SET days_used = 91 WHERE id = %s", [policy.pk])
    assert flagged(world, "cap_overrun") == set()
    drop_constraint("enrollment_policy", "policy_allowance_within_cap")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE enrollment_policy SET days_used = 91 WHERE id = %s", [policy.pk])
    assert flagged(world, "cap_overrun") == {f"policy:{policy.pk}"}
    detail = CheckFinding.objects.get(rule="cap_overrun").detail
    assert (detail["day_cap"], detail["days_used"], detail["days_decided"]) == (90, 91, 10)


@pytest.mark.django_db
def test_decided_days_over_the_cap_need_no_bypass_and_are_found(world):
    """No constraint covers the sum of a policy's decided days (only the counter has a CHECK):
    plain raw SQL writes it, and only the direct query sees it."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE claims_claimportion SET days_claimed = 91, days_covered = 91, days_payable = 91 "
                       "WHERE claim_id = %s", [world.c1.pk])
    policy = world.p1.policies.get()
    assert flagged(world, "cap_overrun") == {f"policy:{policy.pk}"}
    assert CheckFinding.objects.get(rule="cap_overrun").detail["days_decided"] == 91


@pytest.mark.django_db
def test_a_payment_that_differs_from_the_decision_needs_no_bypass(world):
    """The amount check lives in the service (claims.rules.check_payment), not in the database:
    raw SQL writes a payment of another amount, and the check finds it."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE claims_payment SET amount = 2999.99 WHERE claim_id = %s", [world.c1.pk])
    assert flagged(world, "paid_not_decided") == {f"claim:{world.c1.pk}"}
