"""Issue 13 point 4: a worker that survives the database. It waits while PostgreSQL is away and
finishes the queued jobs when it returns; a job's heartbeat moves while a slow certificate
part is still rendering, so no other worker takes it over meanwhile."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, connections

from tests.dbroles import runtime_url
from tests.core.test_jobs import _batch
from tongzhou_care.core.jobs import claim_next_job, run_job
from tongzhou_care.core.models import BackgroundJob

ROOT = Path(__file__).resolve().parents[2]


def _cluster(action: str) -> None:
    """pg_stop / pg_start of the project-local cluster (scripts/lib.sh)."""
    subprocess.run(["bash", "-c", f"source scripts/lib.sh && {action}"], cwd=ROOT, check=True,
                   capture_output=True, timeout=120)


@pytest.mark.django_db(transaction=True)
def test_worker_waits_out_a_database_restart_and_finishes_queued_jobs(tmp_path, worker_id):
    if not (ROOT / ".pg").exists() or not os.environ.get("DATABASE_RUNTIME_URL"):
        pytest.skip("needs the project-local cluster of scripts/test, which it stops and starts")
    if worker_id != "master":
        pytest.skip("stops the database under every other test: run without xdist (scripts/test does)")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tongzhou_care.settings.test", "DATABASE_URL": runtime_url(),
           "MEDIA_ROOT": str(tmp_path), "JOB_STALE_AFTER": "3"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen([sys.executable, "manage.py", "run_worker", "--poll", "0.2"], cwd=ROOT,
                                  env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        time.sleep(2)
        connections.close_all()
        _cluster("pg_stop")
        try:
            time.sleep(4)                                   # several failed polls
            assert worker.poll() is None, "the worker died with the database:\n" + log.read_text()[-2000:]
        finally:
            _cluster("pg_start")
        job = _batch(2)                                     # queued once the database is back
        deadline = time.time() + 90
        while time.time() < deadline and not job.finished:
            time.sleep(0.3)
            job.refresh_from_db()
        assert worker.poll() is None
        assert job.status == BackgroundJob.Status.DONE, (job.status, job.message, log.read_text()[-2000:])
        assert "database unavailable" in log.read_text()
    finally:
        worker.terminate()
        worker.wait(15)


@pytest.mark.django_db(transaction=True)
def test_heartbeat_moves_during_a_slow_certificate_part(settings, tmp_path, monkeypatch):
    from enrollment import jobs as enrollment_jobs

    settings.MEDIA_ROOT = tmp_path
    settings.JOB_STALE_AFTER = 1
    monkeypatch.setattr(enrollment_jobs, "RENDER_PROCESSES", 1)     # parts rendered in this process
    render = enrollment_jobs.render_certificates                     # what core.jobs.pdf_in_parts calls

    def slow_render(path, certificates):
        time.sleep(3)                    # one part takes three times JOB_STALE_AFTER
        render(path, certificates)
    monkeypatch.setattr(enrollment_jobs, "render_certificates", slow_render)

    job = _batch(2)
    claimed = claim_next_job("slow-worker")

    def run():
        try:
            run_job(claimed, "slow-worker")
        finally:
            connection.close()
    thread = threading.Thread(target=run)
    thread.start()
    try:
        time.sleep(2)
        stolen = claim_next_job("other-worker")
    finally:
        thread.join(30)
    assert stolen is None, "a job still rendering was taken over"
    job.refresh_from_db()
    assert (job.status, job.attempts, job.worker) == ("done", 1, "slow-worker")
