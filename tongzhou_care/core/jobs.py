"""Background jobs on PostgreSQL alone: a BackgroundJob row is the queue entry, the progress
shown to the user and the lease of the worker running it.

Why not procrastinate or django-tasks: procrastinate needs psycopg 3, and with it installed
Django switches its PostgreSQL driver away from psycopg2; django-tasks' database backend leaves
a task whose worker died in "running" for ever. What is needed fits here: workers on any number
of machines claim jobs with SELECT ... FOR UPDATE SKIP LOCKED; a running job's heartbeat is
refreshed with each step of progress; a job whose heartbeat is older than JOB_STALE_AFTER is
claimed again by the next free worker (its worker died), and a worker that finds its lease
taken stops. Runners are written to resume: each output part is written to a temporary name
and renamed, parts already on disk are kept, so a restart produces the same single result.

Periodic jobs (the nightly data checks) need no second scheduler: a worker queues each one
whose latest due moment (e.g. today 02:00, or yesterday's before that hour) has no job yet, at
its start and then once a minute. Workers that were all down for several nights queue ONE
job on the next start (the missed runs are not replayed); several workers queue it once, under
an advisory lock. The queued job names its schedule and due moment in its params.
"""

import logging
import os
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    connections,
    transaction,
)
from django.db import IntegrityError, models
from django.db.models import Q
from django.utils import timezone

from .audit import audit_context
from .models import BackgroundJob
from .rules import RuleViolation

logger = logging.getLogger(__name__)

# A runner returns its result file and download name, or the path of the page showing its result.
Runner = Callable[[BackgroundJob, "Progress"], tuple[Path, str] | str]


class JobKind(NamedTuple):
    run: Runner
    # may_download(user, params): whether the job's creator may still have its result (a role,
    # street or insurer can change between the request and the download).
    may_download: Callable[[object, dict], bool]


KINDS: dict[str, JobKind] = {}


def job_runner(kind: str, *, may_download: Callable[[object, dict], bool]):
    """Register a runner: it does the work, reports progress, and returns (file, name) or the
    path of a result page."""
    def register(fn: Runner) -> Runner:
        KINDS[kind] = JobKind(fn, may_download)
        return fn
    return register


class Periodic(NamedTuple):
    kind: str                # a registered job kind
    at: time_of_day          # the local time of day it is due
    title: str
    params: dict


PERIODIC: dict[str, Periodic] = {}


def periodic_job(name: str, *, kind: str, at: time_of_day, title: str, params: dict | None = None) -> None:
    """Register a job of `kind` due every day at local time `at` (queued by the workers)."""
    PERIODIC[name] = Periodic(kind, at, title, params or {})


def latest_due(at: time_of_day, now: datetime) -> datetime:
    """The latest moment at or before `now` when a job due daily at local time `at` was due."""
    local = timezone.localtime(now)
    due = timezone.make_aware(datetime.combine(local.date(), at), local.tzinfo)
    return due if due <= local else timezone.make_aware(datetime.combine(local.date() - timedelta(days=1), at),
                                                        local.tzinfo)


# pg_advisory_xact_lock key under which workers queue periodic jobs.
PERIODIC_LOCK = 0x54_5A_50_45  # "TZPE"
SYSTEM_USERNAME = "system"


def system_user():
    """The account periodic jobs are queued and audited as: no role, cannot log in."""
    from django.contrib.auth.hashers import make_password

    from .models import User

    user, _ = User.objects.get_or_create(username=SYSTEM_USERNAME, defaults={
        "full_name": "系统（定时任务）", "is_active": False, "password": make_password(None)})
    return user


