"""The commission admin uploads a roster, reviews the preview, applies it, downloads the error
report and the yearly export — in a real browser."""

import openpyxl
from django.utils import timezone
from playwright.sync_api import expect

from enrollment.models import Person
from tests import rosters
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD, make_user
from tongzhou_care.core.models import Role


def test_admin_imports_a_roster(page, screenshot, tmp_path):
    make_user(Role.COMMISSION_ADMIN, username="admin_e2e")
    roster = rosters.sample(inject_errors=True)
    path = rosters.as_xlsx(roster, tmp_path, "通州区2026年度特扶花名册.xlsx")

    login(page, "admin_e2e", TEST_PASSWORD)
    page.get_by_role("link", name="花名册导入").click()
    expect(page.get_by_text("还没有导入过花名册")).to_be_visible()
    page.get_by_role("link", name="上传花名册").click()
    page.get_by_label("花名册文件").set_input_files(str(path))
    page.get_by_label("花名册年度").fill("2026")
    page.get_by_role("button", name="上传并预览").click()

    expect(page.get_by_test_id("import-status")).to_have_text("待确认")
    errors = len(roster.bad_rows)
    expect(page.get_by_test_id("count-error")).to_have_text(str(errors))
    expect(page.get_by_test_id("rows-error").locator("tbody tr[data-testid^='row-']")).to_have_count(errors)
    # The two rows of one ID number and different content are shown side by side.
    expect(page.get_by_test_id("side-by-side").first.locator("tr.cell-differs")).to_contain_text("≠ 联系电话")
    assert Person.objects.count() == 0
    screenshot("preview")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载错误和跳过行报告（Excel）").click()
    report = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(report)
    assert report.name == f"通州区2026年度特扶花名册_错误报告_{timezone.localdate():%Y-%m-%d}.xlsx"
    rows = list(openpyxl.load_workbook(report).active.iter_rows(min_row=3, values_only=True))
    assert {r[0] for r in rows if r[1] == "错误"} == set(roster.bad_rows)

    page.get_by_label("忽略").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_test_id("import-result")).to_contain_text("新增")
    imported = Person.objects.count()
    assert imported > 0
    screenshot("applied")

    page.get_by_role("link", name="参保对象").first.click()
    expect(page.get_by_test_id("total-count")).to_have_text(str(imported))
    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出Excel（遮蔽）").click()
    export = tmp_path / "export.xlsx"
    download_info.value.save_as(export)
    assert download_info.value.suggested_filename.startswith("参保对象花名册_")
    sheet = openpyxl.load_workbook(export).active
    assert sheet.max_row == imported + 1
    assert all("********" in row[2] for row in sheet.iter_rows(min_row=2, values_only=True))


def test_a_large_roster_opens_its_preview_when_the_background_check_ends(page, worker, settings, tmp_path,
                                                                          live_server):
    settings.ROSTER_BACKGROUND_BYTES = 0          # every file counts as large
    make_user(Role.COMMISSION_ADMIN, username="admin_bg")
    path = rosters.as_xlsx(rosters.sample(), tmp_path, "通州区2026年度特扶花名册.xlsx")
    login(page, "admin_bg", TEST_PASSWORD)
    page.goto(f"{live_server.url}/roster/imports/new/")
    page.get_by_label("花名册文件").set_input_files(str(path))
    page.get_by_label("花名册年度").fill("2026")
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_test_id("job-progress")).to_be_visible()
    # The progress block polls; when the worker is done the browser is taken to the preview.
    expect(page.get_by_test_id("import-status")).to_have_text("待确认", timeout=30_000)
    assert "/roster/imports/" in page.url


