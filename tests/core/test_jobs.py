"""Background jobs survive a worker that dies mid-job: another worker takes the job over,
keeps the parts already made, and the result exists once."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from enrollment.services import policies_issue
from tests.factories import PersonFactory, SchemeYearFactory, make_user, street
from tongzhou_care.core.jobs import Worker, claim_next_job, job_defer
from tongzhou_care.core.models import BackgroundJob, Role

ROOT = Path(__file__).resolve().parents[2]


def _batch(n_persons: int):
    admin = make_user(Role.COMMISSION_ADMIN)
    today = timezone.localdate()
    year = SchemeYearFactory(coverage_start=today.replace(month=1, day=1),
                             coverage_end=today.replace(month=12, day=31))
    PersonFactory.create_batch(n_persons, street=street("001"))
    policies_issue(scheme_year_id=year.pk, actor=admin, today=today)
    return job_defer(kind="certificate_batch", title="测试批量", actor=admin,
                     params={"scheme_year_id": year.pk, "street_id": None})


@pytest.mark.django_db
def test_stale_running_job_is_taken_over_and_not_done_twice(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = _batch(3)
    first = claim_next_job("dead-worker")
    assert first.pk == job.pk and first.attempts == 1
    assert claim_next_job("second") is None                     # heartbeat fresh: not taken
    BackgroundJob.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - timezone.timedelta(seconds=settings.JOB_STALE_AFTER + 1))
    assert Worker().run(once=True) == 1
    job.refresh_from_db()
    assert (job.status, job.attempts, job.progress_done) == ("done", 2, 3)
    assert len(list((tmp_path / "jobs" / str(job.pk)).glob("*.pdf"))) == 1


def _start_worker(env):
    return subprocess.Popen([sys.executable, "manage.py", "run_worker", "--poll", "0.2"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _has_media_root(pid: str, media_root) -> bool:
    try:
        environ = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
    except OSError:        # gone meanwhile, or not ours to read
        return False
    return f"MEDIA_ROOT={media_root}".encode() in environ


@pytest.mark.django_db(transaction=True)
def test_killed_worker_job_finishes_once_in_a_new_worker(tmp_path):
    job = _batch(24)
    db = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tongzhou_care.settings.test",
           "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "MEDIA_ROOT": str(tmp_path), "JOB_STALE_AFTER": "2", "CERTIFICATES_PER_PART": "3"}
    first = _start_worker(env)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            job.refresh_from_db()
            if job.progress_done >= 3:
                break
            time.sleep(0.1)
        assert 3 <= job.progress_done < 24, "the first worker should be part-way through"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        parts_before = sorted(p.name for p in (tmp_path / "jobs" / str(job.pk)).glob("part-*.pdf"))
        assert parts_before
        second = _start_worker(env)
        try:
            deadline = time.time() + 120
            while time.time() < deadline:
                job.refresh_from_db()
                if job.finished:
                    break
                time.sleep(0.2)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert (job.status, job.attempts, job.progress_done) == ("done", 2, 24), job.message
    folder = tmp_path / "jobs" / str(job.pk)
    assert [p.name for p in folder.glob("*.pdf")] == ["result.pdf"]
    import pikepdf
    with pikepdf.Pdf.open(folder / "result.pdf") as pdf:
        assert len(pdf.pages) == 24
    # The killed worker's render processes died with it (no orphan keeps rendering). Only this
    # test's processes count (their MEDIA_ROOT is tmp_path): a developer's own worker may run.
    time.sleep(0.5)
    candidates = subprocess.run(["pgrep", "-f", "manage.py run_worker"], capture_output=True, text=True)
    assert [pid for pid in candidates.stdout.split() if _has_media_root(pid, tmp_path)] == []



@pytest.mark.django_db
def test_job_that_keeps_killing_its_worker_is_failed_and_cleaned(settings, tmp_path):
    from tongzhou_care.core.jobs import MAX_ATTEMPTS, job_folder

    settings.MEDIA_ROOT = tmp_path
    job = _batch(2)
    (job_folder(job) / "part-00000.pdf").write_bytes(b"%PDF- partial")
    (job_folder(job) / ".part-00001.pdf.tmp-123").write_bytes(b"half")
    BackgroundJob.objects.filter(pk=job.pk).update(
        status="running", attempts=MAX_ATTEMPTS, worker="dead",
        heartbeat_at=timezone.now() - timezone.timedelta(seconds=settings.JOB_STALE_AFTER + 1))
    assert claim_next_job("next") is None
    job.refresh_from_db()
    assert job.status == "failed" and "停止重试" in job.message
    assert not (tmp_path / "jobs" / str(job.pk)).exists()
