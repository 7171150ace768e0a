"""Reads of the publicity notices (宣传告知书, plan 五(七), domain.md "Publicity"), scoped: the
commission sees every street, an officer their own, nobody else anything. Who is to be told:
the persons on the roster (active) insured in the scheme year (a policy with cover); told =
a 宣传告知 entry in the service log dated inside the year's coverage."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery

from enrollment.models import PersonStatus, Policy, SchemeYear
from tongzhou_care.core.access import streets_of
from tongzhou_care.core.models import Role, Street, User

from ..models.service_log import ServiceEntry, ServiceKind


def _may_print(user) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm("oversight.print_publicity")


def _delivered(scheme_year: SchemeYear) -> QuerySet[ServiceEntry]:
    """A person's publicity entries inside the scheme year (OuterRef: the person)."""
    return ServiceEntry.objects.filter(person=OuterRef("person_id"), kind=ServiceKind.PUBLICITY,
                                       served_on__gte=scheme_year.coverage_start,
                                       served_on__lte=scheme_year.coverage_end)


def publicity_policies(user, scheme_year: SchemeYear, *, street_id=None, pending_only: bool = False
                       ) -> QuerySet[Policy]:
    """The scheme year's policies of the persons to be told in the user's streets, each with
    `delivered_on` (the last 宣传告知 of the year, or None); street, community, name order."""
    if not _may_print(user):
        return Policy.objects.none()
    qs = (Policy.objects.filter(scheme_year=scheme_year, cover_end__gte=F("cover_start"),
                                person__status=PersonStatus.ACTIVE, person__street__in=streets_of(user))
          .annotate(delivered_on=Subquery(_delivered(scheme_year).order_by("-served_on").values("served_on")[:1]))
          .select_related("person__street", "scheme_year__insurer"))
    if street_id:
        qs = qs.filter(person__street_id=street_id)
    if pending_only:
        qs = qs.filter(delivered_on__isnull=True)
    return qs.order_by("person__street__code", "person__community", "person__name", "pk")


@dataclass(frozen=True)
class StreetPublicity:
    street: Street
    insured: int            # persons to be told
    delivered: int          # told this scheme year

    @property
    def share(self) -> Decimal | None:
        """Delivered ÷ insured as a percentage with one decimal, None without insured persons."""
        from ..rules.publicity import delivered_share

        return delivered_share(self.delivered, self.insured)


def publicity_per_street(user, scheme_year: SchemeYear) -> list[StreetPublicity]:
    """Per street of the user's (each street has a line, even with nobody insured): persons to
    be told and how many were told this scheme year. The told are counted from the year's
    publicity entries (a few per family), not by asking each of 100,000 policies."""
    from enrollment.selectors import insured_per_street

    if not _may_print(user):
        return []
    insured = insured_per_street(user, scheme_year, on_roster_only=True)
    told = (ServiceEntry.objects.filter(kind=ServiceKind.PUBLICITY, served_on__gte=scheme_year.coverage_start,
                                        served_on__lte=scheme_year.coverage_end, person__status=PersonStatus.ACTIVE,
                                        person__street__in=streets_of(user))
            .filter(Exists(Policy.objects.filter(person=OuterRef("person_id"), scheme_year=scheme_year,
                                                 cover_end__gte=F("cover_start"))))
            .values("person__street_id").annotate(n=Count("person_id", distinct=True)).order_by())
    delivered = {row["person__street_id"]: row["n"] for row in told}
    return [StreetPublicity(street, insured.get(street.pk, 0), delivered.get(street.pk, 0))
            for street in streets_of(user).order_by("code")]


def street_officers(street_ids) -> dict[int, list[User]]:
    """The active officers of each street, whose name and work phone a notice prints (a street's
    officers are no one's secret: families are told to call them)."""
    out: dict[int, list[User]] = {}
    for officer in (User.objects.filter(role=Role.STREET_OFFICER, street_id__in=list(street_ids), is_active=True)
                    .order_by("street_id", "pk")):
        out.setdefault(officer.street_id, []).append(officer)
    return out


def notice_data(policies, *, issued_on: date) -> list[dict]:
    """What each notice prints, from policies fetched with person, street, scheme year and
    insurer (exports.publicity renders it)."""
    from ..exports.publicity import notice_fields

    policies = list(policies)
    officers = street_officers({p.person.street_id for p in policies})
    return [notice_fields(p, officers.get(p.person.street_id, []), issued_on=issued_on) for p in policies]


def notice_data_of(ids: list[int], *, issued_on: date) -> list[dict]:
    """notice_data of the given policy ids in that order (a part of a batch: the ids were
    chosen through publicity_policies when the batch started)."""
    order = {pk: i for i, pk in enumerate(ids)}
    policies = sorted(Policy.objects.filter(pk__in=ids).select_related("person__street", "scheme_year__insurer"),
                      key=lambda p: order[p.pk])
    return notice_data(policies, issued_on=issued_on)
