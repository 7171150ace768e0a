"""Oversight rules as tables, no database: the complaint deadline in official working days,
overdue at the boundary, the yearly sample's size and draw, scores, response rate and means,
service and training dates, and who answers a complaint."""

from dataclasses import dataclass
from datetime import date as D
from decimal import Decimal

import pytest

from oversight.models.complaints import About
from oversight.rules.complaints import (
    ComplaintFacts,
    check_parties,
    check_received_on,
    closed_in_time,
    complaint_due_on,
    complaint_is_overdue,
)
from oversight.rules.service_log import check_service_date
from oversight.rules.surveys import (
    check_scores,
    check_survey_date,
    draw_sample,
    mean_score,
    response_rate,
    sample_size,
    street_seed,
)
from oversight.rules.training import check_training
from oversight.workflow.complaints import COMPLAINT_WORKFLOW
from oversight.workflow.surveys import SURVEY_WORKFLOW
from tongzhou_care.core.models import Role
from tongzhou_care.core.rules import RuleViolation
from tongzhou_care.core.workdays import is_workday


def weekdays(day: D) -> bool:
    return day.weekday() < 5


# --- Complaints ----------------------------------------------------------------------------

@pytest.mark.parametrize("received, days, calendar, due", [
    # National Day 2026: Oct 1–7 off, Sat Oct 10 a make-up working day (调休).
    (D(2026, 9, 25), 15, is_workday, D(2026, 10, 22)),
    (D(2026, 9, 25), 15, weekdays, D(2026, 10, 16)),        # without the official calendar: wrong by 6 days
    (D(2026, 9, 30), 1, is_workday, D(2026, 10, 8)),         # the first working day after the holiday
    (D(2026, 10, 9), 1, is_workday, D(2026, 10, 10)),        # the make-up Saturday counts
    (D(2026, 3, 6), 15, is_workday, D(2026, 3, 27)),         # a Friday, three ordinary weeks
    (D(2026, 3, 6), 0, is_workday, D(2026, 3, 6)),
])
def test_complaint_due_on_counts_official_working_days(received, days, calendar, due):
    assert complaint_due_on(received_on=received, working_days=days, is_workday=calendar) == due


@pytest.mark.parametrize("status, today, overdue", [
    ("assigned", D(2026, 10, 22), False),     # the deadline day itself is in time
    ("assigned", D(2026, 10, 23), True),
    ("recorded", D(2026, 10, 23), True),
    ("replied", D(2026, 10, 23), True),       # answered but not closed: still open
    ("closed", D(2026, 12, 1), False),
])
def test_complaint_overdue_boundary(status, today, overdue):
    assert complaint_is_overdue(status=status, due_on=D(2026, 10, 22), today=today) is overdue


@pytest.mark.parametrize("closed_on, in_time", [(None, None), (D(2026, 10, 22), True), (D(2026, 10, 23), False)])
def test_closed_in_time(closed_on, in_time):
    assert closed_in_time(closed_on=closed_on, due_on=D(2026, 10, 22)) is in_time


def test_received_on_not_in_future():
    assert check_received_on(D(2026, 5, 1), today=D(2026, 5, 1)) == D(2026, 5, 1)
    with pytest.raises(RuleViolation, match="不能晚于今天"):
        check_received_on(D(2026, 5, 2), today=D(2026, 5, 1))


@pytest.mark.parametrize("about, insurer_id, street_id, refused", [
    ("insurer", None, 3, "请选择被投诉的保险公司"),
    ("street", 1, None, "请选择被投诉的街道"),
    ("insurer", 1, None, None),
    ("street", None, 3, None),
    ("commission", None, None, None),
])
def test_the_party_complained_about_is_named(about, insurer_id, street_id, refused):
    if refused:
        with pytest.raises(RuleViolation, match=refused):
            check_parties(about=about, insurer_id=insurer_id, street_id=street_id)
    else:
        check_parties(about=about, insurer_id=insurer_id, street_id=street_id)


