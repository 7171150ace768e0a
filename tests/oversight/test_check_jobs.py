"""The data checks as background work: on demand as a job with progress, and nightly through
the job queue's own schedule — no second scheduler; a missed night runs once on the next start;
several workers queue a night's run once."""

import threading
from datetime import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from oversight.models import CheckRun
from oversight.rules.checks import CHECK_RULES
from oversight.services.checks import JOB_KIND, checks_request
from tongzhou_care.core.jobs import PERIODIC, SYSTEM_USERNAME, Worker, enqueue_due_periodic, latest_due
from tongzhou_care.core.models import BackgroundJob


def local(text: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(text))


@pytest.mark.parametrize("now, due", [
    ("2026-03-10 01:59", "2026-03-09 02:00"),      # before tonight's hour: last night's
    ("2026-03-10 02:00", "2026-03-10 02:00"),
    ("2026-03-10 23:00", "2026-03-10 02:00"),
    ("2026-03-01 00:30", "2026-02-28 02:00"),
])
def test_latest_due_moment(now, due):
    from datetime import time

    assert latest_due(time(2), local(now)) == local(due)


@pytest.mark.django_db
def test_on_demand_run_is_one_job_with_progress(commission_staff, officer_a):
    job, queued = checks_request(actor=commission_staff)
    assert queued and job.kind == JOB_KIND and job.params == {"trigger": "manual"}
    assert checks_request(actor=commission_staff) == (job, False)        # a second click: the same run
    with pytest.raises(PermissionDenied):
        checks_request(actor=officer_a)
    assert Worker(schedule=False).run(once=True) == 1
    job.refresh_from_db()
    run = CheckRun.objects.get()
    assert (job.status, job.progress_done, job.progress_total) == ("done", len(CHECK_RULES), len(CHECK_RULES))
    assert job.result_url == f"/checks/runs/#run-{run.pk}"
    assert (run.trigger, run.status, run.started_by, run.job) == ("manual", "done", commission_staff, job)
    assert [r["rule"] for r in run.results] == [r.name for r in CHECK_RULES]


@pytest.mark.django_db
def test_nightly_run_is_queued_once_and_a_missed_night_once():
    assert PERIODIC["nightly_data_checks"].kind == JOB_KIND
    first = enqueue_due_periodic(local("2026-03-10 01:00"))
    assert [j.params for j in first] == [{"trigger": "nightly", "periodic": "nightly_data_checks",
                                          "due": "2026-03-09T02:00:00+08:00"}]
    assert enqueue_due_periodic(local("2026-03-10 01:59")) == []           # the same night: nothing more
    assert len(enqueue_due_periodic(local("2026-03-10 02:00"))) == 1        # tonight
    # The workers were down three nights; on start, one run, not three.
    assert [j.params["due"] for j in enqueue_due_periodic(local("2026-03-13 09:00"))] == ["2026-03-13T02:00:00+08:00"]
    assert enqueue_due_periodic(local("2026-03-13 09:01")) == []
    assert BackgroundJob.objects.filter(kind=JOB_KIND).count() == 3
    system = BackgroundJob.objects.first().created_by
    assert (system.username, system.role, system.is_active, system.has_usable_password()) == (
        SYSTEM_USERNAME, "", False, False)


@pytest.mark.django_db
def test_a_worker_queues_and_runs_the_nightly_checks():
    assert Worker(schedule=False).run(once=True) == 0           # the test settings: no schedule
    assert Worker(schedule=True).run(once=True) == 1            # on start: the night's run
    run = CheckRun.objects.get()
    assert (run.trigger, run.status, run.started_by.username) == ("nightly", "done", SYSTEM_USERNAME)
    assert Worker(schedule=True).run(once=True) == 0            # already run for this night


@pytest.mark.django_db(transaction=True)
def test_two_workers_starting_together_queue_the_night_once():
    barrier = threading.Barrier(2)
    errors = []

    def start():
        try:
            barrier.wait()
            enqueue_due_periodic(local("2026-03-10 03:00"))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert BackgroundJob.objects.filter(kind=JOB_KIND).count() == 1
