"""Claims fixtures: a scheme year (2025, fixed dates, so the tests mean the same on any day)
with policies, and helpers that walk a claim through its workflow with the real services."""

from datetime import date
from decimal import Decimal

import pytest

from claims import services
from claims.selectors import documents_status
from enrollment.services import policies_issue
from tests.factories import PersonFactory, SchemeYearFactory, make_user, uploaded_file
from tongzhou_care.core.models import Role

YEAR_START, YEAR_END = date(2025, 1, 1), date(2025, 12, 31)
REPORT_DAY = date(2025, 6, 30)       # "today" when the tests report


@pytest.fixture
def year(db):
    return SchemeYearFactory(name="2025年度", coverage_start=YEAR_START, coverage_end=YEAR_END,
                             daily_subsidy=Decimal("300.00"))


@pytest.fixture
def insurer_user(year):
    return make_user(Role.INSURER_STAFF, username="insurer_claims", insurer=year.insurer)


@pytest.fixture
def insured(year, commission_admin, street_a):
    person = PersonFactory(street=street_a, name="王秀英")
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=YEAR_START)
    return person


def stay(admitted: date, discharged: date | None, **extra) -> dict:
    return {"hospital": "通州区人民医院", "admitted_on": admitted, "discharged_on": discharged,
            "cause": "illness", "diagnosis": "肺炎", "reporter_name": "李专管",
            "reporter_relation": "专管员", "reporter_phone": "13900001111", **extra}


def report(person, actor, admitted, discharged, today=None, **extra):
    """Report a stay; "today" is the day after discharge (admission) unless given."""
    from datetime import timedelta
    today = today or (discharged or admitted) + timedelta(days=1)
    return services.claim_report(person=person, data=stay(admitted, discharged, **extra), actor=actor,
                                 today=today)


def with_documents(claim, actor):
    services.claim_upload_documents(claim_id=claim.pk, actor=actor, documents=[
        (kind, uploaded_file("pdf")) for kind in documents_status(claim)[0]])
    return claim


HEIR_ACCOUNT = "6228 4800 0000 0001"


def set_heir(claim, actor, **payee):
    """Register an heir as the payee of a deceased insured's claim (spouse, with a valid ID)."""
    from tests.factories import unique_id_number
    return services.claim_set_payee(claim_id=claim.pk, actor=actor, today=REPORT_DAY, **{
        "payee_name": "王建国", "payee_relation": "配偶", "payee_id_number": unique_id_number(date(1950, 5, 17), True),
        "payee_bank": "中国农业银行", "payee_account": HEIR_ACCOUNT, **payee})


def decided_claim(person, reporter, insurer_user, admitted=date(2025, 3, 1), discharged=date(2025, 3, 11)):
    claim = report(person, reporter, admitted, discharged)
    with_documents(claim, reporter)
    services.claim_accept(claim_id=claim.pk, actor=insurer_user)
    return services.claim_decide(claim_id=claim.pk, actor=insurer_user)
