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

This module holds the retention service, its selectors and its job runner in one place: it
reaches into three apps and is the only code that deletes their data. Every deletion runs inside
`audit_context(actor, "retention_purge")`: tracked rows (claim documents, jobs, roster imports)
leave their delete or update event in the audit trail; the job's row keeps the summary.
Append-only rows (access log, roster rows) are deleted only through two database functions
(migration core.0005) that run as the tables' owner, so the runtime role needs no DELETE on them,
and that refuse what is not due (the access log: anything younger than 184 days, S15).
"""

import logging
import shutil
from datetime import date, datetime, time
from pathlib import Path

import pgtrigger
from django.conf import settings
from django.core.checks import Error, register
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .audit import audit_context
from .jobs import job_runner
from .models import AccessLog, BackgroundJob
from .rules import RetentionPeriods, RuleViolation, check_retention_periods, retention_cutoffs

logger = logging.getLogger(__name__)

# What each kind is called, and what its count counts.
LABELS = {
    "claim_documents": ("理赔材料", "份"),
    "access_log": ("访问日志", "条"),
    "job_files": ("后台任务文件", "个任务"),
    "roster_previews": ("未导入的花名册明细", "批"),
    "roster_rows": ("已导入的花名册明细", "批"),
}
BATCH = 200   # claims (or roster imports) per transaction: locks stay short, progress moves


def retention_periods() -> RetentionPeriods:
    return RetentionPeriods(
        claim_document_years=settings.RETENTION_CLAIM_DOCUMENT_YEARS,
        access_log_days=settings.RETENTION_ACCESS_LOG_DAYS,
        job_file_days=settings.RETENTION_JOB_FILE_DAYS,
        roster_preview_days=settings.RETENTION_ROSTER_PREVIEW_DAYS,
        roster_rows_days=settings.RETENTION_ROSTER_ROWS_DAYS,
    )


def period_text(kind: str, periods: RetentionPeriods) -> str:
    return {
        "claim_documents": f"结案后保存 {periods.claim_document_years} 年",
        "access_log": f"保存 {periods.access_log_days} 天",
        "job_files": f"任务结束后保存 {periods.job_file_days} 天",
        "roster_previews": f"上传后保存 {periods.roster_preview_days} 天",
        "roster_rows": f"导入后保存 {periods.roster_rows_days} 天",
    }[kind]


@register()
def check_periods(app_configs, **kwargs):
    """`manage.py check` (and every start) refuses a period the law does not allow."""
    try:
        check_retention_periods(retention_periods())
    except RuleViolation as violation:
        return [Error(violation.message, id="core.E901", hint="docs/deploy.md, Retention")]
    return []


def _start_of(day: date) -> datetime:
    """Midnight at the start of a local (Beijing) day: instants before it ended on earlier days."""
    return timezone.make_aware(datetime.combine(day, time.min))


# --- selectors -----------------------------------------------------------------------------
def closed_before(cutoff: date) -> Q:
    """Claims closed before the cutoff day: paid, withdrawn, or refused (the last refusal; an
    appeal reopens the claim). Other states are open and keep everything."""
    from claims.models import ClaimStatus

    start = _start_of(cutoff)
    return (Q(status=ClaimStatus.PAID, paid_at__lt=start) | Q(status=ClaimStatus.WITHDRAWN, withdrawn_at__lt=start)
            | Q(status=ClaimStatus.REFUSED, refused_at__lt=start))


def due_claims(cutoff: date):
    """Closed claims before the cutoff that still have documents."""
    from claims.models import Claim, ClaimDocument

    return (Claim.objects.filter(closed_before(cutoff))
            .filter(Exists(ClaimDocument.objects.filter(claim=OuterRef("pk")))).order_by("pk"))


def _job_folders() -> dict[int, Path]:
    root = Path(settings.MEDIA_ROOT) / "jobs"
    return {int(p.name): p for p in root.iterdir() if p.name.isdigit()} if root.exists() else {}


def due_jobs(cutoff: date):
    """Ended jobs before the cutoff that still have a file or folder."""
    return BackgroundJob.objects.filter(
        Q(pk__in=list(_job_folders())) | ~Q(result_file=""),
        status__in=[BackgroundJob.Status.DONE, BackgroundJob.Status.FAILED],
        finished_at__lt=_start_of(cutoff)).order_by("pk")


def due_roster_imports(kind: str, cutoff: date):
    """Roster imports whose rows are due: never applied and uploaded before the cutoff, or
    applied before it."""
    from enrollment.models import RosterImport, RosterRow

    has_rows = Exists(RosterRow.objects.filter(roster_import=OuterRef("pk")))
    qs = RosterImport.objects.filter(has_rows).order_by("pk")
    if kind == "roster_previews":
        return qs.exclude(status=RosterImport.Status.APPLIED).filter(created_at__lt=_start_of(cutoff))
    return qs.filter(status=RosterImport.Status.APPLIED, applied_at__lt=_start_of(cutoff))


def due_counts(*, today: date, periods: RetentionPeriods | None = None) -> dict[str, int]:
    """How many items of each kind are due on `today` (documents, entries, jobs, imports)."""
    from claims.models import ClaimDocument

    cutoffs = retention_cutoffs(today=today, periods=periods or retention_periods())
    return {
        "claim_documents": ClaimDocument.objects.filter(claim__in=due_claims(cutoffs["claim_documents"])).count(),
        "access_log": AccessLog.objects.filter(at__lt=_start_of(cutoffs["access_log"])).count(),
        "job_files": due_jobs(cutoffs["job_files"]).count(),
        "roster_previews": due_roster_imports("roster_previews", cutoffs["roster_previews"]).count(),
        "roster_rows": due_roster_imports("roster_rows", cutoffs["roster_rows"]).count(),
    }


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

    with audit_context(actor, "retention_purge"):
        done["claim_documents"] = _purge_claim_documents(cutoffs["claim_documents"], actor, periods, step)
        done["access_log"] = _purge_access_log(cutoffs["access_log"])
        done["job_files"] = _purge_job_files(cutoffs["job_files"], today, periods)
        for kind in ("roster_previews", "roster_rows"):
            step()
            done[kind] = _purge_roster_rows(kind, cutoffs[kind], today, periods, step)
    tick(len(done))
    logger.info("retention purge on %s: %s", today, done)
    return done


def _remove_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.exception("retention purge: could not delete %s", name)
    for folder in {Path(settings.MEDIA_ROOT) / Path(name).parent for name in names}:
        try:
            folder.rmdir()          # the claim's folder, once empty
        except OSError:
            pass


def _purge_claim_documents(cutoff: date, actor, periods: RetentionPeriods, step) -> int:
    from claims.models import Claim, ClaimAction, ClaimDocument

    deleted, seen = 0, set()
    while ids := list(due_claims(cutoff).exclude(pk__in=seen).values_list("pk", flat=True)[:BATCH]):
        seen.update(ids)
        with transaction.atomic():
            # Lock the claims and ask again: one appealed meanwhile is open and keeps its documents.
            claims = list(Claim.objects.select_for_update(no_key=True).filter(pk__in=ids)
                          .filter(closed_before(cutoff)).values_list("pk", flat=True))
            documents = ClaimDocument.objects.filter(claim_id__in=claims)
            files = list(documents.values_list("claim_id", "file"))
            per_claim: dict[int, int] = {}
            for claim_id, _ in files:
                per_claim[claim_id] = per_claim.get(claim_id, 0) + 1
            documents.delete()
            ClaimAction.objects.bulk_create(
                ClaimAction(claim_id=claim_id, actor=actor, action="purge_documents",
                            note=f"理赔材料 {n} 份已按保存期限（{period_text('claim_documents', periods)}）删除")
                for claim_id, n in per_claim.items())
            names = [name for _, name in files]
            transaction.on_commit(lambda names=names: _remove_files(names))
        deleted += len(files)
        step()
    return deleted


def _delete_append_only(function: str, trigger: str, *args) -> int:
    """Delete append-only rows through their retention function (migration core.0005): it runs
    as the tables' owner and checks what may go; the append-only trigger is told to let this
    transaction's deletion through. (The savepoint inside the ignore: pgtrigger resets its
    setting on the way out, which must not meet an aborted transaction and hide the error.)"""
    with pgtrigger.ignore(trigger), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}({', '.join(['%s'] * len(args))})", list(args))
        return cursor.fetchone()[0]


def _purge_access_log(cutoff: date) -> int:
    with transaction.atomic():
        return _delete_append_only("retention_delete_access_log", "core.AccessLog:accesslog_append_only",
                                   _start_of(cutoff))


def _purge_job_files(cutoff: date, today: date, periods: RetentionPeriods) -> int:
    folders = _job_folders()
    with transaction.atomic():
        jobs = list(due_jobs(cutoff).select_for_update(no_key=True).values_list("pk", "status", "result_file"))
        with_result = [pk for pk, status, result in jobs if status == BackgroundJob.Status.DONE and result]
        BackgroundJob.objects.filter(pk__in=with_result).update(
            result_file="", message=f"结果文件已于 {today:%Y-%m-%d} 按保存期限（{period_text('job_files', periods)}）删除。")
        doomed = [folders[pk] for pk, _, _ in jobs if pk in folders]
        transaction.on_commit(lambda: [shutil.rmtree(folder, ignore_errors=True) for folder in doomed])
    return len(jobs)


def _purge_roster_rows(kind: str, cutoff: date, today: date, periods: RetentionPeriods, step) -> int:
    from enrollment.models import RosterImport

    done = 0
    while ids := list(due_roster_imports(kind, cutoff).values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            imports = list(due_roster_imports(kind, cutoff).filter(pk__in=ids).select_for_update(no_key=True))
            for ri in imports:
                _delete_append_only("retention_delete_roster_rows", "enrollment.RosterRow:rosterrow_append_only",
                                    ri.pk, _start_of(cutoff))
                if ri.status == RosterImport.Status.PREVIEWED:   # its rows are gone: it can no longer be applied
                    ri.status = RosterImport.Status.DISCARDED
                ri.notes = [*ri.notes, f"导入明细已于 {today:%Y-%m-%d} 按保存期限（{period_text(kind, periods)}）删除，"
                                       "汇总数字保留。"]
                ri.save(update_fields=["status", "notes"])
            done += len(imports)
        if not imports:
            break
        step()
    return done


# --- the job -------------------------------------------------------------------------------
def _may_see_purge(user, params: dict) -> bool:
    return False        # the purge has no file to download; its summary is on the job page


@job_runner("retention_purge", may_download=_may_see_purge)
def retention_purge_job(job, progress):
    """The purge as a background job: its summary stays on the job's row (and page)."""
    progress.total(len(LABELS))
    counts = retention_purge(actor=job.created_by, today=timezone.localdate(), tick=progress.done)
    summary = "；".join(f"{LABELS[kind][0]} {n} {LABELS[kind][1]}" for kind, n in counts.items())
    BackgroundJob.objects.filter(pk=job.pk).update(message=f"已按保存期限删除：{summary}。"[:500])
    return ""


@transaction.atomic
def retention_purge_queue(*, actor) -> BackgroundJob:
    """Queue the purge for the workers, unless one is already waiting or running."""
    from .jobs import job_defer

    pending = BackgroundJob.objects.filter(kind="retention_purge",
                                           status__in=[BackgroundJob.Status.QUEUED, BackgroundJob.Status.RUNNING])
    return pending.first() or job_defer(kind="retention_purge", title="按保存期限清理到期数据", params={}, actor=actor)
