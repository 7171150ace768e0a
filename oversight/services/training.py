"""Writes of training (业务培训)."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from tongzhou_care.core.audit import audit_context
from tongzhou_care.core.models import User
from tongzhou_care.core.rules import RuleViolation

from ..models.training import TrainingAttendance, TrainingSession
from ..rules.training import check_training
from ..selectors.training import training_attendee_choices


@transaction.atomic
def training_session_save(*, actor: User, held_on: date, topic: str, trainer: str, attendee_ids: list[int],
                          location: str = "", note: str = "", session_id: int | None = None,
                          version: int | None = None, today: date | None = None) -> TrainingSession:
    """Record a session held (or correct one, given its id and the version the form read) with
    its attendees, and return it. Raises PermissionDenied, or RuleViolation for a future date,
    no or unknown attendees, or a form read before someone else saved the session."""
    permission = "oversight.change_trainingsession" if session_id else "oversight.add_trainingsession"
    if not actor.has_perm(permission):
        raise PermissionDenied("您没有登记业务培训的权限。")
    wanted = set(attendee_ids)
    attendees = list(training_attendee_choices().filter(pk__in=wanted).values_list("pk", flat=True))
    if len(attendees) != len(wanted):
        raise RuleViolation("attendees", "参训人员中有已停用或不存在的用户，请重新选择。")
    check_training(held_on=held_on, attendee_count=len(attendees), today=today or timezone.localdate())
    if not topic.strip() or not trainer.strip():
        raise RuleViolation("topic", "请填写培训主题和授课人。")
    with audit_context(actor, "training_session_save"):
        if session_id:
            session = TrainingSession.objects.select_for_update().get(pk=session_id)
            if version is not None and session.version != version:
                raise RuleViolation("stale", "这次培训在您打开页面后已被他人修改，请刷新后重试。")
            session.version += 1
        else:
            session = TrainingSession(recorded_by=actor)
        session.held_on, session.topic, session.trainer = held_on, topic.strip(), trainer.strip()
        session.location, session.note = location.strip(), note.strip()
        session.full_clean()
        session.save()
        current = set(session.attendances.values_list("user_id", flat=True))
        TrainingAttendance.objects.filter(session=session, user_id__in=current - wanted).delete()
        TrainingAttendance.objects.bulk_create(
            [TrainingAttendance(session=session, user_id=user_id) for user_id in sorted(wanted - current)])
    return session
