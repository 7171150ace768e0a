"""Claims that stay right when facts change (issue 11, domain.md "Facts that change after a
decision"): the payee, contract amendments, deaths recorded late, report-time checks that agree
with the decision, and the pages officers and insurers use."""

import subprocess
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest

from claims import services
from claims.models import Claim, ClaimStatus, Supplement
from claims.selectors import claims_beyond_cover, claims_to_review, read_claim
from enrollment.models import Policy, SchemeYear
from enrollment.services import person_update, policies_issue, scheme_year_save
from tests.claims.conftest import HEIR_ACCOUNT, REPORT_DAY, decided_claim, report, set_heir, stay, with_documents
from tests.factories import PersonFactory
from tongzhou_care.core.rules import RuleViolation

D = date


def _die(person, admin, on: date):
    person.refresh_from_db()
    person_update(person_id=person.pk, version=person.version, actor=admin, today=REPORT_DAY,
                  changes={"status": "deceased", "status_date": on})


def _amend(year, admin, *, subsidy: str, effective: date, reason: str = "提高补贴标准"):
    year.refresh_from_db()
    year.daily_subsidy = Decimal(subsidy)
    scheme_year_save(scheme_year=year, actor=admin, amendment_date=effective, amendment_reason=reason)


def _pdf_text(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    data = b"".join(response.streaming_content) if response.streaming else response.content
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout
    return "".join(text.decode().split())


# --- 1. The payee ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_reporting_fills_the_payee_from_the_insured_and_says_so(client_for, officer_a, insured):
    response = client_for(officer_a).post(f"/claims/report/{insured.pk}/", {
        "admission_type": "inpatient", "hospital": "北京潞河医院", "admitted_on": "2025-03-01",
        "discharged_on": "2025-03-11", "cause": "illness", "diagnosis": "肺炎", "reporter_name": "李专管",
        "reporter_relation": "专管员", "reporter_phone": "13900001111", "payee_name": insured.name,
        "payee_relation": "本人", "report_token": str(uuid.uuid4())}, follow=True)
    claim = Claim.objects.get()
    assert (claim.payee_name, claim.payee_relation, claim.payee_account, claim.payee_bank) == (
        insured.name, "本人", insured.bank_account, insured.bank_name)
    assert (f"收款人已按参保对象登记信息填写：{insured.name}，{insured.bank_name}，账号尾号 "
            f"{insured.bank_account[-4:]}。请上传材料。") in response.content.decode()


@pytest.mark.django_db
def test_no_decision_without_a_payee_account(insured, officer_a, insurer_user):
    insured.bank_account = ""
    insured.save()
    claim = with_documents(report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 11)), officer_a)
    services.claim_accept(claim_id=claim.pk, actor=insurer_user)
    with pytest.raises(RuleViolation, match="尚未登记收款人姓名和收款账号"):
        services.claim_decide(claim_id=claim.pk, actor=insurer_user)
    services.claim_set_payee(claim_id=claim.pk, payee_name=insured.name, payee_relation="本人",
                             payee_account="6210 0000 1111 2222", actor=officer_a)
    assert services.claim_decide(claim_id=claim.pk, actor=insurer_user).amount == Decimal("3000.00")


@pytest.mark.django_db
def test_a_deceased_insureds_money_goes_to_an_heir_never_to_the_deceased(insured, officer_a, insurer_user,
                                                                        commission_admin):
    claim = report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 11))
    with_documents(claim, officer_a)
    services.claim_accept(claim_id=claim.pk, actor=insurer_user)
    _die(insured, commission_admin, D(2025, 5, 1))       # after the stay: every day is paid, to the heirs
    with_documents(Claim.objects.get(pk=claim.pk), officer_a)  # death certificate, heirship, heir's ID
    with pytest.raises(RuleViolation, match="须由继承人收款"):
        services.claim_decide(claim_id=claim.pk, actor=insurer_user)
    with pytest.raises(RuleViolation, match="不能支付到其本人账户"):
        set_heir(claim, officer_a, payee_account=insured.bank_account)
    with pytest.raises(RuleViolation, match="身份证号"):
        set_heir(claim, officer_a, payee_id_number="")
    set_heir(claim, officer_a)
    claim = services.claim_decide(claim_id=claim.pk, actor=insurer_user)
    assert claim.amount == Decimal("3000.00")
    payment = services.payment_record(claim_id=claim.pk, paid_on=REPORT_DAY, amount=claim.amount,
                                      bank_reference="ZH1", actor=insurer_user, today=REPORT_DAY)
    assert payment.claim.actions.last().note.startswith("2025-06-30 支付 3,000.00 元至 王建国 账号尾号 0001")


