"""Retention: the purge deletes what is due on the boundary day and nothing before it, keeps
everything a claim or import is still about, records what it did, and runs on the job queue
(core/retention.py, docs/deploy.md "Retention")."""

import os
import subprocess
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pgtrigger
import pytest
from django.core.management import call_command
from django.utils import timezone

from claims import services
from claims.models import Claim, ClaimDocument, ClaimDocumentEvent, ClaimStatus
from enrollment.models import RosterImport
from enrollment.services import roster_import_apply, roster_import_preview
from tests import rosters
from tests.factories import SchemeYearFactory
from tests.claims.conftest import decided_claim, insured, insurer_user, report, with_documents, year  # noqa: F401
from tongzhou_care.core.jobs import Worker, job_folder
from tongzhou_care.core.models import AccessLog, BackgroundJob
from tongzhou_care.core.retention import delete_append_only, due_counts, retention_purge, retention_purge_queue
from tongzhou_care.core.rules import RuleViolation


def at(day: str, clock: time = time(23, 59)) -> datetime:
    """An instant of a Beijing day (the last minute unless said)."""
    return timezone.make_aware(datetime.combine(date.fromisoformat(day), clock))


def purge(actor, today: str, captured) -> dict:
    with captured(execute=True):       # files go only after their rows' deletion commits
        return retention_purge(actor=actor, today=date.fromisoformat(today))


@pytest.fixture
def claims_closed_on_2021_03_15(insured, officer_a, insurer_user):
    """One claim in each closing state, and one appealed (open), all with their documents and
    their closing moment on 15 March 2021 at 23:59."""
    paid = decided_claim(insured, officer_a, insurer_user)
    services.payment_record(claim_id=paid.pk, paid_on=date(2025, 4, 1), amount=paid.amount,
                            bank_reference="ZH001", actor=insurer_user, today=date(2025, 4, 1))
    refused = with_documents(report(insured, officer_a, date(2025, 5, 1), date(2025, 5, 3)), officer_a)
    services.claim_refuse(claim_id=refused.pk, code="not_inpatient", explanation="门诊留观", actor=insurer_user)
    withdrawn = with_documents(report(insured, officer_a, date(2025, 6, 1), date(2025, 6, 2)), officer_a)
    services.claim_withdraw(claim_id=withdrawn.pk, reason="重复报案", actor=officer_a)
    appealed = with_documents(report(insured, officer_a, date(2025, 7, 1), date(2025, 7, 5)), officer_a)
    services.claim_refuse(claim_id=appealed.pk, code="not_inpatient", explanation="门诊留观", actor=insurer_user)
    services.claim_appeal(claim_id=appealed.pk, reason="已补交住院证明", actor=officer_a)
    moment = at("2021-03-15")
    Claim.objects.filter(pk__in=[paid.pk, refused.pk, withdrawn.pk, appealed.pk]).update(
        paid_at=moment, refused_at=moment, withdrawn_at=moment)
    return {"paid": paid, "refused": refused, "withdrawn": withdrawn, "appealed": appealed}


