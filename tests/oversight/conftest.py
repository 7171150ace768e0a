"""Oversight fixtures: the claims tests' 2025 scheme year (fixed dates, so the tests mean the
same on any day) with insured persons in street A and B; an inspection of street A recorded
through the real service, findings added on fixed days (so deadlines mean the same on any day
the tests run)."""

from datetime import date

import pytest

from enrollment.services import policies_issue
from oversight.services import inspections as services
from tests.claims.conftest import year  # noqa: F401  (the same 2025 scheme year)
from tests.factories import PersonFactory, make_user
from tongzhou_care.core.models import Insurer, Role

TODAY = date(2025, 6, 30)
ISSUED = date(2026, 9, 29)            # the day the inspection findings are issued
DUE = date(2026, 10, 12)              # five working days later (National Day, a make-up Saturday)


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


@pytest.fixture
def company(db):
    return Insurer.objects.create(name="甲保险公司", hotline="95501")


@pytest.fixture
def company_staff(company):
    return make_user(Role.INSURER_STAFF, username="company_staff", insurer=company)


@pytest.fixture
def inspection_a(commission_staff, street_a):
    return services.inspection_record(actor=commission_staff, today=ISSUED, data={
        "inspected_on": ISSUED, "target": "street", "street": street_a, "scopes": ["claims", "service"],
        "inspectors": "王明、李华", "place": "中仓街道办事处", "summary": "抽查报案登记和入户服务台账。"})


def add_finding(inspection, actor, *, today=ISSUED, days=5, street=None, insurer=None, description="入户服务台账缺少签字。"):
    """A finding of the inspection addressed to its street (or to `street` / `insurer`)."""
    party = "insurer" if insurer else "street"
    return services.finding_add(inspection_id=inspection.pk, actor=actor, today=today, data={
        "scope": "service", "description": description, "requirement": "补齐签字。", "responsible": party,
        "responsible_street": None if insurer else (street or inspection.street),
        "responsible_insurer": insurer, "deadline_days": days})


@pytest.fixture
def finding_a(inspection_a, commission_staff):
    return add_finding(inspection_a, commission_staff)