@pytest.mark.django_db
def test_a_death_after_the_decision_stops_the_payment_until_the_heirs_are_named(insured, officer_a,
                                                                                insurer_user, commission_admin):
    claim = decided_claim(insured, officer_a, insurer_user)
    _die(insured, commission_admin, D(2025, 5, 1))
    with pytest.raises(RuleViolation, match="缺少代办人身份证、死亡证明、继承关系证明"):
        services.payment_record(claim_id=claim.pk, paid_on=REPORT_DAY, amount=claim.amount, bank_reference="ZH1",
                                actor=insurer_user, today=REPORT_DAY)
    with_documents(Claim.objects.get(pk=claim.pk), officer_a)
    with pytest.raises(RuleViolation, match="须由继承人收款"):
        services.payment_record(claim_id=claim.pk, paid_on=REPORT_DAY, amount=claim.amount, bank_reference="ZH1",
                                actor=insurer_user, today=REPORT_DAY)
    set_heir(claim, officer_a)
    services.payment_record(claim_id=claim.pk, paid_on=REPORT_DAY, amount=claim.amount, bank_reference="ZH1",
                            actor=insurer_user, today=REPORT_DAY)
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.PAID


@pytest.mark.django_db
def test_the_notices_of_a_deceased_insured_are_addressed_to_the_heir(client_for, insured, officer_a,
                                                                     insurer_user, commission_admin):
    claim = report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 11))
    _die(insured, commission_admin, D(2025, 3, 5))
    with_documents(Claim.objects.get(pk=claim.pk), officer_a)
    set_heir(claim, officer_a)
    services.claim_accept(claim_id=claim.pk, actor=insurer_user)
    services.claim_decide(claim_id=claim.pk, actor=insurer_user)
    text = _pdf_text(client_for(insurer_user), f"/claims/{claim.pk}/decision.pdf")
    assert f"王建国（被保险人{insured.name}之配偶，继承人）：" in text
    assert "将支付至王建国（配偶）名下中国农业银行账号****0001" in text
    assert "在住院期间身故" in text
    # The application form never prints a blank account: it says it is still to be registered.
    unbanked = PersonFactory(street=insured.street, bank_account="")
    policies_issue(scheme_year_id=SchemeYear.objects.get().pk, actor=commission_admin, today=D(2025, 1, 1))
    other = report(unbanked, officer_a, D(2025, 3, 5), D(2025, 3, 6))
    assert "（待登记：请附收款人借记卡复印件）" in _pdf_text(client_for(officer_a), f"/claims/{other.pk}/application.pdf")


# --- 2. Contract amendments -----------------------------------------------------------------

@pytest.mark.django_db
def test_a_decision_after_an_amendment_pays_each_day_at_its_terms(insured, officer_a, insurer_user, year,
                                                                  commission_admin):
    decided_claim(insured, officer_a, insurer_user, admitted=D(2025, 1, 5), discharged=D(2025, 1, 6))  # locks money
    _amend(year, commission_admin, subsidy="350.00", effective=D(2025, 3, 6))
    claim = decided_claim(insured, officer_a, insurer_user, admitted=D(2025, 3, 1), discharged=D(2025, 3, 11))
    # 1–5 March at 300, 6–10 March at 350
    assert claim.amount == Decimal("3250.00")
    assert "2025-03-01 至 2025-03-05 共 5 天 × 300.00 元（合同原条款）" in claim.calculation
    assert "2025-03-06 至 2025-03-10 共 5 天 × 350.00 元（2025-03-06 起合同变更（提高补贴标准））" in claim.calculation


