"""Inspection findings as pure rules (no database): the rectification deadline in official
working days, what overdue means, and which role may do what in which state — the action
table read with each role's permissions from the role matrix."""

from dataclasses import dataclass
from datetime import date

import pytest

from oversight.rules.inspections import FindingFacts, due_date, is_overdue
from oversight.workflow.inspections import FINDING_WORKFLOW
from tongzhou_care.core.models import Role
from tongzhou_care.core.roles import ROLE_PERMISSIONS
from tongzhou_care.core.rules import RuleViolation
from tongzhou_care.core.workdays import is_workday

D = date.fromisoformat


@pytest.mark.parametrize("issued, days, due", [
    ("2026-09-29", 1, "2026-09-30"),     # the day itself is not counted
    ("2026-09-29", 2, "2026-10-08"),     # National Day, 1-7 October, is skipped
    ("2026-09-29", 5, "2026-10-12"),     # Saturday 10 October is a make-up working day (调休)
    ("2026-11-27", 1, "2026-11-30"),     # Friday → Monday
    ("2026-11-28", 10, "2026-12-11"),    # issued on a Saturday: two working weeks
])
def test_due_date_counts_official_working_days(issued, days, due):
    assert due_date(issued_on=D(issued), deadline_days=days, is_workday=is_workday) == D(due)


def test_due_date_with_a_calendar_of_its_own():
    every_day = due_date(issued_on=D("2030-01-01"), deadline_days=3, is_workday=lambda d: True)
    assert every_day == D("2030-01-04")


@pytest.mark.parametrize("days", [0, 61, -1])
def test_deadline_outside_bounds_is_refused(days):
    with pytest.raises(RuleViolation, match="1至60个工作日"):
        due_date(issued_on=D("2026-03-02"), deadline_days=days, is_workday=is_workday)


@pytest.mark.parametrize("status, today, overdue", [
    ("open", "2026-03-10", False),        # the deadline day itself is still in time
    ("open", "2026-03-11", True),
    ("returned", "2026-03-11", True),
    ("reported", "2026-04-30", False),    # the commission's turn: not the party's delay
    ("accepted", "2026-04-30", False),
    ("cancelled", "2026-04-30", False),
])
def test_overdue_only_while_waiting_on_the_party(status, today, overdue):
    assert is_overdue(status=status, due_on=D("2026-03-10"), today=D(today)) is overdue


@dataclass
class FakeUser:
    role: str
    street_id: int | None = None
    insurer_id: int | None = None

    def has_perm(self, perm):
        return perm in ROLE_PERMISSIONS[self.role]


STREET, OTHER_STREET, INSURER, OTHER_INSURER = 1, 2, 7, 8
USERS = {
    "officer of the street": FakeUser(Role.STREET_OFFICER, street_id=STREET),
    "officer of another street": FakeUser(Role.STREET_OFFICER, street_id=OTHER_STREET),
    "insurer staff": FakeUser(Role.INSURER_STAFF, insurer_id=INSURER),
    "commission staff": FakeUser(Role.COMMISSION_STAFF),
    "commission admin": FakeUser(Role.COMMISSION_ADMIN),
    "finance": FakeUser(Role.FINANCE),
}
# (who, state) → the buttons a finding addressed to the street shows.
EXPECTED = {
    ("officer of the street", "open"): ["report"],
    ("officer of the street", "returned"): ["report"],
    ("commission staff", "open"): ["cancel"],
    ("commission staff", "returned"): ["cancel"],
    ("commission staff", "reported"): ["accept", "return"],
}


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("status", ["open", "reported", "returned", "accepted", "cancelled"])
def test_each_role_sees_exactly_the_actions_it_may_take(who, status):
    facts = FindingFacts(status=status, responsible="street", street_id=STREET, insurer_id=None,
                         due_on=D("2026-03-10"), today=D("2026-03-01"))
    assert list(FINDING_WORKFLOW.available(USERS[who], facts)) == EXPECTED.get((who, status), [])


def test_a_finding_for_the_insurer_is_answered_by_its_staff_only():
    facts = FindingFacts(status="open", responsible="insurer", street_id=None, insurer_id=INSURER,
                         due_on=D("2026-03-10"), today=D("2026-03-20"))
    assert list(FINDING_WORKFLOW.available(USERS["insurer staff"], facts)) == ["report"]
    assert list(FINDING_WORKFLOW.available(FakeUser(Role.INSURER_STAFF, insurer_id=OTHER_INSURER), facts)) == []
    # The officer holds the permission, so the page gives the reason instead of a button.
    officer = USERS["officer of the street"]
    assert [(a.name, why) for a, why in FINDING_WORKFLOW.blocked(officer, facts)] == [
        ("report", "只有该问题的责任单位可以报送整改情况。")]
    with pytest.raises(RuleViolation, match="只有该问题的责任单位"):
        FINDING_WORKFLOW.check(officer, facts, "report")
