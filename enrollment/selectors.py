"""Read paths for persons, always scoped to the user (S8)."""

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Right
from django.shortcuts import get_object_or_404

from tongzhou_care.core.access import streets_of
from tongzhou_care.core.models import Street

from .models import Category, Person, PersonStatus, RosterImport, RosterRow


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
            # Matches the person_id_last4_idx expression index.
            qs = qs.annotate(id_last4=Right("id_number", 4)).filter(id_last4=text.upper())
        else:
            qs = qs.filter(name__contains=text)
    if street_id:
        qs = qs.filter(street_id=street_id)
    if status:
        qs = qs.filter(status=status)
    return qs


def person_export_values(user, **filters):
    """The export's value tuples (exports.ROSTER_VALUES) for the persons the user may see,
    filtered as the list is, streamed from the database in chunks."""
    from .exports import ROSTER_VALUES

    return (person_search(user, **filters).order_by("street__code", "name", "pk")
            .values_list(*ROSTER_VALUES).iterator(chunk_size=5000))


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


def eligible_categories(roster_year: int) -> frozenset[str]:
    """The assistance categories insured in a roster year: the death category, unless the
    scheme year admits more (domain.md; the scheme year setting arrives with scheme years)."""
    return frozenset({Category.DEATH})


def roster_imports_visible_to(user) -> QuerySet[RosterImport]:
    """Imports are the commission admin's: everyone else sees none (and gets 404)."""
    if not user.has_perm("enrollment.import_roster"):
        return RosterImport.objects.none()
    return RosterImport.objects.select_related("created_by", "applied_by")


def roster_import_for_user_or_404(user, import_id) -> RosterImport:
    return get_object_or_404(roster_imports_visible_to(user), pk=import_id)


def roster_import_rows(roster_import: RosterImport, kind: str) -> QuerySet[RosterRow]:
    """One kind of report row of an import, in file order."""
    return (RosterRow.objects.filter(roster_import=roster_import, kind=kind)
            .select_related("street", "person").order_by("row_number", "id"))


def roster_import_unimported(roster_import: RosterImport):
    """(row number, kind label, messages, original cells) of every error and skipped row."""
    labels = dict(RosterRow.Kind.choices)
    rows = (RosterRow.objects.filter(roster_import=roster_import, kind__in=["error", "skipped"])
            .order_by("row_number").values_list("row_number", "kind", "messages", "original"))
    return ((number, labels[kind], messages, original) for number, kind, messages, original in rows)
