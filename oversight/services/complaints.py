"""Writes of complaints (投诉): record, assign, reply, close. Each transition locks the
complaint's row (an oversight row: last in the project's lock order) and asks the action table
(rules.complaints.COMPLAINT_WORKFLOW) under that lock."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from tongzhou_care.core.audit import audit_context
from tongzhou_care.core.models import Insurer, Role, User
from tongzhou_care.core.rules import RuleViolation
from tongzhou_care.core.workdays import is_workday

from ..models.complaints import About, Channel, Complaint, ComplaintCategory, Satisfaction
from ..rules.complaints import check_parties, check_received_on, check_text, complaint_due_on
from ..workflow.complaints import COMPLAINT_WORKFLOW
from ..selectors.complaints import complaint_deadline_days, complaint_facts, complaint_handler_choices


def _lock(complaint_id: int) -> Complaint:
    return Complaint.objects.select_for_update(no_key=True).get(pk=complaint_id)


@transaction.atomic
def complaint_record(*, actor: User, channel: str, complainant_name: str, about: str, category: str,
                     received_on: date, content: str, complainant_relation: str = "", complainant_phone: str = "",
                     person=None, insurer: Insurer | None = None, street=None,
                     today: date | None = None) -> Complaint:
    """Record a complaint and return it, with its deadline in working days from the day it was
    received (the scheme year's setting). An officer records complaints of their own street.
    Raises PermissionDenied or RuleViolation."""
    if not actor.has_perm("oversight.add_complaint"):
        raise PermissionDenied("您没有登记投诉的权限。")
    today = today or timezone.localdate()
    check_received_on(received_on, today=today)
    if channel not in Channel.values or about not in About.values or category not in ComplaintCategory.values:
        raise RuleViolation("choice", "请选择投诉渠道、被投诉方和投诉类别。")
    if street is None and person is not None:
        street = person.street
    if actor.role == Role.STREET_OFFICER:
        if street is not None and street.pk != actor.street_id:
            raise RuleViolation("street", "只能登记本街道/乡镇的投诉。")
        street = actor.street
    insurer = insurer if about == About.INSURER else None
    check_parties(about=about, insurer_id=insurer.pk if insurer else None, street_id=street.pk if street else None)
    content = check_text(content, code="content", what="投诉内容")
    name = complainant_name.strip()
    if not name:
        raise RuleViolation("complainant_name", "请填写投诉人。")
    due_on = complaint_due_on(received_on=received_on, working_days=complaint_deadline_days(received_on),
                              is_workday=is_workday)
    with audit_context(actor, "complaint_record"):
        complaint = Complaint(channel=channel, complainant_name=name, complainant_relation=complainant_relation.strip(),
                              complainant_phone=complainant_phone.strip(), person=person, about=about,
                              insurer=insurer, street=street, category=category, received_on=received_on,
                              content=content, due_on=due_on, recorded_by=actor)
        complaint.full_clean()
        complaint.save()
    return complaint


@transaction.atomic
def complaint_assign(*, complaint_id: int, handler_id: int, actor: User) -> Complaint:
    """Give the complaint to a handler of the party complained about (or of the commission);
    again to another handler while unanswered. Raises PermissionDenied or RuleViolation."""
    complaint = _lock(complaint_id)
    action = COMPLAINT_WORKFLOW.check(actor, complaint_facts(complaint), "assign")
    handler = complaint_handler_choices(complaint).filter(pk=handler_id).first()
    if handler is None:
        raise RuleViolation("handler", "承办人须为被投诉方或区卫健委的在岗人员。")
    with audit_context(actor, action.service):
        complaint.status, complaint.handler = action.target, handler
        complaint.assigned_by, complaint.assigned_at = actor, timezone.now()
        complaint.save(update_fields=["status", "handler", "assigned_by", "assigned_at"])
    return complaint


@transaction.atomic
def complaint_reply(*, complaint_id: int, reply: str, actor: User) -> Complaint:
    """Record the answer of the party complained about (or the commission). Raises
    PermissionDenied or RuleViolation."""
    complaint = _lock(complaint_id)
    action = COMPLAINT_WORKFLOW.check(actor, complaint_facts(complaint), "reply")
    reply = check_text(reply, code="reply", what="答复内容")
    with audit_context(actor, action.service):
        complaint.status, complaint.reply = action.target, reply
        complaint.replied_by, complaint.replied_at = actor, timezone.now()
        complaint.save(update_fields=["status", "reply", "replied_by", "replied_at"])
    return complaint


@transaction.atomic
def complaint_close(*, complaint_id: int, satisfaction: str, note: str, actor: User,
                    today: date | None = None) -> Complaint:
    """Close an answered complaint with the complainant's satisfaction, asked after the reply.
    Raises PermissionDenied or RuleViolation."""
    complaint = _lock(complaint_id)
    action = COMPLAINT_WORKFLOW.check(actor, complaint_facts(complaint), "close")
    if satisfaction not in Satisfaction.values:
        raise RuleViolation("satisfaction", "请选择投诉人对办理结果的满意度。")
    with audit_context(actor, action.service):
        complaint.status, complaint.satisfaction = action.target, satisfaction
        complaint.closing_note, complaint.closed_by = note.strip()[:500], actor
        complaint.closed_on = today or timezone.localdate()
        complaint.save(update_fields=["status", "satisfaction", "closing_note", "closed_by", "closed_on"])
    return complaint
