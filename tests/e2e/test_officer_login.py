"""An officer logs in, sees their street's figures, cannot open another street's person,
and logs out."""

from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD, PersonFactory, make_user, street
from tests.two_factor import code_for, enrol
from tongzhou_care.core.models import Role


def test_officer_sees_own_street_only(page, screenshot):
    own, other = street("001"), street("104")
    make_user(Role.STREET_OFFICER, username="officer_e2e", street_obj=own)
    PersonFactory.create_batch(4, street=own)
    theirs = PersonFactory(street=other, name="宋庄某人")

    login(page, "officer_e2e", TEST_PASSWORD)
    expect(page.get_by_test_id("current-user")).to_contain_text("中仓街道")
    expect(page.get_by_test_id("active-count")).to_have_text("4")
    screenshot("home")

    page.get_by_role("link", name="参保对象").first.click()
    expect(page.get_by_test_id("total-count")).to_have_text("4")
    expect(page.get_by_text("宋庄某人")).to_have_count(0)

    response = page.goto(f"/persons/{theirs.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="页面不存在（404）")).to_be_visible()
    expect(page.get_by_text("宋庄某人")).to_have_count(0)
    screenshot("other-street-404")

    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(f"{page.url.split('/login')[0].rstrip('/')}/login/")
    page.goto("/")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()


def test_keyboard_only_login(page):
    device = enrol(make_user(Role.COMMISSION_STAFF, username="staff_kb"))
    page.goto("/login/")
    page.keyboard.type("staff_kb")          # the username field has focus on load
    page.keyboard.press("Tab")
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="双因素认证")).to_be_visible()
    page.keyboard.type(code_for(device))    # the code field has focus too
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("current-user")).to_contain_text("区卫健委工作人员")