@pytest.mark.django_db
def test_an_amendment_lists_decided_claims_and_a_supplement_pays_the_difference(
        client_for, insured, officer_a, insurer_user, year, commission_admin):
    claim = decided_claim(insured, officer_a, insurer_user)          # 1–10 March, 3,000.00
    services.payment_record(claim_id=claim.pk, paid_on=REPORT_DAY, amount=claim.amount, bank_reference="ZH1",
                            actor=insurer_user, today=REPORT_DAY)
    _amend(year, commission_admin, subsidy="320.00", effective=D(2025, 3, 6))
    # The decision is not rewritten …
    claim.refresh_from_db()
    assert (claim.amount, claim.status) == (Decimal("3000.00"), ClaimStatus.PAID)
    # … the claim is listed with the difference: 5 days × 20.00 = 100.00
    (row,) = claims_to_review(insurer_user)
    assert (row.claim, row.cause, row.entitled, row.recomputed, row.difference) == (
        claim, "amendment", Decimal("3000.00"), Decimal("3100.00"), Decimal("100.00"))
    page = client_for(insurer_user).get("/claims/review/").content.decode()
    assert claim.number in page and "补付 100.00 元" in page
    supplement = services.claim_supplement(claim_id=claim.pk, actor=insurer_user)
    assert (supplement.amount_difference, supplement.days_difference, supplement.cause) == (
        Decimal("100.00"), 0, "amendment")
    assert "2025-03-06 至 2025-03-10 共 5 天 × 320.00 元（2025-03-06 起合同变更（提高补贴标准））" in supplement.calculation
    from claims.models import SupplementEvent
    event = SupplementEvent.objects.get(pgh_obj_id=supplement.pk, pgh_label="insert")
    assert (event.pgh_context.metadata["action"], event.pgh_context.metadata["user"]) == (
        "claim_supplement", insurer_user.pk)
    assert claims_to_review(insurer_user) == []          # settled by the supplement, no longer listed
    with pytest.raises(RuleViolation, match="无需补充核定"):
        services.claim_supplement(claim_id=claim.pk, actor=insurer_user)
    services.supplement_settle(claim_id=claim.pk, settled_on=REPORT_DAY, bank_reference="ZH2", actor=insurer_user,
                               today=REPORT_DAY)
    assert Supplement.objects.get().settled_on == REPORT_DAY
    text = _pdf_text(client_for(officer_a), f"/claims/{claim.pk}/supplement.pdf")
    assert "补充核定通知书" in text and "补付100.00元" in text and "核定后应得合计3,100.00元（人民币叁仟壹佰元整）" in text


@pytest.mark.django_db
def test_a_supplement_on_a_claim_not_yet_paid_is_paid_with_it(insured, officer_a, insurer_user, year,
                                                              commission_admin):
    claim = decided_claim(insured, officer_a, insurer_user)
    _amend(year, commission_admin, subsidy="320.00", effective=D(2025, 3, 1))
    services.claim_supplement(claim_id=claim.pk, actor=insurer_user)
    with pytest.raises(RuleViolation, match="与核定金额 3,200.00 元不符"):
        services.payment_record(claim_id=claim.pk, paid_on=REPORT_DAY, amount=Decimal("3000.00"),
                                bank_reference="ZH1", actor=insurer_user, today=REPORT_DAY)
    services.payment_record(claim_id=claim.pk, paid_on=REPORT_DAY, amount=Decimal("3200.00"), bank_reference="ZH1",
                            actor=insurer_user, today=REPORT_DAY)
    assert Supplement.objects.get().bank_reference == "ZH1"


# --- 3. Late facts --------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_death_recorded_later_lists_paid_days_after_it_with_the_amount_at_stake(
        insured, officer_a, insurer_user, commission_admin):
    claim = decided_claim(insured, officer_a, insurer_user)          # 1–10 March, 10 days
    services.payment_record(claim_id=claim.pk, paid_on=REPORT_DAY, amount=claim.amount, bank_reference="ZH1",
                            actor=insurer_user, today=REPORT_DAY)
    assert not claims_beyond_cover(person_ids=[insured.pk]).exists()
    _die(insured, commission_admin, D(2025, 3, 6))                   # learnt in June: died 6 March
    assert list(claims_beyond_cover(person_ids=[insured.pk])) == [Claim.objects.get(pk=claim.pk)]
    (row,) = claims_to_review(commission_admin)
    assert (row.cause, row.difference) == ("late_fact", Decimal("-1200.00"))    # 7–10 March overpaid
    assert Policy.objects.get(person=insured).days_used == 10
    supplement = services.claim_supplement(claim_id=claim.pk, actor=insurer_user)
    assert (supplement.amount_difference, supplement.days_difference, supplement.cause) == (
        Decimal("-1200.00"), -4, "late_fact")
    assert "被保险人于 2025-03-06 在住院期间身故，保障至身故当日止，此后 4 天（2025-03-07 至 2025-03-10）不计，计 6 天" \
        in supplement.calculation
    assert Policy.objects.get(person=insured).days_used == 6         # the four days go back to the allowance
    assert not claims_beyond_cover(person_ids=[insured.pk]).exists()
    claim.refresh_from_db()
    assert claim.amount == Decimal("3000.00") and read_claim(claim).entitled == Decimal("1800.00")


# --- 4. Report-time checks agree with the decision ------------------------------------------

