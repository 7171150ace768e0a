"""Every write of inspections: record an inspection, add its findings, the responsible
party's rectification report with evidence, the commission's acceptance, return or
cancellation. Each is one transaction inside an audit context.

Lock order (docs/architecture.md): oversight rows come last in the project's order. These
services lock only the inspection (to number its findings) or the one finding they change,
`select_for_update(no_key=True, of=("self",))`, and read nothing under a lock of an earlier
kind, so they can never wait in the opposite order of a claim or enrollment service."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from tongzhou_care.core.audit import audit_context
from tongzhou_care.core.models import User
from tongzhou_care.core.rules import RuleViolation
from tongzhou_care.core.uploads import check_document
from tongzhou_care.core.workdays import is_workday

from ..models.inspections import FindingStatus, Inspection, InspectionFinding, Rectification, RectificationEvidence
from ..rules.inspections import check_text, due_date
from ..selectors.inspections import finding_facts
from ..workflow.inspections import FINDING_WORKFLOW

RECORD = "oversight.record_inspection"


@transaction.atomic
def inspection_record(*, data: dict, actor: User, today: date | None = None) -> Inspection:
    """Record an inspection (巡查) of a street or of the insurer and return it. Raises
    PermissionDenied, or RuleViolation for a date in the future."""
    if not actor.has_perm(RECORD):
        raise PermissionDenied("您没有记录巡查的权限。")
    today = today or timezone.localdate()
    if data["inspected_on"] > today:
        raise RuleViolation("inspected_on", "巡查日期不能晚于今天。")
    inspection = Inspection(
        inspected_on=data["inspected_on"], target=data["target"], street=data.get("street"),
        insurer=data.get("insurer"), scopes=list(data["scopes"]), inspectors=data["inspectors"].strip(),
        place=data.get("place", "").strip(), summary=data["summary"].strip(), created_by=actor)
    with audit_context(actor, "inspection_record"):
        inspection.full_clean()
        inspection.save()
    return inspection


@transaction.atomic
def finding_add(*, inspection_id: int, data: dict, actor: User, today: date | None = None) -> InspectionFinding:
    """Add a finding (问题) to an inspection, addressed to its responsible party, with its
    deadline in working days from today; returns it. Raises PermissionDenied or RuleViolation."""
    if not actor.has_perm(RECORD):
        raise PermissionDenied("您没有提出巡查问题的权限。")
    today = today or timezone.localdate()
    inspection = Inspection.objects.select_for_update(no_key=True).get(pk=inspection_id)
    due_on = due_date(issued_on=today, deadline_days=data["deadline_days"], is_workday=is_workday)
    number = (inspection.findings.aggregate(n=Max("number"))["n"] or 0) + 1
    finding = InspectionFinding(
        inspection=inspection, number=number, scope=data["scope"], description=data["description"].strip(),
        requirement=data.get("requirement", "").strip(), responsible=data["responsible"],
        responsible_street=data.get("responsible_street"), responsible_insurer=data.get("responsible_insurer"),
        issued_on=today, deadline_days=data["deadline_days"], due_on=due_on, created_by=actor)
    with audit_context(actor, "finding_add"):
        finding.full_clean(exclude=["inspection"])
        finding.save()
    return finding


def _locked(finding_id: int, action: str, actor: User, today: date | None) -> tuple[InspectionFinding, date]:
    """The finding, locked, once the action table lets `actor` take `action` on it now (raises
    PermissionDenied or RuleViolation otherwise), and the day it is taken on."""
    today = today or timezone.localdate()
    finding = (InspectionFinding.objects.select_for_update(no_key=True, of=("self",))
               .select_related("inspection").get(pk=finding_id))
    FINDING_WORKFLOW.check(actor, finding_facts(finding, today), action)
    return finding, today


def _pending_report(finding: InspectionFinding) -> Rectification:
    return finding.rectifications.select_for_update(no_key=True).get(outcome=Rectification.Outcome.PENDING)


@transaction.atomic
def finding_report(*, finding_id: int, text: str, files: list, actor: User,
                   today: date | None = None) -> Rectification:
    """The responsible party's rectification report (整改报告) with its evidence files; the
    finding then waits for the commission's acceptance. Every file is checked by content and
    size before anything is stored. Raises PermissionDenied or RuleViolation; on any error no
    file is left behind (S20)."""
    finding, today = _locked(finding_id, "report", actor, today)
    text = check_text(text, code="text", what="整改情况")
    if not files:
        raise RuleViolation("files", "请至少上传一份整改佐证材料。")
    checked = [(uploaded, *check_document(uploaded)) for uploaded in files]
    stored: list[RectificationEvidence] = []
    try:
        with audit_context(actor, "finding_report"):
            report = Rectification.objects.create(finding=finding, text=text, submitted_by=actor,
                                                  late=today > finding.due_on)
            for uploaded, content_type, sha256 in checked:
                evidence = RectificationEvidence(rectification=report, original_name=uploaded.name[:200],
                                                 content_type=content_type, size=uploaded.size, sha256=sha256,
                                                 uploaded_by=actor)
                evidence.file.save("upload", uploaded, save=False)
                stored.append(evidence)
                evidence.full_clean(exclude=["file"])
                evidence.save()
            finding.status = FindingStatus.REPORTED
            finding.save(update_fields=["status", "updated_at"])
    except BaseException:
        for evidence in stored:
            evidence.file.delete(save=False)
        raise
    return report


@transaction.atomic
def finding_accept(*, finding_id: int, note: str, actor: User, today: date | None = None) -> InspectionFinding:
    """The commission accepts the rectification (验收): the finding is closed. Raises
    PermissionDenied or RuleViolation."""
    finding, _ = _locked(finding_id, "accept", actor, today)
    now = timezone.now()
    with audit_context(actor, "finding_accept"):
        report = _pending_report(finding)
        report.outcome, report.reviewed_by, report.reviewed_at = Rectification.Outcome.ACCEPTED, actor, now
        report.review_note = note.strip()[:500]
        report.save(update_fields=["outcome", "reviewed_by", "reviewed_at", "review_note"])
        finding.status, finding.closed_at, finding.closed_by = FindingStatus.ACCEPTED, now, actor
        finding.close_note = report.review_note
        finding.save(update_fields=["status", "closed_at", "closed_by", "close_note", "updated_at"])
    return finding


@transaction.atomic
def finding_return(*, finding_id: int, reason: str, deadline_days: int, actor: User,
                   today: date | None = None) -> InspectionFinding:
    """The commission returns the rectification with a reason (退回整改) and gives a new
    deadline in working days from today. Raises PermissionDenied or RuleViolation."""
    finding, today = _locked(finding_id, "return", actor, today)
    reason = check_text(reason, code="reason", what="退回理由")
    new_due = due_date(issued_on=today, deadline_days=deadline_days, is_workday=is_workday)
    with audit_context(actor, "finding_return"):
        report = _pending_report(finding)
        report.outcome, report.reviewed_by, report.reviewed_at = Rectification.Outcome.RETURNED, actor, timezone.now()
        report.review_note, report.new_due_on = reason, new_due
        report.save(update_fields=["outcome", "reviewed_by", "reviewed_at", "review_note", "new_due_on"])
        finding.status, finding.due_on = FindingStatus.RETURNED, new_due
        finding.return_count += 1
        finding.save(update_fields=["status", "due_on", "return_count", "updated_at"])
    return finding


@transaction.atomic
def finding_cancel(*, finding_id: int, reason: str, actor: User, today: date | None = None) -> InspectionFinding:
    """The commission withdraws a finding recorded in error (撤销), with the reason. Raises
    PermissionDenied or RuleViolation."""
    finding, _ = _locked(finding_id, "cancel", actor, today)
    reason = check_text(reason, code="reason", what="撤销理由")
    with audit_context(actor, "finding_cancel"):
        finding.status, finding.closed_at, finding.closed_by = FindingStatus.CANCELLED, timezone.now(), actor
        finding.close_note = reason
        finding.save(update_fields=["status", "closed_at", "closed_by", "close_note", "updated_at"])
    return finding
