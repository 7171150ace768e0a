"""Persons and roster pages as users see them: upload and preview, apply, the error report,
exports, contact and identity edits with version checks."""

import io
from datetime import date

import openpyxl
import pytest
from django.core.management import call_command

from enrollment.models import Person, PersonStatus, RosterImport
from tests import rosters
from tests.factories import PersonFactory
from tests.html_forms import searched, submitted_fields
from tongzhou_care.core.models import AccessLog


def _upload(client, path, year=2026):
    with path.open("rb") as f:
        return client.post("/roster/imports/new/", {"file": f, "roster_year": year})


def _xlsx_rows(response):
    content = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return sheet, [list(r) for r in sheet.iter_rows(values_only=True)]


@pytest.mark.django_db
def test_upload_preview_apply_through_the_pages(tmp_path, client_for, commission_admin):
    roster = rosters.sample(inject_errors=True)
    client = client_for(commission_admin)
    response = _upload(client, rosters.as_xlsx(roster, tmp_path))
    assert response.status_code == 302
    ri = RosterImport.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert f'data-testid="count-error">{ri.error_count}<' in page
    assert f'data-testid="count-new">{ri.new_count}<' in page
    first_bad = min(roster.bad_rows)
    assert f'<td class="num">{first_bad}</td>' in page            # errors tab first, by row number
    assert "下载错误和跳过行报告" in page

    # Without choosing to skip the errors, nothing is written.
    response = client.post(f"/roster/imports/{ri.pk}/apply/", {"apply_new": "on"}, follow=True)
    assert "行错误" in response.content.decode() and Person.objects.count() == 0

    response = client.post(f"/roster/imports/{ri.pk}/apply/", {"apply_new": "on", "skip_errors": "on"},
                           follow=True)
    body = response.content.decode()
    assert f"新增 {ri.new_count} 人" in body and 'data-testid="import-result"' in body
    assert Person.objects.count() == ri.new_count


@pytest.mark.django_db
def test_a_large_roster_is_checked_in_the_background(tmp_path, client_for, commission_admin, settings):
    from pathlib import Path

    from tongzhou_care.core.jobs import Worker
    from tongzhou_care.core.models import BackgroundJob

    settings.ROSTER_BACKGROUND_BYTES = 0          # every file counts as large
    client = client_for(commission_admin)
    response = _upload(client, rosters.as_xlsx(rosters.sample(), tmp_path))
    job = BackgroundJob.objects.get(kind="roster_preview")
    assert response["Location"] == f"/jobs/{job.pk}/" and not RosterImport.objects.exists()
    assert "排队中" in client.get(f"/jobs/{job.pk}/").content.decode()
    Worker().run(once=True)
    ri = RosterImport.objects.get()
    progress = client.get(f"/jobs/{job.pk}/progress/")
    assert progress["HX-Redirect"] == f"/roster/imports/{ri.pk}/" and "查看结果" in progress.content.decode()
    assert f'data-testid="count-new">{ri.new_count}<' in client.get(progress["HX-Redirect"]).content.decode()
    folder = Path(settings.MEDIA_ROOT) / "jobs" / str(job.pk)
    assert not (folder / "upload").exists()                       # the upload is not kept

    # A file that cannot be read safely fails the job with the reason and leaves nothing behind.
    _upload(client, rosters.zip_bomb(tmp_path))
    failed = BackgroundJob.objects.latest("pk")
    Worker().run(once=True)
    failed.refresh_from_db()
    assert failed.status == "failed" and "压缩炸弹" in failed.message
    assert "压缩炸弹" in client.get(f"/jobs/{failed.pk}/").content.decode()
    assert not (Path(settings.MEDIA_ROOT) / "jobs" / str(failed.pk)).exists()
    assert RosterImport.objects.count() == 1