def test_a_next_year_file_shows_a_death_a_contact_change_and_a_reinstatement_before_applying(
        page, screenshot, tmp_path):
    """Issue 12 "Done when": next year's file, with a death, a new phone number and a person
    removed by mistake back on the roster; each is shown in the preview, then applied."""
    from datetime import timedelta

    from enrollment.models import PersonStatus, Policy
    from enrollment.services import person_update, policies_issue, roster_import_apply, roster_import_preview
    from tests.factories import SchemeYearFactory

    today = timezone.localdate()
    admin = make_user(Role.COMMISSION_ADMIN, username="admin_next")
    start = today - timedelta(days=100)
    this = SchemeYearFactory(name="本年度", coverage_start=start, coverage_end=start + timedelta(days=364))
    following = SchemeYearFactory(name="下一年度", coverage_start=this.coverage_end + timedelta(days=1),
                                  coverage_end=this.coverage_end + timedelta(days=365))
    roster = rosters.sample(year=start.year)
    first = rosters.as_xlsx(roster, tmp_path, "本年度.xlsx")
    ri = roster_import_preview(path=first, file_name=first.name, roster_year=start.year, actor=admin)
    roster_import_apply(roster_import_id=ri.pk, actor=admin, kinds={"new"}, skip_errors=False)
    policies_issue(scheme_year_id=this.pk, actor=admin, today=today)
    ids = [p.id_number for p, _, category in roster.people if category == "death"]
    dead, moved, back = (Person.objects.get(id_number=i) for i in ids[:3])
    removed_on, died_on = today - timedelta(days=40), today - timedelta(days=12)
    person_update(person_id=back.pk, version=back.version, actor=admin,
                  changes={"status": PersonStatus.REMOVED, "status_date": removed_on, "removal_reason": "迁出"})
    path = rosters.next_year(roster, tmp_path, year=following.coverage_start.year, changes={
        dead.id_number: {"状态": "已死亡", "死亡日期": f"{died_on:%Y-%m-%d}"},
        moved.id_number: {"联系电话": "13811112222"}})

    login(page, "admin_next", TEST_PASSWORD)
    page.get_by_role("link", name="花名册导入").click()
    page.get_by_role("link", name="上传花名册").click()
    page.get_by_label("花名册文件").set_input_files(str(path))
    page.get_by_label("花名册年度").fill(str(following.coverage_start.year))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_test_id("import-status")).to_have_text("待确认")
    expect(page.get_by_test_id("count-death")).to_have_text("1")
    expect(page.get_by_test_id("count-changed")).to_have_text("2")
    expect(page.get_by_test_id("import-note").filter(has_text="确认导入对本年度保单的影响")).to_contain_text(
        "恢复保障 1 人，终止保障（死亡、减员） 1 人")

    # The death, with its date and what it does to this year's cover.
    page.get_by_role("link", name="死亡 1").click()
    death = page.get_by_test_id("rows-death").locator("tbody tr")
    expect(death).to_have_count(1)
    expect(death).to_contain_text(dead.name)
    expect(death).to_contain_text(f"{died_on:%Y-%m-%d}")
    expect(death).to_contain_text(f"保障至{died_on:%Y-%m-%d}止（原至{this.coverage_end:%Y-%m-%d}）")
    screenshot("death")

    # The new phone number, old → new (masked), to take or leave; and the reinstatement.
    page.get_by_role("link", name="变更 2").click()
    changed = page.get_by_test_id("rows-changed")
    phone_row = changed.locator("tbody tr", has_text=moved.name)
    expect(phone_row).to_contain_text(f"联系电话：{moved.phone[:3]}****{moved.phone[-4:]} → 138****2222")
    expect(phone_row.get_by_label("采用")).to_be_checked()
    back_row = changed.locator("tbody tr", has_text=back.name)
    expect(back_row).to_contain_text("状态：已减员 → 在册")
    expect(back_row).to_contain_text(f"本年度：恢复保障，自{today + timedelta(days=1):%Y-%m-%d}起")
    expect(back_row).to_contain_text("未在保，期间住院不予给付")
    screenshot("changed")

    expect(page.get_by_label("登记死亡 1 人")).not_to_be_checked()     # an end is never applied by default
    page.get_by_label("登记死亡 1 人").check()
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_test_id("import-result")).to_contain_text("登记死亡或减员 1 人")
    # The question names what is ticked, and only that (the missing persons' removal is not).
    assert asked == ["确认导入：变更 2 人、登记死亡 1 人（保障随之终止）？导入后将记录在修改历史中。"]
    expect(page.get_by_test_id("cover-ended")).to_contain_text(dead.name)
    screenshot("applied")

    dead.refresh_from_db()
    moved.refresh_from_db()
    assert (dead.status, dead.status_date, moved.phone) == (PersonStatus.DECEASED, died_on, "13811112222")
    policy = Policy.objects.get(person=back, scheme_year=this)
    assert policy.cover_end == this.coverage_end and not policy.cover.covers(today)
