"""Claims as users meet them in the pages: reporting for a family, the claim page per role,
documents, printouts, payments from the insurer's file, overdue lists, tallies."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.utils import timezone

from claims import services
from claims.models import Claim, ClaimStatus, ClaimTally, Payment, PaymentBatch
from tests.claims.conftest import decided_claim, report, with_documents
from tests.enrollment.test_cover import pdf_text
from tests.factories import uploaded_file
from tests.html_forms import searched

D = date


def _content(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db
def test_officer_finds_the_person_and_reports(client_for, officer_a, insured):
    client = client_for(officer_a)
    body = client.post("/claims/report/", {"q": insured.id_number[-4:]}).content.decode()
    assert insured.name in body and insured.id_number not in body
    body = client.get("/claims/report/", {"q": insured.id_number}).content.decode()
    assert insured.name not in body                     # S12: a search is never read from a URL
    body = client.post("/claims/report/", {"q": insured.id_number}).content.decode()
    assert f"/claims/report/{insured.pk}/" in body
    form = client.get(f"/claims/report/{insured.pk}/").content.decode()
    assert 'data-testid="days-left">90<' in form
    response = client.post(f"/claims/report/{insured.pk}/", {
        "admission_type": "inpatient", "hospital": "潞河医院", "admitted_on": "2025-03-01",
        "discharged_on": "2025-03-11", "cause": "illness", "diagnosis": "肺炎", "reporter_name": "李专管",
        "reporter_relation": "专管员", "reporter_phone": "13900001111"})
    claim = Claim.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/claims/{claim.pk}/"
    assert claim.late_report                                        # reported long after discharge


@pytest.mark.django_db
def test_insurer_staff_see_only_their_companys_policies_on_the_report_form(client_for, insurer_user, insured,
                                                                           commission_admin):
    from enrollment.services import policies_issue
    from tests.factories import SchemeYearFactory
    from tongzhou_care.core.models import Insurer

    other = SchemeYearFactory(name="2026年度", coverage_start=D(2026, 1, 1), coverage_end=D(2026, 12, 31),
                              insurer=Insurer.objects.create(name="另一家保险公司", hotline="95511"))
    policies_issue(scheme_year_id=other.pk, actor=commission_admin, today=D(2026, 1, 1))
    theirs, ours = other.policies.get(person=insured).number, insured.policies.exclude(scheme_year=other).get().number
    form = client_for(insurer_user).get(f"/claims/report/{insured.pk}/").content.decode()
    assert ours in form and theirs not in form
    assert theirs in client_for(commission_admin).get(f"/claims/report/{insured.pk}/").content.decode()


@pytest.mark.django_db
def test_observation_is_refused_beside_the_field(client_for, officer_a, insured):
    response = client_for(officer_a).post(f"/claims/report/{insured.pk}/", {
        "admission_type": "observation", "hospital": "潞河医院", "admitted_on": "2025-03-01",
        "discharged_on": "2025-03-02", "cause": "illness", "diagnosis": "观察", "reporter_name": "李专管",
        "reporter_relation": "专管员", "reporter_phone": "13900001111"})
    body = response.content.decode()
    assert response.status_code == 400 and 'id="id_admission_type_errors"' in body and "不属于住院" in body
    assert 'value="潞河医院"' in body and not Claim.objects.exists()


@pytest.mark.django_db
def test_claim_page_per_role(client_for, officer_a, insurer_user, insured):
    claim = report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 11))
    officer_page = client_for(officer_a).get(f"/claims/{claim.pk}/").content.decode()
    assert "肺炎" not in officer_page and "仅保险公司和区卫健委可见" in officer_page
    assert "一次性告知补充材料" not in officer_page and "撤案" in officer_page
    insurer_page = client_for(insurer_user).get(f"/claims/{claim.pk}/").content.decode()
    assert "肺炎" in insurer_page and "一次性告知补充材料" in insurer_page
    assert "（<strong>缺</strong>）" in insurer_page


@pytest.mark.django_db
def test_documents_upload_and_scoped_download(client_for, officer_a, insured):
    from tongzhou_care.core.models import AccessLog
    claim = report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 11))
    client = client_for(officer_a)
    response = client.post(f"/claims/{claim.pk}/documents/", {"file_id_card": uploaded_file("png")}, follow=True)
    assert "已上传 1 个文件。还缺：" in response.content.decode()
    response = client.post(f"/claims/{claim.pk}/documents/", {"file_id_card": uploaded_file("exe", "a.jpg")},
                           follow=True)
    assert "“a.jpg”：只能上传" in response.content.decode() and claim.documents.count() == 1
    document = claim.documents.get()
    download = client.get(f"/claims/{claim.pk}/documents/{document.pk}/")
    assert download["Content-Type"] == "image/png" and _content(download).startswith(b"\x89PNG")
    assert download["Cache-Control"] == "no-store, private"
    assert AccessLog.objects.filter(action="download", target__contains=claim.number).exists()
    assert client.get(f"/claims/{claim.pk}/documents/{document.pk + 999}/").status_code == 404


@pytest.mark.django_db
def test_a_refused_action_keeps_what_was_typed_beside_the_field(client_for, officer_a, insurer_user, insured):
    claim = decided_claim(insured, officer_a, insurer_user)
    insurer = client_for(insurer_user)
    response = insurer.post(f"/claims/{claim.pk}/pay/", {"paid_on": "2025-03-20", "amount": "2999.00",
                                                         "bank_reference": "ZH2025032001"})
    body = response.content.decode()
    assert response.status_code == 400 and 'value="ZH2025032001"' in body
    assert ('<ul class="errorlist" id="id_amount_errors"><li>支付金额 2,999.00 元与核定金额 3,000.00 元不符'
            in body)
    other = report(insured, officer_a, D(2025, 5, 1), D(2025, 5, 11))
    response = client_for(officer_a).post(f"/claims/{other.pk}/withdraw/", {"reason": ""})
    body = response.content.decode()
    assert response.status_code == 400 and "<details class=\"mb-2\" open>" in body
    assert 'id="id_withdraw_reason_errors"' in body
    claim.refresh_from_db()
    other.refresh_from_db()
    assert (claim.status, other.status) == (ClaimStatus.DECIDED, ClaimStatus.REPORTED)


@pytest.mark.django_db
def test_insurer_walks_the_claim_to_payment_with_printouts(client_for, officer_a, insurer_user, insured):
    claim = report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 11), proxy_filing=True)
    insurer = client_for(insurer_user)
    insurer.post(f"/claims/{claim.pk}/request-documents/")
    notice = pdf_text(_content(insurer.get(f"/claims/{claim.pk}/notice.pdf")))
    assert "一次性告知书" in notice and "授权委托书" in notice and "代办人身份证" in notice
    with_documents(claim, officer_a)
    insurer.post(f"/claims/{claim.pk}/accept/")
    page = insurer.get(f"/claims/{claim.pk}/").content.decode()
    assert 'data-confirm="确认核定 10 天，金额 3,000.00 元？"' in page
    insurer.post(f"/claims/{claim.pk}/decide/")
    claim.refresh_from_db()
    assert (claim.status, claim.amount) == (ClaimStatus.DECIDED, Decimal("3000.00"))
    decision = pdf_text(_content(insurer.get(f"/claims/{claim.pk}/decision.pdf")))
    assert "3,000.00" in decision and "人民币叁仟元整" in decision and "10 天 × 300.00 元" in decision
    application = pdf_text(_content(insurer.get(f"/claims/{claim.pk}/application.pdf")))
    assert "理赔申请书" in application and "申请人（签字）" in application and "肺炎" in application
    officer_copy = pdf_text(_content(client_for(officer_a).get(f"/claims/{claim.pk}/application.pdf")))
    assert "肺炎" not in officer_copy and "13900001111" not in officer_copy     # S10 on paper too
    insurer.post(f"/claims/{claim.pk}/pay/", {"paid_on": "2025-03-20", "amount": "3000.00", "bank_reference": "ZH2025032001"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID
    officer_page = client_for(officer_a).get(f"/claims/{claim.pk}/").content.decode()
    assert "已于 2025年3月20日 支付 3,000.00 元" in officer_page


@pytest.mark.django_db
def test_refusal_notice(client_for, officer_a, insurer_user, insured):
    claim = report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 11))
    insurer = client_for(insurer_user)
    insurer.post(f"/claims/{claim.pk}/refuse/", {"code": "not_covered", "explanation": "住院期间不在保障期间内"})
    text = pdf_text(_content(insurer.get(f"/claims/{claim.pk}/refusal.pdf")))
    assert "拒赔通知书" in text and "住院期间不在保障期间内" in text and "复核一次" in text
    insurer.post(f"/claims/{claim.pk}/notice-sent/")
    claim.refresh_from_db()
    assert claim.refusal_notice_sent_at is not None
    response = insurer.get(f"/claims/{claim.pk}/decision.pdf", follow=True)
    assert "没有核定通知书" in response.content.decode()


def _payment_file(tmp_path, rows, name="支付明细.xlsx"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["中国人寿北京分公司 住院护理补贴支付明细"])
    sheet.append(["理赔编号", "支付金额", "支付日期", "银行流水号"])
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


@pytest.mark.django_db
def test_payment_file_is_checked_then_applied_once(client_for, officer_a, insurer_user, insured, tmp_path):
    one = decided_claim(insured, officer_a, insurer_user, D(2025, 3, 1), D(2025, 3, 11))
    two = decided_claim(insured, officer_a, insurer_user, D(2025, 4, 1), D(2025, 4, 3))
    three = decided_claim(insured, officer_a, insurer_user, D(2025, 5, 1), D(2025, 5, 2))
    client = client_for(insurer_user)
    bad = _payment_file(tmp_path, [[one.number, "3000.00", "2025-04-10", "B1"], [two.number, "601", "2025-04-10", "B2"],
                                   ["LP2025999", "100", "2025-04-10", "B3"], [three.number, "Infinity", "2025-05-10", "B4"]],
                         "bad.xlsx")
    with bad.open("rb") as f:
        body = client.post("/payments/import/", {"file": f}).content.decode()
    assert "3 行有错误" in body and "与核定金额 600.00 元不符" in body and "不存在" in body
    assert "金额“Infinity”不是数字" in body and 'name="batch"' not in body      # nothing to confirm
    twice = _payment_file(tmp_path, [[one.number, "3000.00", "2025-04-10", "B1"], [one.number, "3000.00", "2025-04-10", "B1"]],
                          "twice.xlsx")
    with twice.open("rb") as f:
        body = client.post("/payments/import/", {"file": f}).content.decode()
    assert "在第3行已出现" in body
    good = _payment_file(tmp_path, [[one.number, "3,000.00", "2025-04-10", "B1"], [two.number, "600", "2025/4/10", "B2"]])
    with good.open("rb") as f:
        body = client.post("/payments/import/", {"file": f}).content.decode()
    # Checked, shown with the total, and nothing paid until the user confirms.
    assert "待登记 2 笔，合计 3,600.00 元" in body and 'data-confirm="确认登记 2 笔支付，合计 3,600.00 元？"' in body
    assert not Claim.objects.filter(status=ClaimStatus.PAID).exists()
    batch = PaymentBatch.objects.latest("pk")
    assert client_for(officer_a).post("/payments/import/", {"batch": batch.pk}).status_code in (403, 404)
    assert client.post("/payments/import/", {"batch": "x1"}).status_code == 404
    body = client.post("/payments/import/", {"batch": batch.pk}).content.decode()
    assert "已登记 2 笔支付" in body and "已登记 2 笔，合计 3,600.00 元" in body
    assert set(Claim.objects.exclude(pk=three.pk).values_list("status", flat=True)) == {ClaimStatus.PAID}
    response = client.post("/payments/import/", {"batch": batch.pk})               # confirmed twice
    assert response.status_code == 400 and "已于" in response.content.decode()
    with good.open("rb") as f:
        body = client.post("/payments/import/", {"file": f}).content.decode()
    assert "均已登记过" in body and 'name="batch"' not in body
    assert Payment.objects.count() == 2


@pytest.mark.django_db
def test_overdue_claims_listed_and_on_home_pages(client_for, officer_a, insurer_user, commission_staff, insured):
    from tests.claims.conftest import stay
    claim = services.claim_report(person=insured, data=stay(D(2025, 3, 1), D(2025, 3, 11)), actor=officer_a,
                                  today=D(2025, 3, 12), reported_at=timezone.make_aware(timezone.datetime(2025, 3, 12, 9)))
    body = client_for(commission_staff).get("/claims/overdue/").content.decode()
    assert claim.number in body and "受理或一次性告知" in body and "2025-03-14" in body   # 2 working days
    assert 'data-testid="overdue-link"' in client_for(insurer_user).get("/").content.decode()
    with_documents(claim, officer_a)
    services.claim_accept(claim_id=claim.pk, actor=insurer_user)       # acted today: the next step
    claim.refresh_from_db()                                            # (decide) is due in 5 working days
    assert claim.due_step == "decide" and claim.due_on > timezone.localdate()
    assert claim.number not in client_for(commission_staff).get("/claims/overdue/").content.decode()


@pytest.mark.django_db
def test_tally_matches_the_claims_after_every_kind_of_write(officer_a, insurer_user, insured):
    from django.db import connection
    decided_claim(insured, officer_a, insurer_user, D(2025, 3, 1), D(2025, 3, 11))
    report(insured, officer_a, D(2025, 4, 1), D(2025, 4, 3))
    third = report(insured, officer_a, D(2025, 5, 1), D(2025, 5, 3))
    Claim.objects.filter(pk=third.pk).update(status=ClaimStatus.WITHDRAWN)       # bulk path
    with connection.cursor() as cursor:
        cursor.execute("UPDATE claims_claim SET status = 'refused' WHERE status = 'reported'")  # raw SQL
    truth = {(r["street"], r["insurer"], r["status"]): r["n"]
             for r in Claim.objects.values("street", "insurer", "status").annotate(n=Count("pk"))}
    tally = {(t.street_id, t.insurer_id, t.status): t.n for t in ClaimTally.objects.exclude(n=0)}
    assert tally == truth


@pytest.mark.django_db
def test_list_totals_and_filters(client_for, officer_a, insurer_user, insured, commission_staff):
    decided_claim(insured, officer_a, insurer_user, D(2025, 3, 1), D(2025, 3, 11))
    report(insured, officer_a, D(2025, 4, 1), D(2025, 4, 3))
    client = client_for(commission_staff)
    assert 'data-testid="total-count">2<' in client.get("/claims/").content.decode()
    assert 'data-testid="total-count">1<' in client.get("/claims/", {"status": "decided"}).content.decode()
    assert 'data-testid="total-count">2<' in searched(client, "/claims/", q="王秀").content.decode()
    assert client_for(officer_a).get("/").status_code == 200


@pytest.mark.django_db
def test_finance_sees_no_claims(client_for, finance):
    assert client_for(finance).get("/claims/").status_code == 403


@pytest.mark.django_db
def test_tally_follows_deletes(officer_a, insured):
    from django.db import connection
    report(insured, officer_a, D(2025, 4, 1), D(2025, 4, 3))
    import pgtrigger
    with pgtrigger.ignore("claims.ClaimAction:claimaction_append_only"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM claims_claimaction")
        cursor.execute("DELETE FROM claims_claim")
    assert set(ClaimTally.objects.values_list("n", flat=True)) == {0}


@pytest.mark.django_db
def test_claims_list_exports_with_its_filters(client_for, officer_a, insurer_user, commission_staff, insured):
    from tongzhou_care.core.models import AccessLog

    decided = decided_claim(insured, officer_a, insurer_user, D(2025, 3, 1), D(2025, 3, 11))
    reported = report(insured, officer_a, D(2025, 5, 1), D(2025, 5, 3))
    client = client_for(commission_staff)
    list_page = client.get("/claims/", {"status": "decided"}).content.decode()
    assert 'href="/claims/export/?status=decided"' in list_page
    response = client.get("/claims/export/", {"status": "decided"})
    assert "%E7%90%86%E8%B5%94%E6%B8%85%E5%8D%95_" in response["Content-Disposition"]      # 理赔清单_<date>
    sheet = openpyxl.load_workbook(io.BytesIO(_content(response))).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["理赔编号", "被保险人", "公民身份号码"] and sheet.freeze_panes == "A2"
    assert [r[0] for r in rows[1:]] == [decided.number]
    assert rows[1][2] == insured.id_number[:6] + "********" + insured.id_number[-4:]      # masked (S10)
    assert (rows[1][7], rows[1][8], rows[1][9]) == ("已核定", 10, 3000)
    assert AccessLog.objects.get(action="export").detail == "状态：已核定"
    # Report dates filter the page and the export alike.
    today = timezone.localdate().isoformat()
    assert client.get("/claims/", {"since": today}).context["page"].paginator.count == 2
    assert client.get("/claims/", {"until": "2000-01-01"}).context["page"].paginator.count == 0
    insurer_rows = openpyxl.load_workbook(io.BytesIO(_content(client_for(insurer_user).get("/claims/export/")))).active
    assert {r[0] for r in insurer_rows.iter_rows(min_row=2, values_only=True)} == {decided.number, reported.number}
    assert client_for(officer_a).get("/claims/export/").status_code == 403


@pytest.mark.django_db
def test_a_stay_reported_in_hospital_gets_its_discharge_date_until_the_decision(client_for, officer_a, insured,
                                                                                 insurer_user):
    claim = report(insured, officer_a, D(2025, 3, 1), None, today=D(2025, 3, 5))
    client = client_for(officer_a)
    form = f'action="/claims/{claim.pk}/discharge/"'
    assert form in client.get(f"/claims/{claim.pk}/").content.decode()
    response = client.post(f"/claims/{claim.pk}/discharge/", {"version": claim.version, "discharged_on": "2025-03-11"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.discharged_on == D(2025, 3, 11)
    assert form not in client.get(f"/claims/{claim.pk}/").content.decode()   # entered: the form is gone


# --- In the field (issue 15) -----------------------------------------------------------------

REPORT_FORM = {"admission_type": "inpatient", "hospital": "潞河医院", "admitted_on": "2025-03-01",
               "discharged_on": "2025-03-11", "cause": "illness", "diagnosis": "肺炎", "reporter_name": "李专管",
               "reporter_relation": "专管员"}


@pytest.mark.django_db
def test_the_reporters_phone_must_be_a_phone_number(client_for, officer_a, insured):
    client = client_for(officer_a)
    response = client.post(f"/claims/report/{insured.pk}/", {**REPORT_FORM, "reporter_phone": "电话abc<i>x</i>"})
    body = response.content.decode()
    assert response.status_code == 400 and not Claim.objects.exists()
    assert 'id="id_reporter_phone_errors"' in body and "11位手机号" in body
    assert "<i>x</i>" not in body                                    # what was typed is kept, escaped
    assert 'type="tel"' in body                                      # the phone's number keypad
    response = client.post(f"/claims/report/{insured.pk}/", {**REPORT_FORM, "reporter_phone": "139 0000 1111"},
                           follow=True)
    assert Claim.objects.get().reporter_phone == "13900001111"
    # The message ends as a sentence ends: no stray "；" when the report is not late either.
    [message] = [str(m) for m in response.context["messages"]]
    assert message.endswith("。") and "；" not in message and "上传材料" in message


@pytest.mark.django_db
def test_the_discharge_date_defaults_to_today(client_for, officer_a, insured):
    claim = report(insured, officer_a, D(2025, 3, 1), None, today=D(2025, 3, 5))
    page = client_for(officer_a).get(f"/claims/{claim.pk}/").content.decode()
    assert f'name="discharged_on" value="{timezone.localdate().isoformat()}"' in page


@pytest.mark.django_db
def test_the_officers_home_lists_claims_waiting_for_documents(client_for, officer_a, officer_b, insurer_user,
                                                              insured, street_b, commission_admin, year):
    from enrollment.services import policies_issue
    from tests.factories import PersonFactory

    complete = with_documents(report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 11)), officer_a)
    fresh = report(insured, officer_a, D(2025, 4, 1), D(2025, 4, 3))
    asked = report(insured, officer_a, D(2025, 5, 1), D(2025, 5, 3))
    services.claim_upload_documents(claim_id=asked.pk, actor=officer_a, documents=[("id_card", uploaded_file("pdf"))])
    services.claim_request_documents(claim_id=asked.pk, actor=insurer_user)
    theirs = PersonFactory(street=street_b, name="宋庄家属")
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=D(2025, 1, 1))
    report(theirs, officer_b, D(2025, 4, 1), D(2025, 4, 3))

    body = client_for(officer_a).get("/").content.decode()
    tasks = body[body.index('data-testid="awaiting-documents"'):]
    tasks = tasks[:tasks.index("</ul>")]
    # What the insurer asked for comes first, then the new report; the complete file is not a task.
    assert tasks.index(asked.number) < tasks.index(fresh.number) and complete.number not in tasks
    assert f'href="/claims/{asked.pk}/#documents"' in tasks
    assert "缺：出院小结或诊断证明、收款人银行借记卡" in tasks and "宋庄家属" not in tasks
    # The person search sits on the home page too: one tap to the candidates, one to the form.
    assert 'action="/persons/find/"' in body
    assert 'data-testid="awaiting-documents"' not in client_for(insurer_user).get("/").content.decode()


@pytest.mark.django_db
def test_phone_photos_are_converted_and_reduced_when_uploaded(client_for, officer_a, insured):
    """An iPhone's HEIC arrives as a JPEG, a 12-megapixel photo at A4 print size; a photo that
    cannot be read is refused by its name and nothing of that upload is kept."""
    from PIL import Image

    from tests.core.test_photos import photo

    claim = report(insured, officer_a, D(2025, 3, 1), D(2025, 3, 11))
    client = client_for(officer_a)
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert 'capture="environment"' in page and "image/heic" in page          # the camera, and HEIC offered
    large = photo(name="出院小结.jpg", quality=95)
    response = client.post(f"/claims/{claim.pk}/documents/", {
        "file_id_card": photo(fmt="HEIF", name="IMG_4711.HEIC"), "file_discharge_summary": large}, follow=True)
    assert "已上传 2 个文件" in response.content.decode()
    stored = {d.kind: d for d in claim.documents.all()}
    assert (stored["id_card"].original_name, stored["id_card"].content_type) == ("IMG_4711.jpg", "image/jpeg")
    summary = stored["discharge_summary"]
    assert summary.size < large.size / 3
    with summary.file.open("rb") as f:
        assert Image.open(f).size == (2480, 1860)
    broken = SimpleUploadedFile("坏照片.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 5000)
    response = client.post(f"/claims/{claim.pk}/documents/", {
        "file_bank_card": [uploaded_file("jpg"), broken]}, follow=True)
    assert "“坏照片.jpg”：图片无法读取" in response.content.decode()
    assert claim.documents.count() == 2
