"""A real browser (Debian's chromium, driven by Playwright) against a live server.
Browsers cannot be downloaded here, so Playwright is pointed at /usr/bin/chromium."""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django refuses database access
# from a thread with a running loop unless told it is safe. It is: the tests are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


CSP_MARKERS = ("Content Security Policy", "Content-Security-Policy")


@pytest.fixture
def page(browser, live_server, transactional_db):
    """A browser page on the live server. Every browser test fails when the browser reports a
    Content-Security-Policy violation in the console (an inline script or style, an eval, an
    outside resource): templates keep JS in static/js and CSS in static/css (issue 13 point 8)."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations = []
    page.on("console", lambda message: violations.append(f"{page.url}: {message.text}")
            if any(m in message.text for m in CSP_MARKERS) else None)
    yield page
    context.close()
    if violations:
        pytest.fail("Content-Security-Policy violations reported in the browser console:\n"
                    + "\n".join(violations), pytrace=False)


@pytest.fixture
def screenshot(page, request):
    """screenshot("step") writes test-artifacts/<test>-<step>.png."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(step: str):
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{step}.png"), full_page=True)
    return take


@pytest.fixture
def worker(live_server, settings):
    """A real `manage.py run_worker` on the test database, writing where the live server reads."""
    import subprocess
    import sys

    from django.db import connection

    from urllib.parse import urlsplit, urlunsplit

    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    if os.environ.get("DATABASE_RUNTIME_URL"):   # as in production: the role that owns nothing
        url = urlunsplit(urlsplit(os.environ["DATABASE_RUNTIME_URL"])._replace(path="/" + db["NAME"]))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tongzhou_care.settings.test",
           "DATABASE_URL": url, "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    process = subprocess.Popen([sys.executable, "manage.py", "run_worker", "--poll", "0.2"],
                               cwd=Path(__file__).resolve().parents[2], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield process
    process.terminate()
    process.wait(10)


def login(page, username: str, password: str):
    """Log in as a user whose authenticator is enrolled (tests/two_factor.py): password, then
    the code the app would show now."""
    from tests.two_factor import code_for, enrol
    from tongzhou_care.core.models import User

    device = enrol(User.objects.get(username=username))
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_label("验证码").fill(code_for(device))
    page.get_by_role("button", name="验证").click()
