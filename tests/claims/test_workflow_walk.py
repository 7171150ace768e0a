"""The claim page offers exactly what the services accept (issue 11): for every role that can
see a claim and every state a claim can be in, the actions whose forms the page shows are the
actions whose service, called with valid input, goes through. The claim workflow table is the
only place either side asks."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from claims import services
from claims.models import Claim, ClaimStatus
from claims.selectors import read_claim
from claims.workflow import CLAIM_WORKFLOW
from enrollment.models import SchemeYear
from enrollment.rules import make_id_number
from enrollment.services import person_update, scheme_year_save
from tests.claims.conftest import decided_claim, report, set_heir, with_documents
from tests.factories import PersonFactory, make_user, uploaded_file
from tongzhou_care.core.models import Role
from tongzhou_care.core.rules import RuleViolation

D = date
SLUGS = {("documents" if a.name == "upload" else a.name.replace("_", "-")): a.name for a in CLAIM_WORKFLOW}


def _build(state, *, officer, insurer, admin, street):
    """A claim in `state` (a state of the table, or a variant whose guards differ)."""
    person = PersonFactory(street=street)
    from enrollment.services import policies_issue
    policies_issue(scheme_year_id=SchemeYear.objects.get().pk, actor=admin, today=D(2025, 1, 1))
    if state == "in_hospital":
        return report(person, officer, D(2025, 3, 1), None, today=D(2025, 3, 5))
    claim = report(person, officer, D(2025, 3, 1), D(2025, 3, 11))
    if state == "reported":
        return claim
    if state == "reported_complete":
        return with_documents(claim, officer)
    if state == "documents_pending":
        services.claim_request_documents(claim_id=claim.pk, actor=insurer)
        return claim
    if state == "withdrawn":
        return services.claim_withdraw(claim_id=claim.pk, reason="家属重复报案", actor=officer)
    with_documents(claim, officer)
    if state in ("refused", "refused_notice_sent", "appealed", "upheld"):
        services.claim_refuse(claim_id=claim.pk, code="other", explanation="病历显示门诊留观", actor=insurer)
        if state == "refused_notice_sent":
            services.claim_mark_notice_sent(claim_id=claim.pk, actor=insurer)
        if state in ("appealed", "upheld"):
            services.claim_appeal(claim_id=claim.pk, reason="已补交病房住院证明", actor=officer)
        if state == "upheld":
            services.claim_uphold(claim_id=claim.pk, code="other", explanation="复核后仍为门诊留观", actor=insurer)
        return claim
    services.claim_accept(claim_id=claim.pk, actor=insurer)
    if state == "accepted":
        return claim
    if state == "accepted_deceased":
        person.refresh_from_db()
        person_update(person_id=person.pk, version=person.version, actor=admin, today=D(2025, 6, 1),
                      changes={"status": "deceased", "status_date": D(2025, 5, 1)})
        return claim
    claim = services.claim_decide(claim_id=claim.pk, actor=insurer)
    if state in ("paid", "paid_supplement_open"):
        services.payment_record(claim_id=claim.pk, paid_on=D(2025, 4, 1), amount=claim.amount,
                                bank_reference="ZH001", actor=insurer)
    if state in ("decided_supplement_due", "paid_supplement_open"):
        year = SchemeYear.objects.get()
        year.daily_subsidy = Decimal("320.00")
        scheme_year_save(scheme_year=year, actor=admin, amendment_date=D(2025, 3, 5), amendment_reason="提高补贴标准")
    if state == "paid_supplement_open":
        services.claim_supplement(claim_id=claim.pk, actor=insurer)
    return claim


def _arguments(action: str, claim: Claim) -> dict:
    """Valid input for each action's service, as its form would send it."""
    entitled = read_claim(claim).entitled
    return {
        "pay": {"paid_on": D(2025, 4, 2), "amount": entitled, "bank_reference": "ZH002"},
        "refuse": {"code": "other", "explanation": "理由充分的说明"},
        "uphold": {"code": "other", "explanation": "理由充分的说明"},
        "appeal": {"reason": "理由充分的复核"}, "overturn": {"reason": "核实为住院"},
        "withdraw": {"reason": "家属不再申请"},
        "discharge": {"version": claim.version, "discharged_on": D(2025, 3, 4)},
        "upload": {"documents": [("other", uploaded_file("pdf"))]},
        "payee": ({"payee_name": "王建国", "payee_relation": "配偶", "payee_id_number": make_id_number("110105", D(1949, 12, 31), 3),
                   "payee_account": "6228480000000002"} if claim.person.status == "deceased"
                  else {"payee_name": claim.person.name, "payee_relation": "本人", "payee_account": "6210000000000009"}),
        "settle_supplement": {"settled_on": D(2025, 6, 2), "bank_reference": "ZH003"},
    }.get(action, {})


class _Undo(Exception):
    pass


def _accepted(action: str, claim: Claim, user) -> bool:
    """Whether the action's service goes through for this user now (undone afterwards)."""
    service = getattr(services, CLAIM_WORKFLOW[action].service)
    try:
        with transaction.atomic():
            service(claim_id=claim.pk, actor=user, **_arguments(action, claim))
            raise _Undo
    except _Undo:
        return True
    except (RuleViolation, PermissionDenied):
        return False


def _shown(client, claim) -> set[str]:
    """The actions whose forms the claim page shows (every form posts to one action's URL)."""
    html = client.get(f"/claims/{claim.pk}/").content.decode()
    slugs = re.findall(rf'action="/claims/{claim.pk}/([a-z-]+)/"', html)
    return {SLUGS[slug] for slug in slugs}


STATES = ["reported", "reported_complete", "in_hospital", "documents_pending", "accepted", "accepted_deceased",
          "decided", "decided_supplement_due", "paid", "paid_supplement_open", "refused", "refused_notice_sent",
          "appealed", "upheld", "withdrawn"]


@pytest.mark.django_db
@pytest.mark.parametrize("state", STATES)
def test_the_page_offers_exactly_what_the_services_accept(state, year, street_a, officer_a, commission_admin,
                                                          insurer_user, client_for):
    users = {"reporter": officer_a, "colleague": make_user(Role.STREET_OFFICER, street_obj=street_a),
             "commission_admin": commission_admin, "commission_staff": make_user(Role.COMMISSION_STAFF),
             "insurer": insurer_user}
    claim = _build(state, officer=officer_a, insurer=insurer_user, admin=commission_admin, street=street_a)
    claim = Claim.objects.get(pk=claim.pk)
    offered = {}
    for role, user in users.items():
        shown = _shown(client_for(user), claim)
        accepted = {a.name for a in CLAIM_WORKFLOW if _accepted(a.name, Claim.objects.get(pk=claim.pk), user)}
        assert shown == accepted, (state, role, shown, accepted)
        offered[role] = shown
    # The walk means something: each state offers someone something, except a closed claim.
    if state not in ("withdrawn", "paid"):
        assert any(offered.values()), state
    if state == "refused":
        # The refusal notice is recorded by the insurer, and only while it is pending.
        assert "notice_sent" in offered["insurer"]
    if state == "refused_notice_sent":
        assert "notice_sent" not in offered["insurer"]
    if state in ("reported", "reported_complete"):
        # Only the reporter or the commission withdraws.
        assert "withdraw" in offered["reporter"] and "withdraw" not in offered["colleague"]
        assert "withdraw" in offered["commission_staff"]
    if state == "accepted_deceased":
        assert "decide" not in offered["insurer"] and "payee" in offered["reporter"]
