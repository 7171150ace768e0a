"""Read paths of the claims app, always scoped to the user (S8), and the deadlines derived
from the working-day calendar."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Right
from django.shortcuts import get_object_or_404

from tongzhou_care.core.access import sees_all_streets, streets_of
from tongzhou_care.core.models import Role
from tongzhou_care.core.workdays import calendar_is_estimated, is_workday

from .models import Claim, ClaimStatus, ClaimTally
from .rules import SLA_STEPS, add_working_days


def claims_visible_to(user) -> QuerySet[Claim]:
    """All claims (commission), the street's (officers), the company's (insurer staff), none
    (finance, no role)."""
    qs = Claim.objects.select_related("person", "street")
    if not user.is_authenticated or not user.has_perm("claims.view_claim"):
        return qs.none()
    if user.has_perm("claims.view_all_claims"):
        return qs
    if user.role == Role.INSURER_STAFF:
        return qs.filter(insurer_id=user.insurer_id)
    if sees_all_streets(user):
        return qs
    return qs.filter(street__in=streets_of(user))


def claim_for_user_or_404(user, claim_id) -> Claim:
    return get_object_or_404(claims_visible_to(user), pk=claim_id)


def claim_search(user, *, text: str = "", status: str = "", street_id=None, since=None, until=None,
                 overdue_only: bool = False, today: date | None = None) -> QuerySet[Claim]:
    """Claims the user may see, by claim number, the person's name or the last 4 characters of
    the ID number, state, street and report dates; newest first."""
    qs = claims_visible_to(user)
    text = text.strip()
    if text:
        if text.upper().startswith("LP"):
            qs = qs.filter(number=text.upper())
        elif len(text) == 4 and text[:3].isdigit():
            qs = qs.annotate(id_last4=Right("person__id_number", 4)).filter(id_last4=text.upper())
        else:
            qs = qs.filter(person__name__startswith=text)
    if status:
        qs = qs.filter(status=status)
    if street_id:
        qs = qs.filter(street_id=street_id)
    if since:
        qs = qs.filter(reported_at__date__gte=since)
    if until:
        qs = qs.filter(reported_at__date__lte=until)
    return qs.order_by("-reported_at", "-id")


# --- Deadlines (domain.md: insurer SLAs in working days) ------------------------------------

WAITING_ON = {
    ClaimStatus.REPORTED: ("accept", "reported_at", "sla_accept_days"),
    ClaimStatus.DOCUMENTS_PENDING: None,     # the family: no insurer deadline runs
    ClaimStatus.ACCEPTED: ("decide", "accepted_at", "sla_decide_days"),
    ClaimStatus.DECIDED: ("pay", "decided_at", "sla_pay_days"),
}


@dataclass(frozen=True)
class Deadline:
    step: str           # accept | decide | pay | refusal_notice
    label: str
    due: date
    overdue: bool
    estimated: bool     # the official calendar of the due year is not published yet


def claim_deadline(claim: Claim, scheme_year, today: date) -> Deadline | None:
    """The insurer's next deadline for the claim, in official working days, or None."""
    if claim.status == ClaimStatus.REFUSED and claim.refusal_notice_sent_at is None:
        step, since, days = "refusal_notice", claim.refused_at, scheme_year.sla_refusal_notice_days
    else:
        waiting = WAITING_ON.get(claim.status)
        if waiting is None:
            return None
        step, field, setting = waiting
        since, days = getattr(claim, field), getattr(scheme_year, setting)
    if since is None:
        return None
    from django.utils import timezone

    start = timezone.localtime(since).date()
    due = add_working_days(start, days, is_workday=is_workday)
    return Deadline(step=step, label=SLA_STEPS[step], due=due, overdue=today > due,
                    estimated=calendar_is_estimated(due))


def scheme_year_of(claim: Claim, years):
    """The scheme year (of those given) whose coverage holds the admission day."""
    return next((y for y in years if y.coverage_start <= claim.admitted_on <= y.coverage_end), None)


def overdue_claims(user, today: date) -> list[tuple[Claim, Deadline]]:
    """The claims waiting on the insurer past their deadline, for the people who must act."""
    from enrollment.models import SchemeYear

    years = list(SchemeYear.objects.filter(coverage_start__lte=today))
    waiting = (claims_visible_to(user)
               .filter(Q(status__in=[ClaimStatus.REPORTED, ClaimStatus.ACCEPTED, ClaimStatus.DECIDED])
                       | Q(status=ClaimStatus.REFUSED, refusal_notice_sent_at__isnull=True))
               .order_by("reported_at")[:2000])
    found = []
    for claim in waiting:
        year = scheme_year_of(claim, years)
        deadline = claim_deadline(claim, year, today) if year else None
        if deadline and deadline.overdue:
            found.append((claim, deadline))
    return found


def _tally_visible_to(user):
    """The tally rows of the claims a user may see (the same scope as claims_visible_to)."""
    qs = ClaimTally.objects.all()
    if not user.is_authenticated or not user.has_perm("claims.view_claim"):
        return qs.none()
    if user.has_perm("claims.view_all_claims") or sees_all_streets(user):
        return qs
    if user.role == Role.INSURER_STAFF:
        return qs.filter(insurer_id=user.insurer_id)
    return qs.filter(street__in=streets_of(user))


def claim_counts(user, *, street_id=None) -> dict[str, int]:
    """Claims the user may see, by state, from the tally the database keeps (a few rows, however
    many claims there are)."""
    rows = _tally_visible_to(user)
    if street_id:
        rows = rows.filter(street_id=street_id)
    counts = {status: 0 for status in ClaimStatus.values}
    for row in rows.values("status").annotate(total=Sum("n")):
        counts[row["status"]] = row["total"]
    return counts


class CountedQuerySet:
    """A queryset whose total is known in advance (the Paginator asks for it)."""

    def __init__(self, queryset, total: int):
        self.queryset, self.total = queryset, total

    def count(self) -> int:
        return self.total

    def __getitem__(self, index):
        return self.queryset[index]

    def __len__(self):
        return self.total


def claim_list_page_source(user, *, text="", status="", street_id=None):
    """The claims of the list page, with a total that avoids counting a million rows when the
    filters are ones the tally answers (state, street)."""
    qs = claim_search(user, text=text, status=status, street_id=street_id)
    if text:
        return qs          # a name or number narrows to a few rows: count them
    counts = claim_counts(user, street_id=street_id)
    total = counts.get(status, 0) if status else sum(counts.values())
    return CountedQuerySet(qs, total)