@pytest.mark.django_db
def test_a_stay_with_no_covered_counted_day_is_refused_at_report(officer_a, commission_admin, year, street_a):
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=D(2025, 1, 1))
    late = PersonFactory(street=street_a, name="刘淑珍")
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=D(2025, 3, 10))   # cover from 11 March
    # 5–11 March counted 算入不算出: 5 to 10 March, none of them covered.
    with pytest.raises(RuleViolation) as refused:
        report(late, officer_a, D(2025, 3, 5), D(2025, 3, 11))
    assert refused.value.code == "not_insured"
    assert ("计入的天数没有一天在保障期间内，不能报案：" in refused.value.message
            and "年中新增，2025-03-10 通知保险公司，次日即 2025-03-11 起保障" in refused.value.message)
    # One day longer and 11 March is counted and covered: reported, and decided for one day.
    assert report(late, officer_a, D(2025, 3, 5), D(2025, 3, 12)).status == ClaimStatus.REPORTED


@pytest.mark.django_db
def test_a_same_day_stay_and_a_readmission_that_day_are_both_reported_and_the_day_paid_once(
        insured, officer_a, insurer_user):
    same_day = decided_claim(insured, officer_a, insurer_user, admitted=D(2025, 3, 1), discharged=D(2025, 3, 1))
    readmitted = decided_claim(insured, officer_a, insurer_user, admitted=D(2025, 3, 1), discharged=D(2025, 3, 4))
    assert (same_day.days_payable, readmitted.days_payable) == (1, 2)      # 1 March once, then 2 and 3 March
    assert any("2025-03-01 已在该参保对象的其他住院中计算" in line for line in readmitted.calculation)
    # A real overlap is still refused.
    with pytest.raises(RuleViolation, match="不能重叠"):
        report(insured, officer_a, D(2025, 3, 2), D(2025, 3, 3))


@pytest.mark.django_db
def test_admission_before_the_first_year_under_the_admission_rule_pays_what_the_docs_say(
        officer_a, insurer_user, commission_admin, street_a, year):
    year.year_crossing = "admission"
    year.save()
    person = PersonFactory(street=street_a)
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=D(2025, 1, 1))
    claim = decided_claim(person, officer_a, insurer_user, admitted=D(2024, 12, 28), discharged=D(2025, 1, 4))
    assert (claim.days_claimed, claim.days_payable, claim.amount) == (7, 3, Decimal("900.00"))
    assert ("按入院年度规则住院应整段计入入院所在保险年度，但入院日 2024-12-28 不在任何保险年度内，"
            "各天按其所在保险年度计") in claim.calculation


# --- 8. Pages for the people who use them ---------------------------------------------------

@pytest.mark.django_db
def test_a_report_submitted_twice_lands_on_the_claim_it_created(client_for, officer_a, insured):
    client = client_for(officer_a)
    form = {"admission_type": "inpatient", "hospital": "北京潞河医院", "admitted_on": "2025-03-01",
            "discharged_on": "2025-03-11", "cause": "illness", "diagnosis": "肺炎", "reporter_name": "李专管",
            "reporter_relation": "专管员", "reporter_phone": "13900001111", "payee_name": insured.name,
            "payee_relation": "本人", "report_token": str(uuid.uuid4())}
    first = client.post(f"/claims/report/{insured.pk}/", form)
    second = client.post(f"/claims/report/{insured.pk}/", form)
    claim = Claim.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/claims/{claim.pk}/"


@pytest.mark.django_db
def test_the_person_page_shows_claims_and_days_used_and_left(client_for, officer_a, insured, insurer_user):
    decided_claim(insured, officer_a, insurer_user)
    page = client_for(officer_a).get(f"/persons/{insured.pk}/").content.decode()
    claim = Claim.objects.get()
    assert claim.number in page and "3,000.00" in page
    assert 'data-testid="days-used">10<' in page and 'data-testid="days-left">80（上限 90）' in page


@pytest.mark.django_db
def test_after_the_last_required_document_the_page_says_who_acts_next(client_for, officer_a, insured):
    from tests.factories import uploaded_file
    claim = report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 11))
    response = client_for(officer_a).post(f"/claims/{claim.pk}/documents/", {
        "file_id_card": uploaded_file("jpg"), "file_discharge_summary": [uploaded_file("pdf"), uploaded_file("png")],
        "file_bank_card": uploaded_file("pdf")}, follow=True)
    text = response.content.decode()
    assert "已上传 4 个文件。材料已齐全，下一步由保险公司受理，应于" in text
    assert claim.documents.count() == 4
    assert 'data-testid="documents-complete">材料已齐全。下一步由保险公司受理。' in text
