"""Write paths for single persons: edits with optimistic locking (S23)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from tongzhou_care.core.audit import audit_context
from tongzhou_care.core.rules import RuleViolation

from ..models import Person, PersonStatus
from ..rules import parse_id_number
from .cover import policies_sync

# Officers correct how to reach a person; who the person is comes from the roster or the
# commission admin.
CONTACT_FIELDS = ("phone", "address")
IDENTITY_FIELDS = ("name", "id_number", "street", "community", "category", "assistance_start",
                   "status", "status_date", "removal_reason", "bank_name", "bank_account")


def editable_fields(user) -> tuple[str, ...]:
    """The person fields this user may change."""
    if user.has_perm("enrollment.change_person"):
        return CONTACT_FIELDS + IDENTITY_FIELDS
    if user.has_perm("enrollment.change_person_contact"):
        return CONTACT_FIELDS
    return ()


@transaction.atomic
def person_update(*, person_id: int, version: int, changes: dict, actor, today=None) -> Person:
    """Apply `changes` to the person read at `version` and return it. Raises PermissionDenied
    for a field the actor may not change, RuleViolation("stale") when someone saved the person
    since it was read (S23), RuleViolation or ValidationError for invalid values."""
    allowed = set(editable_fields(actor))
    refused = set(changes) - allowed
    if refused:
        labels = sorted(str(Person._meta.get_field(name).verbose_name) for name in refused)
        raise PermissionDenied(f"无权修改：{'、'.join(labels)}。")
    # Lock the row so two saves of the same version cannot both pass the check.
    person = Person.objects.select_for_update().get(pk=person_id)
    if person.version != version:
        raise RuleViolation("stale", "保存失败：该参保对象在您打开页面后已被他人修改。"
                            "请刷新页面查看最新内容后重新修改。")
    for field, value in changes.items():
        setattr(person, field, value)
    if "id_number" in changes:
        parsed = parse_id_number(person.id_number, today=today or timezone.localdate())
        person.id_number, person.sex, person.birth_date = parsed.value, parsed.sex, parsed.birth_date
    if person.status == PersonStatus.ACTIVE:
        person.status_date, person.removal_reason = None, ""
    person.version += 1
    with audit_context(actor, "person_update"):
        person.full_clean(exclude=["spouse"])
        person.save()
    if {"status", "status_date", "category"} & set(changes):
        # A recorded death or removal ends cover; a new eligible category adds it.
        policies_sync(actor=actor, today=today or timezone.localdate())
    return person
