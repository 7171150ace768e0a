"""Inspections on real PostgreSQL through the services: the deadline from the official
calendar, the responsible party's report with evidence, the commission's acceptance or return,
and every refusal changing nothing."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from pghistory.models import Events

from oversight.models import FindingStatus, InspectionFinding, Rectification, RectificationEvidence
from oversight.selectors.inspections import inspection_findings_visible_to, inspections_visible_to
from oversight.services import inspections as services
from tests.factories import make_user, uploaded_file
from tongzhou_care.core.models import Role
from tongzhou_care.core.rules import RuleViolation

from .conftest import DUE, ISSUED, add_finding


def state(finding) -> tuple:
    """What a refused action must leave as it was."""
    finding.refresh_from_db()
    return (finding.status, finding.due_on, finding.return_count, finding.closed_at,
            Rectification.objects.filter(finding=finding).count(), RectificationEvidence.objects.count())


def files_under(media_root) -> list[Path]:
    return [p for p in Path(media_root).rglob("*") if p.is_file()]


@pytest.mark.django_db
def test_findings_are_numbered_and_due_after_working_days(inspection_a, commission_staff, street_a):
    first = add_finding(inspection_a, commission_staff)
    second = add_finding(inspection_a, commission_staff, days=1)
    assert (first.number, first.issued_on, first.due_on, first.status) == (1, ISSUED, DUE, "open")
    assert (second.number, second.due_on) == (2, date(2026, 9, 30))
    assert first.responsible_street == street_a


@pytest.mark.django_db
def test_inspection_in_the_future_is_refused(commission_staff, street_a):
    with pytest.raises(RuleViolation, match="不能晚于今天"):
        services.inspection_record(actor=commission_staff, today=ISSUED, data={
            "inspected_on": ISSUED + timedelta(days=1), "target": "street", "street": street_a,
            "scopes": ["claims"], "inspectors": "王明", "summary": "抽查"})


@pytest.mark.django_db
def test_only_the_commission_records(officer_a, street_a, inspection_a):
    with pytest.raises(PermissionDenied):
        services.inspection_record(actor=officer_a, today=ISSUED, data={
            "inspected_on": ISSUED, "target": "street", "street": street_a, "scopes": ["claims"],
            "inspectors": "王明", "summary": "抽查"})
    with pytest.raises(PermissionDenied):
        add_finding(inspection_a, officer_a)


@pytest.mark.django_db
def test_officer_reports_with_evidence_then_staff_accept(finding_a, officer_a, commission_staff, media_root):
    report = services.finding_report(finding_id=finding_a.pk, actor=officer_a, today=DUE, text="已补齐全部签字。",
                                     files=[uploaded_file("pdf", "台账.pdf"), uploaded_file("jpg", "照片.jpg")])
    finding_a.refresh_from_db()
    assert finding_a.status == FindingStatus.REPORTED
    assert not report.late                                   # on the deadline day: in time
    assert sorted(e.content_type for e in report.evidence.all()) == ["application/pdf", "image/jpeg"]
    assert len(files_under(media_root)) == 2
    services.finding_accept(finding_id=finding_a.pk, actor=commission_staff, note="整改到位。")
    finding_a.refresh_from_db()
    report.refresh_from_db()
    assert (finding_a.status, finding_a.closed_by, finding_a.close_note) == ("accepted", commission_staff, "整改到位。")
    assert (report.outcome, report.reviewed_by) == ("accepted", commission_staff)
    actions = {(e.pgh_context or {}).get("action") for e in Events.objects.tracks(finding_a)}
    assert {"finding_add", "finding_report", "finding_accept"} <= actions


@pytest.mark.django_db
def test_return_needs_a_reason_and_sets_a_new_deadline(finding_a, officer_a, commission_staff):
    services.finding_report(finding_id=finding_a.pk, actor=officer_a, today=DUE + timedelta(days=1), text="已补齐部分。",
                            files=[uploaded_file("pdf")])
    assert Rectification.objects.get(finding=finding_a).late         # a day after the deadline
    before = state(finding_a)
    with pytest.raises(RuleViolation, match="退回理由"):
        services.finding_return(finding_id=finding_a.pk, actor=commission_staff, reason="不", deadline_days=5)
    assert state(finding_a) == before
    services.finding_return(finding_id=finding_a.pk, actor=commission_staff, reason="仍有6户未签字。", deadline_days=1,
                            today=date(2026, 9, 30))
    finding_a.refresh_from_db()
    assert (finding_a.status, finding_a.due_on, finding_a.return_count) == ("returned", date(2026, 10, 8), 1)
    assert Rectification.objects.get(finding=finding_a).review_note == "仍有6户未签字。"
    # Returned: the party answers again, and the second report is accepted.
    services.finding_report(finding_id=finding_a.pk, actor=officer_a, today=date(2026, 10, 8), text="已全部补齐。",
                            files=[uploaded_file("png")])
    services.finding_accept(finding_id=finding_a.pk, actor=commission_staff, note="")
    assert list(finding_a.rectifications.values_list("outcome", flat=True)) == ["returned", "accepted"]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["officer_b", "company_staff", "commission_staff"])
def test_only_the_responsible_party_reports_and_a_refusal_changes_nothing(finding_a, who, request, media_root):
    before = state(finding_a)
    with pytest.raises((RuleViolation, PermissionDenied)):
        services.finding_report(finding_id=finding_a.pk, actor=request.getfixturevalue(who), text="已整改完毕。",
                                files=[uploaded_file("pdf")])
    assert state(finding_a) == before
    assert files_under(media_root) == []


@pytest.mark.django_db
@pytest.mark.parametrize("files, message", [
    ([], "至少上传一份"),
    ([uploaded_file("pdf"), uploaded_file("exe", "台账.pdf")], "只能上传 JPG、PNG 图片或 PDF"),
])
def test_bad_evidence_stores_nothing(finding_a, officer_a, files, message, media_root):
    before = state(finding_a)
    with pytest.raises(RuleViolation, match=message):
        services.finding_report(finding_id=finding_a.pk, actor=officer_a, text="已整改完毕。", files=files)
    assert state(finding_a) == before
    assert files_under(media_root) == []


@pytest.mark.django_db
def test_refused_transitions_change_nothing(finding_a, officer_a, commission_staff):
    before = state(finding_a)
    with pytest.raises(RuleViolation, match="当前状态为“待整改”，不能验收通过"):
        services.finding_accept(finding_id=finding_a.pk, actor=commission_staff, note="")
    with pytest.raises(PermissionDenied):
        services.finding_cancel(finding_id=finding_a.pk, actor=officer_a, reason="不需要整改")
    assert state(finding_a) == before
    services.finding_cancel(finding_id=finding_a.pk, actor=commission_staff, reason="经核实已参加培训。")
    finding_a.refresh_from_db()
    assert finding_a.status == "cancelled"
    with pytest.raises(RuleViolation, match="当前状态为“已撤销”"):
        services.finding_report(finding_id=finding_a.pk, actor=officer_a, text="已整改完毕。", files=[uploaded_file("pdf")])


@pytest.mark.django_db
def test_each_party_sees_only_what_is_addressed_to_it(inspection_a, commission_staff, street_b, officer_a, officer_b,
                                                      company, company_staff, finance, commission_admin):
    to_a = add_finding(inspection_a, commission_staff)
    to_b = add_finding(inspection_a, commission_staff, street=street_b)
    to_company = add_finding(inspection_a, commission_staff, insurer=company)
    other_company = make_user(Role.INSURER_STAFF, username="other_company_staff")

    def seen(user):
        return set(inspection_findings_visible_to(user).values_list("pk", flat=True))

    assert seen(officer_a) == {to_a.pk}
    assert seen(officer_b) == {to_b.pk}
    assert seen(company_staff) == {to_company.pk}
    assert seen(other_company) == set()
    assert seen(finance) == set()
    assert seen(commission_staff) == seen(commission_admin) == {to_a.pk, to_b.pk, to_company.pk}
    assert not inspections_visible_to(officer_a).exists() and not inspections_visible_to(company_staff).exists()
    assert InspectionFinding.objects.count() == 3


@pytest.mark.django_db
def test_reports_and_evidence_follow_the_findings_scope(finding_a, officer_a, officer_b, company_staff):
    from oversight.selectors.inspections import evidence_visible_to, rectifications_visible_to

    services.finding_report(finding_id=finding_a.pk, actor=officer_a, text="已补齐全部签字。", files=[uploaded_file("pdf")])
    assert rectifications_visible_to(officer_a).count() == evidence_visible_to(officer_a).count() == 1
    for other in (officer_b, company_staff):
        assert not rectifications_visible_to(other).exists() and not evidence_visible_to(other).exists()
