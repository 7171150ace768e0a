"""Satisfaction survey in a real browser: the insurer pays a claim, which creates a survey task
for the street's officer; the officer finds it on the home page, fills it in (the scores by
keyboard too), and the score shows in the street's figures."""

import re
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from claims import services
from enrollment.services import policies_issue
from tests.claims.conftest import with_documents
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD, PersonFactory, SchemeYearFactory, make_user, street
from tongzhou_care.core.models import Role


def test_paid_claim_survey_shows_in_the_street_figures(page, screenshot):
    today = timezone.localdate()
    year = SchemeYearFactory(name="本年度", coverage_start=today - timedelta(days=200),
                             coverage_end=today + timedelta(days=164), daily_subsidy=Decimal("300.00"))
    admin = make_user(Role.COMMISSION_ADMIN)
    officer = make_user(Role.STREET_OFFICER, username="officer_survey", street_obj=street("001"))
    insurer = make_user(Role.INSURER_STAFF, username="insurer_survey", insurer=year.insurer)
    person = PersonFactory(street=street("001"), name="孙玉兰")
    policies_issue(scheme_year_id=year.pk, actor=admin, today=year.coverage_start)
    claim = services.claim_report(person=person, actor=officer, data={
        "hospital": "北京潞河医院", "admitted_on": today - timedelta(days=12), "discharged_on": today - timedelta(days=2),
        "cause": "illness", "diagnosis": "肺炎", "reporter_name": "李专管", "reporter_relation": "专管员",
        "reporter_phone": "13900001111"})
    with_documents(claim, officer)
    services.claim_accept(claim_id=claim.pk, actor=insurer)
    services.claim_decide(claim_id=claim.pk, actor=insurer)

    # The insurer pays: this creates the officer's survey task.
    login(page, "insurer_survey", TEST_PASSWORD)
    page.goto(f"/claims/{claim.pk}/")
    page.locator("summary", has_text="登记支付").click()
    page.get_by_label("银行流水号").fill("ZH20261128002")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="确认登记支付").click()
    expect(page.get_by_test_id("claim-status")).to_have_text("已支付")
    page.get_by_role("button", name="退出登录").click()

    # The officer sees the task on the home page and opens it.
    login(page, "officer_survey", TEST_PASSWORD)
    expect(page.get_by_test_id("home-surveys")).to_contain_text("1 项满意度调查待完成")
    page.get_by_test_id("home-surveys").get_by_role("link", name="孙玉兰").click()
    expect(page.get_by_test_id("survey-status")).to_have_text("待调查")
    expect(page.get_by_test_id("survey-fields")).to_contain_text(claim.number)
    screenshot("task")

    page.get_by_label("电话", exact=True).check()
    answers = {"score_reporting": "5分", "score_documents": "4分", "score_payment_speed": "3分",
               "score_amount": "4分", "score_attitude": "5分"}
    for question, label in answers.items():
        page.get_by_test_id(f"question-{question}").get_by_label(label).check()
    # The last question by keyboard: focus its first choice, arrow to the fourth, Space.
    overall = page.get_by_test_id("question-score_overall")
    overall.get_by_label("1分").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Space")
    expect(overall.get_by_label("4分")).to_be_checked()
    page.get_by_label("意见建议（可不填）").fill("到账及时，专管员很耐心")
    page.get_by_role("button", name="保存调查结果").click()
    expect(page.get_by_text("调查结果已保存。")).to_be_visible()
    expect(page.get_by_test_id("survey-table")).to_contain_text("已完成")

    # The street's figures show the score.
    page.get_by_role("link", name="满意度统计").first.click()
    row = page.get_by_test_id("figures-by-street").locator('tr[data-row="中仓街道"]')
    expect(row).to_contain_text("100.0%")
    cells = row.locator("td")
    expect(cells.nth(0)).to_have_text("1")            # one survey
    expect(cells.nth(1)).to_have_text("1")            # answered
    expect(cells.last).to_have_text("4.00")           # overall satisfaction
    expect(cells.nth(8)).to_have_text("3.00")         # speed of payment
    expect(page.get_by_test_id("figures-by-street")).not_to_contain_text("宋庄镇")
    screenshot("figures")
    assert re.search(r"4\.00", page.get_by_test_id("figures-by-year").inner_text())
