"""Oversight fixtures: the claims tests' 2025 scheme year (fixed dates, so the tests mean the
same on any day) with insured persons in street A and B."""

from datetime import date

import pytest

from enrollment.services import policies_issue
from tests.claims.conftest import year  # noqa: F401  (the same 2025 scheme year)
from tests.factories import PersonFactory, make_user
from tongzhou_care.core.models import Role

TODAY = date(2025, 6, 30)


@pytest.fixture
def insurer_user(year):  # noqa: F811
    return make_user(Role.INSURER_STAFF, username="insurer_oversight", insurer=year.insurer)


@pytest.fixture
def insured(year, commission_admin, street_a, street_b):  # noqa: F811
    """Two insured persons in street A, one in street B, with policies from the year's start."""
    persons = {"a1": PersonFactory(street=street_a, name="王秀英"), "a2": PersonFactory(street=street_a, name="刘建国"),
               "b1": PersonFactory(street=street_b, name="赵玉兰")}
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=year.coverage_start)
    return persons