@pytest.mark.django_db
def test_error_report_lists_original_rows_and_reasons(tmp_path, client_for, commission_admin):
    roster = rosters.sample(inject_errors=True)
    client = client_for(commission_admin)
    _upload(client, rosters.as_xlsx(roster, tmp_path))
    ri = RosterImport.objects.get()
    response = client.get(f"/roster/imports/{ri.pk}/errors.xlsx")
    assert response["Content-Disposition"].lower().startswith("attachment; filename*=utf-8''")
    sheet, rows = _xlsx_rows(response)
    assert "未导入的行" in rows[0][0]
    assert rows[1][:4] == ["原文件行号", "类型", "原因", "序号"]
    by_row = {r[0]: r for r in rows[2:]}
    assert set(roster.bad_rows) <= set(by_row)
    street_row = next(row for row, label in roster.bad_rows.items() if label == "街道")
    assert by_row[street_row][1] == "错误"
    assert "朝阳区" in by_row[street_row][2]          # the reason
    assert by_row[street_row][3 + 5] == "朝阳区"       # the original cell, in its column
    assert any("校验不通过" in r[2] for r in rows[2:] if r[2])
    assert sum(1 for r in rows[2:] if r[1] == "跳过") == ri.skipped_count
    assert sheet.freeze_panes == "A3"
    assert AccessLog.objects.filter(action="export", target__contains="错误报告").exists()


@pytest.mark.django_db
def test_error_report_keeps_a_row_wider_than_the_header(tmp_path, client_for, commission_admin):
    """A CSV line with an unquoted comma in the address has one cell more than the header."""
    path = tmp_path / "花名册.csv"
    path.write_text("姓名,公民身份号码,所属乡镇（街道）,扶助类别,家庭住址\n"
                    "张三,11010519491231002X,中仓,独生子女死亡特别扶助,新华大街1号\n"
                    "李四,110105194912310021,中仓,独生子女死亡特别扶助,运河东大街,3号楼\n", encoding="utf-8")
    client = client_for(commission_admin)
    _upload(client, path)
    ri = RosterImport.objects.get()
    _, rows = _xlsx_rows(client.get(f"/roster/imports/{ri.pk}/errors.xlsx"))
    (bad,) = [r for r in rows[2:] if r[0] == 3]
    assert "校验不通过" in bad[2] and bad[3:] == ["李四", "110105194912310021", "中仓", "独生子女死亡特别扶助",
                                                 "运河东大街", "3号楼"]


@pytest.mark.django_db
def test_a_person_listed_again_under_another_category_is_not_a_duplicate(tmp_path, client_for,
                                                                          commission_admin):
    path = tmp_path / "花名册.csv"
    path.write_text("姓名,公民身份号码,所属乡镇（街道）,扶助类别\n"
                    "张三,11010519491231002X,中仓,独生子女死亡特别扶助\n"
                    "张三,11010519491231002X,中仓,奖励扶助\n", encoding="utf-8")
    _upload(client_for(commission_admin), path)
    ri = RosterImport.objects.get()
    assert (ri.new_count, ri.skipped_count, ri.error_count) == (1, 1, 0)


@pytest.mark.django_db
def test_discard_writes_nothing(tmp_path, client_for, commission_admin):
    client = client_for(commission_admin)
    _upload(client, rosters.as_xlsx(rosters.sample(), tmp_path))
    ri = RosterImport.objects.get()
    client.post(f"/roster/imports/{ri.pk}/discard/")
    ri.refresh_from_db()
    assert ri.status == "discarded" and Person.objects.count() == 0
    response = client.post(f"/roster/imports/{ri.pk}/apply/", {"apply_new": "on"}, follow=True)
    assert "不能再次导入" in response.content.decode()


@pytest.mark.django_db
def test_import_pages_are_closed_to_officers(client_for, officer_a):
    assert client_for(officer_a).get("/roster/imports/").status_code == 403
    assert client_for(officer_a).get("/roster/imports/new/").status_code == 403