@dataclass
class U:
    role: str
    perms: frozenset
    street_id: int | None = None
    insurer_id: int | None = None

    def has_perm(self, perm):
        return perm in self.perms


REPLY = frozenset({"oversight.reply_complaint"})


@pytest.mark.parametrize("user, about, can_reply", [
    (U(Role.INSURER_STAFF, REPLY, insurer_id=7), About.INSURER, True),
    (U(Role.INSURER_STAFF, REPLY, insurer_id=8), About.INSURER, False),     # another company
    (U(Role.STREET_OFFICER, REPLY, street_id=3), About.INSURER, False),     # the officer relays, the insurer answers
    (U(Role.STREET_OFFICER, REPLY, street_id=3), About.STREET, True),
    (U(Role.STREET_OFFICER, REPLY, street_id=4), About.STREET, False),
    (U(Role.INSURER_STAFF, REPLY, insurer_id=7), About.COMMISSION, False),
    (U(Role.COMMISSION_STAFF, REPLY), About.INSURER, True),
    (U(Role.COMMISSION_STAFF, REPLY), About.COMMISSION, True),
    (U(Role.INSURER_STAFF, frozenset(), insurer_id=7), About.INSURER, False),   # no permission
])
def test_who_replies_to_a_complaint(user, about, can_reply):
    facts = ComplaintFacts(status="assigned", about=about, insurer_id=7 if about == About.INSURER else None,
                           street_id=3)
    assert ("reply" in COMPLAINT_WORKFLOW.available(user, facts)) is can_reply


def test_a_refused_party_sees_why_not_a_button():
    officer = U(Role.STREET_OFFICER, REPLY, street_id=3)
    facts = ComplaintFacts(status="assigned", about=About.INSURER, insurer_id=7, street_id=3)
    [(action, reason)] = COMPLAINT_WORKFLOW.blocked(officer, facts)
    assert action.name == "reply" and "保险公司" in reason


@pytest.mark.parametrize("status, available", [
    ("recorded", ["assign"]), ("assigned", ["assign", "reply"]), ("replied", ["close"]), ("closed", []),
])
def test_complaint_life_for_the_commission(status, available):
    staff = U(Role.COMMISSION_STAFF, frozenset({"oversight.assign_complaint", "oversight.reply_complaint",
                                                "oversight.close_complaint"}))
    facts = ComplaintFacts(status=status, about=About.INSURER, insurer_id=7, street_id=3)
    assert list(COMPLAINT_WORKFLOW.available(staff, facts)) == available


# --- Surveys -------------------------------------------------------------------------------

@pytest.mark.parametrize("population, percent, minimum, size", [
    (0, 10, 3, 0),        # nobody insured: nobody drawn
    (2, 10, 3, 2),        # fewer than the minimum: all of them
    (3, 10, 3, 3),
    (10, 10, 3, 3),       # 10 % is 1, the minimum 3 wins
    (30, 10, 3, 3),
    (31, 10, 3, 4),       # 3.1 rounds up
    (100, 10, 3, 10),
    (101, 10, 3, 11),
    (100, 100, 3, 100),
    (40, 25, 0, 10),
])
def test_sample_size(population, percent, minimum, size):
    assert sample_size(population=population, percent=percent, minimum=minimum) == size


def test_sample_size_refuses_impossible_settings():
    with pytest.raises(ValueError):
        sample_size(population=10, percent=0, minimum=3)


def test_draw_is_reproducible_from_the_recorded_seed():
    candidates = list(range(1000, 1200))
    first = draw_sample(candidates, size=20, seed=street_seed("a1b2c3", "110112001000"))
    again = draw_sample(reversed(candidates), size=20, seed="a1b2c3:110112001000")   # order does not matter
    other_street = draw_sample(candidates, size=20, seed=street_seed("a1b2c3", "110112104000"))
    assert first == again == sorted(first)
    assert len(set(first)) == 20 and set(first) <= set(candidates)
    assert other_street != first
    # A fixed expectation: the draw must not depend on the process (hash salt) or machine.
    assert draw_sample(range(1, 11), size=3, seed="fixed") == draw_sample(range(1, 11), size=3, seed="fixed")


