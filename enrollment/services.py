"""Write paths for persons. Every write runs in one transaction under an audit context."""

from django.db import transaction

from tongzhou_care.core.audit import audit_context

from .models import Person


@transaction.atomic
def persons_create(*, persons: list[Person], actor) -> list[Person]:
    """Insert new persons after validating each; raises ValidationError on the first bad one.
    The roster import (enrollment.roster) is the normal way in; this serves demo data and
    single additions."""
    with audit_context(actor, "persons_create"):
        for person in persons:
            person.full_clean(exclude=["spouse"])
        return Person.objects.bulk_create(persons)


@transaction.atomic
def persons_link_spouses(*, pairs: list[tuple[Person, Person]], actor) -> None:
    """Record that each pair are husband and wife (both directions)."""
    with audit_context(actor, "persons_link_spouses"):
        for a, b in pairs:
            a.spouse, b.spouse = b, a
            a.save(update_fields=["spouse", "updated_at"])
            b.save(update_fields=["spouse", "updated_at"])