@pytest.mark.django_db
def test_import_command_previews_then_applies(tmp_path, commission_admin):
    roster = rosters.sample(inject_errors=True)
    path = rosters.as_xlsx(roster, tmp_path)
    out = io.StringIO()
    call_command("import_roster", str(path), year=2026, user=commission_admin.username,
                 report=tmp_path / "report.xlsx", stdout=out)
    assert "仅预览" in out.getvalue() and Person.objects.count() == 0
    assert f"第{min(roster.bad_rows)}行" in out.getvalue()
    assert (tmp_path / "report.xlsx").exists()
    out = io.StringIO()
    call_command("import_roster", str(path), year=2026, user=commission_admin.username,
                 apply="new", skip_errors=True, stdout=out)
    assert "已导入：新增" in out.getvalue() and Person.objects.count() > 0


@pytest.mark.django_db
def test_import_command_refuses_user_without_permission(tmp_path, officer_a):
    from django.core.management import CommandError

    path = rosters.as_xlsx(rosters.sample(), tmp_path)
    with pytest.raises(CommandError, match="没有导入花名册的权限"):
        call_command("import_roster", str(path), year=2026, user=officer_a.username)


# --- Export -----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_masked_export_holds_own_street_masked(client_for, officer_a, person_a, person_b):
    response = client_for(officer_a).get("/persons/export/")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "%E5%8F%82%E4%BF%9D%E5%AF%B9%E8%B1%A1%E8%8A%B1%E5%90%8D%E5%86%8C_" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store, private"
    sheet, rows = _xlsx_rows(response)
    assert rows[0][:3] == ["姓名", "性别", "公民身份号码"]
    assert sheet.freeze_panes == "A2"
    names = [r[0] for r in rows[1:]]
    assert names == [person_a.name]
    assert rows[1][2] == person_a.id_number[:6] + "********" + person_a.id_number[-4:]
    assert rows[1][3] == f"{person_a.birth_date.year}年"
    log = AccessLog.objects.get()
    assert (log.action, log.rows, log.target) == ("export", 1, "参保对象花名册（遮蔽）")


@pytest.mark.django_db
def test_export_follows_the_list_filters(client_for, commission_staff, street_a, street_b):
    PersonFactory.create_batch(2, street=street_a)
    PersonFactory.create_batch(3, street=street_b)
    _, rows = _xlsx_rows(client_for(commission_staff).get("/persons/export/", {"street": street_b.pk,
                                                                           "status": "active"}))
    assert len(rows) == 4 and {r[4] for r in rows[1:]} == {street_b.name}
    # The access log names the filters in the words of the filter bar.
    assert AccessLog.objects.get().detail == f"街道/乡镇：{street_b.name}，状态：在册"


@pytest.mark.django_db
def test_full_export_needs_permission_and_reason_and_is_logged(client_for, commission_admin,
                                                               commission_staff, person_a):
    assert client_for(commission_staff).post("/persons/export/", {"reason": "核对"}).status_code == 403
    admin = client_for(commission_admin)
    response = admin.post("/persons/export/", {"reason": ""})
    assert response.status_code == 302 and not AccessLog.objects.exists()
    response = admin.post("/persons/export/", {"reason": "年度核对"})
    sheet, rows = _xlsx_rows(response)
    assert rows[1][2] == person_a.id_number and rows[1][7] == person_a.phone
    cell = sheet.cell(row=2, column=3)
    assert cell.data_type == "s" and cell.number_format == "@"     # text, never 1.10112E+17
    log = AccessLog.objects.get()
    assert (log.target, log.reason) == ("参保对象花名册（完整）", "年度核对")


@pytest.mark.django_db
def test_export_neutralises_formulas(client_for, commission_admin, street_a):
    PersonFactory(street=street_a, name="=1+2", address="@SUM(A1)", community="-2+3")
    sheet, rows = _xlsx_rows(client_for(commission_admin).get("/persons/export/"))
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "=1+2")
    for cell in (row[0], row[5], row[6]):
        assert cell.data_type == "s"              # a string, not a formula
        assert cell.quotePrefix                   # shown as typed in Excel
    assert row[0].value == "=1+2"


@pytest.mark.django_db
def test_finance_cannot_export_persons(client_for, finance):
    assert client_for(finance).get("/persons/export/").status_code == 403


