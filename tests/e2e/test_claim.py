"""The heart of it in a real browser: an officer reports a stay for a family and uploads the
documents; insurer staff accept, decide and pay; the officer sees it paid with the right
amount; an officer of another street gets 404 for it."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from claims.models import Claim
from enrollment.services import policies_issue
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD, PersonFactory, SchemeYearFactory, make_user, street
from tongzhou_care.core.models import Role


def test_report_decide_pay(page, screenshot, tmp_path, browser, live_server):
    today = timezone.localdate()
    year = SchemeYearFactory(name="本年度", coverage_start=today - timedelta(days=200),
                             coverage_end=today + timedelta(days=164), daily_subsidy=Decimal("300.00"))
    admin = make_user(Role.COMMISSION_ADMIN)
    make_user(Role.STREET_OFFICER, username="officer_claim", street_obj=street("001"))
    make_user(Role.STREET_OFFICER, username="officer_other", street_obj=street("104"))
    make_user(Role.INSURER_STAFF, username="insurer_claim", insurer=year.insurer)
    person = PersonFactory(street=street("001"), name="赵桂兰")
    policies_issue(scheme_year_id=year.pk, actor=admin, today=year.coverage_start)
    admitted, discharged = today - timedelta(days=12), today - timedelta(days=2)
    scan = tmp_path / "扫描件.pdf"
    scan.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

    login(page, "officer_claim", TEST_PASSWORD)
    page.get_by_role("link", name="报案").first.click()
    page.get_by_label("姓名、身份证号后4位或完整身份证号").fill(person.id_number[-4:])
    page.get_by_role("button", name="查找").click()
    page.get_by_role("link", name="为其报案").click()
    expect(page.get_by_test_id("days-left")).to_have_text("90")
    page.get_by_label("医院").fill("北京潞河医院")
    page.get_by_label("入院日期（病房）").fill(admitted.isoformat())
    # The form warns at once for a discharge beyond the 30-day report deadline, not for this one.
    page.get_by_label("出院日期").fill((today - timedelta(days=31)).isoformat())
    expect(page.locator("#late-warning")).to_be_visible()
    page.get_by_label("出院日期").fill((today - timedelta(days=30)).isoformat())
    expect(page.locator("#late-warning")).to_be_hidden()
    page.get_by_label("出院日期").fill(discharged.isoformat())
    page.get_by_label("诊断").fill("肺炎")
    page.locator("#id_reporter_name").fill("李专管")
    page.get_by_label("报案人电话").fill("13900001111")
    page.get_by_role("button", name="提交报案").click()
    expect(page.get_by_test_id("claim-status")).to_have_text("已报案")
    for kind in ("被保险人身份证", "出院小结或诊断证明", "收款人银行借记卡"):
        page.get_by_label("材料类型").select_option(label=kind)
        page.get_by_label("文件（JPG、PNG 或 PDF，不超过 10 MB）").set_input_files(str(scan))
        page.get_by_role("button", name="上传").click()
        expect(page.get_by_text("材料已上传")).to_be_visible()
    expect(page.get_by_test_id("checklist")).not_to_contain_text("缺")
    claim = Claim.objects.get()
    screenshot("reported")
    page.get_by_role("button", name="退出登录").click()

    login(page, "insurer_claim", TEST_PASSWORD)
    page.goto(f"/claims/{claim.pk}/")
    page.get_by_role("button", name="受理（材料齐全）").click()
    expect(page.get_by_test_id("claim-status")).to_have_text("已受理")
    confirmations = []
    page.once("dialog", lambda dialog: (confirmations.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="核定").click()
    expect(page.get_by_test_id("claim-amount")).to_contain_text("核定 10 天，金额 3,000.00 元")
    assert confirmations == ["确认核定 10 天，金额 3,000.00 元？"]
    page.get_by_label("银行流水号").fill("ZH20261128001")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="登记支付").click()
    expect(page.get_by_test_id("claim-status")).to_have_text("已支付")
    screenshot("paid")
    page.get_by_role("button", name="退出登录").click()

    login(page, "officer_claim", TEST_PASSWORD)
    page.goto(f"/claims/{claim.pk}/")
    expect(page.get_by_test_id("payment")).to_contain_text("支付 3,000.00 元")
    page.get_by_role("button", name="退出登录").click()

    login(page, "officer_other", TEST_PASSWORD)
    response = page.goto(f"/claims/{claim.pk}/")
    assert response.status == 404
    expect(page.get_by_text("赵桂兰")).to_have_count(0)
