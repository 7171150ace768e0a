"""Read paths for persons, always scoped to the user (S8)."""

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from tongzhou_care.core.access import streets_of
from tongzhou_care.core.models import Street

from .models import Person, PersonStatus


def persons_visible_to(user) -> QuerySet[Person]:
    """The persons a user may see: all (commission), their street's (officers) or none."""
    if not user.has_perm("enrollment.view_person"):
        return Person.objects.none()
    return Person.objects.select_related("street").filter(street__in=streets_of(user))


def person_for_user_or_404(user, person_id) -> Person:
    """One person, or 404 whether it does not exist or is not the user's to see."""
    return get_object_or_404(persons_visible_to(user), pk=person_id)


def person_search(user, *, text: str = "", street_id=None, status: str = "") -> QuerySet[Person]:
    """Persons matching a name fragment or the last 4 characters of the ID number."""
    qs = persons_visible_to(user)
    text = text.strip()
    if text:
        if len(text) == 4 and (text[:3].isdigit() and (text[3].isdigit() or text[3] in "xX")):
            qs = qs.filter(id_number__endswith=text.upper())
        else:
            qs = qs.filter(name__contains=text)
    if street_id:
        qs = qs.filter(street_id=street_id)
    if status:
        qs = qs.filter(status=status)
    return qs


def person_counts_by_street(user) -> list[dict]:
    """Per street the user may see: active, deceased and removed persons (no names: finance
    and the home pages use it)."""
    return list(
        Street.objects.filter(pk__in=streets_of(user))
        .annotate(
            active=Count("persons", filter=Q(persons__status=PersonStatus.ACTIVE)),
            deceased=Count("persons", filter=Q(persons__status=PersonStatus.DECEASED)),
            removed=Count("persons", filter=Q(persons__status=PersonStatus.REMOVED)),
        )
        .order_by("code")
        .values("id", "code", "name", "active", "deceased", "removed")
    )
