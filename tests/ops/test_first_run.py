"""A first run that just works: `scripts/run` from a fresh copy of the project, with port 8000
taken, shows its progress, picks a free port and says which, and serves the demo with DEBUG
off (the project's Chinese 404 page, static files still served). A PORT that is taken stops it
at once, before any set-up."""

import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from .conftest import ROOT, free_port, process_env


def _copy_project(target):
    """The project as a fresh clone has it (tracked and new files), with this .venv."""
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(source.read_bytes())
            (target / name).chmod(source.stat().st_mode)
    (target / ".venv").symlink_to(ROOT / ".venv")


@pytest.fixture
def port_8000_taken():
    """Port 8000 in use, by this test if nobody else has it."""
    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", 8000))
        holder.listen()
    except OSError:
        pass            # already taken by someone else: just as good
    yield
    holder.close()


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.django_db
def test_first_run_with_port_8000_taken_serves_the_demo_on_another_port(tmp_path, port_8000_taken, scratch_database):
    project = tmp_path / "project"
    _copy_project(project)
    env = process_env(DATABASE_URL=scratch_database("firstrun"))
    for name in ("DJANGO_SETTINGS_MODULE", "PORT", "HOST", "DEBUG", "MEDIA_ROOT"):
        env.pop(name, None)
    output = tmp_path / "run.log"
    with output.open("w") as log:
        process = subprocess.Popen(["scripts/run"], cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while not (served := re.search(r"Serving http://127\.0\.0\.1:(\d+)", output.read_text())):
            assert process.poll() is None, output.read_text()
            assert time.monotonic() < deadline, output.read_text()
            time.sleep(0.5)
        port = int(served.group(1))
        text = output.read_text()
        assert port != 8000 and f"Port 8000 is taken: using {port} instead" in text
        for step in ("[1/5]", "[2/5]", "[3/5]", "[4/5]", "[5/5]", "1/5 用户", "4/5 一年的理赔和材料", "5/5 服务台账"):
            assert step in text
        assert f"http://127.0.0.1:{port}/login/" in (project / ".local" / "demo-logins.txt").read_text(encoding="utf-8")

        base = f"http://127.0.0.1:{port}"
        for _ in range(100):                        # runserver prints before it listens
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        status, page = _get(f"{base}/login/")
        assert status == 200 and "住院护理补贴保险" in page
        status, page = _get(f"{base}/no-such-page/")
        assert status == 404 and "页面不存在" in page and "Page not found" not in page and "Traceback" not in page
        status, css = _get(f"{base}/static/css/app.css")
        assert status == 200 and css
    finally:
        os.killpg(process.pid, signal.SIGINT)        # Ctrl-C: the server stops, and its worker with it
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    # Nothing of it outlives it for long: the worker finishes its step and goes.
    for _ in range(60):
        leftovers = subprocess.run(["pgrep", "-a", "-g", str(process.pid)], capture_output=True, text=True).stdout
        if not leftovers:
            break
        time.sleep(0.5)
    assert leftovers == ""


def test_a_taken_port_asked_for_stops_before_any_set_up(tmp_path):
    with socket.socket() as holder:
        port = free_port()
        holder.bind(("127.0.0.1", port))
        holder.listen()
        result = subprocess.run([str(ROOT / "scripts" / "run")], env={**os.environ, "PORT": str(port)},
                                capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert f"PORT={port} is taken" in result.stderr and "[1/5]" not in result.stderr
