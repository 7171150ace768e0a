"""Retention: each kind of data is kept for its period (settings RETENTION_*, the rule in
core.rules.retention_cutoffs, the reasons in docs/deploy.md "Retention"), then deleted by the
`retention_purge` job on the background queue (`manage.py purge_expired` queues it nightly).

What it deletes, and only when due:
- claim documents (files and rows) of claims closed before the cutoff; the claim keeps its
  decision, payment and timeline, which gains a line saying what was deleted and why;
- access log entries older than their period (never less than 184 days, S15);
- the files of background jobs that ended before the cutoff (results, queued uploads); the job
  row stays and says its file was deleted;
- the rows of roster imports (the uploaded file's content: ID numbers, phones, addresses):
  never applied → after a short period (a stale preview is discarded first, so it can no longer
  be applied); applied → after a longer one. The import's summary row stays.

Kept without a period: persons, policies, claims, payments and the audit trail (docs/audit.md).

Each app purges its own kinds: core the access log and job files here; claims the claim
documents (claims/retention.py), enrollment the roster rows (enrollment/retention.py), each
offered through its AppConfig's `retention_kinds()`, so core names no app (issue 10: the ground
floor imports nothing above it). This module holds the periods, the order, the service that
runs every kind and the job. Every deletion runs inside
`audit_context(actor, "retention_purge")`: tracked rows (claim documents, jobs, roster imports)
leave their delete or update event in the audit trail; the job's row keeps the summary.
Append-only rows (access log, roster rows) are deleted only through two database functions
(migration core.0005) that run as the tables' owner, so the runtime role needs no DELETE on them,
and that refuse what is not due (the access log: anything younger than 184 days, S15).
"""

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import pgtrigger
from django.conf import settings
from django.core.checks import Error, register
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from .audit import audit_context
from .jobs import job_runner
from .models import AccessLog, BackgroundJob
from .rules import RetentionPeriods, RuleViolation, check_retention_periods, retention_cutoffs

logger = logging.getLogger(__name__)

BATCH = 200   # claims (or roster imports) per transaction: locks stay short, progress moves


@dataclass(frozen=True)
class PurgeRun:
    """One purge: who runs it, today, the periods, and `step()` to call after every batch."""

    actor: object
    today: date
    periods: RetentionPeriods
    step: Callable[[], None]


@dataclass(frozen=True)
class RetentionKind:
    """One kind of data with a retention period: its key in core.rules.retention_cutoffs, its
    place in the summary, what it is called and counts, its period in words, how many items are
    due at a cutoff, and the purge of what is due (returns how many went)."""

    name: str
    order: int
    label: str
    unit: str
    period: Callable[[RetentionPeriods], str]
    due: Callable[[date], int]
    purge: Callable[[PurgeRun, date], int]


def retention_kinds() -> list[RetentionKind]:
    """Core's kinds and those of every installed app (AppConfig.retention_kinds), in order."""
    from django.apps import apps

    kinds = list(_CORE_KINDS)
    for config in apps.get_app_configs():
        kinds += getattr(config, "retention_kinds", lambda: [])()
    return sorted(kinds, key=lambda kind: kind.order)


def labels() -> dict[str, tuple[str, str]]:
    """What each kind is called, and what its count counts, in order."""
    return {kind.name: (kind.label, kind.unit) for kind in retention_kinds()}


def retention_periods() -> RetentionPeriods:
    return RetentionPeriods(
        claim_document_years=settings.RETENTION_CLAIM_DOCUMENT_YEARS,
        access_log_days=settings.RETENTION_ACCESS_LOG_DAYS,
        job_file_days=settings.RETENTION_JOB_FILE_DAYS,
        roster_preview_days=settings.RETENTION_ROSTER_PREVIEW_DAYS,
        roster_rows_days=settings.RETENTION_ROSTER_ROWS_DAYS,
    )


def period_text(kind: str, periods: RetentionPeriods) -> str:
    return next(k for k in retention_kinds() if k.name == kind).period(periods)


@register()
def check_periods(app_configs, **kwargs):
    """`manage.py check` (and every start) refuses a period the law does not allow."""
    try:
        check_retention_periods(retention_periods())
    except RuleViolation as violation:
        return [Error(violation.message, id="core.E901", hint="docs/deploy.md, Retention")]
    return []


def start_of(day: date) -> datetime:
    """Midnight at the start of a local (Beijing) day: instants before it ended on earlier days."""
    return timezone.make_aware(datetime.combine(day, time.min))


# --- selectors -----------------------------------------------------------------------------
def _job_folders() -> dict[int, Path]:
    root = Path(settings.MEDIA_ROOT) / "jobs"
    return {int(p.name): p for p in root.iterdir() if p.name.isdigit()} if root.exists() else {}


