"""S22: the 90-day allowance holds under concurrency — 20 threads, a barrier, real PostgreSQL,
committed transactions. A deliberately naive "sum, check, insert" decision fails the same test.
And two people reporting the same stay at once leave one claim (S21)."""

import threading
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum

from claims import services
from claims.models import Claim, ClaimPortion, ClaimStatus
from claims.selectors import documents_status
from enrollment.models import Policy
from enrollment.services import policies_issue
from tests.claims.conftest import stay
from tests.factories import PersonFactory, SchemeYearFactory, make_user, street, uploaded_file
from tongzhou_care.core.models import Role
from tongzhou_care.core.rules import RuleViolation

THREADS = 20


def _in_threads(fn, args_list):
    """Run fn(*args) in one thread each, released together by a barrier; return outcomes."""
    barrier = threading.Barrier(len(args_list))
    outcomes = [None] * len(args_list)

    def run(i, args):
        try:
            barrier.wait()
            outcomes[i] = fn(*args)
        except (RuleViolation, IntegrityError) as error:
            outcomes[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(args_list)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


@pytest.fixture
def twenty_accepted_claims(transactional_db):
    admin = make_user(Role.COMMISSION_ADMIN)
    year = SchemeYearFactory(name="2025年度", coverage_start=date(2025, 1, 1), coverage_end=date(2025, 12, 31),
                             daily_subsidy=Decimal("300.00"))
    insurer = make_user(Role.INSURER_STAFF, insurer=year.insurer)
    officer = make_user(Role.STREET_OFFICER, street_obj=street("001"))
    person = PersonFactory(street=street("001"))
    policies_issue(scheme_year_id=year.pk, actor=admin, today=date(2025, 1, 1))
    claims = []
    for i in range(THREADS):          # 20 stays of 10 days, one after another
        admitted = date(2025, 1, 1) + timedelta(days=11 * i)
        claim = services.claim_report(person=person, data=stay(admitted, admitted + timedelta(days=10)),
                                      actor=officer, today=admitted + timedelta(days=11))
        services.claim_upload_documents(claim_id=claim.pk, actor=officer, documents=[
            (kind, uploaded_file()) for kind in documents_status(claim)[0]])
        services.claim_accept(claim_id=claim.pk, actor=insurer)
        claims.append(claim)
    return person, insurer, claims


def test_exactly_90_days_out_of_20_concurrent_10_day_claims(twenty_accepted_claims):
    person, insurer, claims = twenty_accepted_claims
    outcomes = _in_threads(lambda c: services.claim_decide(claim_id=c.pk, actor=insurer), [(c,) for c in claims])
    decided = [o for o in outcomes if isinstance(o, Claim)]
    refused = [o for o in outcomes if isinstance(o, RuleViolation)]
    assert len(decided) == 9 and len(refused) == 11, outcomes
    # …each saying why in its message, not only in the preview (issue 11)
    assert all("年度累计理赔天数已用完" in o.message for o in refused), refused
    assert Policy.objects.get(person=person).days_used == 90
    assert ClaimPortion.objects.aggregate(total=Sum("days_payable"))["total"] == 90
    assert Claim.objects.filter(status=ClaimStatus.DECIDED).aggregate(total=Sum("amount"))["total"] == Decimal("27000.00")


def _naive_decide(claim_id: int, insurer) -> int:
    """The way NOT to do it: sum the days already granted, check, insert — at READ COMMITTED,
    without locking the policy or using its counter."""
    with transaction.atomic():
        claim = Claim.objects.get(pk=claim_id)
        policy = Policy.objects.get(person_id=claim.person_id)
        used = ClaimPortion.objects.filter(policy=policy).aggregate(s=Sum("days_payable"))["s"] or 0
        time.sleep(0.2)          # the time a real decision spends between reading and writing
        payable = min(10, max(policy.day_cap - used, 0))
        if payable == 0:
            raise RuleViolation("nothing_payable", "无可给付天数")
        ClaimPortion.objects.create(claim=claim, policy=policy, days_claimed=10, days_covered=10,
                                    days_payable=payable, daily_subsidy=Decimal("300.00"),
                                    amount=Decimal("300.00") * payable)
        return payable


def test_the_naive_sum_then_insert_variant_fails_the_same_test(twenty_accepted_claims):
    person, insurer, claims = twenty_accepted_claims
    _in_threads(_naive_decide, [(c.pk, insurer) for c in claims])
    granted = ClaimPortion.objects.aggregate(total=Sum("days_payable"))["total"]
    # Every thread read "0 days used" before any wrote: far more than 90 days granted.
    assert granted > 90, granted


def _forgetful_decide(claim_id: int) -> int:
    """A write path that forgets the lock but raises the counter: the CHECK still holds."""
    with transaction.atomic():
        claim = Claim.objects.get(pk=claim_id)
        time.sleep(0.1)
        from django.db.models import F
        Policy.objects.filter(person_id=claim.person_id).update(days_used=F("days_used") + 10)
        return 10


def test_the_counter_check_holds_even_without_the_lock(twenty_accepted_claims):
    person, insurer, claims = twenty_accepted_claims
    outcomes = _in_threads(_forgetful_decide, [(c.pk,) for c in claims])
    assert sum(1 for o in outcomes if o == 10) == 9
    assert all("policy_allowance_within_cap" in str(o) for o in outcomes if o != 10)
    assert Policy.objects.get(person=person).days_used == 90


def test_two_concurrent_reports_of_the_same_stay_leave_one(transactional_db):
    admin = make_user(Role.COMMISSION_ADMIN)
    year = SchemeYearFactory(name="2025年度", coverage_start=date(2025, 1, 1), coverage_end=date(2025, 12, 31))
    officer = make_user(Role.STREET_OFFICER, street_obj=street("001"))
    staff = make_user(Role.COMMISSION_STAFF)
    person = PersonFactory(street=street("001"))
    policies_issue(scheme_year_id=year.pk, actor=admin, today=date(2025, 1, 1))
    data = stay(date(2025, 3, 1), date(2025, 3, 11))
    outcomes = _in_threads(lambda actor: services.claim_report(person=person, data=data, actor=actor,
                                                                today=date(2025, 3, 12)),
                           [(officer,), (staff,)])
    assert Claim.objects.count() == 1
    assert sum(isinstance(o, Claim) for o in outcomes) == 1
    assert any(isinstance(o, RuleViolation) and o.code == "overlap" for o in outcomes), outcomes
