"""Read paths of inspections, always scoped to the user (S8): the commission sees every
inspection and finding; a street officer only the findings addressed to their street; insurer
staff only those addressed to their company; finance none."""

from datetime import date

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from tongzhou_care.core.access import sees_all_streets
from tongzhou_care.core.models import Role

from ..models.inspections import (
    AWAITING_PARTY,
    FindingStatus,
    Inspection,
    InspectionFinding,
    Rectification,
    RectificationEvidence,
)
from ..rules.inspections import FindingFacts, is_overdue


def inspections_visible_to(user) -> QuerySet[Inspection]:
    """Inspections are the commission's records: all of them for holders of view_inspection
    (who see all streets), none for anyone else (they see the findings addressed to them)."""
    qs = Inspection.objects.select_related("street", "insurer", "created_by")
    if user.is_authenticated and user.has_perm("oversight.view_inspection") and sees_all_streets(user):
        return qs
    return qs.none()


def inspection_for_user_or_404(user, inspection_id) -> Inspection:
    return get_object_or_404(inspections_visible_to(user), pk=inspection_id)


def inspection_findings_visible_to(user) -> QuerySet[InspectionFinding]:
    """All findings (commission), those addressed to the officer's street, or to the insurer
    staff's company; none otherwise."""
    qs = InspectionFinding.objects.select_related("inspection", "responsible_street", "responsible_insurer")
    if not user.is_authenticated or not user.has_perm("oversight.view_inspectionfinding"):
        return qs.none()
    if sees_all_streets(user):
        return qs
    if user.role == Role.STREET_OFFICER:
        return qs.filter(responsible_street_id=user.street_id)
    if user.role == Role.INSURER_STAFF:
        return qs.filter(responsible_insurer_id=user.insurer_id)
    return qs.none()


def inspection_finding_for_user_or_404(user, inspection_finding_id) -> InspectionFinding:
    return get_object_or_404(inspection_findings_visible_to(user), pk=inspection_finding_id)


def rectifications_visible_to(user) -> QuerySet[Rectification]:
    """The reports of the findings the user may see."""
    return Rectification.objects.filter(finding__in=inspection_findings_visible_to(user).values("pk"))


def evidence_visible_to(user) -> QuerySet[RectificationEvidence]:
    """The evidence files of the reports the user may see."""
    return RectificationEvidence.objects.filter(rectification__in=rectifications_visible_to(user).values("pk"))


def evidence_for_user_or_404(user, inspection_finding_id, evidence_id) -> RectificationEvidence:
    """An evidence file, reached only through a finding the user may see (and of that finding)."""
    return get_object_or_404(evidence_visible_to(user).select_related("rectification"), pk=evidence_id,
                             rectification__finding_id=inspection_finding_id)


def finding_facts(finding: InspectionFinding, today: date) -> FindingFacts:
    return FindingFacts(status=finding.status, responsible=finding.responsible,
                        street_id=finding.responsible_street_id, insurer_id=finding.responsible_insurer_id,
                        due_on=finding.due_on, today=today)


def with_overdue(findings, today: date) -> list[tuple[InspectionFinding, bool]]:
    """Each finding with whether it is overdue today (rules.is_overdue), for the lists."""
    return [(f, is_overdue(status=f.status, due_on=f.due_on, today=today)) for f in findings]


def overdue_q(today: date) -> Q:
    """Findings waiting on their responsible party past the deadline (rules.is_overdue)."""
    return Q(status__in=AWAITING_PARTY, due_on__lt=today)


def finding_search(user, today: date, *, state: str = "", street_id=None, party: str = "",
                   inspection_id=None) -> QuerySet[InspectionFinding]:
    """The findings the user may see, filtered by state ("pending": not closed; "overdue";
    or one status), responsible street and kind of party; earliest deadline first."""
    qs = inspection_findings_visible_to(user)
    if state == "pending":
        qs = qs.filter(status__in=[*AWAITING_PARTY, FindingStatus.REPORTED])
    elif state == "overdue":
        qs = qs.filter(overdue_q(today))
    elif state in FindingStatus.values:
        qs = qs.filter(status=state)
    if street_id:
        qs = qs.filter(responsible_street_id=street_id)
    if party:
        qs = qs.filter(responsible=party)
    if inspection_id:
        qs = qs.filter(inspection_id=inspection_id)
    return qs.order_by("due_on", "pk")


def inspection_list(user, today: date) -> QuerySet[Inspection]:
    """Inspections with their findings counted: in all, still waiting, overdue."""
    return inspections_visible_to(user).annotate(
        findings_total=Count("findings"),
        findings_pending=Count("findings", filter=Q(findings__status__in=[*AWAITING_PARTY, FindingStatus.REPORTED])),
        findings_overdue=Count("findings", filter=Q(findings__status__in=AWAITING_PARTY,
                                                    findings__due_on__lt=today)),
    ).order_by("-inspected_on", "-pk")


def rectifications_of(user, finding: InspectionFinding) -> QuerySet[Rectification]:
    """A finding's reports the user may see, oldest first, each with its evidence."""
    return (rectifications_visible_to(user).filter(finding=finding).select_related("submitted_by", "reviewed_by")
            .prefetch_related("evidence").order_by("submitted_at", "pk"))


def finding_home_figures(user, today: date) -> dict | None:
    """What the home page shows of inspections: for the responsible party, their findings
    waiting on them (and how many are overdue); for the commission, reports waiting for
    acceptance and findings overdue with their parties. None when the user sees none."""
    if not user.has_perm("oversight.view_inspectionfinding"):
        return None
    qs = inspection_findings_visible_to(user).order_by()
    counts = qs.aggregate(
        waiting=Count("pk", filter=Q(status__in=AWAITING_PARTY)),
        overdue=Count("pk", filter=overdue_q(today)),
        reported=Count("pk", filter=Q(status=FindingStatus.REPORTED)))
    return {**counts, "answers": user.has_perm("oversight.answer_inspectionfinding"),
            "reviews": user.has_perm("oversight.review_rectification")}
