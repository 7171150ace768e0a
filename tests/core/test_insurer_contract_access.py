"""Insurer access ends with the contract (issue 13 point 9): when a scheme year's contract has
ended, the insurer's staff keep read-only, masked access to its persons and claims for
INSURER_ACCESS_DAYS_AFTER_CONTRACT days, and lose it afterwards. Two scheme years, two insurers:
2025-like year with insurer A (ended), the current year with insurer B."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from claims import services
from claims.selectors import claim_counts
from enrollment.services import policies_issue
from tests.claims.conftest import stay, with_documents
from tests.factories import PersonFactory, SchemeYearFactory, make_user
from tongzhou_care.core.models import Insurer, Role


@pytest.fixture
def two_contracts(db, commission_admin, officer_a, street_a):
    today = timezone.localdate()
    insurer_a = Insurer.objects.create(name="甲保险公司", hotline="95501")
    insurer_b = Insurer.objects.create(name="乙保险公司", hotline="95502")
    old = SchemeYearFactory(name="上年度", insurer=insurer_a, coverage_start=today - timedelta(days=500),
                            coverage_end=today - timedelta(days=136), daily_subsidy=Decimal("300.00"))
    new = SchemeYearFactory(name="本年度", insurer=insurer_b, coverage_start=today - timedelta(days=135),
                            coverage_end=today + timedelta(days=229), daily_subsidy=Decimal("300.00"))
    person = PersonFactory(street=street_a, name="钱淑兰")
    policies_issue(scheme_year_id=old.pk, actor=commission_admin, today=old.coverage_start)
    policies_issue(scheme_year_id=new.pk, actor=commission_admin, today=new.coverage_start)
    staff_a = make_user(Role.INSURER_STAFF, username="staff_a", insurer=insurer_a)
    staff_b = make_user(Role.INSURER_STAFF, username="staff_b", insurer=insurer_b)
    admitted_old = old.coverage_start + timedelta(days=100)
    old_claim = services.claim_report(person=person, data=stay(admitted_old, admitted_old + timedelta(days=5)),
                                      actor=officer_a, today=admitted_old + timedelta(days=6))
    admitted_new = new.coverage_start + timedelta(days=30)
    new_claim = services.claim_report(person=person, data=stay(admitted_new, admitted_new + timedelta(days=5)),
                                      actor=officer_a, today=admitted_new + timedelta(days=6))
    assert (old_claim.insurer, new_claim.insurer) == (insurer_a, insurer_b)
    return {"old": old, "new": new, "person": person, "a": staff_a, "b": staff_b,
            "old_claim": old_claim, "new_claim": new_claim}


def test_within_the_period_the_old_insurer_reads_masked_and_works_its_open_claims(
        two_contracts, client_for, settings, officer_a):
    settings.INSURER_ACCESS_DAYS_AFTER_CONTRACT = 200          # the contract ended 136 days ago
    w = two_contracts
    a = client_for(w["a"])
    person_page = a.get(f"/persons/{w['person'].pk}/")
    assert person_page.status_code == 200
    html = person_page.content.decode()
    assert "钱淑兰" in html and "查看完整信息" not in html           # read, but no unmask form
    refused = a.post(f"/persons/{w['person'].pk}/unmask/", {"reason": "核对身份"})
    assert refused.status_code == 403 and "已结束的承保合同" in refused.content.decode()
    assert w["person"].id_number not in refused.content.decode()
    # Its own year's claim, yes; the new insurer's, no.
    assert a.get(f"/claims/{w['old_claim'].pk}/").status_code == 200
    assert a.get(f"/claims/{w['new_claim'].pk}/").status_code == 404
    assert claim_counts(w["a"])["reported"] == 1
    # The ended year's page says it is read-only; the full insured list is refused, the masked allowed.
    year_page = a.get(f"/scheme-years/{w['old'].pk}/").content.decode()
    assert 'data-testid="contract-ended"' in year_page and "导出完整承保清单" not in year_page
    full = a.post(f"/scheme-years/{w['old'].pk}/insured.xlsx", {"reason": "核对清单"})
    assert full.status_code == 403
    assert a.get(f"/scheme-years/{w['old'].pk}/insured.xlsx").status_code == 200
    # A claim of its year still open is its liability: it may still accept and decide it.
    with_documents(w["old_claim"], officer_a)
    services.claim_accept(claim_id=w["old_claim"].pk, actor=w["a"])
    assert services.claim_decide(claim_id=w["old_claim"].pk, actor=w["a"]).amount == Decimal("1500.00")
    # The new insurer sees its own contract in full, and nothing of the old claim.
    b = client_for(w["b"])
    assert b.get(f"/claims/{w['old_claim'].pk}/").status_code == 404
    assert b.get(f"/claims/{w['new_claim'].pk}/").status_code == 200
    unmasked = b.post(f"/persons/{w['person'].pk}/unmask/", {"reason": "核对身份"})
    assert unmasked.status_code == 200 and w["person"].id_number in unmasked.content.decode()


def test_after_the_period_the_old_insurer_sees_nothing(two_contracts, client_for, settings):
    settings.INSURER_ACCESS_DAYS_AFTER_CONTRACT = 100          # ended 136 days ago: out of reach
    w = two_contracts
    a = client_for(w["a"])
    for url in (f"/persons/{w['person'].pk}/", f"/claims/{w['old_claim'].pk}/", f"/scheme-years/{w['old'].pk}/"):
        assert a.get(url).status_code == 404, url
    listing = a.get("/claims/").content.decode()
    assert w["old_claim"].number not in listing
    assert sum(claim_counts(w["a"]).values()) == 0
    assert "钱淑兰" not in a.get("/persons/").content.decode()
    # The new insurer is not affected.
    assert client_for(w["b"]).get(f"/persons/{w['person'].pk}/").status_code == 200
