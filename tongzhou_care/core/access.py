"""Row scope shared by every selector: which streets' data a user may see (S8).

Per-model selectors (`persons_visible_to`, `claims_visible_to` ...) build on these two
functions and nothing else, so a new role or organisation changes one place.
"""

from django.db.models import QuerySet

from .models import Role, Street


def sees_all_streets(user) -> bool:
    """Commission and finance see the whole district; everyone else sees a part of it."""
    return bool(user.is_authenticated and user.is_active and user.has_perm("core.view_all_streets"))


def streets_of(user) -> QuerySet[Street]:
    """The streets whose data the user may see: all, their own (officers), or none."""
    if sees_all_streets(user):
        return Street.objects.all()
    if user.is_authenticated and user.is_active and user.role == Role.STREET_OFFICER:
        return Street.objects.filter(pk=user.street_id)
    return Street.objects.none()


def street_filter_choices(user) -> QuerySet[Street]:
    """The streets a list's street filter offers: the district's to those who see it all, none
    to the others (an officer's lists hold one street, so the filter would choose nothing)."""
    return Street.objects.all() if sees_all_streets(user) else Street.objects.none()
