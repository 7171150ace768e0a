"""Writes of the service log (服务台账)."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from claims.models import Claim
from enrollment.models import Person
from tongzhou_care.core.access import streets_of
from tongzhou_care.core.audit import audit_context
from tongzhou_care.core.models import User
from tongzhou_care.core.rules import RuleViolation

from ..models.service_log import ServiceEntry, ServiceKind
from ..rules.service_log import check_service_date


@transaction.atomic
def service_entry_record(*, person_id: int, kind: str, served_on: date, actor: User, note: str = "",
                         claim_id: int | None = None, today: date | None = None) -> ServiceEntry:
    """Record one service the actor gave a person of their street and return the entry. Raises
    PermissionDenied for a user who keeps no log or a person outside their streets, and
    RuleViolation for an unknown kind, a date in the future or over a year back, or a claim of
    another person."""
    if not actor.has_perm("oversight.add_serviceentry"):
        raise PermissionDenied("您没有登记服务台账的权限。")
    person = Person.objects.filter(pk=person_id, street__in=streets_of(actor)).first()
    if person is None:
        raise PermissionDenied("这位参保对象不在您的管辖范围内。")
    if kind not in ServiceKind.values:
        raise RuleViolation("kind", "请选择服务方式。")
    check_service_date(served_on, today=today or timezone.localdate())
    claim = None
    if claim_id:
        claim = Claim.objects.filter(pk=claim_id, person_id=person.pk).first()
        if claim is None:
            raise RuleViolation("claim", "所选理赔不属于这位参保对象。")
    with audit_context(actor, "service_entry_record"):
        entry = ServiceEntry(person=person, kind=kind, served_on=served_on, officer=actor, note=note.strip()[:500],
                             claim=claim)
        entry.full_clean()
        entry.save()
    return entry