# --- Edits -------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_officer_corrects_contact_data_but_not_identity(client_for, officer_a, person_a):
    client = client_for(officer_a)
    page = client.get(f"/persons/{person_a.pk}/edit/").content.decode()
    assert 'name="phone"' in page and 'name="name"' not in page and 'name="id_number"' not in page
    response = client.post(f"/persons/{person_a.pk}/edit/", {
        "version": person_a.version, "phone": "13812345678", "address": "新地址1号",
        "name": "篡改", "id_number": "11010519491231002X"})
    assert response.status_code == 302
    person_a.refresh_from_db()
    assert (person_a.phone, person_a.address, person_a.version) == ("13812345678", "新地址1号", 2)
    assert person_a.name == "张桂英"


@pytest.mark.django_db
def test_stale_form_is_refused_and_input_kept(client_for, officer_a, commission_staff, person_a):
    officer, staff = client_for(officer_a), client_for(commission_staff)
    staff.post(f"/persons/{person_a.pk}/edit/", {"version": 1, "phone": "13700000000",
                                                 "address": person_a.address})
    response = officer.post(f"/persons/{person_a.pk}/edit/", {"version": 1, "phone": "13812345678",
                                                             "address": person_a.address})
    body = response.content.decode()
    assert response.status_code == 400 and "已被他人修改" in body
    assert 'value="13812345678"' in body                # what the officer typed is not lost
    person_a.refresh_from_db()
    assert person_a.phone == "13700000000"


@pytest.mark.django_db
def test_admin_corrects_identity_with_id_rules(client_for, commission_admin, person_a, street_b):
    client = client_for(commission_admin)
    base = {"version": 1, "phone": person_a.phone, "address": person_a.address, "name": "张桂英",
            "id_number": person_a.id_number, "street": person_a.street_id, "community": "",
            "category": "death", "status": "active"}
    response = client.post(f"/persons/{person_a.pk}/edit/", {**base, "id_number": "110105194912310021"})
    assert response.status_code == 400 and "校验不通过" in response.content.decode()
    response = client.post(f"/persons/{person_a.pk}/edit/", {**base, "id_number": "11010519491231002x",
                                                            "street": street_b.pk})
    assert response.status_code == 302
    person_a.refresh_from_db()
    assert (person_a.id_number, person_a.sex, person_a.birth_date, person_a.street) == (
        "11010519491231002X", "F", date(1949, 12, 31), street_b)
    response = client.post(f"/persons/{person_a.pk}/edit/", {
        **base, "version": 2, "id_number": "11010519491231002X", "street": street_b.pk,
        "status": "deceased"})
    assert response.status_code == 400 and "须填写日期" in response.content.decode()
    response = client.post(f"/persons/{person_a.pk}/edit/", {
        **base, "version": 2, "id_number": "11010519491231002X", "street": street_b.pk,
        "status": "deceased", "status_date": "2026-10-01"})
    person_a.refresh_from_db()
    assert (person_a.status, person_a.status_date) == (PersonStatus.DECEASED, date(2026, 10, 1))


@pytest.mark.django_db
def test_finance_and_insurer_cannot_edit(client_for, finance, insurer_staff, person_a):
    assert client_for(finance).get(f"/persons/{person_a.pk}/edit/").status_code == 404
    assert client_for(insurer_staff).get(f"/persons/{person_a.pk}/edit/").status_code == 404


@pytest.mark.django_db
def test_person_list_filters(client_for, commission_staff, street_a, street_b):
    PersonFactory(street=street_a, name="甲一")
    PersonFactory(street=street_b, name="乙二", status=PersonStatus.REMOVED, status_date="2026-01-01")
    client = client_for(commission_staff)
    assert "乙二" not in client.get("/persons/", {"status": "active"}).content.decode()
    body = client.get("/persons/", {"street": street_b.pk}).content.decode()
    assert "乙二" in body and "甲一" not in body
    body = searched(client, "/persons/", q="甲").content.decode()
    assert "甲一" in body and "乙二" not in body


