"""Issue 13 point 7 (S7): two-factor login for every role and /admin, with real TOTP codes:
enrolment with a QR code made on the server, one-time recovery codes, a grace period setting,
and an audited reset by the commission admin."""

import re
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import TEST_PASSWORD, make_user
from tests.two_factor import code_for, enrol, login_with_code
from tongzhou_care.core.models import AccessLog, Role, User


def password_only(user) -> Client:
    client = Client()
    response = client.post("/login/", {"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role.values))
def test_every_role_needs_the_second_factor_for_every_page_and_the_admin(role, street_a):
    user = make_user(role, street_obj=street_a if role == Role.STREET_OFFICER else None)
    enrol(user)
    client = password_only(user)
    for url in ("/", "/persons/", "/claims/", "/jobs/", "/admin/", "/admin/core/user/", "/password/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/two-factor/?next="), url
    assert client.post("/persons/1/unmask/", {"reason": "x"}).status_code == 302
    response = client.post("/two-factor/", {"token": code_for(TOTPDevice.objects.get(user=user))})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_enrolment_with_a_server_made_qr_code_then_login_with_a_code(officer_a):
    import segno

    client = password_only(officer_a)
    response = client.get("/persons/")
    assert response["Location"] == "/two-factor/setup/?next=%2Fpersons%2F"
    page = client.get(response["Location"]).content.decode()
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page)[1].replace(" ", "")
    assert '<img class="totp-qr' in page and "/two-factor/setup/qr.svg" in page
    qr = client.get("/two-factor/setup/qr.svg")
    device = TOTPDevice.objects.get(user=officer_a, confirmed=False)
    assert qr["Content-Type"] == "image/svg+xml" and qr["Cache-Control"] == "no-store, private"
    assert qr.content.startswith(b"<svg") and b"http" not in qr.content.split(b">", 1)[1]
    expected = segno.make(device.config_url, error="m")
    assert "secret=" + secret in device.config_url and expected.version >= 1
    key = __import__("base64").b32decode(secret).hex()

    wrong = client.post("/two-factor/setup/", {"token": "000000", "next": "/persons/"})
    assert wrong.status_code == 400 and "验证码不正确" in wrong.content.decode()
    time.sleep(1.1)                     # a wrong code makes the device wait a second (throttling)
    done = client.post("/two-factor/setup/", {"token": code_for(device, key), "next": "/persons/"})
    codes = re.findall(r"<code>([0-9a-f]{4}-[0-9a-f]{4})</code>", done.content.decode())
    assert len(set(codes)) == 10
    assert client.get("/persons/").status_code == 200
    assert AccessLog.objects.filter(user=officer_a, action="two_factor").exists()

    # Next login: password, then a code of the enrolled app.
    again = password_only(officer_a)
    assert again.get("/").status_code == 302
    assert again.post("/two-factor/", {"token": "123456"}).status_code == 400
    time.sleep(1.1)
    assert again.post("/two-factor/", {"token": code_for(device, key)}).status_code == 302
    assert again.get("/").status_code == 200


@pytest.mark.django_db
def test_a_code_is_accepted_once(officer_a):
    device = enrol(officer_a)
    code = code_for(device)
    first = password_only(officer_a)
    assert first.post("/two-factor/", {"token": code}).status_code == 302
    second = password_only(officer_a)
    assert second.post("/two-factor/", {"token": code}).status_code == 400     # replayed
    assert second.get("/").status_code == 302


@pytest.mark.django_db
def test_recovery_codes_work_once_each(officer_a):
    client = password_only(officer_a)
    client.get("/two-factor/setup/")
    device = TOTPDevice.objects.get(user=officer_a)
    page = client.post("/two-factor/setup/", {"token": code_for(device)}).content.decode()
    codes = re.findall(r"<code>([0-9a-f]{4}-[0-9a-f]{4})</code>", page)
    phone_lost = password_only(officer_a)
    # Typed as read off paper: capitals and spaces do not matter.
    assert phone_lost.post("/two-factor/", {"token": " " + codes[0].upper().replace("-", "- ")}).status_code == 302
    assert phone_lost.get("/").status_code == 200
    again = password_only(officer_a)
    assert again.post("/two-factor/", {"token": codes[0]}).status_code == 400
    assert StaticDevice.objects.get(user=officer_a).token_set.count() == 9
    assert AccessLog.objects.filter(user=officer_a, detail__contains="恢复码登录").count() == 1


@pytest.mark.django_db
def test_grace_period_lets_a_new_user_in_then_requires_enrolment(officer_a, settings):
    settings.TWO_FACTOR_GRACE_DAYS = 7
    client = password_only(officer_a)
    body = client.get("/").content.decode()
    assert 'data-testid="two-factor-reminder"' in body
    User.objects.filter(pk=officer_a.pk).update(first_login_at=timezone.now() - timedelta(days=8))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/two-factor/setup/")
    settings.TWO_FACTOR_GRACE_DAYS = 0
    other = make_user(Role.COMMISSION_STAFF)
    assert password_only(other).get("/").status_code == 302     # production: enrol at once


@pytest.mark.django_db
def test_commission_admin_resets_a_lost_phone_with_a_reason_logged(commission_admin, commission_staff,
                                                                   officer_a, client_for):
    device = enrol(officer_a)
    officer = Client()
    login_with_code(officer, officer_a, TEST_PASSWORD)
    assert officer.get("/").status_code == 200
    url = f"/admin/core/user/{officer_a.pk}/two-factor-reset/"
    assert client_for(commission_staff).get(url).status_code in (302, 403)
    admin = client_for(commission_admin)
    change = admin.get(f"/admin/core/user/{officer_a.pk}/change/").content.decode()
    assert url in change
    assert admin.post(url, {"reason": ""}).status_code == 200                # a reason is required
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    response = admin.post(url, {"reason": "手机丢失，本人电话确认"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=officer_a).exists()
    log = AccessLog.objects.get(action="two_factor", user=commission_admin)
    assert (log.reason, log.target) == ("手机丢失，本人电话确认", f"用户 {officer_a.username}")
    assert officer.get("/").status_code == 302                               # the session ended
    assert password_only(officer_a).get("/")["Location"].startswith("/two-factor/setup/")
