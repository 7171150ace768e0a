"""Oversight pages as users meet them: the two-click service entry, the not-contacted list and
its Excel file, a complaint through its life by the roles named, surveys, figures and training,
the home block, and who is refused."""

import io
import re
from datetime import date, timedelta

import openpyxl
import pytest
from django.utils import timezone

from claims import services as claim_services
from oversight.models import Complaint, ServiceEntry, Survey, TrainingSession
from tests.claims.conftest import decided_claim
from tests.html_forms import submitted_fields
from tests.factories import PersonFactory, SchemeYearFactory, make_user
from tongzhou_care.core.masking import mask_id_number
from tongzhou_care.core.models import AccessLog, Role

pytestmark = pytest.mark.django_db


def _xlsx(response):
    assert response.status_code == 200, response.status_code
    content = b"".join(response.streaming_content)
    book = openpyxl.load_workbook(io.BytesIO(content))
    return book, [list(r) for r in book.active.iter_rows(values_only=True)]


def _form(html: str, action: str) -> str:
    """The HTML of the first form posting to `action`."""
    match = re.search(r'<form[^>]*action="%s"[^>]*>.*?</form>' % re.escape(action), html, re.S)
    assert match, f"no form posting to {action}"
    return match.group(0)


# --- Service log ---------------------------------------------------------------------------

def test_two_clicks_on_the_person_page_record_a_service(client_for, officer_a, insured):
    client = client_for(officer_a)
    person = insured["a1"]
    page = client.get(f"/persons/{person.pk}/").content.decode()
    assert "尚无服务记录" in page
    action = f"/service-log/add/{person.pk}/"
    fields = submitted_fields(_form(page, action))
    assert fields["served_on"] == timezone.localdate().isoformat() and fields["kind"] == "phone_follow_up"
    fields["kind"] = "home_visit"                                     # click 1: the kind; click 2: 登记服务
    response = client.post(action, fields)
    assert response.status_code == 302 and response["Location"] == f"/persons/{person.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "已登记王秀英的服务：上门服务" in page
    table = page[page.index('data-testid="service-entries"'):]
    assert "上门服务" in table and timezone.localdate().isoformat() in table


def test_the_claim_page_records_a_service_for_that_claim(client_for, officer_a, insurer_user, insured):
    claim = decided_claim(insured["a1"], officer_a, insurer_user)
    client = client_for(officer_a)
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    fields = submitted_fields(_form(page, f"/service-log/add/{insured['a1'].pk}/"))
    assert fields["claim"] == str(claim.pk)
    fields.update(kind="green_channel", note="代取出院小结")
    response = client.post(f"/service-log/add/{insured['a1'].pk}/", fields)
    assert response["Location"] == f"/claims/{claim.pk}/"
    entry = ServiceEntry.objects.get()
    assert (entry.claim, entry.kind, entry.note) == (claim, "green_channel", "代取出院小结")
    assert "代取出院小结" in client.get(f"/claims/{claim.pk}/").content.decode()


