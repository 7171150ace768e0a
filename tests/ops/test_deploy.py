"""A deployment that is tested: gunicorn with deploy/gunicorn.conf.py and the production
settings, on a free port, requested as the reverse proxy would (docs/deploy.md): the HTTPS
redirect, the login, a static file, the security headers, a download and the 404 page."""

import http.client
import io
import re
import secrets
import signal
import subprocess
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import unquote, urlencode

import openpyxl
import pytest
from django.core.management import call_command

from tests.factories import PersonFactory, make_user, street
from tests.two_factor import code_for, enrol
from tongzhou_care.core.models import Role

from .conftest import ROOT, free_port, process_env, wait_for_port

HOST = "care.tongzhou.test"
PASSWORD = "Deploy-Test-2026!"


class Proxy:
    """Requests as nginx forwards them: X-Forwarded-Proto https, the site's Host, cookies kept."""

    def __init__(self, port: int):
        self.port, self.cookies = port, {}

    def request(self, method: str, path: str, *, body: dict | None = None, https: bool = True,
                headers: dict | None = None) -> tuple[http.client.HTTPResponse, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Host": HOST, **(headers or {})}
        if https:
            sent["X-Forwarded-Proto"] = "https"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            sent.update({"Content-Type": "application/x-www-form-urlencoded", "Origin": f"https://{HOST}",
                         "Referer": f"https://{HOST}{path}"})
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            self.cookies.update({name: morsel.value for name, morsel in cookie.items()})
        connection.close()
        return response, content


@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn as deploy/tongzhou-care.service starts it, after collectstatic."""
    port = free_port()
    env = process_env(DJANGO_SETTINGS_MODULE="tongzhou_care.settings.production",
                      SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS=HOST, TRUSTED_PROXIES="127.0.0.1",
                      STATIC_ROOT=tmp_path / "static", MEDIA_ROOT=tmp_path / "media", CONN_MAX_AGE=0,
                      GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS=2)
    python = ROOT / ".venv" / "bin" / "python"
    collected = subprocess.run([str(python), "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=300)
    assert collected.returncode == 0, collected.stderr
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen([str(python.parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "tongzhou_care.wsgi"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process)
        yield Proxy(port), tmp_path / "gunicorn.log"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        log.close()


@pytest.mark.django_db(transaction=True)
def test_gunicorn_with_production_settings_serves_the_site(gunicorn):
    proxy, log = gunicorn
    admin = make_user(Role.COMMISSION_ADMIN, username="deploy_admin")
    device = enrol(admin)                    # S7: production asks for the second factor
    admin.set_password(PASSWORD)
    admin.save()
    PersonFactory(street=street("001"), name="部署测试人")

    # Plain HTTP (no X-Forwarded-Proto from the proxy) is sent to HTTPS.
    response, _ = proxy.request("GET", "/login/", https=False)
    assert (response.status, response.headers["Location"]) == (301, f"https://{HOST}/login/")

    response, content = proxy.request("GET", "/login/")
    page = content.decode()
    assert response.status == 200 and "登录" in page
    headers = response.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert re.fullmatch(r"[0-9a-f]{12}", headers["X-Request-ID"])
    csrf_cookie = next(h for h in headers.get_all("Set-Cookie") if h.startswith("csrftoken="))
    assert "Secure" in csrf_cookie and "HttpOnly" in csrf_cookie and "SameSite=Lax" in csrf_cookie

    # A static file under its hashed name, compressed, cached for a year.
    stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page).group(1)
    response, css = proxy.request("GET", stylesheet, headers={"Accept-Encoding": "gzip"})
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/css")
    assert response.headers["Content-Encoding"] == "gzip"
    assert "immutable" in response.headers["Cache-Control"] and "max-age=315360000" in response.headers["Cache-Control"]

    # The login, with the CSRF token of the form, as a browser behind the proxy sends it.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response, _ = proxy.request("POST", "/login/", body={"csrfmiddlewaretoken": token, "username": "deploy_admin",
                                                         "password": PASSWORD})
    assert (response.status, response.headers["Location"]) == (302, "/")
    session_cookie = next(h for h in response.headers.get_all("Set-Cookie") if h.startswith("sessionid="))
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie
    response, _ = proxy.request("GET", "/")
    assert (response.status, response.headers["Location"]) == (302, "/two-factor/?next=%2F")
    response, content = proxy.request("GET", "/two-factor/?next=%2F")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', content.decode()).group(1)
    response, _ = proxy.request("POST", "/two-factor/", body={"csrfmiddlewaretoken": token, "next": "/",
                                                               "token": code_for(device)})
    assert (response.status, response.headers["Location"]) == (302, "/")
    response, content = proxy.request("GET", "/")
    assert response.status == 200 and "区卫健委管理员" in content.decode()

    # A download: the persons list as Excel, Chinese file name, never cached.
    response, content = proxy.request("GET", "/persons/export/")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store, private"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and unquote(disposition.split("''", 1)[1]).startswith("参保对象")
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    assert any("部署测试人" in (cell or "") for row in sheet.iter_rows(values_only=True) for cell in row
               if isinstance(cell, str))

    # The project's own Chinese 404 page, not Django's.
    response, content = proxy.request("GET", "/no-such-page/")
    assert response.status == 404 and "页面不存在" in content.decode()

    # The access log has the request id and no query strings.
    proxy.request("GET", "/persons/?" + urlencode({"q": "部署测试人"}))
    access = Path(log).read_text()
    assert '"GET /persons/export/" 200' in access and "q=" not in access


def test_every_command_the_service_units_run_exists():
    """deploy/*.service name commands and scripts of this project: they must exist."""
    from django.core.management import get_commands

    for unit in (ROOT / "deploy").glob("*.service"):
        for line in unit.read_text().splitlines():
            if not line.startswith("ExecStart="):
                continue
            command = line.split("=", 1)[1].replace("/srv/tongzhou_care/", "")
            if "manage.py" in command:
                assert command.split("manage.py")[1].split()[0] in get_commands(), unit.name
            elif command.startswith("scripts/"):
                assert (ROOT / command.split()[0]).exists(), unit.name
            else:
                assert command.startswith(".venv/bin/gunicorn -c deploy/gunicorn.conf.py"), unit.name
    call_command("check")
