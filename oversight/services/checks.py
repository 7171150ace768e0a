"""Every write of the data checks: a run of all rules (on demand as a background job, and
nightly through the job queue's schedule), and the commission's handling of a finding.

A rule's findings are written by ONE statement per rule, from the rule's rows materialised just
before: new objects are inserted, known ones are left alone unless something about them changed (a
resolved finding whose condition is found again is reopened; figures that changed are
updated; one a previous run no longer found is found again), and open findings the query no
longer returns are marked as cleared. Keyed by (rule, key), a rerun neither duplicates nor
loses a finding, and an unchanged rerun writes no row (and no audit event).

Locks: a run holds a transaction-level advisory lock per rule, so two runs never write the
same findings at once; the statement locks only finding rows (oversight rows are last in the
project's lock order) and reads persons, claims and policies without locking them."""

import time
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from claims.rules import check_reason
from tongzhou_care.core.audit import audit_context
from tongzhou_care.core.jobs import job_defer
from tongzhou_care.core.models import BackgroundJob, User
from tongzhou_care.core.rules import RuleViolation

from ..models.checks import CheckFinding, CheckFindingStatus, CheckRun
from ..rules.checks import CHECK_RULES, CheckRule
from ..workflow.checks import CHECK_FINDING_WORKFLOW, CheckFindingFacts

# pg_advisory_xact_lock keys: one run writes a rule's findings at a time; one request queues a run.
RUN_LOCK = 0x54_5A_43_48  # "TZCH"
REQUEST_LOCK = 0x54_5A_43_52  # "TZCR"
JOB_KIND = "data_checks"

# The rule's rows are materialised first by a plain CREATE TABLE AS, which PostgreSQL may run
# with parallel workers like the bare query (a statement that writes rows, such as the upsert,
# is never planned in parallel: measured 11.5 s against 7.0 s for the engine recomputation at a
# million claims); the upsert then reads the few rows found.
_FOUND = "CREATE TEMP TABLE check_found ON COMMIT DROP AS {rule_sql}"

_UPSERT = """
WITH written AS (
    INSERT INTO oversight_checkfinding AS f
        (rule, key, person_id, claim_id, street_id, detail, status, first_run_id, first_found_at,
         reopened_count, note, updated_at)
    SELECT %(rule)s, found.key, found.person_id, found.claim_id, found.street_id, found.detail, 'open',
           %(run)s, %(now)s, 0, '', %(now)s
    FROM check_found found
    ON CONFLICT (rule, key) DO UPDATE SET
        status = CASE WHEN f.status = 'resolved' THEN 'open' ELSE f.status END,
        reopened_count = f.reopened_count + CASE WHEN f.status = 'resolved' THEN 1 ELSE 0 END,
        reopened_at = CASE WHEN f.status = 'resolved' THEN %(now)s ELSE f.reopened_at END,
        cleared_at = NULL,
        person_id = EXCLUDED.person_id, claim_id = EXCLUDED.claim_id, street_id = EXCLUDED.street_id,
        detail = EXCLUDED.detail, updated_at = %(now)s
    WHERE f.status = 'resolved' OR f.cleared_at IS NOT NULL OR f.detail IS DISTINCT FROM EXCLUDED.detail
       OR f.street_id IS DISTINCT FROM EXCLUDED.street_id OR f.person_id IS DISTINCT FROM EXCLUDED.person_id
       OR f.claim_id IS DISTINCT FROM EXCLUDED.claim_id
    RETURNING (xmax = 0) AS inserted, (xmax <> 0 AND reopened_at = %(now)s) AS reopened
),
cleared AS (
    UPDATE oversight_checkfinding f SET cleared_at = %(now)s, updated_at = %(now)s
    WHERE f.rule = %(rule)s AND f.status = 'open' AND f.cleared_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM check_found found WHERE found.key = f.key)
    RETURNING 1
)
SELECT (SELECT count(*) FROM check_found), (SELECT count(*) FILTER (WHERE inserted) FROM written),
       (SELECT count(*) FILTER (WHERE reopened) FROM written), (SELECT count(*) FROM cleared)
"""

# Session settings of a run, applied to its transactions only. JIT compilation of these one-off
# scans costs seconds and saves nothing (measured: 4.2 s of 6.8 s for the engine recomputation at
# a million claims, the same 6.9 s without it); the benchmark runs the bare queries the same way.
RUN_SETTINGS = ("SET LOCAL jit = off",)


def rule_params(today: date) -> dict:
    """The parameters every rule's query takes."""
    return {"today": today, "tz": settings.TIME_ZONE}


def _run_rule(rule: CheckRule, *, run: CheckRun, now, actor) -> dict:
    """Write one rule's findings (one transaction); returns its counts."""
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RUN_LOCK])
        for setting in RUN_SETTINGS:
            cursor.execute(setting)
        cursor.execute("DROP TABLE IF EXISTS pg_temp.check_found")     # (a test's run shares one transaction)
        cursor.execute(_FOUND.replace("{rule_sql}", rule.sql), rule_params(run.today))
        with audit_context(actor, "checks_run", rule=rule.name, check_run=run.pk):
            cursor.execute(_UPSERT, {"rule": rule.name, "run": run.pk, "now": now})
            found, new, reopened, cleared = cursor.fetchone()
    return {"rule": rule.name, "found": found, "new": new, "reopened": reopened, "cleared": cleared,
            "seconds": round(time.perf_counter() - started, 3)}