def test_a_refused_entry_shows_the_reason_beside_the_field(client_for, officer_a, insured):
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client_for(officer_a).post(f"/service-log/add/{insured['a1'].pk}/",
                                          {"kind": "home_visit", "served_on": tomorrow.isoformat(), "note": "看望"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_served_on_errors"' in html and "服务日期不能晚于今天" in html and 'value="看望"' in html
    assert not ServiceEntry.objects.exists()


def test_insurer_and_finance_see_nothing_of_the_log(client_for, insurer_user, finance, officer_a, insured, year):
    ServiceEntry.objects.create(person=insured["a1"], kind="home_visit", served_on=date(2025, 3, 1), officer=officer_a,
                                note="看望记录")
    insurer = client_for(insurer_user)
    assert "服务台账" not in insurer.get(f"/persons/{insured['a1'].pk}/").content.decode()
    for url in ("/service-log/", "/service-log/export/", "/service-log/not-contacted/",
                "/service-log/not-contacted/export/"):
        assert insurer.get(url).status_code == 403
        assert client_for(finance).get(url).status_code == 403
    assert insurer.post(f"/service-log/add/{insured['a1'].pk}/", {"kind": "other"}).status_code == 403


def test_not_contacted_list_and_its_visit_sheet(client_for, officer_a, commission_staff, insured, year, street_a):
    ServiceEntry.objects.create(person=insured["a2"], kind="home_visit", served_on=date(2025, 4, 1), officer=officer_a)
    odd = PersonFactory(street=street_a, name="=HYPERLINK(1)", address="+86号", phone="13912345678")
    from enrollment.services import policies_issue
    policies_issue(scheme_year_id=year.pk, actor=commission_staff, today=date(2025, 5, 1))
    client = client_for(officer_a)
    page = client.get("/service-log/not-contacted/", {"scheme_year": year.pk}).content.decode()
    table = page[page.index('data-testid="not-contacted-table"'):]
    assert insured["a1"].name in table and insured["a2"].name not in table
    assert insured["b1"].name not in page
    book, rows = _xlsx(client.get("/service-log/not-contacted/export/", {"scheme_year": year.pk}))
    assert rows[0][0] == "2025年度未联系参保对象（走访名单）" and rows[1][:3] == ["街道/乡镇", "社区/村", "姓名"]
    names = [r[2] for r in rows[2:]]
    assert sorted(names) == sorted([insured["a1"].name, odd.name])
    row = next(r for r in book.active.iter_rows(min_row=3) if r[2].value == odd.name)
    assert row[2].data_type == "s" and row[2].quotePrefix and row[7].quotePrefix      # S19
    assert row[5].value == mask_id_number(odd.id_number)
    assert odd.id_number not in str([c.value for c in row]) and row[6].value == "139****5678"
    log = AccessLog.objects.get(action="export")
    assert log.rows == 2 and log.user == officer_a
    home = re.sub(r"<[^>]+>", "", client.get("/").content.decode())
    assert "2 位参保对象2025年度尚未联系" in home


def test_service_log_list_and_export(client_for, officer_a, officer_b, commission_staff, insured):
    ServiceEntry.objects.create(person=insured["a1"], kind="home_visit", served_on=date(2025, 3, 1), officer=officer_a,
                                note="=cmd|' /C calc'!A0")
    ServiceEntry.objects.create(person=insured["b1"], kind="publicity", served_on=date(2025, 3, 2), officer=officer_b,
                                note="宣传")
    officer_page = client_for(officer_a).get("/service-log/").content.decode()
    assert insured["a1"].name in officer_page and insured["b1"].name not in officer_page
    staff = client_for(commission_staff)
    page = staff.get("/service-log/", {"kind": "publicity"}).content.decode()
    assert insured["b1"].name in page and insured["a1"].name not in page.split('data-testid="service-entry-table"')[1]
    book, rows = _xlsx(staff.get("/service-log/export/"))
    assert [r[3] for r in rows[1:]] == [insured["b1"].name, insured["a1"].name]          # newest first
    note = next(r for r in book.active.iter_rows(min_row=2) if r[3].value == insured["a1"].name)[8]
    assert note.data_type == "s" and note.quotePrefix


# --- Complaints ----------------------------------------------------------------------------

def test_a_complaint_through_its_life_by_the_roles_named(client_for, officer_a, commission_staff, insurer_user,
                                                        insured, year):
    officer, staff, insurer = client_for(officer_a), client_for(commission_staff), client_for(insurer_user)
    person = insured["a1"]
    # The officer records it from the person's page.
    form_page = officer.get(f"/complaints/new/?person={person.pk}").content.decode()
    assert person.name in form_page
    response = officer.post("/complaints/new/", {
        "person": person.pk, "channel": "visit", "received_on": timezone.localdate().isoformat(),
        "complainant_name": "王女士", "complainant_relation": "亲属", "complainant_phone": "13800001111",
        "about": "insurer", "insurer": insurer_user.insurer_id, "category": "claim_speed",
        "content": "出院两周还没有人联系受理。"})
    complaint = Complaint.objects.get()
    assert response["Location"] == f"/complaints/{complaint.pk}/"
    assert (complaint.street, complaint.person, complaint.status) == (person.street, person, "recorded")
    # The officer sees it but may not assign or answer it: no such buttons.
    page = officer.get(f"/complaints/{complaint.pk}/").content.decode()
    assert "/assign/" not in page and "/reply/" not in page
    # The commission assigns it to the insurer's staff.
    page = staff.get(f"/complaints/{complaint.pk}/").content.decode()
    assert f'action="/complaints/{complaint.pk}/assign/"' in page and "/reply/" not in page
    staff.post(f"/complaints/{complaint.pk}/assign/", {"handler": insurer_user.pk})
    # The insurer sees it, answers it.
    assert complaint.number in insurer.get("/complaints/").content.decode()
    page = insurer.get(f"/complaints/{complaint.pk}/").content.decode()
    assert f'action="/complaints/{complaint.pk}/reply/"' in page and "/assign/" not in page
    response = insurer.post(f"/complaints/{complaint.pk}/reply/", {"reply": "已于当日受理，并电话告知家属。"})
    assert response.status_code == 302
    # The commission closes it with the complainant's satisfaction.
    page = staff.get(f"/complaints/{complaint.pk}/").content.decode()
    assert "已于当日受理" in page and f'action="/complaints/{complaint.pk}/close/"' in page
    staff.post(f"/complaints/{complaint.pk}/close/", {"satisfaction": "satisfied", "note": "已回访"})
    page = officer.get(f"/complaints/{complaint.pk}/").content.decode()
    assert "已办结" in page and "按期办结" in page
    complaint.refresh_from_db()
    assert (complaint.status, complaint.satisfaction, complaint.replied_by) == ("closed", "satisfied", insurer_user)


def test_complaint_form_errors_stay_beside_the_fields(client_for, commission_staff):
    response = client_for(commission_staff).post("/complaints/new/", {
        "channel": "phone", "received_on": timezone.localdate().isoformat(), "complainant_name": "王女士",
        "about": "street", "category": "other", "content": "专管员态度不好。"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_street_errors"' in html and "请选择被投诉的街道/乡镇" in html and "专管员态度不好。" in html
    assert not Complaint.objects.exists()
    assert client_for(commission_staff).get("/complaints/new/", {"person": "x1"}).status_code == 404


def test_empty_reply_is_refused_beside_the_field(client_for, commission_staff, insurer_user, street_a):
    from oversight.services.complaints import complaint_assign, complaint_record

    complaint = complaint_record(actor=commission_staff, channel="phone", complainant_name="王", about="insurer",
                                 insurer=insurer_user.insurer, street=street_a, category="other",
                                 received_on=timezone.localdate(), content="投诉内容如下。")
    complaint_assign(complaint_id=complaint.pk, handler_id=insurer_user.pk, actor=commission_staff)
    response = client_for(insurer_user).post(f"/complaints/{complaint.pk}/reply/", {"reply": "好"})
    assert response.status_code == 400 and "请写明答复内容" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == "assigned"


def test_overdue_complaints_list_and_home_block(client_for, officer_a, commission_staff, street_a, insurer_user):
    today = timezone.localdate()
    late = Complaint.objects.create(channel="phone", complainant_name="李", about="street", street=street_a,
                                    category="attitude", received_on=today - timedelta(days=40), content="态度差",
                                    due_on=today - timedelta(days=1), recorded_by=commission_staff)
    on_time = Complaint.objects.create(channel="phone", complainant_name="张", about="street", street=street_a,
                                       category="attitude", received_on=today, content="态度差", due_on=today,
                                       recorded_by=commission_staff)
    client = client_for(officer_a)
    page = client.get("/complaints/", {"overdue": "on"}).content.decode()
    table = page[page.index('data-testid="complaint-table"'):]
    assert late.number in table and on_time.number not in table and "逾期" in table
    home = client.get("/").content.decode()
    block = home[home.index('data-testid="home-complaints"'):]
    assert "1 件投诉已超过办理期限" in re.sub(r"<[^>]+>", "", block[:400]) and late.number in block[:600]
    # The insurer has nothing overdue of theirs.
    home = client_for(insurer_user).get("/").content.decode()
    assert "没有逾期的投诉" in home


def test_complaint_export_masks_nothing_it_should_not_hold(client_for, commission_staff, street_a):
    Complaint.objects.create(channel="phone", complainant_name="=2+3", complainant_phone="13812345678", about="street",
                             street=street_a, category="other", received_on=date(2025, 6, 1), content="@SUM(A1)",
                             due_on=date(2025, 6, 20), recorded_by=commission_staff)
    book, rows = _xlsx(client_for(commission_staff).get("/complaints/export/"))
    assert rows[0][:4] == ["编号", "受理日期", "渠道", "投诉人"]
    assert "13812345678" not in str(rows)                                  # no phone in the file
    row = list(book.active.iter_rows(min_row=2))[0]
    assert row[3].value == "=2+3" and row[3].quotePrefix and row[10].quotePrefix


# --- Surveys -------------------------------------------------------------------------------

@pytest.fixture
def paid_task(officer_a, insurer_user, insured):
    claim = decided_claim(insured["a1"], officer_a, insurer_user)
    claim_services.payment_record(claim_id=claim.pk, paid_on=date(2025, 3, 20), amount=claim.amount,
                                  bank_reference="ZH001", actor=insurer_user, today=date(2025, 3, 21))
    return Survey.objects.get(claim=claim)


def test_officer_fills_in_a_survey_and_the_street_figures_show_it(client_for, officer_a, paid_task, commission_staff,
                                                                   finance):
    client = client_for(officer_a)
    home = client.get("/").content.decode()
    assert "1 项满意度调查待完成" in re.sub(r"<[^>]+>", "", home)
    page = client.get(f"/surveys/{paid_task.pk}/").content.decode()
    assert paid_task.person.name in page and "139" in page and paid_task.person.phone not in page   # masked phone
    response = client.post(f"/surveys/{paid_task.pk}/answer/", {
        "method": "phone", "surveyed_on": timezone.localdate().isoformat(), "score_reporting": 5, "score_documents": 4,
        "score_payment_speed": 3, "score_amount": 4, "score_attitude": 5, "score_overall": 4, "comment": "满意"})
    assert response.status_code == 302
    paid_task.refresh_from_db()
    assert (paid_task.status, paid_task.score_overall) == ("answered", 4)
    figures = client.get("/survey-figures/").content.decode()
    row = re.search(r'<tr data-row="中仓街道">(.*?)</tr>', figures, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert cells[:6] == ["1", "1", "0", "0", "0", "100.0%"] and cells[-1] == "4.00"
    assert "宋庄镇" not in figures                                      # the officer's street only
    # Finance sees the same figure, no names; the task list stays closed to it.
    finance_client = client_for(finance)
    assert "4.00" in finance_client.get("/survey-figures/").content.decode()
    assert finance_client.get("/surveys/").status_code == 403
    book, rows = _xlsx(finance_client.get("/survey-figures/export/"))
    assert any(r[0] == "中仓街道" and r[1] == 1 and r[-1] == 4 for r in rows)
    assert paid_task.person.name not in str(rows)


def test_a_survey_missing_a_score_is_refused_beside_the_question(client_for, officer_a, paid_task):
    response = client_for(officer_a).post(f"/surveys/{paid_task.pk}/answer/", {
        "method": "visit", "surveyed_on": timezone.localdate().isoformat(), "score_reporting": 5, "score_documents": 4,
        "score_payment_speed": 3, "score_amount": 4, "score_attitude": 5})
    assert response.status_code == 400
    html = response.content.decode()
    question = html[html.index('data-testid="question-score_overall"'):]
    assert '<ul class="errorlist">' in question[:1500]                 # beside the unanswered question
    assert re.search(r'name="method" value="visit" id="[^"]+" checked', html)   # what was typed is kept
    paid_task.refresh_from_db()
    assert paid_task.status == "pending"


def test_unreachable_from_the_page(client_for, officer_a, paid_task):
    client = client_for(officer_a)
    page = client.get(f"/surveys/{paid_task.pk}/").content.decode()
    fields = submitted_fields(_form(page, f"/surveys/{paid_task.pk}/unreachable/"))
    fields["comment"] = "三次无人接听"
    assert client.post(f"/surveys/{paid_task.pk}/unreachable/", fields).status_code == 302
    paid_task.refresh_from_db()
    assert (paid_task.status, paid_task.comment) == ("unreachable", "三次无人接听")
    page = client.get(f"/surveys/{paid_task.pk}/").content.decode()
    assert "/answer/" not in page and "无法联系" in page


def test_commission_draws_the_sample_from_the_page(client_for, commission_staff, officer_a, insured, year):
    staff = client_for(commission_staff)
    response = staff.post("/surveys/sample/", {"scheme_year": year.pk})
    assert response.status_code == 302
    assert "已为 22 个街道/乡镇抽样，共 3 人" in staff.get("/surveys/").content.decode()
    assert Survey.objects.filter(origin="sample").count() == 3              # everyone: fewer than the minimum
    staff.post("/surveys/sample/", {"scheme_year": year.pk})
    assert "均已抽样" in staff.get("/surveys/").content.decode()
    assert Survey.objects.filter(origin="sample").count() == 3
    assert client_for(officer_a).post("/surveys/sample/", {"scheme_year": year.pk}).status_code == 403


# --- Training ------------------------------------------------------------------------------

def test_training_recorded_and_untrained_streets_listed(client_for, commission_staff, officer_a, officer_b, insurer_user):
    today = timezone.localdate()
    SchemeYearFactory(name="本年度", coverage_start=today - timedelta(days=100),
                      coverage_end=today - timedelta(days=100) + timedelta(days=364))
    staff = client_for(commission_staff)
    page = staff.get("/training/").content.decode()
    assert "22</strong> 个" in page
    response = staff.post("/training/new/", {"held_on": today.isoformat(), "topic": "报案与理赔流程", "trainer": "区卫健委",
                                             "location": "三楼会议室", "attendees": [officer_a.pk, insurer_user.pk]})
    session = TrainingSession.objects.get()
    assert response["Location"] == f"/training/{session.pk}/"
    page = staff.get("/training/").content.decode()
    untrained = page[page.index('data-testid="untrained-streets"'):][:800]
    assert "21</strong> 个" in untrained and "中仓街道" not in untrained and "宋庄镇" in untrained
    # The officer who attended sees the session; the other officer does not.
    assert "报案与理赔流程" in client_for(officer_a).get("/training/").content.decode()
    assert "报案与理赔流程" not in client_for(officer_b).get("/training/").content.decode()
    assert client_for(officer_b).get(f"/training/{session.pk}/").status_code == 404
    assert client_for(officer_a).post("/training/new/", {}).status_code == 403


def test_training_correction_from_its_page(client_for, commission_staff, officer_a, officer_b):
    today = timezone.localdate()
    staff = client_for(commission_staff)
    staff.post("/training/new/", {"held_on": today.isoformat(), "topic": "政策培训", "trainer": "讲师",
                                  "attendees": [officer_a.pk]})
    session = TrainingSession.objects.get()
    page = staff.get(f"/training/{session.pk}/").content.decode()
    fields = submitted_fields(_form(page, f"/training/{session.pk}/edit/"))
    assert fields["version"] == "1" and fields["topic"] == "政策培训"
    data = {**fields, "attendees": [officer_a.pk, officer_b.pk]}
    assert staff.post(f"/training/{session.pk}/edit/", data).status_code == 302
    assert set(session.attendees.all()) == {officer_a, officer_b}
    stale = staff.post(f"/training/{session.pk}/edit/", {**data, "topic": "改名"})     # version 1 again
    assert stale.status_code == 400 and "已被他人修改" in stale.content.decode()


# --- Menus and roles -----------------------------------------------------------------------

@pytest.mark.parametrize("role, shown, hidden", [
    (Role.STREET_OFFICER, ["服务台账", "投诉", "满意度调查", "满意度统计", "业务培训"], []),
    (Role.COMMISSION_STAFF, ["服务台账", "投诉", "满意度调查", "满意度统计", "业务培训"], []),
    (Role.INSURER_STAFF, ["投诉", "业务培训"], ["服务台账", "满意度调查", "满意度统计"]),
    (Role.FINANCE, ["满意度统计"], ["服务台账", "投诉", "满意度调查", "业务培训"]),
])
def test_menu_entries_follow_the_role(client_for, street_a, role, shown, hidden):
    user = make_user(role, street_obj=street_a if role == Role.STREET_OFFICER else None)
    html = client_for(user).get("/").content.decode()
    menu = html[html.index('aria-label="主菜单"'):html.index("</nav>", html.index('aria-label="主菜单"'))]
    labels = [re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(r"<a [^>]*>(.*?)</a>", menu, re.S)]
    assert all(label in labels for label in shown), labels
    assert not any(label in labels for label in hidden), labels


def test_the_oversight_settings_are_edited_on_the_scheme_year(client_for, commission_admin, year):
    client = client_for(commission_admin)
    page = client.get(f"/scheme-years/{year.pk}/edit/").content.decode()
    fields = submitted_fields(page[page.index('<form method="post"'):])
    assert (fields["complaint_deadline_days"], fields["survey_sample_percent"], fields["survey_sample_minimum"]) == (
        "15", "10", "3")
    refused = client.post(f"/scheme-years/{year.pk}/edit/", {**fields, "survey_sample_percent": "0"})
    assert refused.status_code == 400 and 'id="id_survey_sample_percent_errors"' in refused.content.decode()
    fields.update(complaint_deadline_days="10", survey_sample_percent="20", survey_sample_minimum="5")
    assert client.post(f"/scheme-years/{year.pk}/edit/", fields).status_code == 302
    year.refresh_from_db()
    assert (year.complaint_deadline_days, year.survey_sample_percent, year.survey_sample_minimum) == (10, 20, 5)
    assert "10 个工作日 / 每街道 20%，至少 5 人" in client.get(f"/scheme-years/{year.pk}/").content.decode()
