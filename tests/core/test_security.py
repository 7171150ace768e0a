"""S1-S6 and S11-S12: deployment check, password hashing and rules, lockout, sessions, CSRF,
no caching of personal pages, no tracebacks."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import reverse

from tests.factories import TEST_PASSWORD, make_user
from tests.two_factor import login_with_code, verified
from tongzhou_care.core.middleware import SESSION_LOGIN_AT, SESSION_SEEN_AT
from tongzhou_care.core.models import Role, User

ROOT = Path(__file__).resolve().parents[2]
def production_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {**env, **PRODUCTION_ENV}


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "tongzhou_care.settings.production",
    "SECRET_KEY": "x" * 20 + "-production-like-secret-key-with-entropy-1a2b3c4d5e6f7g8h",
    "ALLOWED_HOSTS": "care.tongzhou.example",
}


def test_s1_check_deploy_is_clean_with_production_settings():
    env = production_env()
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_s1_nothing_is_silenced():
    assert not getattr(settings, "SILENCED_SYSTEM_CHECKS", [])


def test_s2_argon2_is_first_in_production():
    env = production_env()
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings;"
         "print(settings.PASSWORD_HASHERS[0])"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert out == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.django_db
def test_s2_old_hash_is_upgraded_to_argon2_at_login(client, street_a):
    user = make_user(Role.STREET_OFFICER, street_obj=street_a)
    User.objects.filter(pk=user.pk).update(password=make_password(TEST_PASSWORD, hasher="pbkdf2_sha256"))
    response = client.post(reverse("login"), {"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


@pytest.mark.parametrize("password, accepted", [
    ("Short1!", False),                 # under 12 characters
    ("alllowercaseletters", False),     # one class
    ("lowercase12345678", False),       # two classes
    ("Lowercase12345678", True),        # three classes
    ("lowercase-with-symbols-9", True),  # lower, digit, symbol
    ("Password1234", False),            # a common password, though it has 3 classes
    ("123456789012", False),            # numeric and common
])
@pytest.mark.django_db
def test_s3_password_rules(password, accepted):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password)
        ok = True
    except ValidationError:
        ok = False
    assert ok is accepted


@pytest.mark.django_db
def test_s3_expired_password_must_be_changed(client_for, officer_a, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 180
    User.objects.filter(pk=officer_a.pk).update(
        password_changed_at=officer_a.date_joined.replace(year=officer_a.date_joined.year - 1))
    client = client_for(officer_a)
    response = client.get("/persons/")
    assert response.status_code == 302 and response["Location"] == reverse("password_change")
    new = "Another-Passw0rd-2027"
    response = client.post(reverse("password_change"), {
        "old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert client.get("/persons/").status_code == 200


def _login(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_s4_same_message_for_unknown_user_and_wrong_password(client, officer_a):
    unknown = _login(client, "no-such-user", "whatever-Passw0rd").content.decode()
    wrong = _login(client, officer_a.username, "wrong-Passw0rd-1").content.decode()
    message = "用户名或密码不正确"
    assert message in unknown and message in wrong


@pytest.mark.django_db
def test_s4_username_locked_after_5_failures_from_any_address(client, officer_a):
    for i in range(4):
        assert _login(client, officer_a.username, "wrong-Passw0rd-1", ip=f"10.0.1.{i}").status_code == 200
    # The fifth failure locks: its answer is already the lockout page.
    assert _login(client, officer_a.username, "wrong-Passw0rd-1", ip="10.0.1.5").status_code == 429
    # Sixth try, right password, new address: still locked (per username).
    response = _login(client, officer_a.username, TEST_PASSWORD, ip="10.0.1.99")
    assert response.status_code == 429
    assert "15 分钟后再试" in response.content.decode()
    from axes.models import AccessFailureLog
    assert AccessFailureLog.objects.filter(username=officer_a.username).count() >= 5


@pytest.mark.django_db
def test_s4_address_locked_after_5_failures_on_any_usernames(client, officer_a):
    for i in range(5):
        _login(client, f"guess{i}", "wrong-Passw0rd-1", ip="10.0.2.1")
    response = _login(client, officer_a.username, TEST_PASSWORD, ip="10.0.2.1")
    assert response.status_code == 429
    # Another address can still log this user in.
    assert _login(Client(), officer_a.username, TEST_PASSWORD, ip="10.0.2.2").status_code == 302


@pytest.mark.django_db
def test_s4_lock_lifts_after_15_minutes(client, officer_a):
    from axes.models import AccessAttempt

    for _ in range(5):
        _login(client, officer_a.username, "wrong-Passw0rd-1")
    assert _login(client, officer_a.username, TEST_PASSWORD).status_code == 429
    from datetime import timedelta
    from django.utils import timezone
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _login(client, officer_a.username, TEST_PASSWORD).status_code == 302


def test_s4_axes_settings():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]


@pytest.mark.django_db
def test_s5_new_session_key_at_login_and_flush_at_logout(client, officer_a):
    client.get(reverse("login"))
    before = client.session.session_key
    _login(client, officer_a.username, TEST_PASSWORD)
    after = client.session.session_key
    assert after and after != before
    client.post(reverse("logout"))
    from django.contrib.sessions.models import Session
    assert not Session.objects.filter(session_key=after).exists()
    assert client.get("/persons/").status_code == 302


def _age_session(client, **seconds_ago):
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[{"login": SESSION_LOGIN_AT, "seen": SESSION_SEEN_AT}[key]] = now - ago
    session.save()


@pytest.mark.django_db
def test_s5_idle_timeout_30_minutes(client, officer_a):
    login_with_code(client, officer_a, TEST_PASSWORD)
    _age_session(client, login=29 * 60, seen=29 * 60)
    assert client.get("/persons/").status_code == 200        # 29 idle minutes: still in
    _age_session(client, login=40 * 60, seen=31 * 60)
    response = client.get("/persons/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_s5_absolute_timeout_12_hours(client, officer_a):
    login_with_code(client, officer_a, TEST_PASSWORD)
    _age_session(client, login=12 * 3600 - 60, seen=60)
    assert client.get("/persons/").status_code == 200
    _age_session(client, login=12 * 3600 + 60, seen=60)       # active, but 12 hours are up
    assert client.get("/persons/").status_code == 302


def test_s5_cookie_flags_in_production():
    env = production_env()
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings as s;"
         "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE,"
         " s.CSRF_COOKIE_SECURE)"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout.split()
    assert out == ["True", "True", "Lax", "True"]


@pytest.mark.django_db
def test_s6_post_without_csrf_token_is_refused(officer_a, person_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer_a, backend="django.contrib.auth.backends.ModelBackend")
    verified(client, officer_a)
    response = client.post(f"/persons/{person_a.pk}/unmask/", {"reason": "核对材料"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()
    assert person_a.id_number not in response.content.decode()


def test_s6_no_csrf_exempt_in_the_project():
    offenders = [str(p) for folder in ("tongzhou_care", "enrollment", "claims", "oversight")
                 for p in (ROOT / folder).rglob("*.py")
                 if "csrf_exempt" in p.read_text(encoding="utf-8")]
    assert offenders == []


@pytest.mark.django_db
def test_s11_personal_pages_are_not_cached(client_for, officer_a, person_a):
    response = client_for(officer_a).get(f"/persons/{person_a.pk}/")
    assert response["Cache-Control"] == "no-store, private"


@pytest.mark.django_db
def test_s12_500_page_shows_request_id_not_traceback(client_for, officer_a, monkeypatch):
    from enrollment.views import persons as views

    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail 110112194901010011")

    monkeypatch.setattr(views, "person_search", broken)
    client = client_for(officer_a)
    client.raise_request_exception = False
    response = client.get("/persons/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "错误编号" in body and re.search(r"[0-9a-f]{12}", body)
    assert response["X-Request-ID"] in body
    assert "Traceback" not in body and "secret internal detail" not in body


@pytest.mark.parametrize("password", ["abc", "short1!", "123456789012", "officer_a_2026"])
@pytest.mark.django_db
def test_s3_password_rules_speak_chinese(password, officer_a):
    """Issue 13 point 6: every message a refused password gets is Chinese."""
    from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        validate_password(password, officer_a)
    for message in error.value.messages + password_validators_help_texts():
        assert re.search(r"[\u4e00-\u9fff]", message) and not re.search(r"[A-Za-z]{4,}", message), message


def test_no_template_or_code_marks_values_safe():
    """Issue 13 point 6: stored values reach pages only escaped (help texts carry numbers)."""
    offenders = [f"{p}: {line.strip()}" for folder in ("templates", "tongzhou_care", "enrollment", "claims", "oversight")
                 for p in (ROOT / folder).rglob("*") if p.suffix in (".html", ".py")
                 for line in p.read_text(encoding="utf-8").splitlines()
                 if re.search(r"\|\s*safe\b|autoescape off|mark_safe|format_html\(f", line)]
    assert offenders == []


@pytest.mark.django_db
def test_help_text_with_a_stored_value_is_escaped(client_for, officer_a, person_a):
    """A payee account tail or masked phone shown in a help text cannot inject markup."""
    from django import forms
    from django.template.loader import render_to_string

    class Form(forms.Form):
        account = forms.CharField(help_text='尾号 <img src=x onerror="alert(1)">')

    html = render_to_string("includes/field.html", {"field": Form()["account"]})
    assert "<img" not in html and "&lt;img" in html


@pytest.mark.django_db
def test_strict_content_security_policy_and_permissions_policy(client_for, officer_a):
    """Issue 13 point 8: default-src 'self', no inline script or style, no eval, on every page
    (the login page and personal pages alike); browser features the system never uses denied."""
    for response in (Client().get("/login/"), client_for(officer_a).get("/persons/")):
        policy = dict(d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";"))
        assert policy["default-src"] == "'self'"
        assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
        assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
        assert "unsafe" not in response["Content-Security-Policy"]
        assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


PDF_TEMPLATES = ("pdf_base.html", "/pdf/")   # rendered by WeasyPrint on the server, never by a browser


def test_templates_have_no_inline_script_style_or_handlers():
    """Issue 13 point 8: what the CSP would refuse is not written in the first place."""
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        if any(marker in str(path) for marker in PDF_TEMPLATES):
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"<style\b", r"\sstyle=", r"\son[a-z]+=",
                        r"javascript:", r"hx-on", r"hx-vars"):
            offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert offenders == []