@pytest.mark.django_db
def test_claim_documents_go_the_day_after_five_years_and_only_of_closed_claims(
        claims_closed_on_2021_03_15, commission_admin, media_root, django_capture_on_commit_callbacks):
    claims = claims_closed_on_2021_03_15
    files = {name: [media_root / d.file.name for d in claim.documents.all()] for name, claim in claims.items()}
    assert all(path.exists() for paths in files.values() for path in paths)

    assert purge(commission_admin, "2026-03-15", django_capture_on_commit_callbacks)["claim_documents"] == 0
    assert ClaimDocument.objects.count() == sum(len(paths) for paths in files.values())

    done = purge(commission_admin, "2026-03-16", django_capture_on_commit_callbacks)
    closed = ("paid", "refused", "withdrawn")
    assert done["claim_documents"] == sum(len(files[name]) for name in closed)
    for name in closed:
        claim = Claim.objects.get(pk=claims[name].pk)
        assert not claim.documents.exists() and not any(path.exists() for path in files[name])
        assert not Path(files[name][0]).parent.exists()          # the claim's empty folder too
        last = claim.actions.order_by("-id").first()
        assert (last.action, last.actor) == ("purge_documents", commission_admin)
        assert last.note == f"理赔材料 {len(files[name])} 份已按保存期限（结案后保存 5 年）删除"
    # The appealed claim is open: it keeps its documents. The paid one keeps its decision.
    assert claims["appealed"].documents.count() == len(files["appealed"])
    assert all(path.exists() for path in files["appealed"])
    paid = Claim.objects.get(pk=claims["paid"].pk)
    assert (paid.status, paid.amount, paid.payment.amount) == (ClaimStatus.PAID, claims["paid"].amount, claims["paid"].amount)
    # The audit trail has each deletion, by whom and why.
    deleted = ClaimDocumentEvent.objects.filter(pgh_label="delete")
    assert deleted.count() == done["claim_documents"]
    assert {(e.pgh_context.metadata["user"], e.pgh_context.metadata["action"]) for e in deleted} == {
        (commission_admin.pk, "retention_purge")}
    # Nothing is due twice.
    assert purge(commission_admin, "2026-03-17", django_capture_on_commit_callbacks)["claim_documents"] == 0


