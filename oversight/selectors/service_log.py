"""Reads of the service log (服务台账), scoped: the commission sees every street, officers their
own, insurer staff and finance nothing (they hold no view permission)."""

from datetime import date

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from enrollment.models import Person, PersonStatus, Policy, SchemeYear
from tongzhou_care.core.access import sees_all_streets, streets_of

from ..models.service_log import ServiceEntry


def service_entries_visible_to(user) -> QuerySet[ServiceEntry]:
    """The entries of the persons of the user's streets (all for the commission), or none."""
    if not user.is_authenticated or not user.has_perm("oversight.view_serviceentry"):
        return ServiceEntry.objects.none()
    qs = ServiceEntry.objects.select_related("person__street", "officer", "claim")
    if sees_all_streets(user):
        return qs
    return qs.filter(person__street__in=streets_of(user))


def service_entry_for_user_or_404(user, service_entry_id) -> ServiceEntry:
    return get_object_or_404(service_entries_visible_to(user), pk=service_entry_id)


def service_entry_search(user, *, text: str = "", street_id=None, kind: str = "", since: date | None = None,
                         until: date | None = None) -> QuerySet[ServiceEntry]:
    """The entries the user may see, by the person's name, street, kind and service dates;
    newest first."""
    qs = service_entries_visible_to(user)
    if text.strip():
        qs = qs.filter(person__name__startswith=text.strip())
    if street_id:
        qs = qs.filter(person__street_id=street_id)
    if kind:
        qs = qs.filter(kind=kind)
    if since:
        qs = qs.filter(served_on__gte=since)
    if until:
        qs = qs.filter(served_on__lte=until)
    return qs.order_by("-served_on", "-id")


def person_service_entries(user, person: Person) -> QuerySet[ServiceEntry]:
    """One person's log as the user may see it (empty for roles without the log)."""
    return service_entries_visible_to(user).filter(person=person).order_by("-served_on", "-id")


def persons_not_contacted(user, scheme_year: SchemeYear, *, street_id=None, text: str = "") -> QuerySet[Person]:
    """Active persons insured in `scheme_year`, of the user's streets, with no service entry
    dated inside the year's coverage; each annotated with the date and kind of their last
    entry before it (for the visit round). Street, then community, then name order."""
    if not user.is_authenticated or not user.has_perm("oversight.view_serviceentry"):
        return Person.objects.none()
    entries = ServiceEntry.objects.filter(person=OuterRef("pk"))
    last = entries.order_by("-served_on", "-id")
    qs = (Person.objects.filter(street__in=streets_of(user), status=PersonStatus.ACTIVE)
          .filter(Exists(Policy.objects.filter(person=OuterRef("pk"), scheme_year=scheme_year,
                                               cover_end__gte=F("cover_start"))))
          .exclude(Exists(entries.filter(served_on__gte=scheme_year.coverage_start,
                                         served_on__lte=scheme_year.coverage_end)))
          .annotate(last_served_on=Subquery(last.values("served_on")[:1]),
                    last_kind=Subquery(last.values("kind")[:1]))
          .select_related("street"))
    if street_id:
        qs = qs.filter(street_id=street_id)
    if text.strip():
        qs = qs.filter(name__startswith=text.strip())
    return qs.order_by("street__code", "community", "name", "pk")


NOT_CONTACTED_VALUES = ("street__name", "community", "name", "sex", "birth_date", "id_number", "phone",
                        "address", "last_served_on", "last_kind")


def persons_not_contacted_values(user, scheme_year: SchemeYear, **filters):
    """The not-contacted list's value tuples (NOT_CONTACTED_VALUES), streamed in chunks."""
    return (persons_not_contacted(user, scheme_year, **filters).values_list(*NOT_CONTACTED_VALUES)
            .iterator(chunk_size=2000))


SERVICE_LOG_VALUES = ("served_on", "person__street__name", "person__community", "person__name",
                      "person__id_number", "kind", "officer__full_name", "claim__number", "note")


def service_entry_values(user, **filters):
    """The log export's value tuples (SERVICE_LOG_VALUES), streamed in chunks."""
    return service_entry_search(user, **filters).values_list(*SERVICE_LOG_VALUES).iterator(chunk_size=2000)
