"""A page's response time while four large payment files are being checked (issue 13 point 5).

Runs gunicorn (2 workers, like the 2-core machine) and one background worker on the bench
database, logs in five insurer users over HTTP, and measures a page (the claims list) idle,
then while four users each upload a large payment file:

- background mode (the app as it is): uploads larger than PAYMENT_BACKGROUND_BYTES are queued
  and checked by the worker; the page is requested while the jobs run;
- in-request mode (PAYMENT_BACKGROUND_BYTES set above the file size, as before the change): the
  four uploads are checked inside gunicorn's workers.

    scripts/bench payment_load [--rows 20000] [--samples 25]
"""

import argparse
import http.cookiejar
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from common import RESULTS, ROOT, setup_django

PASSWORD = "Bench-Passw0rd-2026"
USERS = [f"bench_ins{i}" for i in range(5)]


def make_users():
    from tongzhou_care.core.models import Insurer, Role, User
    from tongzhou_care.core.services import user_save

    insurer = Insurer.objects.get_or_create(name="基准测试保险公司", defaults={"hotline": "95500"})[0]
    for name in USERS:
        user = User.objects.filter(username=name).first() or User(username=name)
        user.role, user.insurer = Role.INSURER_STAFF, insurer
        user_save(user=user, actor=None, password=PASSWORD)


def payment_file(rows: int) -> Path:
    import xlsxwriter

    path = RESULTS / f"payment-{rows}.xlsx"
    if path.exists():
        return path
    RESULTS.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["中国人寿北京分公司 住院护理补贴支付明细"])
    sheet.write_row(1, 0, ["理赔编号", "支付金额", "支付日期", "银行流水号"])
    for i in range(rows):
        sheet.write_row(i + 2, 0, [f"LP2025{i:07d}", "3000.00", "2025-04-10", f"B{i:08d}"])
    sheet.write_row(rows + 2, 0, ["合计", f"{3000 * rows}.00", "", ""])
    workbook.close()
    return path


class Session:
    """A browser-like HTTP session: cookies, CSRF token, form posts."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  NoRedirect())

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def get(self, path: str) -> tuple[int, float]:
        start = time.perf_counter()
        try:
            with self.opener.open(self.base + path, timeout=300) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        return status, time.perf_counter() - start

    def post(self, path: str, data: bytes, content_type: str) -> tuple[int, float]:
        request = urllib.request.Request(self.base + path, data=data, method="POST", headers={
            "Content-Type": content_type, "X-CSRFToken": self.csrf(), "Referer": self.base + path})
        start = time.perf_counter()
        try:
            with self.opener.open(request, timeout=300) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        return status, time.perf_counter() - start

    def login(self, username: str):
        self.get("/login/")
        body = urllib.parse.urlencode({"username": username, "password": PASSWORD,
                                       "csrfmiddlewaretoken": self.csrf()}).encode()
        status, _ = self.post("/login/", body, "application/x-www-form-urlencoded")
        assert status == 302, f"login of {username}: {status}"

    def upload(self, path: Path) -> tuple[int, float]:
        self.get("/payments/import/")
        boundary = "----bench" + str(time.time_ns())
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\n{self.csrf()}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{path.name}\"\r\n"
                "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n").encode()
        body += path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
        return self.post("/payments/import/", body, f"multipart/form-data; boundary={boundary}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(env: dict, port: int):
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "tongzhou_care.wsgi", "--bind", f"127.0.0.1:{port}",
                            "--workers", "2", "--timeout", "300", "--log-level", "warning"],
                           cwd=ROOT, env=env)
    # The worker runs at a lower CPU priority, as the systemd unit of docs/deploy.md sets it
    # (Nice=10): on a shared machine the pages come first.
    worker = subprocess.Popen(["nice", "-n", "10", sys.executable, "manage.py", "run_worker", "--poll", "0.2"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/login/", timeout=2).read()
            break
        except OSError:
            time.sleep(0.2)
    return web, worker, base


def stop(*processes):
    for p in processes:
        p.send_signal(signal.SIGTERM)
    for p in processes:
        p.wait(30)


def summary(times: list[float]) -> str:
    times = sorted(times)
    return (f"median {statistics.median(times) * 1000:.0f} ms, p90 {times[int(len(times) * 0.9)] * 1000:.0f} ms, "
            f"max {times[-1] * 1000:.0f} ms ({len(times)} requests)")


def measure(mode: str, env: dict, file: Path, samples: int) -> dict:
    from tongzhou_care.core.models import BackgroundJob

    web, worker, base = start(env, free_port())
    try:
        sessions = {name: Session(base) for name in USERS}
        for name, session in sessions.items():
            session.login(name)
        reader = sessions[USERS[0]]
        for _ in range(10):                 # both gunicorn workers warmed up
            reader.get("/claims/")
        idle = [reader.get("/claims/")[1] for _ in range(samples)]
        BackgroundJob.objects.filter(kind="payment_check").delete()
        uploads: list[tuple[int, float]] = []
        threads = [threading.Thread(target=lambda s=sessions[n]: uploads.append(s.upload(file))) for n in USERS[1:]]
        started = time.perf_counter()
        for t in threads:
            t.start()
        busy = []
        time.sleep(0.3)
        while any(t.is_alive() for t in threads) or BackgroundJob.objects.filter(
                kind="payment_check", status__in=["queued", "running"]).exists():
            busy.append(reader.get("/claims/")[1])
            time.sleep(0.1)
        for t in threads:
            t.join()
        total = time.perf_counter() - started
    finally:
        stop(web, worker)
    jobs = BackgroundJob.objects.filter(kind="payment_check")
    return {"mode": mode, "idle": idle, "busy": busy, "uploads": uploads, "total": total,
            "jobs": [(j.status, (j.finished_at - j.started_at).total_seconds()) for j in jobs if j.finished_at]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--samples", type=int, default=25)
    args = parser.parse_args()
    setup_django()
    make_users()
    file = payment_file(args.rows)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tongzhou_care.settings.dev", "DEBUG": "false",
           "MEDIA_ROOT": str(RESULTS / "media"), "PYTHONPATH": str(ROOT)}
    if os.environ.get("DATABASE_RUNTIME_URL"):
        env["DATABASE_URL"] = os.environ["DATABASE_RUNTIME_URL"].rsplit("/", 1)[0] + "/" + \
            os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    print(f"payment file: {args.rows:,} rows, {file.stat().st_size / 1024:.0f} KB; 4 uploads by 4 users")
    results = [measure("background (as built)", env, file, args.samples),
               measure("in the request (before)", {**env, "PAYMENT_BACKGROUND_BYTES": str(10 ** 10)}, file,
                       args.samples)]
    for r in results:
        idle = statistics.median(r["idle"])
        busy = statistics.median(r["busy"]) if r["busy"] else float("nan")
        print(f"\n{r['mode']}:")
        print(f"  page idle:  {summary(r['idle'])}")
        print(f"  page busy:  {summary(r['busy'])}" if r["busy"] else "  page busy:  (no sample)")
        print(f"  ratio of medians busy/idle: {busy / idle:.2f}; worst busy / median idle: "
              f"{max(r['busy']) / idle:.1f}")
        print(f"  uploads answered in: {', '.join(f'{s} {t:.2f} s' for s, t in sorted(r['uploads'], key=lambda x: x[1]))}")
        if r["jobs"]:
            print(f"  jobs: {', '.join(f'{s} {d:.1f} s' for s, d in r['jobs'])}")
        print(f"  all four files checked after {r['total']:.1f} s")


if __name__ == "__main__":
    main()