@transaction.atomic
def enqueue_due_periodic(now: datetime | None = None) -> list[BackgroundJob]:
    """Queue each periodic job whose latest due moment has no job yet, and return those queued:
    tonight's run, or after nights without a worker, one run for all of them."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PERIODIC_LOCK])
    queued = []
    for name, periodic in PERIODIC.items():
        due = latest_due(periodic.at, now).isoformat()
        if BackgroundJob.objects.filter(kind=periodic.kind, params__periodic=name, params__due=due).exists():
            continue
        actor = system_user()
        with audit_context(actor, "enqueue_due_periodic"):
            queued.append(BackgroundJob.objects.create(
                kind=periodic.kind, title=periodic.title, created_by=actor,
                params={**periodic.params, "periodic": name, "due": due}))
    return queued


class JobLost(Exception):
    """Another worker took this job over (ours was thought dead): stop quietly."""


def job_path(job: BackgroundJob) -> Path:
    """Where a job keeps its parts and result: outside static/, served only by the scoped view
    (not created: job_folder does that for the job that writes there)."""
    return Path(settings.MEDIA_ROOT) / "jobs" / str(job.pk)


def job_folder(job: BackgroundJob) -> Path:
    """The job's folder (job_path), created."""
    folder = job_path(job)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Progress:
    """What a runner reports: the total, then steps done. Each report is the heartbeat."""

    def __init__(self, job: BackgroundJob, worker: str):
        self.job, self.worker = job, worker
        self.noted: int | None = None

    def note(self, done: int) -> None:
        """Progress made inside a transaction, where an update of the job row would stay
        invisible until the end: the heartbeat thread writes it from its own connection."""
        self.noted = done

    def _update(self, **fields) -> None:
        fields["heartbeat_at"] = timezone.now()
        updated = BackgroundJob.objects.filter(pk=self.job.pk, worker=self.worker,
                                               status=BackgroundJob.Status.RUNNING).update(**fields)
        if not updated:
            raise JobLost(self.job.pk)

    def beat(self) -> None:
        """The heartbeat, with any progress noted since: the job is alive."""
        noted = self.noted
        if noted is not None:
            self._update(progress_done=models.Func(models.Value(noted), models.F("progress_total"),
                                                   function="LEAST"))
        else:
            self._update()

    def total(self, total: int, done: int = 0) -> None:
        self._update(progress_total=total, progress_done=done)

    def done(self, done: int) -> None:
        self._update(progress_done=done)


def job_defer(*, kind: str, title: str, params: dict, actor) -> BackgroundJob:
    """Queue a job for the workers and return it. Raises KeyError for an unknown kind, and
    RuleViolation("busy") when the user already has an expensive job waiting or running
    (BackgroundJob.ONE_AT_A_TIME: the database holds each user to one)."""
    if kind not in KINDS:
        raise KeyError(kind)
    try:
        with transaction.atomic(), audit_context(actor, "job_defer"):
            return BackgroundJob.objects.create(kind=kind, title=title[:200], params=params,
                                                created_by=actor)
    except IntegrityError as error:
        if "job_one_expensive_per_user" not in str(error):
            raise
        running = (BackgroundJob.objects.filter(created_by=actor, kind__in=BackgroundJob.ONE_AT_A_TIME,
                                                status__in=["queued", "running"]).first())
        raise RuleViolation("busy", f"您已有一个后台任务“{running.title if running else ''}”正在处理，"
                                    "请等它完成后再提交（可在“后台任务”中查看进度）。") from None


# A job whose workers died this many times (it may be what kills them) is failed, not retried.
MAX_ATTEMPTS = 3


def claim_next_job(worker: str) -> BackgroundJob | None:
    """The oldest job waiting, or running with a stale heartbeat, now leased to `worker`."""
    stale = timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER)
    with transaction.atomic():
        job = (BackgroundJob.objects.select_for_update(skip_locked=True)
               .filter(Q(status=BackgroundJob.Status.QUEUED)
                       | Q(status=BackgroundJob.Status.RUNNING, heartbeat_at__lt=stale))
               .order_by("created_at").first())
        if job is None:
            return None
        now = timezone.now()
        if job.status == BackgroundJob.Status.RUNNING:
            logger.warning("job %s: worker %s lost, taken over by %s", job.pk, job.worker, worker)
            _remove_temporary_files(job)
            if job.attempts >= MAX_ATTEMPTS:
                job_fail(job, f"任务执行了 {job.attempts} 次都中断了，已停止重试（任务编号 {job.pk}），请联系系统管理员。")
                return claim_next_job(worker)
        job.status, job.worker, job.attempts = BackgroundJob.Status.RUNNING, worker, job.attempts + 1
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.save(update_fields=["status", "worker", "attempts", "started_at", "heartbeat_at"])
        return job