def due_jobs(cutoff: date):
    """Ended jobs before the cutoff that still have a file or folder."""
    return BackgroundJob.objects.filter(
        Q(pk__in=list(_job_folders())) | ~Q(result_file=""),
        status__in=[BackgroundJob.Status.DONE, BackgroundJob.Status.FAILED],
        finished_at__lt=start_of(cutoff)).order_by("pk")


def due_counts(*, today: date, periods: RetentionPeriods | None = None) -> dict[str, int]:
    """How many items of each kind are due on `today` (documents, entries, jobs, imports)."""
    cutoffs = retention_cutoffs(today=today, periods=periods or retention_periods())
    return {kind.name: kind.due(cutoffs[kind.name]) for kind in retention_kinds()}


# --- the service ---------------------------------------------------------------------------
def retention_purge(*, actor, today: date, tick=lambda kinds_done: None) -> dict[str, int]:
    """Delete everything due on `today` and return how many of each kind went. Each batch is
    its own transaction; files are removed only after their rows' deletion has committed.
    `tick(kinds_done)` is called after every batch (the job's progress and heartbeat)."""
    periods = retention_periods()
    check_retention_periods(periods)
    cutoffs = retention_cutoffs(today=today, periods=periods)
    done: dict[str, int] = {}

    def step():
        tick(len(done))

    run = PurgeRun(actor=actor, today=today, periods=periods, step=step)
    with audit_context(actor, "retention_purge"):
        for kind in retention_kinds():
            done[kind.name] = kind.purge(run, cutoffs[kind.name])
    tick(len(done))
    logger.info("retention purge on %s: %s", today, done)
    return done


def delete_append_only(function: str, trigger: str, *args) -> int:
    """Delete append-only rows through their retention function (migration core.0005): it runs
    as the tables' owner and checks what may go; the append-only trigger is told to let this
    transaction's deletion through. (The savepoint inside the ignore: pgtrigger resets its
    setting on the way out, which must not meet an aborted transaction and hide the error.)"""
    with pgtrigger.ignore(trigger), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}({', '.join(['%s'] * len(args))})", list(args))
        return cursor.fetchone()[0]


def _purge_access_log(run: PurgeRun, cutoff: date) -> int:
    with transaction.atomic():
        return delete_append_only("retention_delete_access_log", "core.AccessLog:accesslog_append_only",
                                   start_of(cutoff))


def _purge_job_files(run: PurgeRun, cutoff: date) -> int:
    today, periods = run.today, run.periods
    folders = _job_folders()
    with transaction.atomic():
        jobs = list(due_jobs(cutoff).select_for_update(no_key=True).values_list("pk", "status", "result_file"))
        with_result = [pk for pk, status, result in jobs if status == BackgroundJob.Status.DONE and result]
        BackgroundJob.objects.filter(pk__in=with_result).update(
            result_file="", message=f"结果文件已于 {today:%Y-%m-%d} 按保存期限（{period_text('job_files', periods)}）删除。")
        doomed = [folders[pk] for pk, _, _ in jobs if pk in folders]
        transaction.on_commit(lambda: [shutil.rmtree(folder, ignore_errors=True) for folder in doomed])
    return len(jobs)


_CORE_KINDS = (
    RetentionKind("access_log", 20, "访问日志", "条", lambda p: f"保存 {p.access_log_days} 天",
                  due=lambda cutoff: AccessLog.objects.filter(at__lt=start_of(cutoff)).count(),
                  purge=_purge_access_log),
    RetentionKind("job_files", 30, "后台任务文件", "个任务", lambda p: f"任务结束后保存 {p.job_file_days} 天",
                  due=lambda cutoff: due_jobs(cutoff).count(), purge=_purge_job_files),
)


# --- the job -------------------------------------------------------------------------------
def _may_see_purge(user, params: dict) -> bool:
    return False        # the purge has no file to download; its summary is on the job page


@job_runner("retention_purge", may_download=_may_see_purge)
def retention_purge_job(job, progress):
    """The purge as a background job: its summary stays on the job's row (and page)."""
    names = labels()
    progress.total(len(names))
    counts = retention_purge(actor=job.created_by, today=timezone.localdate(), tick=progress.done)
    summary = "；".join(f"{names[kind][0]} {n} {names[kind][1]}" for kind, n in counts.items())
    BackgroundJob.objects.filter(pk=job.pk).update(message=f"已按保存期限删除：{summary}。"[:500])
    return ""


@transaction.atomic
def retention_purge_queue(*, actor) -> BackgroundJob:
    """Queue the purge for the workers, unless one is already waiting or running."""
    from .jobs import job_defer

    pending = BackgroundJob.objects.filter(kind="retention_purge",
                                           status__in=[BackgroundJob.Status.QUEUED, BackgroundJob.Status.RUNNING])
    return pending.first() or job_defer(kind="retention_purge", title="按保存期限清理到期数据", params={}, actor=actor)