def checks_run(*, actor: User, trigger: str = CheckRun.Trigger.MANUAL, job: BackgroundJob | None = None,
               progress=None, today: date | None = None, rules: tuple[CheckRule, ...] = CHECK_RULES) -> CheckRun:
    """Run every data check and return the run with its counts per rule. Each rule commits on
    its own, so a long run shows progress and a run cut short keeps what it wrote (rerunning is
    harmless). `progress` (a core.jobs.Progress) hears of each rule done."""
    today = today or timezone.localdate()
    with audit_context(actor, "checks_run"):
        run = CheckRun.objects.filter(job=job).first() if job is not None else None
        if run is None:
            run = CheckRun.objects.create(job=job, trigger=trigger, started_by=actor, started_at=timezone.now(),
                                          today=today)
        else:       # the job's worker died and another took it over: start the rules again
            run.status, run.results, run.today = CheckRun.Status.RUNNING, [], today
            run.save(update_fields=["status", "results", "today"])
    if progress is not None:
        progress.total(len(rules))
    try:
        for done, rule in enumerate(rules, start=1):
            result = _run_rule(rule, run=run, now=timezone.now(), actor=actor)
            run.results = [*run.results, result]
            with audit_context(actor, "checks_run"):
                run.save(update_fields=["results"])
            if progress is not None:
                progress.done(done)
    except BaseException:
        with audit_context(actor, "checks_run"):
            CheckRun.objects.filter(pk=run.pk).update(status=CheckRun.Status.FAILED, finished_at=timezone.now())
        raise
    with audit_context(actor, "checks_run"):
        run.status, run.finished_at = CheckRun.Status.DONE, timezone.now()
        run.save(update_fields=["status", "finished_at"])
    return run


@transaction.atomic
def checks_request(*, actor: User) -> tuple[BackgroundJob, bool]:
    """Queue a run of all data checks for the workers, unless one is already waiting or
    running; returns (that job, whether it was queued now). Raises PermissionDenied."""
    if not actor.has_perm("oversight.run_checks"):
        raise PermissionDenied("您没有运行数据核查的权限。")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REQUEST_LOCK])
    pending = (BackgroundJob.objects.filter(kind=JOB_KIND, status__in=[BackgroundJob.Status.QUEUED,
                                                                         BackgroundJob.Status.RUNNING])
               .order_by("created_at").first())
    if pending is not None:
        return pending, False
    return job_defer(kind=JOB_KIND, title="数据核查（手动运行）", params={"trigger": CheckRun.Trigger.MANUAL},
                     actor=actor), True


# --- Handling a finding ---------------------------------------------------------------------------

def _lock(finding_id: int) -> CheckFinding:
    return CheckFinding.objects.select_for_update(no_key=True, of=("self",)).get(pk=finding_id)


def _handle(finding_id: int, action: str, text: str, actor: User, *, what: str) -> CheckFinding:
    finding = _lock(finding_id)
    CHECK_FINDING_WORKFLOW.check(actor, CheckFindingFacts(status=finding.status), action)
    text = check_reason(text, code="note", what=what)
    with audit_context(actor, f"check_finding_{action}"):
        finding.status = CHECK_FINDING_WORKFLOW[action].target
        finding.handled_by, finding.handled_at, finding.note = actor, timezone.now(), text[:500]
        finding.save(update_fields=["status", "handled_by", "handled_at", "note", "updated_at"])
    return finding


@transaction.atomic
def check_finding_resolve(*, finding_id: int, note: str, actor: User) -> CheckFinding:
    """Close a finding as dealt with (核实处理), with what was done; a later run that finds the
    condition again reopens it. Raises PermissionDenied or RuleViolation."""
    return _handle(finding_id, "resolve", note, actor, what="核实和处理情况")


@transaction.atomic
def check_finding_dismiss(*, finding_id: int, reason: str, actor: User) -> CheckFinding:
    """Close a finding as not a problem (排除), with the reason; later runs leave it closed.
    Raises PermissionDenied or RuleViolation."""
    return _handle(finding_id, "dismiss", reason, actor, what="排除的理由")


@transaction.atomic
def check_finding_reopen(*, finding_id: int, reason: str, actor: User) -> CheckFinding:
    """Open a resolved or dismissed finding again, with the reason. Raises PermissionDenied or
    RuleViolation."""
    return _handle(finding_id, "reopen", reason, actor, what="重新打开的理由")


@transaction.atomic
def check_findings_resolve_cleared(*, rule: str, note: str, actor: User) -> int:
    """Resolve, with one note, every open finding of a rule that the latest run no longer found
    (e.g. the claims since paid); returns how many. Raises PermissionDenied or RuleViolation."""
    note = check_reason(note, code="note", what="核实和处理情况")
    ids = list(CheckFinding.objects.filter(rule=rule, status=CheckFindingStatus.OPEN, cleared_at__isnull=False)
               .order_by("pk").values_list("pk", flat=True))
    if not ids:
        raise RuleViolation("nothing", "该规则没有“已不再发现”的待处理发现。")
    for finding_id in ids:
        check_finding_resolve(finding_id=finding_id, note=note, actor=actor)
    return len(ids)
