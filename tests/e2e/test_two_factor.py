"""S7 in a browser: a new user enrols an authenticator by the QR code page, keeps the recovery
codes, and logs in again with a code; the admin site asks for the code too."""

import base64

from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD, make_user
from tests.two_factor import code_for
from tongzhou_care.core.models import Role


def test_enrol_then_log_in_with_a_code(page, screenshot):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = make_user(Role.COMMISSION_ADMIN, username="admin_2fa")
    page.goto("/login/")
    page.get_by_label("用户名").fill("admin_2fa")
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="双因素认证")).to_be_visible()
    qr = page.get_by_role("img", name="双因素认证二维码（密钥见上方文字）")
    expect(qr).to_be_visible()
    # The server-made SVG loaded (decode() waits for it).
    assert qr.evaluate("img => img.decode().then(() => img.naturalWidth)") > 100
    screenshot("setup")
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret).hex()
    device = TOTPDevice.objects.get(user=user)
    page.get_by_label("验证码").fill(code_for(device, key))
    page.get_by_role("button", name="启用").click()
    codes = page.get_by_test_id("recovery-codes").locator("code")
    expect(codes).to_have_count(10)
    screenshot("recovery-codes")
    page.get_by_role("link", name="我已保存，继续").click()
    expect(page.get_by_test_id("current-user")).to_contain_text("区卫健委管理员")

    page.get_by_role("button", name="退出登录").click()
    page.goto("/admin/")
    page.get_by_label("用户名").fill("admin_2fa")
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto("/admin/")                                       # the admin is behind the code too
    expect(page.get_by_role("heading", name="双因素认证")).to_be_visible()
    page.get_by_label("验证码").fill(code_for(device, key))
    page.get_by_role("button", name="验证").click()
    expect(page).to_have_url(f"{page.url.split('/admin')[0]}/admin/")
    page.goto(f"/admin/core/user/{user.pk}/change/")
    expect(page.get_by_text("已启用")).to_be_visible()
    screenshot("admin-user")
