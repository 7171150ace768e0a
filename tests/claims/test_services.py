"""Claims through their services on real PostgreSQL: report, documents, the workflow table,
the decision to the fen with its trace, payments."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from claims import services
from claims.selectors import documents_status
from claims.models import Claim, ClaimStatus
from enrollment.models import Policy
from tests.claims.conftest import REPORT_DAY, decided_claim, report, set_heir, with_documents
from tests.factories import uploaded_file
from tongzhou_care.core.rules import RuleViolation

D = date


@pytest.mark.django_db
def test_report_records_the_stay_and_its_street_and_insurer(insured, officer_a, year):
    claim = report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 11))
    assert claim.number.startswith("LP2025") and claim.status == ClaimStatus.REPORTED
    assert (claim.street, claim.insurer, claim.reported_by) == (insured.street, year.insurer, officer_a)
    assert not claim.late_report
    assert claim.actions.get().action == "report"


@pytest.mark.django_db
@pytest.mark.parametrize("admission_type", ["observation", "family_bed", "nominal"])
def test_not_a_hospital_stay_is_refused_at_entry(insured, officer_a, admission_type):
    with pytest.raises(RuleViolation, match="不属于住院"):
        report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 2), admission_type=admission_type)
    assert not Claim.objects.exists()


@pytest.mark.django_db
def test_late_report_is_flagged_not_refused(insured, officer_a):
    claim = report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 11), today=D(2025, 4, 11))  # 31 days
    assert claim.late_report
    on_time = report(insured, officer_a, D(2025, 5, 1), D(2025, 5, 3), today=D(2025, 6, 2))   # 30 days
    assert not on_time.late_report


@pytest.mark.django_db
def test_person_without_policy_cannot_be_reported(officer_a, street_a, year):
    from tests.factories import PersonFactory
    with pytest.raises(RuleViolation, match="没有一天在保障期间内"):
        report(PersonFactory(street=street_a), officer_a, D(2025, 3, 1), D(2025, 3, 2))


@pytest.mark.django_db
def test_a_stay_begun_before_cover_is_reported_and_pays_the_covered_days(insured, officer_a, insurer_user):
    Policy.objects.filter(person=insured).update(cover_start=D(2025, 3, 11))     # added mid-year
    with pytest.raises(RuleViolation, match="没有一天在保障期间内"):
        report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 10))
    claim = report(insured, officer_a, D(2025, 3, 5), D(2025, 3, 15))
    with_documents(claim, officer_a)
    services.claim_accept(claim_id=claim.pk, actor=insurer_user)
    claim = services.claim_decide(claim_id=claim.pk, actor=insurer_user)
    # 5–14 March charged (算入不算出), 11–14 March inside cover
    assert (claim.days_claimed, claim.days_payable, claim.amount) == (10, 4, Decimal("1200.00"))


@pytest.mark.django_db
def test_a_stay_admitted_before_the_first_scheme_year(insured, officer_a, insurer_user, year):
    claim = report(insured, officer_a, D(2024, 12, 28), D(2025, 1, 3))
    assert (claim.insurer, claim.due_step) == (year.insurer, "accept")
    with_documents(claim, officer_a)
    services.claim_accept(claim_id=claim.pk, actor=insurer_user)
    claim = services.claim_decide(claim_id=claim.pk, actor=insurer_user)
    assert (claim.days_payable, claim.amount) == (2, Decimal("600.00"))   # 1 and 2 January


@pytest.mark.django_db
def test_a_transfer_day_counted_from_both_ends_is_paid_once(insured, officer_a, insurer_user, year):
    year.day_counting = "inclusive"
    year.save()
    first = decided_claim(insured, officer_a, insurer_user, D(2025, 3, 1), D(2025, 3, 5))
    second = decided_claim(insured, officer_a, insurer_user, D(2025, 3, 5), D(2025, 3, 10))
    assert (first.days_payable, second.days_payable) == (5, 5)       # 1–5 and 6–10 March
    assert second.amount == Decimal("1500.00")
    assert Policy.objects.get(person=insured).days_used == 10
    assert any("2025-03-05 已在该参保对象的其他住院中计算" in line for line in second.calculation)


@pytest.mark.django_db
def test_payee_account_defaults_to_the_one_on_record(insured, officer_a):
    from enrollment.models import Person
    Person.objects.filter(pk=insured.pk).update(bank_account="6210123412341234", bank_name="北京银行")
    insured.refresh_from_db()
    claim = report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 11), payee_name=insured.name)
    assert (claim.payee_account, claim.payee_bank) == ("6210123412341234", "北京银行")


@pytest.mark.django_db
def test_complete_documents_start_the_acceptance_deadline_again(insured, officer_a, insurer_user):
    claim = report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 11))
    services.claim_request_documents(claim_id=claim.pk, actor=insurer_user)
    claim.refresh_from_db()
    assert claim.due_on is None                                   # the family is to act
    with_documents(claim, officer_a)
    claim.refresh_from_db()
    assert claim.due_step == "accept" and claim.due_on is not None


@pytest.mark.django_db
@pytest.mark.parametrize("second, overlaps", [
    ((D(2025, 3, 11), D(2025, 3, 15)), False),   # readmitted on the discharge day: allowed
    ((D(2025, 3, 10), D(2025, 3, 15)), True),
    ((D(2025, 2, 25), D(2025, 3, 1)), False),    # discharged on the other's admission day
    ((D(2025, 2, 25), D(2025, 3, 2)), True),
    ((D(2025, 3, 5), D(2025, 3, 5)), True),      # a same-day stay inside it
    ((D(2025, 3, 20), None), False),             # still in hospital, later
])
def test_overlapping_stays_are_impossible(insured, officer_a, second, overlaps):
    report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 11))
    if overlaps:
        with pytest.raises(RuleViolation, match="不能重叠"):
            report(insured, officer_a, *second)
    else:
        report(insured, officer_a, *second)


@pytest.mark.django_db
def test_same_day_stays_on_different_days_do_not_overlap(insured, officer_a):
    report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 1))
    report(insured, officer_a, D(2025, 3, 2), D(2025, 3, 2))
    with pytest.raises(RuleViolation):
        report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 1))


@pytest.mark.django_db
def test_the_database_refuses_overlaps_whatever_the_path(insured, officer_a):
    report(insured, officer_a, D(2025, 3, 1), None)                          # still in hospital
    later = report(insured, officer_a, D(2025, 2, 1), D(2025, 2, 3))
    with pytest.raises(IntegrityError, match="claim_no_overlapping_stays"), transaction.atomic():
        Claim.objects.filter(pk=later.pk).update(admitted_on=D(2025, 4, 1), discharged_on=D(2025, 4, 2))
    with pytest.raises(IntegrityError, match="claim_no_overlapping_stays"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE claims_claim SET discharged_on = '2025-03-02' WHERE id = %s", [later.pk])


@pytest.mark.django_db
def test_withdrawn_stay_no_longer_blocks(insured, officer_a):
    claim = report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 11))
    services.claim_withdraw(claim_id=claim.pk, reason="重复报案", actor=officer_a)
    report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 11))


@pytest.mark.django_db
def test_documents_checklist_and_one_time_notice(insured, officer_a, insurer_user):
    claim = report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 11), proxy_filing=True)
    required, missing = documents_status(claim)
    assert required == ("id_card", "discharge_summary", "bank_card", "power_of_attorney", "proxy_id")
    services.claim_upload_documents(claim_id=claim.pk, documents=[("id_card", uploaded_file("jpg"))], actor=officer_a)
    with pytest.raises(RuleViolation, match="材料不全"):
        services.claim_accept(claim_id=claim.pk, actor=insurer_user)
    claim, missing = services.claim_request_documents(claim_id=claim.pk, actor=insurer_user)
    assert claim.status == ClaimStatus.DOCUMENTS_PENDING and len(missing) == 4
    assert "授权委托书" in claim.actions.last().note
    with_documents(claim, officer_a)
    assert services.claim_accept(claim_id=claim.pk, actor=insurer_user).status == ClaimStatus.ACCEPTED


@pytest.mark.django_db
def test_deceased_insured_needs_death_certificate_and_heirship(insured, officer_a, commission_admin):
    from enrollment.services import person_update
    claim = report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 6))
    person_update(person_id=insured.pk, version=insured.version, actor=commission_admin,
                  changes={"status": "deceased", "status_date": D(2025, 3, 6)})
    claim.refresh_from_db()
    assert {"death_certificate", "heirship"} <= set(documents_status(claim)[0])


@pytest.mark.django_db
@pytest.mark.parametrize("kind, message", [("exe", "只能上传"), ("pdf", None)])
def test_uploads_are_checked_by_content(insured, officer_a, kind, message):
    claim = report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 11))
    upload = uploaded_file(kind, name="证明.pdf")              # the name lies for the exe
    if message:
        with pytest.raises(RuleViolation, match=message):
            services.claim_upload_documents(claim_id=claim.pk, documents=[("id_card", upload)], actor=officer_a)
        assert not claim.documents.exists()
    else:
        (document,) = services.claim_upload_documents(claim_id=claim.pk, documents=[("id_card", upload)],
                                                      actor=officer_a)
        assert document.content_type == "application/pdf" and document.file.name.startswith(f"claims/{claim.pk}/")


@pytest.mark.django_db
def test_decision_to_the_fen_with_trace_and_allowance(insured, officer_a, insurer_user, year):
    claim = decided_claim(insured, officer_a, insurer_user)
    assert (claim.status, claim.days_claimed, claim.days_payable, claim.amount) == (
        ClaimStatus.DECIDED, 10, 10, Decimal("3000.00"))
    assert any("10 天 × 300.00 元 = 3,000.00 元" in line for line in claim.calculation)
    policy = Policy.objects.get(person=insured)
    assert policy.days_used == 10
    year.refresh_from_db()
    assert year.money_locked_at is not None      # money settings now change only by amendment


@pytest.mark.django_db
def test_allowance_partly_used_pays_the_rest_and_says_why(insured, officer_a, insurer_user):
    Policy.objects.filter(person=insured).update(days_used=85)
    claim = decided_claim(insured, officer_a, insurer_user)
    assert (claim.days_payable, claim.amount) == (5, Decimal("1500.00"))
    assert any("超出年度累计上限的 5 天不予给付" in line for line in claim.calculation)
    assert Policy.objects.get(person=insured).days_used == 90


@pytest.mark.django_db
def test_nothing_payable_must_be_refused(insured, officer_a, insurer_user):
    Policy.objects.filter(person=insured).update(days_used=90)
    with pytest.raises(RuleViolation, match="拒赔"):
        decided_claim(insured, officer_a, insurer_user)
    claim = Claim.objects.get()
    assert claim.status == ClaimStatus.ACCEPTED and not claim.portions.exists()
    services.claim_refuse(claim_id=claim.pk, code="allowance_exhausted", explanation="本年度90天已用完", actor=insurer_user)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REFUSED and claim.refusal_notice_sent_at is None
    assert claim.due_step == "refusal_notice" and claim.due_on is not None       # the notice is now due


@pytest.mark.django_db
def test_year_crossing_stay_is_split_between_policies(insured, officer_a, insurer_user, year, commission_admin):
    from enrollment.services import policies_issue
    from tests.factories import SchemeYearFactory
    next_year = SchemeYearFactory(name="2026年度", coverage_start=D(2026, 1, 1), coverage_end=D(2026, 12, 31),
                                  daily_subsidy=Decimal("320.00"), insurer=year.insurer)
    policies_issue(scheme_year_id=next_year.pk, actor=commission_admin, today=D(2026, 1, 1))
    claim = report(insured, officer_a, D(2025, 12, 28), D(2026, 1, 5), today=D(2026, 1, 6))
    with_documents(claim, officer_a)
    services.claim_accept(claim_id=claim.pk, actor=insurer_user)
    claim = services.claim_decide(claim_id=claim.pk, actor=insurer_user)
    portions = {p.policy.scheme_year.name: (p.days_payable, p.amount) for p in claim.portions.all()}
    assert portions == {"2025年度": (4, Decimal("1200.00")), "2026年度": (4, Decimal("1280.00"))}
    assert claim.amount == Decimal("2480.00")
    assert sorted(Policy.objects.filter(person=insured).values_list("days_used", flat=True)) == [4, 4]


@pytest.mark.django_db
def test_death_in_hospital_pays_days_before_death(insured, officer_a, insurer_user, commission_admin):
    from enrollment.services import person_update
    claim = report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 20))
    person_update(person_id=insured.pk, version=insured.version, actor=commission_admin,
                  changes={"status": "deceased", "status_date": D(2025, 3, 10)})
    with_documents(Claim.objects.get(pk=claim.pk), officer_a)
    services.claim_accept(claim_id=claim.pk, actor=insurer_user)
    set_heir(claim, officer_a)
    claim = services.claim_decide(claim_id=claim.pk, actor=insurer_user)
    assert (claim.days_payable, claim.amount) == (10, Decimal("3000.00"))   # 1 to 10 March


@pytest.mark.django_db
def test_refused_transition_changes_nothing(insured, officer_a, insurer_user):
    claim = report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 11))
    before = Claim.objects.values().get(pk=claim.pk)
    with pytest.raises(RuleViolation, match="不能核定"):
        services.claim_decide(claim_id=claim.pk, actor=insurer_user)
    assert Claim.objects.values().get(pk=claim.pk) == before
    assert claim.actions.count() == 1


@pytest.mark.django_db
def test_appeal_only_once(insured, officer_a, insurer_user):
    claim = report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 11))
    services.claim_refuse(claim_id=claim.pk, code="documents", explanation="逾期未补材料", actor=insurer_user)
    services.claim_appeal(claim_id=claim.pk, reason="已补齐全部材料", actor=officer_a)
    services.claim_uphold(claim_id=claim.pk, code="documents", explanation="复核仍不符合", actor=insurer_user)
    claim.refresh_from_db()
    assert (claim.status, claim.appeal_count) == (ClaimStatus.REFUSED, 1)
    assert claim.actions.filter(action="uphold").exists()
    with pytest.raises(RuleViolation, match="只能申请一次复核"):
        services.claim_appeal(claim_id=claim.pk, reason="再次申请复核", actor=officer_a)


@pytest.mark.django_db
def test_overturned_appeal_is_decided_as_usual(insured, officer_a, insurer_user):
    claim = with_documents(report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 11)), officer_a)
    services.claim_refuse(claim_id=claim.pk, code="other", explanation="误判为挂床", actor=insurer_user)
    services.claim_appeal(claim_id=claim.pk, reason="有病房记录为证", actor=officer_a)
    services.claim_overturn(claim_id=claim.pk, reason="核实为住院", actor=insurer_user)
    assert services.claim_decide(claim_id=claim.pk, actor=insurer_user).amount == Decimal("3000.00")


@pytest.mark.django_db
def test_withdraw_only_by_reporter_before_decision(insured, officer_a, insurer_user, street_a):
    from tests.factories import make_user
    from tongzhou_care.core.models import Role
    colleague = make_user(Role.STREET_OFFICER, street_obj=street_a)
    claim = report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 11))
    with pytest.raises(RuleViolation, match="报案人"):
        services.claim_withdraw(claim_id=claim.pk, reason="x", actor=colleague)
    decided = decided_claim(insured, officer_a, insurer_user, D(2025, 4, 1), D(2025, 4, 3))
    with pytest.raises(RuleViolation, match="不能撤案"):
        services.claim_withdraw(claim_id=decided.pk, reason="x", actor=officer_a)


@pytest.mark.django_db
def test_payment_must_match_the_decided_amount(insured, officer_a, insurer_user):
    claim = decided_claim(insured, officer_a, insurer_user)
    with pytest.raises(RuleViolation, match="不符"):
        services.payment_record(claim_id=claim.pk, paid_on=REPORT_DAY, amount=Decimal("2999.99"),
                                bank_reference="B1", actor=insurer_user, today=REPORT_DAY)
    services.payment_record(claim_id=claim.pk, paid_on=REPORT_DAY, amount=Decimal("3000.00"),
                            bank_reference="B1", actor=insurer_user, today=REPORT_DAY)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID and claim.payment.bank_reference == "B1"
