"""The commission configures a scheme year, issues policies, downloads a certificate and a
batch made by the background worker, and views the premium settlement — in a real browser."""

import subprocess
from datetime import date

from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD, PersonFactory, make_user, street
from tongzhou_care.core.models import Insurer, Role


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_scheme_year_policies_certificates_settlement(page, screenshot, worker, tmp_path):
    make_user(Role.COMMISSION_ADMIN, username="admin_sy")
    Insurer.objects.create(name="中国人寿保险股份有限公司北京市分公司", hotline="95519")
    people = PersonFactory.create_batch(4, street=street("001")) + PersonFactory.create_batch(2, street=street("104"))
    year = date.today().year

    login(page, "admin_sy", TEST_PASSWORD)
    page.get_by_role("link", name="保险年度与保单").click()
    page.get_by_role("link", name="新建保险年度").click()
    page.get_by_label("保险年度").fill(f"{year}年度")
    page.get_by_label("承保保险公司").select_option(label="中国人寿保险股份有限公司北京市分公司")
    page.get_by_label("合同编号").fill(f"TZWJW-{year}-001")
    page.get_by_label("中标日期").fill(f"{year - 1}-11-20")
    page.get_by_label("保险期间开始").fill(f"{year}-01-01")
    page.get_by_label("每人每年保费（元）").fill("300.01")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#id_premium_per_person_errors")).to_contain_text("不超过300元")  # beside the field
    expect(page.get_by_label("合同编号")).to_have_value(f"TZWJW-{year}-001")              # input kept
    page.get_by_label("每人每年保费（元）").fill("280.00")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("scheme-year-settings")).to_contain_text(f"{year}年12月31日")
    screenshot("scheme-year")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="生成保单").click()
    expect(page.get_by_text("已为 6 名参保对象生成")).to_be_visible()
    expect(page.get_by_test_id("policy-count")).to_have_text("6")

    page.get_by_role("link", name="查看保单").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="下载PDF").first.click()
    single = tmp_path / "one.pdf"
    download.value.save_as(single)
    assert "保险凭证" in _pdf_text(single) and download.value.suggested_filename.startswith("保险凭证_TZ")

    page.go_back()
    page.get_by_label("范围").select_option(label="中仓街道")
    page.get_by_role("button", name="生成PDF").click()
    expect(page.get_by_test_id("job-status")).to_have_text("已完成", timeout=60_000)
    screenshot("batch-done")
    with page.expect_download() as download:
        page.get_by_test_id("job-download").click()
    batch = tmp_path / "batch.pdf"
    download.value.save_as(batch)
    text = _pdf_text(batch)
    assert all(p.name in text for p in people[:4]) and not any(p.name in text for p in people[4:])

    page.get_by_role("link", name="保险年度与保单").click()
    page.get_by_role("link", name=f"{year}年度").click()
    page.get_by_role("link", name="保费结算").click()
    expect(page.get_by_test_id("start-headcount")).to_have_text("6")
    expect(page.get_by_test_id("premium-total")).to_have_text("1,680.00")
    screenshot("premium-settlement")
