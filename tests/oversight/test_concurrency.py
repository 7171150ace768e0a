"""Oversight writes under concurrency (real threads, a barrier, committed transactions): two
draws of the same year's sample leave one; a payment (claim → survey row) and a draw (scheme
year → survey rows) at the same moment both commit, with no deadlock (SQLSTATE 40P01); two
answers to one survey leave one."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import OperationalError
from django.utils import timezone

from claims import services as claim_services
from enrollment.services import policies_issue
from oversight.models import Survey, SurveySample
from oversight.services.surveys import survey_record, survey_sample_draw
from tests.claims.conftest import decided_claim
from tests.claims.test_concurrency import _in_threads
from tests.factories import PersonFactory, SchemeYearFactory, make_user, street
from tongzhou_care.core.models import Role
from tongzhou_care.core.rules import RuleViolation

SCORES = {"score_reporting": 5, "score_documents": 4, "score_payment_speed": 3, "score_amount": 4,
          "score_attitude": 5, "score_overall": 4}


@pytest.fixture
def year_with_people(transactional_db):
    admin = make_user(Role.COMMISSION_ADMIN)
    year = SchemeYearFactory(name="2025年度", coverage_start=date(2025, 1, 1), coverage_end=date(2025, 12, 31),
                             daily_subsidy=Decimal("300.00"))
    for k in range(40):
        PersonFactory(street=street("001" if k % 2 else "104"))
    policies_issue(scheme_year_id=year.pk, actor=admin, today=date(2025, 1, 1))
    return year


def _outcome(fn):
    """Run fn; a deadlock or serialisation failure comes back as its SQLSTATE, not a crash."""
    def run(*args):
        try:
            return fn(*args)
        except OperationalError as error:
            return getattr(error.__cause__, "pgcode", None) or str(error)
    return run


def test_two_draws_of_one_year_leave_one_sample(year_with_people):
    staff = [make_user(Role.COMMISSION_STAFF) for _ in range(2)]
    outcomes = _in_threads(_outcome(lambda user: survey_sample_draw(scheme_year_id=year_with_people.pk, actor=user)),
                           [(u,) for u in staff])
    drawn = [o for o in outcomes if isinstance(o, list)]
    refused = [o for o in outcomes if isinstance(o, RuleViolation)]
    assert len(drawn) == 1 and len(refused) == 1 and refused[0].code == "drawn", outcomes
    assert SurveySample.objects.count() == 22
    assert Survey.objects.count() == sum(s.size for s in drawn[0])        # no second set of tasks


def test_payment_and_draw_at_once_both_commit_without_deadlock(year_with_people):
    officer = make_user(Role.STREET_OFFICER, street_obj=street("001"))
    insurer = make_user(Role.INSURER_STAFF, insurer=year_with_people.insurer)
    staff = make_user(Role.COMMISSION_STAFF)
    person = year_with_people.policies.filter(person__street=street("001")).first().person
    claim = decided_claim(person, officer, insurer)

    def pay():
        return claim_services.payment_record(claim_id=claim.pk, paid_on=date(2025, 3, 20), amount=claim.amount,
                                             bank_reference="ZH001", actor=insurer, today=date(2025, 3, 21))

    def draw():
        return survey_sample_draw(scheme_year_id=year_with_people.pk, actor=staff)

    outcomes = _in_threads(_outcome(lambda fn: fn()), [(pay,), (draw,)])
    assert not any(isinstance(o, (str, Exception)) for o in outcomes), outcomes      # 40P01 would show here
    assert Survey.objects.filter(origin="paid_claim", claim=claim).count() == 1
    assert Survey.objects.filter(origin="sample").count() == sum(s.size for s in outcomes[1])


def test_two_answers_to_one_survey_leave_one(year_with_people):
    officers = [make_user(Role.STREET_OFFICER, street_obj=street("001")) for _ in range(2)]
    insurer = make_user(Role.INSURER_STAFF, insurer=year_with_people.insurer)
    person = year_with_people.policies.filter(person__street=street("001")).first().person
    claim = decided_claim(person, officers[0], insurer)
    claim_services.payment_record(claim_id=claim.pk, paid_on=date(2025, 3, 20), amount=claim.amount,
                                  bank_reference="ZH001", actor=insurer, today=date(2025, 3, 21))
    task = Survey.objects.get(claim=claim)
    today = timezone.localtime(task.created_at).date()

    def answer(officer, overall):
        return survey_record(survey_id=task.pk, action="answer", method="phone",
                             scores={**SCORES, "score_overall": overall}, actor=officer, today=today)

    outcomes = _in_threads(_outcome(answer), [(officers[0], 5), (officers[1], 2)])
    saved = [o for o in outcomes if isinstance(o, Survey)]
    refused = [o for o in outcomes if isinstance(o, RuleViolation)]
    assert len(saved) == 1 and len(refused) == 1, outcomes
    task.refresh_from_db()
    assert (task.surveyed_by, task.score_overall) == (saved[0].surveyed_by, saved[0].score_overall)
