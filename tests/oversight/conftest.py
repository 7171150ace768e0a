"""Oversight fixtures: the 2025 scheme year (fixed dates, so the tests mean the same on any
day) with insured persons in street A and B, and users of the insurer."""

from datetime import date
from decimal import Decimal

import pytest

from enrollment.services import policies_issue
from tests.factories import PersonFactory, SchemeYearFactory, make_user
from tongzhou_care.core.models import Role

YEAR_START, YEAR_END = date(2025, 1, 1), date(2025, 12, 31)
TODAY = date(2025, 6, 30)


@pytest.fixture
def year(db):
    return SchemeYearFactory(name="2025年度", coverage_start=YEAR_START, coverage_end=YEAR_END,
                             daily_subsidy=Decimal("300.00"))


@pytest.fixture
def insurer_user(year):
    return make_user(Role.INSURER_STAFF, username="insurer_oversight", insurer=year.insurer)


@pytest.fixture
def insured(year, commission_admin, street_a, street_b):
    """Two insured persons in street A, one in street B, with policies from the year's start."""
    persons = {"a1": PersonFactory(street=street_a, name="王秀英"), "a2": PersonFactory(street=street_a, name="刘建国"),
               "b1": PersonFactory(street=street_b, name="赵玉兰")}
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=YEAR_START)
    return persons