@pytest.mark.django_db
def test_saving_the_edit_form_keeps_the_dates_it_shows(client_for, commission_admin, person_a):
    """The browser's date picker only takes ISO dates; a zh-hans 2020/03/01 shows blank and
    saving the form would erase the date."""
    person_a.assistance_start = date(2020, 3, 1)
    person_a.save()
    client = client_for(commission_admin)
    page = client.get(f"/persons/{person_a.pk}/edit/").content.decode()
    assert 'value="2020-03-01"' in page
    fields = submitted_fields(page)
    fields["phone"] = "13911112222"
    assert client.post(f"/persons/{person_a.pk}/edit/", fields).status_code == 302
    person_a.refresh_from_db()
    assert (person_a.phone, person_a.assistance_start) == ("13911112222", date(2020, 3, 1))


@pytest.mark.django_db
def test_the_edit_form_shows_identity_and_contact_numbers_masked(client_for, commission_admin, officer_a,
                                                                 person_a):
    """S10: an edit form is no way around the logged unmask."""
    person_a.phone, person_a.bank_account = "13812345678", "6222020200112233445"
    person_a.save()
    for user in (commission_admin, officer_a):
        page = client_for(user).get(f"/persons/{person_a.pk}/edit/").content.decode()
        assert "13812345678" not in page and "138****5678" in page
        assert person_a.id_number not in page and "6222020200112233445" not in page
    assert "**** 3445" in client_for(commission_admin).get(f"/persons/{person_a.pk}/edit/").content.decode()
    # Left empty, a number stays as it was; typed, it replaces it.
    client = client_for(commission_admin)
    fields = submitted_fields(client.get(f"/persons/{person_a.pk}/edit/").content.decode())
    assert client.post(f"/persons/{person_a.pk}/edit/", {**fields, "phone": "13900001111"}).status_code == 302
    person_a.refresh_from_db()
    assert (person_a.phone, person_a.bank_account, person_a.version) == ("13900001111", "6222020200112233445", 2)


@pytest.mark.django_db
def test_a_wrong_phone_can_be_cleared_with_its_own_tick(client_for, officer_a, person_a):
    person_a.phone = "13812345678"
    person_a.save()
    client = client_for(officer_a)
    page = client.get(f"/persons/{person_a.pk}/edit/").content.decode()
    assert 'name="clear_phone"' in page and 'name="clear_bank_account"' not in page   # officers: contact only
    fields = submitted_fields(page)
    assert client.post(f"/persons/{person_a.pk}/edit/", fields).status_code == 302          # empty box: kept
    person_a.refresh_from_db()
    assert person_a.phone == "13812345678"
    fields = submitted_fields(client.get(f"/persons/{person_a.pk}/edit/").content.decode())
    assert client.post(f"/persons/{person_a.pk}/edit/", {**fields, "clear_phone": "on"}).status_code == 302
    person_a.refresh_from_db()
    assert person_a.phone == ""


@pytest.mark.django_db
def test_a_spouse_in_another_street_is_not_named_to_an_officer(client_for, officer_a, person_a, person_b):
    Person.objects.filter(pk=person_a.pk).update(spouse=person_b)
    page = client_for(officer_a).get(f"/persons/{person_a.pk}/").content.decode()
    assert person_b.name not in page and "已登记（不在您的管辖范围内）" in page