@pytest.mark.django_db
def test_claim_page_shows_the_deletion_in_the_timeline(claims_closed_on_2021_03_15, commission_admin, client_for,
                                                       django_capture_on_commit_callbacks):
    purge(commission_admin, "2026-03-16", django_capture_on_commit_callbacks)
    page = client_for(commission_admin).get(f"/claims/{claims_closed_on_2021_03_15['paid'].pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "按保存期限删除材料" in text and "理赔材料 3 份已按保存期限（结案后保存 5 年）删除" in text


def _access_log(user, day: str, clock: time) -> AccessLog:
    entry = AccessLog.objects.create(user=user, action=AccessLog.Action.EXPORT, target="参保对象花名册")
    with pgtrigger.ignore("core.AccessLog:accesslog_append_only"):
        AccessLog.objects.filter(pk=entry.pk).update(at=at(day, clock))
    return entry


@pytest.mark.django_db
def test_access_log_is_kept_its_period_to_the_day(settings, commission_admin, django_capture_on_commit_callbacks):
    settings.RETENTION_ACCESS_LOG_DAYS = 184
    last_minute = _access_log(commission_admin, "2026-01-01", time(23, 59))
    next_day = _access_log(commission_admin, "2026-01-02", time(0, 0))
    assert purge(commission_admin, "2026-07-04", django_capture_on_commit_callbacks)["access_log"] == 0
    assert purge(commission_admin, "2026-07-05", django_capture_on_commit_callbacks)["access_log"] == 1
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [next_day.pk]
    assert not AccessLog.objects.filter(pk=last_minute.pk).exists()


@pytest.mark.django_db
def test_the_database_itself_keeps_the_access_log_184_days(commission_admin):
    """Even a caller that asks for more: the function refuses, and a plain DELETE stays refused."""
    from django.db import connection, transaction
    from django.db.utils import InternalError

    recent = _access_log(commission_admin, (timezone.localdate() - timedelta(days=100)).isoformat(), time(12))
    with pytest.raises(InternalError, match="kept at least 184 days"):
        delete_append_only("retention_delete_access_log", "core.AccessLog:accesslog_append_only", timezone.now())
    with pytest.raises(InternalError, match="append_only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_accesslog WHERE id = %s", [recent.pk])
    assert AccessLog.objects.filter(pk=recent.pk).exists()


@pytest.mark.django_db
def test_a_period_below_the_legal_minimum_deletes_nothing(settings, commission_admin):
    settings.RETENTION_ACCESS_LOG_DAYS = 100
    _access_log(commission_admin, "2020-01-01", time(12))
    with pytest.raises(RuleViolation, match="184"):
        retention_purge(actor=commission_admin, today=date(2026, 7, 5))
    assert AccessLog.objects.count() == 1
    from django.core.checks import run_checks
    assert [e.id for e in run_checks() if e.id == "core.E901"] == ["core.E901"]


def _job(user, status, finished: str | None):
    params = {"scheme_year_id": SchemeYearFactory().pk, "street_id": None}
    job = BackgroundJob.objects.create(kind="certificate_batch", title="保险凭证批量", created_by=user, params=params,
                                       status=status)
    path = job_folder(job) / "certificates.pdf"
    path.write_bytes(b"%PDF-1.4 test")
    if status == BackgroundJob.Status.DONE:
        BackgroundJob.objects.filter(pk=job.pk).update(
            result_file=f"jobs/{job.pk}/certificates.pdf", result_name="保险凭证.pdf", finished_at=at(finished))
    return job


@pytest.mark.django_db
def test_job_files_go_thirty_days_after_the_job_and_the_page_says_so(
        commission_admin, client_for, media_root, django_capture_on_commit_callbacks):
    old = _job(commission_admin, BackgroundJob.Status.DONE, "2026-11-01")
    queued = _job(commission_admin, BackgroundJob.Status.QUEUED, None)     # waiting: never touched
    client = client_for(commission_admin)
    assert purge(commission_admin, "2026-12-01", django_capture_on_commit_callbacks)["job_files"] == 0
    assert client.get(f"/jobs/{old.pk}/download/").status_code == 200

    assert purge(commission_admin, "2026-12-02", django_capture_on_commit_callbacks)["job_files"] == 1
    assert not (media_root / "jobs" / str(old.pk)).exists()
    assert (media_root / "jobs" / str(queued.pk) / "certificates.pdf").exists()
    assert client.get(f"/jobs/{old.pk}/download/").status_code == 404
    page = client.get(f"/jobs/{old.pk}/").content.decode()
    assert "结果文件已于 2026-12-02 按保存期限（任务结束后保存 30 天）删除。" in page
    assert "下载" not in page.split('id="job-progress"')[1]


def _roster_import(actor, tmp_path, *, seed: int, apply: bool) -> RosterImport:
    path = rosters.as_xlsx(rosters.sample(seed=seed, per_street=(1, 1)), tmp_path, f"花名册{seed}.xlsx")
    ri = roster_import_preview(path=path, file_name=path.name, roster_year=2026, actor=actor)
    if apply:
        ri = roster_import_apply(roster_import_id=ri.pk, actor=actor, kinds={"new"}, skip_errors=True)
    return ri


@pytest.mark.django_db
def test_roster_rows_go_after_their_period_and_a_stale_preview_can_no_longer_be_applied(
        commission_admin, tmp_path, django_capture_on_commit_callbacks):
    applied = _roster_import(commission_admin, tmp_path, seed=1, apply=True)
    preview = _roster_import(commission_admin, tmp_path, seed=2, apply=False)
    RosterImport.objects.filter(pk=applied.pk).update(applied_at=at("2024-12-02"))
    RosterImport.objects.filter(pk=preview.pk).update(created_at=at("2026-11-01"))
    counts = {"applied": applied.new_count, "preview": preview.rows_total}
    assert applied.rows.exists() and preview.rows.exists()

    assert due_counts(today=date(2026, 12, 1))["roster_previews"] == 0
    done = purge(commission_admin, "2026-12-01", django_capture_on_commit_callbacks)
    assert (done["roster_previews"], done["roster_rows"]) == (0, 0)

    done = purge(commission_admin, "2026-12-02", django_capture_on_commit_callbacks)
    assert (done["roster_previews"], done["roster_rows"]) == (1, 0)
    preview.refresh_from_db()
    assert preview.status == RosterImport.Status.DISCARDED and not preview.rows.exists()
    assert preview.rows_total == counts["preview"]                       # the summary stays
    assert "导入明细已于 2026-12-02 按保存期限（上传后保存 30 天）删除，汇总数字保留。" in preview.notes
    assert applied.rows.exists()

    assert applied.rows.exists()             # applied on 2 December 2024: kept 730 days, to 2 December 2026
    done = purge(commission_admin, "2026-12-03", django_capture_on_commit_callbacks)
    applied.refresh_from_db()
    assert done["roster_rows"] == 1 and not applied.rows.exists()
    assert (applied.status, applied.new_count) == (RosterImport.Status.APPLIED, counts["applied"])


@pytest.mark.django_db
def test_the_purge_runs_on_the_job_queue_and_leaves_its_summary(commission_admin, client_for, capsys):
    _access_log(commission_admin, "2020-01-01", time(12))
    call_command("purge_expired", dry_run=True)
    assert "访问日志（保存 1095 天）：到期 1 条" in capsys.readouterr().out
    assert AccessLog.objects.count() == 1

    call_command("purge_expired", user=commission_admin.username)
    job = BackgroundJob.objects.get(kind="retention_purge")
    assert retention_purge_queue(actor=commission_admin) == job          # one at a time
    assert Worker().run(once=True) == 1
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.DONE and job.created_by == commission_admin
    assert job.message == ("已按保存期限删除：理赔材料 0 份；访问日志 1 条；后台任务文件 0 个任务；"
                           "未导入的花名册明细 0 批；已导入的花名册明细 0 批。")
    assert not AccessLog.objects.exists()
    page = client_for(commission_admin).get("/jobs/").content.decode()
    assert job.message in page


@pytest.mark.skipif(not os.environ.get("DATABASE_RUNTIME_URL"),
                    reason="needs the runtime role that scripts/lib.sh sets up (docs/deploy.md, Database roles)")
@pytest.mark.django_db(transaction=True)
def test_the_purge_job_runs_as_the_runtime_role(commission_admin, tmp_path, media_root):
    """The worker connects as the role that may not delete append-only rows: the purge still
    deletes what is due, through the owner's functions."""
    from django.db import connection

    entry = _access_log(commission_admin, "2020-01-01", time(12))
    stale = _roster_import(commission_admin, tmp_path, seed=3, apply=False)
    RosterImport.objects.filter(pk=stale.pk).update(created_at=at("2020-01-01"))
    job = retention_purge_queue(actor=commission_admin)
    runtime = urlunsplit(urlsplit(os.environ["DATABASE_RUNTIME_URL"])._replace(path="/" + connection.settings_dict["NAME"]))
    env = {**os.environ, "DATABASE_URL": runtime, "DJANGO_SETTINGS_MODULE": "tongzhou_care.settings.test",
           "MEDIA_ROOT": str(media_root)}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    worker = subprocess.run([sys.executable, "manage.py", "run_worker", "--once"], cwd=Path(__file__).resolve().parents[2],
                            env=env, capture_output=True, text=True, timeout=120)
    assert worker.returncode == 0, worker.stdout + worker.stderr
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.DONE, job.message
    assert not AccessLog.objects.filter(pk=entry.pk).exists() and not stale.rows.exists()


@pytest.mark.django_db
def test_the_clerks_choices_on_a_preview_go_with_its_rows(commission_admin, tmp_path,
                                                         django_capture_on_commit_callbacks):
    from enrollment.models import Person, RosterRow, RosterRowChoice
    from enrollment.services import RowChoice, roster_rows_choose
    from tests.factories import PersonFactory

    person = PersonFactory(id_number="11010519491231002X", sex="F", birth_date=date(1949, 12, 31))
    path = tmp_path / "花名册.csv"
    path.write_text("姓名,公民身份号码,所属乡镇（街道）,扶助类别,状态\n"
                    f"{person.name},{person.id_number},中仓,死亡特扶,已死亡\n", encoding="utf-8")
    ri = roster_import_preview(path=path, file_name=path.name, roster_year=2026, actor=commission_admin)
    row = RosterRow.objects.get(roster_import=ri, kind="death")
    roster_rows_choose(roster_import_id=ri.pk, actor=commission_admin, choices=[RowChoice(row.pk, leave=True)])
    RosterImport.objects.filter(pk=ri.pk).update(created_at=at("2026-11-01"))
    done = purge(commission_admin, "2026-12-02", django_capture_on_commit_callbacks)
    assert done["roster_previews"] == 1
    assert not RosterRow.objects.filter(roster_import=ri).exists()
    assert not RosterRowChoice.objects.filter(roster_import=ri).exists()
    assert Person.objects.get().status == "active"
