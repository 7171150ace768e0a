"""Inspections as users meet them: the commission records an inspection and its findings in
the pages, the street answers with an upload, the commission accepts; home pages tell who must
act; the record sheet prints for signature; the findings list exports to Excel."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone

from oversight.models import InspectionFinding
from oversight.services import inspections as services
from tests.factories import uploaded_file
from tongzhou_care.core.models import AccessLog

from .conftest import add_finding


def _content(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def pdf_words(content: bytes) -> str:
    """A PDF's text in reading order with all white space removed: table cells wrap their
    text over lines, and the words are what a reader checks."""
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(content)
        f.flush()
        text = subprocess.run(["pdftotext", f.name, "-"], capture_output=True, text=True, check=True).stdout
    return "".join(text.split())


@pytest.mark.django_db
def test_record_answer_accept_in_the_pages(client_for, commission_staff, officer_a, officer_b, street_a):
    staff = client_for(commission_staff)
    today = timezone.localdate()
    response = staff.post("/inspections/new/", {
        "inspected_on": today.isoformat(), "target": "street", "street": street_a.pk, "scopes": ["claims", "funds"],
        "inspectors": "王明、李华", "summary": "抽查理赔材料。"})
    inspection_url = response["Location"]
    assert response.status_code == 302 and inspection_url.startswith("/inspections/")
    inspection_id = int(inspection_url.strip("/").split("/")[-1])
    form = staff.get(inspection_url).content.decode()
    assert 'value="street" id="id_responsible_0" checked' in form            # addressed to the inspected street
    refused = staff.post(f"/inspections/{inspection_id}/findings/", {"scope": "claims", "responsible": "street",
                                                                     "deadline_days": "10"})
    assert refused.status_code == 400 and "这个字段是必填项" in refused.content.decode()
    staff.post(f"/inspections/{inspection_id}/findings/", {
        "scope": "claims", "description": "两件理赔缺少银行卡复印件。", "responsible": "street",
        "responsible_street": street_a.pk, "deadline_days": "10"})
    finding = InspectionFinding.objects.get()
    assert finding.responsible_street == street_a and finding.status == "open"

    officer = client_for(officer_a)
    assert "1 个巡查问题待本单位整改" in officer.get("/").content.decode()
    assert "两件理赔缺少银行卡复印件" in officer.get("/inspection-findings/").content.decode()
    assert "两件理赔缺少银行卡复印件" not in client_for(officer_b).get("/inspection-findings/").content.decode()
    page = officer.get(f"/inspection-findings/{finding.pk}/").content.decode()
    assert "报送整改情况" in page and "验收通过" not in page
    response = officer.post(f"/inspection-findings/{finding.pk}/report/", {
        "text": "已补齐两件理赔的银行卡复印件。", "files": [uploaded_file("pdf", "银行卡.pdf"), uploaded_file("png", "照片.png")]})
    assert response.status_code == 302
    page = officer.get(f"/inspection-findings/{finding.pk}/").content.decode()
    assert "整改情况已报送，等待区卫健委验收" in page and "银行卡.pdf" in page and "照片.png" in page
    assert "个巡查问题待本单位整改" not in officer.get("/").content.decode()

    assert "1 个巡查问题的整改待验收" in staff.get("/").content.decode()
    evidence = finding.rectifications.get().evidence.order_by("pk").first()
    download = staff.get(f"/inspection-findings/{finding.pk}/evidence/{evidence.pk}/")
    assert download.status_code == 200 and _content(download).startswith(b"%PDF")
    assert AccessLog.objects.filter(action="download", target__contains="银行卡.pdf").exists()
    assert staff.post(f"/inspection-findings/{finding.pk}/return/", {"reason": "", "deadline_days": "5"}).status_code == 400
    staff.post(f"/inspection-findings/{finding.pk}/accept/", {"note": "材料齐全。"})
    finding.refresh_from_db()
    assert finding.status == "accepted"
    pending = staff.get("/inspection-findings/", {"state": "pending"}).content.decode()
    assert "两件理赔缺少银行卡复印件" not in pending


@pytest.mark.django_db
def test_officer_cannot_answer_by_url_for_another_street_or_accept(client_for, finding_a, officer_a, officer_b):
    assert client_for(officer_b).post(f"/inspection-findings/{finding_a.pk}/report/", {
        "text": "已整改完毕。", "files": [uploaded_file("pdf")]}).status_code == 404
    assert client_for(officer_a).post(f"/inspection-findings/{finding_a.pk}/accept/", {"note": ""}).status_code == 403
    finding_a.refresh_from_db()
    assert finding_a.status == "open"


@pytest.mark.django_db
def test_a_refused_upload_is_shown_beside_the_field(client_for, finding_a, officer_a):
    response = client_for(officer_a).post(f"/inspection-findings/{finding_a.pk}/report/", {
        "text": "已整改完毕。", "files": [uploaded_file("exe", "整改.pdf")]})
    body = response.content.decode()
    assert response.status_code == 400 and "只能上传 JPG、PNG 图片或 PDF" in body and "已整改完毕。" in body


@pytest.mark.django_db
def test_home_pages_say_who_must_act(client_for, inspection_a, commission_staff, officer_a, company, company_staff):
    today = timezone.localdate()
    add_finding(inspection_a, commission_staff, today=today - timedelta(days=40), days=5)     # long overdue
    add_finding(inspection_a, commission_staff, today=today, days=10)
    add_finding(inspection_a, commission_staff, today=today, days=10, insurer=company)
    officer_home = client_for(officer_a).get("/").content.decode()
    assert "2 个巡查问题待本单位整改" in officer_home and "1 个已逾期" in officer_home
    company_home = client_for(company_staff).get("/").content.decode()
    assert "1 个巡查问题待本单位整改" in company_home and "已逾期" not in company_home
    assert "1 个巡查问题逾期未整改" in client_for(commission_staff).get("/").content.decode()
    overdue = client_for(officer_a).get("/inspection-findings/", {"state": "overdue"})
    assert overdue.context["page"].paginator.count == 1


@pytest.mark.django_db
def test_record_sheet_prints_for_signature(client_for, inspection_a, finding_a, commission_staff, officer_a):
    response = client_for(commission_staff).get(f"/inspections/{inspection_a.pk}/record-sheet.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert "%E5%B7%A1%E6%9F%A5%E8%AE%B0%E5%BD%95%E8%A1%A8_" in response["Content-Disposition"]   # 巡查记录表_
    text = pdf_words(_content(response))
    for expected in ("巡查记录表", "2026年9月29日", "中仓街道", "理赔、服务", "王明、李华", "入户服务台账缺少签字。",
                     "整改要求：补齐签字。", "2026年10月12日前（5个工作日）", "巡查人员（签字）", "被巡查单位（盖章）",
                     "第1页，共1页"):
        assert expected in text, expected
    assert AccessLog.objects.filter(action="download", target__startswith="巡查记录表").exists()
    assert client_for(officer_a).get(f"/inspections/{inspection_a.pk}/record-sheet.pdf").status_code == 404


@pytest.mark.django_db
def test_findings_export_with_filters_and_no_formulas(client_for, inspection_a, commission_staff, officer_a, street_b):
    add_finding(inspection_a, commission_staff, description="=HYPERLINK(\"http://x\",\"点我\")")
    add_finding(inspection_a, commission_staff, street=street_b, description="宋庄镇的问题")
    response = client_for(officer_a).get("/inspection-findings/export/", {"state": "pending"})
    sheet = openpyxl.load_workbook(io.BytesIO(_content(response))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("巡查日期", "巡查对象", "序号", "问题类别", "问题描述") and sheet.freeze_panes == "A2"
    assert len(rows) == 2 and rows[1][4] == "=HYPERLINK(\"http://x\",\"点我\")"
    cell = sheet.cell(row=2, column=5)
    assert cell.data_type == "s" and cell.quotePrefix                       # shown, never evaluated (S19)
    assert (rows[1][7], rows[1][11], rows[1][12]) == ("中仓街道", "待整改", "是")
    log = AccessLog.objects.get(action="export")
    assert (log.target, log.detail, log.rows) == ("巡查问题清单", "状态：未办结", 1)
    staff_rows = openpyxl.load_workbook(io.BytesIO(_content(client_for(commission_staff).get(
        "/inspection-findings/export/")))).active
    assert staff_rows.max_row == 3


@pytest.mark.django_db
def test_a_finding_for_the_insurer_is_answered_in_its_pages(client_for, inspection_a, commission_staff, company,
                                                            company_staff, officer_a):
    finding = add_finding(inspection_a, commission_staff, insurer=company, description="核定通知书模板缺少说明。")
    client = client_for(company_staff)
    assert "核定通知书模板缺少说明" in client.get("/inspection-findings/").content.decode()
    client.post(f"/inspection-findings/{finding.pk}/report/", {"text": "已修改通知书模板。",
                                                              "files": [uploaded_file("pdf")]})
    finding.refresh_from_db()
    assert finding.status == "reported" and finding.rectifications.get().submitted_by == company_staff
    assert client_for(officer_a).get(f"/inspection-findings/{finding.pk}/").status_code == 404
    services.finding_accept(finding_id=finding.pk, actor=commission_staff, note="")
