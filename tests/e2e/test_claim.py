"""The heart of it in a real browser: an officer reports a stay for a family and uploads the
documents in one go; insurer staff accept, decide and pay; the officer sees it paid with the
right amount; an officer of another street gets 404 for it. And a death: the heirs are paid."""

from datetime import date, timedelta
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
    # The payee was filled from the insured, and the officer is told so.
    expect(page.get_by_text("收款人已按参保对象登记信息填写：赵桂兰")).to_be_visible()
    # Every document at once, each in the box of its kind (two pages of the discharge summary).
    page.get_by_label("被保险人身份证（缺）").set_input_files(str(scan))
    page.get_by_label("出院小结或诊断证明（缺）").set_input_files([str(scan), str(scan)])
    page.get_by_label("收款人银行借记卡（缺）").set_input_files(str(scan))
    page.get_by_role("button", name="上传所选文件").click()
    expect(page.get_by_text("已上传 4 个文件。材料已齐全，下一步由保险公司受理")).to_be_visible()
    expect(page.get_by_test_id("checklist")).not_to_contain_text("缺")
    claim = Claim.objects.get()
    screenshot("reported")
    page.get_by_role("button", name="退出登录").click()

    login(page, "insurer_claim", TEST_PASSWORD)
    page.goto(f"/claims/{claim.pk}/")
    page.get_by_role("button", name="受理", exact=True).click()
    expect(page.get_by_test_id("claim-status")).to_have_text("已受理")
    confirmations = []
    page.once("dialog", lambda dialog: (confirmations.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="核定").click()
    expect(page.get_by_test_id("claim-amount")).to_contain_text("核定 10 天，金额 3,000.00 元")
    assert confirmations == ["确认核定 10 天，金额 3,000.00 元？"]
    page.locator("summary", has_text="登记支付").click()
    page.get_by_label("银行流水号").fill("ZH20261128001")
    # The confirmation states the amount typed, not the decided one: a wrong amount is caught.
    page.get_by_label("支付金额（元）").fill("3300")
    page.once("dialog", lambda dialog: (confirmations.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="确认登记支付").click()
    assert confirmations[-1] == "确认登记支付 3,300.00 元至 赵桂兰（账号尾号 %s）？" % person.bank_account[-4:]
    page.get_by_label("支付金额（元）").fill("3000.00")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="确认登记支付").click()
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


def test_a_deceased_insured_is_paid_to_the_heir(page, screenshot, tmp_path, live_server):
    """The insured dies after the report: the decision waits for an heir payee and the death
    papers; the deceased's own account is refused; the notice is addressed to the heir."""
    import subprocess

    from claims import services
    from enrollment.services import person_update
    from tests.claims.conftest import stay
    from tests.factories import unique_id_number

    today = timezone.localdate()
    year = SchemeYearFactory(name="本年度", coverage_start=today - timedelta(days=200),
                             coverage_end=today + timedelta(days=164), daily_subsidy=Decimal("300.00"))
    admin = make_user(Role.COMMISSION_ADMIN)
    officer = make_user(Role.STREET_OFFICER, username="officer_heir", street_obj=street("001"))
    insurer = make_user(Role.INSURER_STAFF, username="insurer_heir", insurer=year.insurer)
    person = PersonFactory(street=street("001"), name="孙玉珍")
    policies_issue(scheme_year_id=year.pk, actor=admin, today=year.coverage_start)
    admitted = today - timedelta(days=20)
    claim = services.claim_report(person=person, data=stay(admitted, admitted + timedelta(days=10)), actor=officer,
                                  today=today)
    person_update(person_id=person.pk, version=person.version, actor=admin, today=today,
                  changes={"status": "deceased", "status_date": admitted + timedelta(days=5)})
    scan = tmp_path / "证明.pdf"
    scan.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

    login(page, "officer_heir", TEST_PASSWORD)
    page.goto(f"/claims/{claim.pk}/")
    expect(page.get_by_test_id("payee-problem")).to_contain_text("须由继承人收款")
    # The deceased's own account is refused with a clear message beside the field.
    page.get_by_label("收款人姓名").fill("孙建国")
    page.get_by_label("与被保险人关系").select_option("配偶")
    heir_id = unique_id_number(date(1948, 3, 9), True)
    page.get_by_label("收款人身份证号（继承人必填）").fill(heir_id)
    page.get_by_label("收款账号（借记卡）").fill(person.bank_account)
    page.get_by_role("button", name="保存收款人").click()
    expect(page.get_by_text("不能支付到其本人账户")).to_be_visible()
    page.get_by_label("收款账号（借记卡）").fill("6228480000009999")
    page.get_by_label("开户银行").fill("中国农业银行")
    page.get_by_role("button", name="保存收款人").click()
    expect(page.get_by_test_id("payee")).to_contain_text("孙建国（配偶）")
    expect(page.get_by_test_id("payee")).to_contain_text("尾号 9999")
    # Every document the heir needs, in one go.
    for label in ("被保险人身份证（缺）", "出院小结或诊断证明（缺）", "收款人银行借记卡（缺）", "代办人身份证（缺）",
                  "死亡证明（缺）", "继承关系证明（缺）"):
        page.get_by_label(label).set_input_files(str(scan))
    page.get_by_role("button", name="上传所选文件").click()
    expect(page.get_by_text("已上传 6 个文件。材料已齐全")).to_be_visible()
    screenshot("heir-ready")
    page.get_by_role("button", name="退出登录").click()

    login(page, "insurer_heir", TEST_PASSWORD)
    page.goto(f"/claims/{claim.pk}/")
    page.get_by_role("button", name="受理", exact=True).click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="核定").click()
    # Six days: admission to the death day, paid to the heir.
    expect(page.get_by_test_id("claim-amount")).to_contain_text("核定 6 天，金额 1,800.00 元")
    expect(page.get_by_test_id("calculation")).to_contain_text("在住院期间身故")
    with page.expect_download() as download:
        page.get_by_role("link", name="核定通知书").click()
    pdf = tmp_path / "decision.pdf"
    download.value.save_as(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "孙建国（被保险人孙玉珍之配偶，继承人）" in text
    assert "将支付至孙建国（配偶）名下中国农业银行账号****9999" in "".join(text.split())
    screenshot("heir-decided")
