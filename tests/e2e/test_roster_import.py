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
    expect(page.get_by_test_id("rows-error").locator("tbody tr")).to_have_count(errors)
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
