"""Read paths of the claims app, always scoped to the user (S8), and the deadlines derived
from the working-day calendar."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import QuerySet, Sum
from django.db.models.functions import Right
from django.shortcuts import get_object_or_404

from enrollment.rules import looks_like_id_tail
from tongzhou_care.core.access import sees_all_streets, streets_of
from tongzhou_care.core.models import Role
from tongzhou_care.core.workdays import calendar_is_estimated

from .models import Claim, ClaimPortion, ClaimStatus, ClaimTally
from .rules import SLA_STEPS


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


def claim_search(user, *, text: str = "", status: str = "", street_id=None, since=None,
                 until=None) -> QuerySet[Claim]:
    """Claims the user may see, by claim number, the person's name or the last 4 characters of
    the ID number, state, street and report dates; newest first."""
    qs = claims_visible_to(user)
    text = text.strip()
    if text:
        if text.upper().startswith("LP"):
            qs = qs.filter(number=text.upper())
        elif looks_like_id_tail(text):
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

@dataclass(frozen=True)
class Deadline:
    step: str           # accept | decide | pay | refusal_notice
    label: str
    due: date
    overdue: bool
    estimated: bool     # the official calendar of the due year is not published yet


def claim_deadline(claim: Claim, today: date) -> Deadline | None:
    """The insurer's next deadline for the claim (set by its last transition), or None."""
    if claim.due_on is None:
        return None
    return Deadline(step=claim.due_step, label=SLA_STEPS[claim.due_step], due=claim.due_on,
                    overdue=today > claim.due_on, estimated=calendar_is_estimated(claim.due_on))


def overdue_claims(user, today: date) -> QuerySet[Claim]:
    """The claims past the insurer's deadline that the user may see, oldest deadline first
    (one indexed comparison, however many claims there are)."""
    return claims_visible_to(user).filter(due_on__lt=today).order_by("due_on", "pk")


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


def claim_list_page_source(user, *, text="", status="", street_id=None, since=None, until=None):
    """The claims of the list page, with a total that avoids counting a million rows when the
    filters are ones the tally answers (state, street)."""
    qs = claim_search(user, text=text, status=status, street_id=street_id, since=since, until=until)
    if text or since or until:
        return qs          # narrowed by name, number or dates: count them
    counts = claim_counts(user, street_id=street_id)
    total = counts.get(status, 0) if status else sum(counts.values())
    return CountedQuerySet(qs, total)


# --- The decision as it stands --------------------------------------------------------------

def payment_batch_for_user_or_404(user, batch_id: str):
    """A payment file the user checked (batches are their uploader's), or 404."""
    from django.http import Http404

    from .models import PaymentBatch

    if not str(batch_id).isdigit():
        raise Http404
    return get_object_or_404(PaymentBatch.objects.filter(uploaded_by=user), pk=batch_id)


def person_end_dates(person) -> dict:
    """The benefit engine's death_date and removal_date for the person (None unless they died
    or were removed from the roster)."""
    from enrollment.models import PersonStatus

    return {"death_date": person.status_date if person.status == PersonStatus.DECEASED else None,
            "removal_date": person.status_date if person.status == PersonStatus.REMOVED else None}


def policy_terms(policies) -> list:
    """The benefit engine's view of the person's policies (fetched with their scheme years)."""
    from enrollment.rules import Cover

    from .rules import PolicyTerms

    return [PolicyTerms(
        policy_id=p.pk, policy_number=p.number, scheme_year=p.scheme_year.name,
        coverage=Cover(p.scheme_year.coverage_start, p.scheme_year.coverage_end),
        cover=p.cover, daily_subsidy=p.scheme_year.daily_subsidy,     # with its gaps, if any
        day_cap=p.day_cap, days_used=p.days_used, counting=p.scheme_year.day_counting,
        year_crossing=p.scheme_year.year_crossing,
    ) for p in policies]


def decision_preview(claim):
    """What deciding the claim now would give (shown before the insurer confirms), or None
    when it cannot be decided yet."""
    from enrollment.models import Policy
    from tongzhou_care.core.rules import RuleViolation

    if claim.status != ClaimStatus.ACCEPTED or claim.discharged_on is None:
        return None
    policies = Policy.objects.filter(person_id=claim.person_id).select_related("scheme_year").order_by("pk")
    try:
        return benefit_for(claim, policies)
    except RuleViolation:
        return None


def benefit_for(claim, policies):
    """The benefit engine's calculation for the claim's stay over the person's policies (fetched
    with their scheme years; locked by the caller when deciding). Raises RuleViolation."""
    from .rules import calculate_benefit

    return calculate_benefit(admitted=claim.admitted_on, discharged=claim.discharged_on,
                             terms=policy_terms(policies), **person_end_dates(claim.person),
                             charged_elsewhere=days_charged_elsewhere(claim))


def days_charged_elsewhere(claim) -> frozenset[date]:
    """The days of this stay already charged to the person's other decided claims (only a
    transfer day, counted from both ends, can be: the database keeps stays from overlapping
    otherwise). Call under the person's policy locks when deciding."""
    portions = (ClaimPortion.objects.filter(claim__person_id=claim.person_id, first_day__lte=claim.discharged_on,
                                            last_day__gte=claim.admitted_on)
                .exclude(claim_id=claim.pk).values_list("first_day", "last_day"))
    return frozenset(day for first, last in portions
                     for day in (first + timedelta(days=k) for k in range((last - first).days + 1))
                     if claim.admitted_on <= day <= claim.discharged_on)


def current_claim_settings(today):
    """The scheme year in force today, or an unsaved one with the default settings."""
    from enrollment.models import SchemeYear
    from enrollment.selectors import current_scheme_year

    return current_scheme_year(today) or SchemeYear()


def person_cover_summary(user, person) -> list[dict]:
    """The person's policies the user may see (insurer staff: their company's only), with the
    paid days left in each, shown while reporting."""
    from enrollment.selectors import policies_visible_to

    from .rules import days_left

    return [{"policy": p, "left": days_left(day_cap=p.day_cap, days_used=p.days_used)}
            for p in policies_visible_to(user).filter(person=person).order_by("-cover_start")]
