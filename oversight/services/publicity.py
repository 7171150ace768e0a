"""Writes of the publicity notices: their delivery, recorded in the service log (domain.md
"Publicity": delivery is recorded in the service log)."""

from datetime import date

from django.db import transaction

from tongzhou_care.core.models import User
from tongzhou_care.core.rules import RuleViolation

from ..models.service_log import ServiceEntry, ServiceKind
from .service_log import service_entry_record


@transaction.atomic
def publicity_delivery_record(*, person_ids: list[int], delivered_on: date, actor: User, note: str = "",
                              today: date | None = None) -> list[ServiceEntry]:
    """Record that the notice was delivered to each person (a 宣传告知 entry of the service log,
    through service_entry_record: the same permission, street and date checks), all or none;
    return the entries. Raises RuleViolation when no person is chosen, PermissionDenied and
    RuleViolation as service_entry_record does."""
    if not person_ids:
        raise RuleViolation("persons", "请勾选已送达告知书的参保对象。")
    return [service_entry_record(person_id=person_id, kind=ServiceKind.PUBLICITY, served_on=delivered_on,
                                 note=note or "送达宣传告知书", actor=actor, today=today)
            for person_id in sorted(set(person_ids))]