def test_draw_refuses_a_sample_larger_than_the_population():
    with pytest.raises(ValueError):
        draw_sample([1, 2], size=3, seed="x")


def test_scores_must_all_be_one_to_five():
    good = {"score_reporting": 5, "score_documents": "4", "score_payment_speed": 3, "score_amount": 2,
            "score_attitude": 1, "score_overall": 5}
    assert check_scores(good)["score_documents"] == 4
    with pytest.raises(RuleViolation, match="赔款支付是否及时"):
        check_scores({**good, "score_payment_speed": 6})
    with pytest.raises(RuleViolation, match="总体满意度"):
        check_scores({k: v for k, v in good.items() if k != "score_overall"})
    with pytest.raises(RuleViolation, match="报案是否方便"):
        check_scores({**good, "score_reporting": 0})


@pytest.mark.parametrize("answered, unreachable, declined, rate", [
    (0, 0, 0, None),
    (2, 1, 0, Decimal("66.7")),
    (1, 1, 1, Decimal("33.3")),
    (7, 0, 1, Decimal("87.5")),
    (5, 0, 0, Decimal("100.0")),
    (0, 2, 1, Decimal("0.0")),
])
def test_response_rate_counts_finished_surveys(answered, unreachable, declined, rate):
    assert response_rate(answered=answered, unreachable=unreachable, declined=declined) == rate


@pytest.mark.parametrize("value, mean", [(None, None), (4.125, Decimal("4.13")), (Decimal("3.3333333"), Decimal("3.33")),
                                         (5, Decimal("5.00")), (Decimal("2.005"), Decimal("2.01"))])
def test_mean_score_two_decimals_half_up(value, mean):
    assert mean_score(value) == mean


def test_survey_date_between_task_and_today():
    assert check_survey_date(D(2025, 6, 30), task_created_on=D(2025, 6, 1), today=D(2025, 6, 30))
    with pytest.raises(RuleViolation, match="不能晚于今天"):
        check_survey_date(D(2025, 7, 1), task_created_on=D(2025, 6, 1), today=D(2025, 6, 30))
    with pytest.raises(RuleViolation, match="不能早于任务生成日期"):
        check_survey_date(D(2025, 5, 31), task_created_on=D(2025, 6, 1), today=D(2025, 6, 30))


@pytest.mark.parametrize("status, available", [("pending", ["answer", "unreachable", "decline"]), ("answered", []),
                                               ("unreachable", []), ("declined", [])])
def test_a_survey_is_finished_once(status, available):
    from oversight.rules.surveys import SurveyFacts

    officer = U(Role.STREET_OFFICER, frozenset({"oversight.conduct_survey"}), street_id=3)
    assert list(SURVEY_WORKFLOW.available(officer, SurveyFacts(status))) == available
    assert list(SURVEY_WORKFLOW.available(U(Role.COMMISSION_STAFF, frozenset()), SurveyFacts(status))) == []


# --- Service log and training --------------------------------------------------------------

@pytest.mark.parametrize("served_on, refused", [
    (D(2025, 6, 30), None), (D(2024, 6, 29), None),          # today, and 366 days back
    (D(2025, 7, 1), "不能晚于今天"), (D(2024, 6, 28), "一年前"),
])
def test_service_date(served_on, refused):
    if refused:
        with pytest.raises(RuleViolation, match=refused):
            check_service_date(served_on, today=D(2025, 6, 30))
    else:
        assert check_service_date(served_on, today=D(2025, 6, 30)) == served_on


def test_training_must_have_been_held_with_attendees():
    check_training(held_on=D(2025, 6, 30), attendee_count=1, today=D(2025, 6, 30))
    with pytest.raises(RuleViolation, match="不能晚于今天"):
        check_training(held_on=D(2025, 7, 1), attendee_count=3, today=D(2025, 6, 30))
    with pytest.raises(RuleViolation, match="至少选择一名"):
        check_training(held_on=D(2025, 6, 1), attendee_count=0, today=D(2025, 6, 30))
