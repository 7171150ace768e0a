"""Read paths of the claims app, always scoped to the user (S8), and the deadlines derived
from the working-day calendar."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Collate
from django.shortcuts import get_object_or_404

from enrollment.models import PINYIN
from enrollment.rules import looks_like_id_tail
from tongzhou_care.core.access import sees_all_streets, streets_of
from tongzhou_care.core.models import Role
from tongzhou_care.core.paging import CountedQuerySet
from tongzhou_care.core.sealed import blind_index_of
from tongzhou_care.core.sorting import Sorting
from tongzhou_care.core.workdays import calendar_is_estimated

from ..models import Claim, ClaimPortion, ClaimStatus, ClaimTally
from ..rules import SLA_STEPS


def claims_visible_to(user) -> QuerySet[Claim]:
    """All claims (commission), the street's (officers), the company's (insurer staff), none
    (finance, no role)."""
    qs = Claim.objects.select_related("person", "street")
    if not user.is_authenticated or not user.has_perm("claims.view_claim"):
        return qs.none()
    if user.has_perm("claims.view_all_claims"):
        return qs
    if user.role == Role.INSURER_STAFF:
        return _within_contract_reach(user, qs.filter(insurer_id=user.insurer_id))
    if sees_all_streets(user):
        return qs
    return qs.filter(street__in=streets_of(user))


def _insurer_claims_since(user):
    """For insurer staff whose company has contracts out of reach (ended longer ago than
    INSURER_ACCESS_DAYS_AFTER_CONTRACT): the first coverage day of the contracts still in reach
    (a claim discharged before it belongs to a contract out of reach), or date.max when none
    is; None when no contract of the company is out of reach (nothing to cut)."""
    from django.conf import settings
    from django.utils import timezone

    from enrollment.models import SchemeYear
    from enrollment.rules import insurer_reach_starts

    ended_by = insurer_reach_starts(today=timezone.localdate(), days=settings.INSURER_ACCESS_DAYS_AFTER_CONTRACT)
    years = list(SchemeYear.objects.filter(insurer_id=user.insurer_id).values_list("coverage_start", "coverage_end"))
    if all(end >= ended_by for _, end in years):
        return None
    return min((start for start, end in years if end >= ended_by), default=date.max)


def _within_contract_reach(user, qs):
    since = _insurer_claims_since(user)
    if since is None:
        return qs
    return qs.filter(Q(discharged_on__isnull=True, admitted_on__gte=since) | Q(discharged_on__gte=since))


def claim_for_user_or_404(user, claim_id) -> Claim:
    return get_object_or_404(claims_visible_to(user), pk=claim_id)


def claims_awaiting_documents(user, *, limit: int = 10) -> list[tuple[Claim, tuple[str, ...]]]:
    """(claim, labels of the missing documents) for the user's open claims that still lack a
    required document: those the insurer has asked for (待补材料) first, then the newest
    reports; at most `limit` (the officer's to-do list on the home page)."""
    from django.db.models import Case, IntegerField, Prefetch, Value, When

    from ..models import ClaimDocument

    claims = (claims_visible_to(user)
              .filter(status__in=(ClaimStatus.DOCUMENTS_PENDING, ClaimStatus.REPORTED))
              .prefetch_related(Prefetch("documents", queryset=ClaimDocument.objects.only("claim_id", "kind")))
              .order_by(Case(When(status=ClaimStatus.DOCUMENTS_PENDING, then=Value(0)), default=Value(1),
                             output_field=IntegerField()), "-reported_at", "-pk"))
    waiting = []
    for claim in claims[:limit * 5]:       # a street has a few open claims; most lack something
        _, missing = documents_status(claim, provided={d.kind for d in claim.documents.all()})
        if missing:
            waiting.append((claim, tuple(ClaimDocument.Kind(k).label for k in missing)))
        if len(waiting) == limit:
            break
    return waiting


def claims_of_person(user, person) -> QuerySet[Claim]:
    """The person's claims the user may see, latest stay first, with what each pays now (the
    decided amount plus supplements) as `entitled`."""
    return (claims_visible_to(user).filter(person=person).order_by("-admitted_on", "-id")
            .annotate(supplemented=Coalesce(Sum("supplements__amount_difference"), Decimal("0.00")))
            .annotate(entitled=F("amount") + F("supplemented")))


# The claims list's sortable columns (core.sorting), newest report first by default. Names in
# pinyin order: the persons' person_name_pinyin_idx walked in order, each person's claims by
# claim_person_admitted_idx; the other columns have an index each (migration 0010).
CLAIM_SORTING = Sorting({
    "number": ("number",),
    "name": (Collate("person__name", PINYIN), "person_id", "admitted_on", "id"),
    "admitted_on": ("admitted_on", "id"),
    "discharged_on": ("discharged_on", "id"),
    "status": ("status", "-reported_at", "-id"),
    "amount": ("amount", "id"),
    "reported_at": ("reported_at", "id"),
}, default="-reported_at")


def claim_year_choices(user):
    """The scheme years the claims list filters by: those the user may see, all of them for an
    officer (who sees no scheme year page, but whose street's claims belong to years too)."""
    from enrollment.models import SchemeYear
    from enrollment.selectors import scheme_years_visible_to

    if not user.is_authenticated or not user.has_perm("claims.view_claim"):
        return SchemeYear.objects.none()
    years = scheme_years_visible_to(user)
    if user.role == Role.STREET_OFFICER:
        years = SchemeYear.objects.all()
    return years.select_related(None).only("id", "name", "coverage_start").order_by("-coverage_start")


def claim_search(user, *, text: str = "", status: str = "", street_id=None, since=None,
                 until=None, scheme_year=None, sort: str = "") -> QuerySet[Claim]:
    """Claims the user may see, by claim number, the person's name or the last 4 characters of
    the ID number, state, street, report dates and scheme year (of admission); sorted by
    CLAIM_SORTING (newest report first unless asked)."""
    qs = claims_visible_to(user)
    text = text.strip()
    if text:
        if text.upper().startswith("LP"):
            qs = qs.filter(number=text.upper())
        elif looks_like_id_tail(text):
            # By the blind index of the sealed ID number's last 4 characters (core/sealed.py).
            qs = qs.filter(person__id_number_last4_hash=blind_index_of("id_number", text, last=4))
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
    if scheme_year is not None:
        from .figures import in_admission_window
        qs = in_admission_window(qs, scheme_year)
    return qs.order_by(*CLAIM_SORTING.order(CLAIM_SORTING.read(sort)))


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
    return tally_rows_visible_to(user, ClaimTally.objects.all())


def tally_rows_visible_to(user, qs):
    """The rows of a claim tally (ClaimTally, ClaimDayTally) that count the claims a user may
    see: the same scope as claims_visible_to."""
    if not user.is_authenticated or not user.has_perm("claims.view_claim"):
        return qs.none()
    if user.has_perm("claims.view_all_claims") or sees_all_streets(user):
        return qs
    if user.role == Role.INSURER_STAFF:
        return qs.filter(insurer_id=user.insurer_id)
    return qs.filter(street__in=streets_of(user))


def _tally_usable(user) -> bool:
    """Whether the tally answers for the user's claims: not for insurer staff whose company has
    contracts out of reach (the tally does not know contracts)."""
    return not (user.is_authenticated and user.role == Role.INSURER_STAFF and _insurer_claims_since(user) is not None)


def claim_counts(user, *, street_id=None) -> dict[str, int]:
    """Claims the user may see, by state, from the tally the database keeps (a few rows, however
    many claims there are); counted from the claims themselves for insurer staff whose company
    has contracts out of reach."""
    counts = {status: 0 for status in ClaimStatus.values}
    if not _tally_usable(user):
        claims = claims_visible_to(user)
        if street_id:
            claims = claims.filter(street_id=street_id)
        for row in claims.order_by().values("status").annotate(total=Count("pk")):
            counts[row["status"]] = row["total"]
        return counts
    rows = _tally_visible_to(user)
    if street_id:
        rows = rows.filter(street_id=street_id)
    for row in rows.values("status").annotate(total=Sum("n")):
        counts[row["status"]] = row["total"]
    return counts


@dataclass(frozen=True)
class ClaimTotals:
    count: int
    amount: Decimal         # the decided amount (核定金额) of the claims counted
    source: str             # "tally" (ClaimTally), "day and year tallies" or "claims" (an aggregate)


def claim_list_page_source(user, *, text="", status="", street_id=None, since=None, until=None,
                           scheme_year=None, sort="") -> tuple[CountedQuerySet, ClaimTotals]:
    """The claims of the list page, sorted, and the totals of the filtered list (count and
    decided amount): from the tallies when the filters are ones they answer (state, street, and
    a scheme year: ClaimDayTally's count, ClaimYearTally's amount), otherwise one COUNT and SUM
    over the filtered claims (a name, number or report dates)."""
    from ..tallies import ClaimYearTally
    from .figures import day_tally_visible_to, in_admission_window

    qs = claim_search(user, text=text, status=status, street_id=street_id, since=since, until=until,
                      scheme_year=scheme_year, sort=sort)
    if text or since or until or not _tally_usable(user):
        row = qs.order_by().aggregate(count=Count("pk"), amount=Coalesce(Sum("amount"), Decimal("0.00")))
        return CountedQuerySet(qs, row["count"]), ClaimTotals(row["count"], row["amount"], "claims")
    if scheme_year is None:
        counted, summed, source = _tally_visible_to(user), None, "tally"
    else:
        # A year: the count from the day tally over its admission days, the amount from the
        # figures' year tally (docs/architecture.md "Tallies").
        counted = in_admission_window(day_tally_visible_to(user), scheme_year)
        summed = tally_rows_visible_to(user, ClaimYearTally.objects.filter(scheme_year=scheme_year))
        source = "day and year tallies"
    filters = {**({"street_id": street_id} if street_id else {}), **({"status": status} if status else {})}
    row = counted.filter(**filters).aggregate(n=Coalesce(Sum("n"), 0), **(
        {"a": Coalesce(Sum("amount"), Decimal("0.00"))} if summed is None else {}))
    if summed is not None:
        row.update(summed.filter(**filters).aggregate(a=Coalesce(Sum("amount"), Decimal("0.00"))))
    totals = ClaimTotals(row["n"], row["a"], source)
    return CountedQuerySet(qs, totals.count), totals


# --- The decision as it stands --------------------------------------------------------------

def payment_batch_for_user_or_404(user, batch_id: str):
    """A payment file the user checked (batches are their uploader's), or 404."""
    from django.http import Http404

    from ..models import PaymentBatch

    if not str(batch_id).isdigit():
        raise Http404
    return get_object_or_404(PaymentBatch.objects.filter(uploaded_by=user), pk=batch_id)


def person_end_dates(person) -> dict:
    """The benefit engine's death_date and removal_date for the person (None unless they died
    or were removed from the roster)."""
    from enrollment.models import PersonStatus

    return {"death_date": person.status_date if person.status == PersonStatus.DECEASED else None,
            "removal_date": person.status_date if person.status == PersonStatus.REMOVED else None}


def policy_terms(policies, *, own_days: dict[int, int] | None = None) -> list:
    """The benefit engine's view of the person's policies (fetched with their scheme years):
    the terms as first contracted with the year's amendments in the order recorded, the day a
    mid-year addition was notified, why a cover was cut short. `own_days` (policy id → paid
    days) takes a decided claim's own days out of the allowance used, to recompute it."""
    from collections import defaultdict

    from enrollment.models import ContractAmendment, PolicyChange
    from enrollment.rules import Cover

    from ..rules import PolicyTerms, contract_terms

    policies = list(policies)
    amendments = defaultdict(list)
    for year_id, effective, changes, reason in (
            ContractAmendment.objects.filter(scheme_year_id__in={p.scheme_year_id for p in policies})
            .order_by("created_at", "pk").values_list("scheme_year_id", "effective_date", "changes", "reason")):
        amendments[year_id].append((effective, changes, reason))
    # The latest addition line of each policy: the day the insurer was told (cover starts the next).
    notified = dict(PolicyChange.objects.filter(policy__in=policies, kind=PolicyChange.Kind.ADDITION)
                    .order_by("created_at", "pk").values_list("policy_id", "notified_on"))
    terms = []
    for p in policies:
        year = p.scheme_year
        base, changes = contract_terms(
            current={"daily_subsidy": year.daily_subsidy, "day_cap": year.day_cap, "counting": year.day_counting,
                     "year_crossing": year.year_crossing},
            amendments=amendments[year.pk])
        terms.append(PolicyTerms(
            policy_id=p.pk, policy_number=p.number, scheme_year=year.name,
            coverage=Cover(year.coverage_start, year.coverage_end), cover=p.cover,   # with its gaps, if any
            daily_subsidy=base["daily_subsidy"], day_cap=base["day_cap"],
            days_used=p.days_used - (own_days or {}).get(p.pk, 0), counting=base["counting"],
            year_crossing=base["year_crossing"], changes=changes,
            added_on=notified.get(p.pk) if p.cover_start > year.coverage_start else None,
            end_reason=p.end_reason))
    return terms


def scheme_years_touching(first: date, last: date) -> list[tuple]:
    """(name, coverage) of every scheme year overlapping [first, last], for the trace."""
    from enrollment.models import SchemeYear
    from enrollment.rules import Cover

    return [(name, Cover(start, end)) for name, start, end in SchemeYear.objects.filter(
        coverage_start__lte=last, coverage_end__gte=first).values_list("name", "coverage_start", "coverage_end")]


def person_policies(person_id: int):
    """The person's policies with their scheme years, in id order (the order services lock them)."""
    from enrollment.models import Policy

    return Policy.objects.filter(person_id=person_id).select_related("scheme_year").order_by("pk")


def benefit_for(claim, policies, *, own_days: dict[int, int] | None = None):
    """The benefit engine's calculation for the claim's stay over the person's policies (fetched
    with their scheme years; locked by the caller when deciding). Raises RuleViolation."""
    from ..rules import calculate_benefit

    return calculate_benefit(admitted=claim.admitted_on, discharged=claim.discharged_on,
                             terms=policy_terms(policies, own_days=own_days), **person_end_dates(claim.person),
                             charged_elsewhere=days_charged_elsewhere(claim),
                             years=scheme_years_touching(claim.admitted_on, claim.discharged_on))


def paid_days_by_policy(claim) -> dict[int, int]:
    """The paid days the claim holds on each policy now: its decision plus its supplements."""
    from ..models import SupplementPortion

    held = dict(claim.portions.values_list("policy_id", "days_payable"))
    for policy_id, days in SupplementPortion.objects.filter(supplement__claim=claim).values_list(
            "policy_id", "days_difference"):
        held[policy_id] = held.get(policy_id, 0) + days
    return held


def claim_entitlement(claim) -> Decimal | None:
    """What the family is owed for the claim now: the decided amount plus every supplementary
    decision (None before a decision)."""
    if claim.amount is None:
        return None
    extra = claim.supplements.aggregate(total=Sum("amount_difference"))["total"]
    return claim.amount + (extra or Decimal("0.00"))


def recheck(claim, policies=None):
    """A decided claim recomputed under today's facts (contract amendments, a death or removal
    recorded since) with its own paid days returned to the allowance, or None when it cannot
    be (not decided)."""
    from tongzhou_care.core.rules import RuleViolation

    if claim.status not in (ClaimStatus.DECIDED, ClaimStatus.PAID) or claim.discharged_on is None:
        return None
    policies = list(policies if policies is not None else person_policies(claim.person_id))
    try:
        return benefit_for(claim, policies, own_days=paid_days_by_policy(claim))
    except RuleViolation:
        return None


def days_charged_elsewhere(claim) -> frozenset[date]:
    """The days of this stay already charged to the person's other decided claims (only a
    transfer day, counted from both ends, or a same-day stay and a readmission that same day,
    can be: the database keeps stays from overlapping otherwise). Call under the person's
    policy locks when deciding."""
    portions = (ClaimPortion.objects.filter(claim__person_id=claim.person_id, first_day__lte=claim.discharged_on,
                                            last_day__gte=claim.admitted_on)
                .exclude(claim_id=claim.pk).values_list("first_day", "last_day"))
    return frozenset(day for first, last in portions
                     for day in (first + timedelta(days=k) for k in range((last - first).days + 1))
                     if claim.admitted_on <= day <= claim.discharged_on)


def documents_status(claim, provided: set[str] | None = None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(required kinds, missing kinds) for the claim as it stands: a proxy filing needs the
    power of attorney, a deceased insured the death certificate and proof of heirship.
    `provided`: the kinds on file, when the caller has them already (read otherwise)."""
    from enrollment.models import PersonStatus

    from ..rules import missing_documents, required_documents

    required = required_documents(proxy_filing=claim.proxy_filing,
                                  insured_deceased=claim.person.status == PersonStatus.DECEASED)
    if provided is None:
        provided = set(claim.documents.values_list("kind", flat=True))
    return required, missing_documents(required=required, provided=provided)


def report_cover_check(person, *, admitted: date, discharged: date | None, today: date):
    """The scheme year whose settings a new report follows (that of the first policy covering a
    counted day of the stay); raises RuleViolation("not_insured") with the reasons when no day
    the decision would count lies inside cover, so a report never waits for a decision that
    can only pay nothing for lack of cover."""
    from tongzhou_care.core.rules import RuleViolation

    from ..rules import calculate_benefit, uncovered_reasons

    policies = list(person_policies(person.pk))
    stay = f"{admitted:%Y-%m-%d} 至 {discharged:%Y-%m-%d}" if discharged else f"自 {admitted:%Y-%m-%d} 起"
    refusal = f"{person.name}在这次住院（{stay}）中计入的天数没有一天在保障期间内，不能报案"
    if discharged is None:
        # Still in hospital: any day from the admission to today inside a cover window.
        covering = [p for p in policies if p.cover_start <= today and p.cover_end >= admitted
                    and p.cover_end >= p.cover_start]
        if not covering:
            raise RuleViolation("not_insured", refusal + "。年中新增对象自通知保险公司的次日起保障；"
                                "已死亡或减员的对象保障已终止。")
        return covering[0].scheme_year
    if not policies:
        raise RuleViolation("not_insured", refusal + "：该参保对象没有保单。")
    calculation = calculate_benefit(admitted=admitted, discharged=discharged, terms=policy_terms(policies),
                                    **person_end_dates(person), years=scheme_years_touching(admitted, discharged))
    covering = [p for p in calculation.portions if p.days_covered]
    if not covering:
        raise RuleViolation("not_insured", refusal + "：" + "；".join(uncovered_reasons(calculation)) + "。")
    return next(p.scheme_year for p in policies if p.pk == covering[0].policy_id)


@dataclass(frozen=True)
class ClaimReading:
    """A claim as its page and its services see it: the workflow's facts and what they rest on."""

    facts: object                  # workflow.ClaimFacts
    required: tuple[str, ...]
    missing: tuple[str, ...]
    preview: object | None         # what deciding now would give (accepted, discharged)
    recheck: object | None         # a decided claim recomputed under today's facts
    entitled: Decimal | None       # decided amount plus supplements
    difference: Decimal | None     # recheck − entitled, when not zero


def read_claim(claim, *, policies=None, today: date | None = None) -> ClaimReading:
    """Everything the workflow's guards need about the claim, in a handful of queries. Services
    call it under their locks with the policies they locked."""
    from django.utils import timezone

    from enrollment.models import PersonStatus
    from tongzhou_care.core.rules import RuleViolation

    from ..rules import check_payee, nothing_payable_reason
    from ..workflow import ClaimFacts

    person = claim.person
    deceased = person.status == PersonStatus.DECEASED
    required, missing = documents_status(claim)
    try:
        check_payee(name=claim.payee_name, relation=claim.payee_relation, id_number=claim.payee_id_number,
                    account=claim.payee_account, insured_name=person.name, insured_account=person.bank_account,
                    insured_deceased=deceased, today=today or timezone.localdate())
        payee_problem = None
    except RuleViolation as violation:
        payee_problem = violation.message
    preview = again = None
    nothing = None
    if claim.status == ClaimStatus.ACCEPTED and claim.discharged_on is not None:
        try:
            preview = benefit_for(claim, list(policies if policies is not None else person_policies(claim.person_id)))
        except RuleViolation as violation:
            nothing = violation.message
        else:
            if preview.days_payable == 0:
                nothing = nothing_payable_reason(preview)
    entitled = claim_entitlement(claim)
    difference = None
    if claim.status in (ClaimStatus.DECIDED, ClaimStatus.PAID):
        again = recheck(claim, policies)
        if again is not None and again.amount != entitled:
            difference = again.amount - entitled
    unsettled = claim.status == ClaimStatus.PAID and claim.supplements.filter(settled_at__isnull=True).exists()
    facts = ClaimFacts(status=claim.status, appeal_count=claim.appeal_count, discharged=claim.discharged_on is not None,
                       reported_by_id=claim.reported_by_id, missing=missing,
                       refusal_notice_sent=claim.refusal_notice_sent_at is not None, payee_problem=payee_problem,
                       nothing_payable=nothing, supplement_due=difference, unsettled_supplement=unsettled)
    return ClaimReading(facts=facts, required=required, missing=missing, preview=preview, recheck=again,
                        entitled=entitled, difference=difference)


# --- Decided claims that facts learnt later have changed (issue 11, domain.md) --------------

def claims_beyond_cover(user=None, *, person_ids=None) -> QuerySet[Claim]:
    """Decided or paid claims with paid days after their policy's cover now ends (a death or
    removal recorded later with an earlier date) or before it now starts, and no supplementary
    decision since that cover last changed: the claims to review. Set-based; the amount at
    stake comes from `recheck` per claim."""
    from django.db.models import Exists, Max, OuterRef, Q

    from enrollment.models import PolicyChange

    from ..models import Supplement

    last_change = (PolicyChange.objects.filter(policy_id=OuterRef("policy_id")).order_by()
                   .values("policy_id").annotate(at=Max("created_at")).values("at"))
    beyond = (ClaimPortion.objects.filter(claim_id=OuterRef("pk"), days_payable__gt=0)
              .filter(Q(last_day__gt=F("policy__cover_end"), policy__end_reason__in=["death", "removal"])
                      | Q(first_day__lt=F("policy__cover_start"), days_covered__gt=0))
              .annotate(changed_at=Subquery(last_change))
              .exclude(Exists(Supplement.objects.filter(claim_id=OuterRef("claim_id"),
                                                        decided_at__gt=OuterRef("changed_at")))))
    qs = claims_visible_to(user) if user is not None else Claim.objects.select_related("person", "street")
    qs = qs.filter(status__in=[ClaimStatus.DECIDED, ClaimStatus.PAID]).filter(Exists(beyond))
    if person_ids is not None:
        qs = qs.filter(person_id__in=person_ids)
    return qs.order_by("person_id", "admitted_on")


def claims_under_amendment(user=None) -> QuerySet[Claim]:
    """Decided or paid claims with paid days on or after the effective date of a contract
    amendment recorded after their decision (and after their last supplementary decision)."""
    from django.db.models import Exists, OuterRef

    from enrollment.models import ContractAmendment

    from ..models import Supplement

    newer = (ContractAmendment.objects.filter(scheme_year_id=OuterRef("policy__scheme_year_id"),
                                              effective_date__lte=OuterRef("last_day"),
                                              created_at__gt=OuterRef("claim__decided_at"))
             .exclude(Exists(Supplement.objects.filter(claim_id=OuterRef(OuterRef("claim_id")),
                                                       decided_at__gt=OuterRef("created_at")))))
    touched = ClaimPortion.objects.filter(claim_id=OuterRef("pk"), days_payable__gt=0).filter(Exists(newer))
    qs = claims_visible_to(user) if user is not None else Claim.objects.select_related("person", "street")
    return qs.filter(status__in=[ClaimStatus.DECIDED, ClaimStatus.PAID]).filter(Exists(touched)).order_by(
        "person_id", "admitted_on")


@dataclass(frozen=True)
class ReviewRow:
    claim: Claim
    cause: str                     # Supplement.Cause value
    entitled: Decimal
    recomputed: Decimal | None
    difference: Decimal


def claims_to_review(user, *, person_ids=None, limit: int = 200) -> list[ReviewRow]:
    """The decided claims whose amount facts learnt later would change, each recomputed with the
    amount at stake (positive: owed to the family; negative: overpaid). At most `limit` claims
    are recomputed (they are few: a death recorded late, a contract amendment)."""
    from ..models import Supplement

    rows = []
    seen = set()
    for cause, qs in ((Supplement.Cause.LATE_FACT, claims_beyond_cover(user, person_ids=person_ids)),
                      (Supplement.Cause.AMENDMENT, claims_under_amendment(user))):
        if person_ids is not None:
            qs = qs.filter(person_id__in=person_ids)
        for claim in qs[:limit]:
            if claim.pk in seen:
                continue
            seen.add(claim.pk)
            entitled = claim_entitlement(claim)
            again = recheck(claim)
            if again is None or again.amount == entitled:
                continue
            rows.append(ReviewRow(claim=claim, cause=cause, entitled=entitled, recomputed=again.amount,
                                  difference=again.amount - entitled))
    return rows


def current_claim_settings(today):
    """The scheme year in force today, or an unsaved one with the default settings."""
    from enrollment.models import SchemeYear
    from enrollment.selectors import current_scheme_year

    return current_scheme_year(today) or SchemeYear()


def person_cover_summary(user, person) -> list[dict]:
    """The person's policies the user may see (insurer staff: their company's only), with the
    paid days left in each, shown while reporting."""
    from enrollment.selectors import policies_visible_to

    from ..rules import days_left

    return [{"policy": p, "left": days_left(day_cap=p.day_cap, days_used=p.days_used)}
            for p in policies_visible_to(user).filter(person=person).order_by("-cover_start")]