class Heartbeat:
    """Moves a running job's heartbeat every JOB_STALE_AFTER / 4 seconds from a thread of its
    own, while a step runs (one certificate part can take longer than JOB_STALE_AFTER): only a
    worker that died stops beating, so only its jobs are taken over."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"heartbeat-{progress.job.pk}", daemon=True)

    def _run(self) -> None:
        # Often enough for a progress bar, and well within JOB_STALE_AFTER.
        interval = max(0.2, min(2.0, settings.JOB_STALE_AFTER / 4))
        try:
            while not self.stopped.wait(interval):
                try:
                    self.progress.beat()
                except JobLost:
                    return
                except DatabaseError:
                    logger.warning("job %s: heartbeat failed, retrying", self.progress.job.pk)
                    connection.close()
        finally:
            connections.close_all()    # this thread's own connection

    def __enter__(self):
        # A test running a job inside its transaction: another connection would wait on its locks.
        if not connection.in_atomic_block:
            self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        if self.thread.is_alive():
            self.thread.join()


def run_job(job: BackgroundJob, worker: str) -> None:
    """Run a claimed job to its end: done with its result file, or failed with a reason."""
    progress = Progress(job, worker)
    # The job's own end is recorded in the same audit context as its work: its creator's.
    with audit_context(job.created_by, f"job:{job.kind}", job=job.pk), Heartbeat(progress):
        try:
            result = KINDS[job.kind].run(job, progress)
        except JobLost:
            logger.warning("job %s: lease lost by %s, stopping", job.pk, worker)
            return
        except (OperationalError, InterfaceError):
            # The database went away: the job stays running, its parts are kept, and a worker
            # takes it over once its heartbeat is stale (the Worker loop waits for the database).
            raise
        except RuleViolation as violation:
            job_fail(job, violation.message, worker=worker)
        except Exception:  # noqa: BLE001 - a job must end as failed, with the detail in the log
            logger.error("job %s failed:\n%s", job.pk, traceback.format_exc())
            job_fail(job, f"处理时出现内部错误（任务编号 {job.pk}），已记录，请联系系统管理员。", worker=worker)
        else:
            if isinstance(result, str):
                _finish(job, worker, result_url=result)
            else:
                path, name = result
                _finish(job, worker, result_file=str(path.relative_to(settings.MEDIA_ROOT)), result_name=name)


def _finish(job: BackgroundJob, worker: str, **result) -> None:
    BackgroundJob.objects.filter(pk=job.pk, worker=worker).update(
        status=BackgroundJob.Status.DONE, finished_at=timezone.now(), heartbeat_at=timezone.now(), **result)


def job_fail(job: BackgroundJob, message: str, *, worker: str | None = None) -> None:
    """End a job as failed and remove its parts: they may hold personal data."""
    import shutil

    shutil.rmtree(job_path(job), ignore_errors=True)
    BackgroundJob.objects.filter(pk=job.pk, **({"worker": worker} if worker else {})).update(
        status=BackgroundJob.Status.FAILED, message=message[:500], finished_at=timezone.now(),
        heartbeat_at=timezone.now())


def _remove_temporary_files(job: BackgroundJob) -> None:
    """Half-written files of a worker that died (write_atomically's temporary names)."""
    for path in job_path(job).glob(".*.tmp-*"):
        path.unlink(missing_ok=True)


# Waits between reconnection attempts while the database is away: doubling up to a ceiling.
RECONNECT_FIRST, RECONNECT_MAX = 0.5, 30.0


class Worker:
    """The loop of `manage.py run_worker`: claim, run, repeat; SIGTERM finishes the current
    job's step and exits (a job cut short is resumed by the next worker). When the database
    goes away (a restart, a failover) the worker waits with growing pauses and carries on when
    it is back; a job cut off in the middle is taken over once its heartbeat is stale."""

    # How often a running worker looks for periodic jobs that fell due.
    SCHEDULE_EVERY = 60.0

    def __init__(self, poll_interval: float = 1.0, schedule: bool | None = None):
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.poll_interval = poll_interval
        self.running = True
        self.backoff = 0.0
        # settings.PERIODIC_JOBS: off in the test settings, so a test's worker runs only its jobs.
        self.schedule = settings.PERIODIC_JOBS if schedule is None else schedule
        self.scheduled_at = None

    def stop(self, *args) -> None:
        self.running = False

    def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while self.running and time.monotonic() < end:
            time.sleep(min(0.2, end - time.monotonic()))

    def _database_lost(self, error: Exception) -> None:
        self.backoff = min(RECONNECT_MAX, self.backoff * 2 or RECONNECT_FIRST)
        logger.warning("worker %s: database unavailable (%s), retrying in %.1f s",
                       self.name, str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__,
                       self.backoff)
        try:
            connection.close()
        except DatabaseError:
            pass
        self._sleep(self.backoff)

    def run(self, *, once: bool = False) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        ran = 0
        while self.running:
            try:
                if not connection.in_atomic_block:  # (tests run the loop inside a transaction)
                    close_old_connections()  # a worker lives for days: drop dead connections
                self._queue_periodic()
                job = claim_next_job(self.name)
                if job is not None:
                    run_job(job, self.name)
                    ran += 1
            except (OperationalError, InterfaceError) as error:
                if connection.in_atomic_block:
                    raise
                self._database_lost(error)
                continue
            if self.backoff:
                logger.warning("worker %s: database available again", self.name)
                self.backoff = 0.0
            if job is not None:
                continue
            if once:
                break
            self._sleep(self.poll_interval)
        return ran


    def _queue_periodic(self) -> None:
        """At the start, then once a minute: queue the periodic jobs that fell due."""
        if not self.schedule:
            return
        if self.scheduled_at is not None and time.monotonic() - self.scheduled_at < self.SCHEDULE_EVERY:
            return
        self.scheduled_at = time.monotonic()
        for job in enqueue_due_periodic():
            logger.info("periodic job %s queued: %s", job.pk, job.title)


def die_with_parent() -> None:
    """Initializer of helper processes a job forks: when the worker dies (even by kill -9), the
    kernel kills them too instead of leaving them orphaned (Linux prctl PR_SET_PDEATHSIG). They
    only render to temporary files, so nothing is lost; SIGKILL, because they inherit the
    worker's graceful SIGTERM handler."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except OSError:
        pass


def write_atomically(path: Path, write: Callable[[Path], None]) -> Path:
    """Write a file under a temporary name and rename it: a reader (or a resumed job) never
    sees half a file."""
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    write(temporary)
    os.replace(temporary, path)
    return path


# --- One PDF made of many pages, in parts ----------------------------------------------------

def pdf_in_parts(job: BackgroundJob, progress: Progress, *, ids: Callable[[], list[int]],
                 data_of: Callable[[list[int]], list], render: Callable[[Path, list], None],
                 per_part: int, processes: int, empty_message: str) -> Path:
    """The job's one PDF of a page (or a few) per id: the ids are fixed at the first run, parts
    of `per_part` are rendered `processes` at a time (WeasyPrint uses one core per document and
    keeps a whole document's layout in memory), then merged in constant memory. Resumable: a
    restarted job keeps the parts already on disk. `data_of(part)` reads the database in this
    process; `render(path, data)` only renders, in a child process. Raises RuleViolation with
    `empty_message` when there is nothing to print."""
    import json

    from .pdf import merge_pdfs

    folder = job_folder(job)
    result = folder / "result.pdf"
    if result.exists():      # finished before the worker stopped: nothing left to do
        return result
    ids_file = folder / "ids.json"
    if ids_file.exists():
        chosen = json.loads(ids_file.read_text())
    else:
        chosen = ids()
        write_atomically(ids_file, lambda p: p.write_text(json.dumps(chosen)))
    if not chosen:
        raise RuleViolation("empty", empty_message)
    parts = [chosen[i:i + per_part] for i in range(0, len(chosen), per_part)]
    paths = [folder / f"part-{n:05d}.pdf" for n in range(len(parts))]
    done = sum(len(part) for part, path in zip(parts, paths) if path.exists())
    progress.total(len(chosen), done)
    todo = [(part, path) for part, path in zip(parts, paths) if not path.exists()]
    for count in _render_parts(todo, data_of, render, processes):
        done += count
        progress.done(done)
    if len(paths) == 1:
        paths[0].replace(result)
    else:
        write_atomically(result, lambda p: merge_pdfs(paths, p))
        for path in paths:
            path.unlink()
    return result


def _render_part(render, path, data) -> None:
    write_atomically(path, lambda p: render(p, data))


def _render_parts(todo, data_of, render, processes: int):
    """Render the parts, `processes` at a time; yield the number of ids of each part as it is
    written. The parent reads the database; the children only render, from plain data."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    import multiprocessing

    from django.db import connections

    processes = min(processes, len(todo))
    # Inside a transaction (a test running the job in-process) the connection cannot be closed
    # for forking: render here.
    if processes <= 1 or connection.in_atomic_block:
        for part, path in todo:
            _render_part(render, path, data_of(part))
            yield len(part)
        return
    # Children are forked: close the database connection first, or a child exiting would
    # close the parent's socket too.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context, initializer=die_with_parent) as pool:
        pending = {}
        queue = list(todo)
        while queue or pending:
            while queue and len(pending) < processes:
                part, path = queue.pop(0)
                pending[pool.submit(_render_part, render, path, data_of(part))] = len(part)
                connections.close_all()
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                future.result()
                yield pending.pop(future)