@pytest.mark.django_db
def test_person_list_sorts_by_pinyin_and_filters_by_year_category_and_state(client_for, commission_staff,
                                                                           commission_admin, street_a, street_b):
    from enrollment.services import policies_issue
    from tests.factories import SchemeYearFactory

    for name, street in (("张三", street_a), ("阿明", street_b), ("赵六", street_a), ("李四", street_b)):
        PersonFactory(street=street, name=name)
    PersonFactory(street=street_a, name="王五", category="reward")
    year = SchemeYearFactory()
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=year.coverage_start)
    client = client_for(commission_staff)

    def names(**query):
        page = client.get("/persons/", query).content.decode()
        table = page[page.index('data-testid="person-table"'):]
        return [n for n in sorted(("张三", "阿明", "赵六", "李四", "王五"), key=lambda n: table.find(n)) if n in table]

    assert names() == ["阿明", "李四", "王五", "张三", "赵六"]                       # pinyin, by default
    assert names(sort="-name") == ["赵六", "张三", "王五", "李四", "阿明"]
    assert names(sort="street") == ["王五", "张三", "赵六", "阿明", "李四"]           # 中仓 (001) before 宋庄 (104)
    assert names(year=year.pk) == ["阿明", "李四", "张三", "赵六"]                     # insured that year
    assert names(category="reward") == ["王五"]
    page = client.get("/persons/", {"year": year.pk, "sort": "-name"}).content.decode()
    assert 'data-testid="total-count">4<' in page
    assert f'href="?year={year.pk}&amp;sort=name"' in page                           # a header keeps the filters
    assert 'aria-sort="descending"' in page


@pytest.mark.django_db
def test_policy_list_sorts_filters_by_state_and_totals(client_for, commission_admin, street_a):
    from datetime import timedelta

    from enrollment.models import Policy
    from enrollment.services import person_update, policies_issue
    from tests.factories import SchemeYearFactory

    year = SchemeYearFactory()
    persons = [PersonFactory(street=street_a, name=name) for name in ("张三", "阿明", "赵六")]
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=year.coverage_start)
    Policy.objects.filter(person=persons[0]).update(days_used=12)
    Policy.objects.filter(person=persons[1]).update(days_used=5)
    person_update(person_id=persons[2].pk, version=persons[2].version, actor=commission_admin,
                  changes={"status": "deceased", "status_date": year.coverage_start + timedelta(days=30)})
    client = client_for(commission_admin)
    page = client.get(f"/scheme-years/{year.pk}/policies/", {"sort": "name"}).content.decode()
    table = page[page.index('data-testid="policy-table"'):]
    assert table.index("阿明") < table.index("张三") < table.index("赵六")
    assert 'data-testid="total-count">3<' in page and 'data-testid="total-days">17<' in page
    page = client.get(f"/scheme-years/{year.pk}/policies/", {"state": "ended"}).content.decode()
    assert 'data-testid="total-count">1<' in page and "赵六" in page and "阿明" not in page
    page = client.get(f"/scheme-years/{year.pk}/policies/", {"sort": "-days_used", "state": "active"}).content.decode()
    table = page[page.index('data-testid="policy-table"'):]
    assert table.index("张三") < table.index("阿明") and "赵六" not in table


def test_a_contact_phone_must_be_a_phone_number(client_for, officer_a, person_a):
    client = client_for(officer_a)
    fields = submitted_fields(client.get(f"/persons/{person_a.pk}/edit/").content.decode())
    response = client.post(f"/persons/{person_a.pk}/edit/", {**fields, "phone": "电话abc<i>x</i>"})
    assert response.status_code == 400 and "11位手机号" in response.content.decode()
    assert client.post(f"/persons/{person_a.pk}/edit/", {**fields, "phone": "（010）６９５４１２３４"}).status_code == 302
    person_a.refresh_from_db()
    assert person_a.phone == "010-69541234"


@pytest.mark.django_db
def test_the_officers_search_offers_what_to_do_for_the_person(client_for, officer_a, person_a, person_b):
    """From the home page's search: the person found, with 为其报案 and 登记服务 one tap away."""
    client = client_for(officer_a)
    body = client.post("/persons/find/", {"q": person_a.id_number[-4:]}).content.decode()
    assert person_a.name in body and person_a.id_number not in body
    assert f'href="/claims/report/{person_a.pk}/"' in body
    assert f'href="/service-log/add/{person_a.pk}/"' in body
    assert "完整身份证号请通过查询按钮提交" in client.get("/persons/find/", {"q": person_a.id_number}).content.decode()
    assert person_a.name in client.post("/persons/find/", {"q": person_a.id_number}).content.decode()
    assert person_b.name not in client.post("/persons/find/", {"q": person_b.id_number}).content.decode()
