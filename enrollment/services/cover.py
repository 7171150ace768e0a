"""Scheme years and policies: settings, issuing policies, and keeping them true as the roster
changes (additions and removals for the insurer's change list).

Lock order: the scheme year row first (policy numbers are drawn under it), then policies.
"""

from datetime import date

from datetime import timedelta

from django.db import transaction
from django.db.backends.postgresql.psycopg_any import DateRange
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone

from tongzhou_care.core.audit import audit_context
from tongzhou_care.core.rules import RuleViolation

from ..models import MONEY_SETTINGS, ContractAmendment, Person, PersonStatus, Policy, PolicyChange, SchemeYear
from ..rules import (
    Cover,
    addition_cover_start,
    check_scheme_year_money,
    first_cover_day,
    is_corrected_end,
    policy_end,
    reopened_cover,
)

END_REASONS = {PersonStatus.DECEASED: Policy.EndReason.DEATH, PersonStatus.REMOVED: Policy.EndReason.REMOVAL}


@transaction.atomic
def scheme_year_save(*, scheme_year: SchemeYear, actor, amendment_date: date | None = None,
                     amendment_reason: str = "") -> SchemeYear:
    """Validate and save a scheme year. Once a claim of the year has been decided its money
    settings change only with an amendment date and reason, recorded as a ContractAmendment.
    Raises RuleViolation or ValidationError."""
    check_scheme_year_money(premium=scheme_year.premium_per_person,
                            daily_subsidy=scheme_year.daily_subsidy, day_cap=scheme_year.day_cap,
                            coverage_start=scheme_year.coverage_start,
                            coverage_end=scheme_year.coverage_end)
    changes = {}
    categories_widened = False
    if scheme_year.pk:
        # The form's copy was read before this lock: its money_locked_at and policies_issued_at
        # may be stale. Those two are written only by their own services, never from here.
        current = SchemeYear.objects.select_for_update().get(pk=scheme_year.pk)
        scheme_year.money_locked_at = current.money_locked_at
        scheme_year.policies_issued_at = current.policies_issued_at
        changes = {f: [str(getattr(current, f)), str(getattr(scheme_year, f))] for f in MONEY_SETTINGS
                   if getattr(current, f) != getattr(scheme_year, f)}
        categories_widened = bool(set(scheme_year.eligible_categories) - set(current.eligible_categories))
        if current.policies_issued_at and (current.coverage_start, current.coverage_end) != (
                scheme_year.coverage_start, scheme_year.coverage_end):
            raise RuleViolation("coverage_fixed", "保单已生成，保险期间不能再修改。")
        if "day_cap" in changes and Policy.objects.filter(scheme_year=current,
                                                          days_used__gt=scheme_year.day_cap).exists():
            raise RuleViolation("day_cap", "已有保单的已赔付天数超过新的天数上限，不能这样修改。")
        if changes and current.money_locked_at:
            if amendment_date is None or not amendment_reason.strip():
                raise RuleViolation("amendment", "本年度已有核定的理赔，修改保费、补贴标准、天数上限或计算规则"
                                    "须作为合同变更记录，请填写变更生效日期和原因。")
            if not current.coverage_start <= amendment_date <= current.coverage_end:
                raise RuleViolation("amendment_date", f"合同变更生效日期须在本保险年度内（{current.coverage_start:%Y-%m-%d}"
                                    f" 至 {current.coverage_end:%Y-%m-%d}）。")
    with audit_context(actor, "scheme_year_save"):
        scheme_year.full_clean()
        scheme_year.save()
        if changes and scheme_year.money_locked_at:
            ContractAmendment.objects.create(scheme_year=scheme_year, effective_date=amendment_date,
                                             reason=amendment_reason.strip(), changes=changes,
                                             created_by=actor)
        if "day_cap" in changes:
            # The allowance lives on each policy (the counter's CHECK needs it on the row).
            # A cap lowered below days already paid is refused by policy_allowance_within_cap.
            Policy.objects.filter(scheme_year=scheme_year).update(day_cap=scheme_year.day_cap)
    if categories_widened and scheme_year.policies_issued_at:
        # The newly eligible persons are mid-year additions, notified to the insurer today.
        policies_sync(actor=actor, scheme_year_ids=[scheme_year.pk])
    return scheme_year


def _eligible_without_policy(scheme_year: SchemeYear, **status):
    """Persons of the year's categories (active unless `status` says otherwise) with no policy
    of the year yet, whose benefit starts by the year's end, in the order their policy numbers
    are given."""
    return (Person.objects.filter(category__in=scheme_year.eligible_categories,
                                  **(status or {"status": PersonStatus.ACTIVE}))
            .filter(Q(assistance_start__isnull=True) | Q(assistance_start__lte=scheme_year.coverage_end))
            .exclude(Exists(Policy.objects.filter(scheme_year=scheme_year, person=OuterRef("pk"))))
            .order_by("street__code", "pk"))


def _gaps(cover: Cover) -> list[DateRange]:
    return [DateRange(g.start, g.end + timedelta(days=1), "[)") for g in cover.gaps]


def _next_numbers(scheme_year: SchemeYear, count: int) -> list[str]:
    """Policy numbers TZ2026-000001 …, continuing after the last one of the year (the caller
    holds the scheme year's row lock)."""
    last = Policy.objects.filter(scheme_year=scheme_year).aggregate(Max("number"))["number__max"]
    first = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    prefix = f"TZ{scheme_year.coverage_start:%Y}-"
    return [f"{prefix}{n:06d}" for n in range(first, first + count)]


@transaction.atomic
def policies_issue(*, scheme_year_id: int, actor, today: date | None = None) -> int:
    """Issue the year's policies and return how many were created. The first issue covers
    every eligible active person from the coverage start (they were on the roster at the start);
    later runs only add persons who have none, as mid-year additions."""
    today = today or timezone.localdate()
    scheme_year = SchemeYear.objects.select_for_update().get(pk=scheme_year_id)
    if scheme_year.policies_issued_at is not None:
        return policies_sync(actor=actor, today=today, scheme_year_ids=[scheme_year.pk])
    persons = list(_eligible_without_policy(scheme_year).values_list("pk", "assistance_start"))
    # Issued after the year began: who was on the roster at its start and has died or been
    # removed since was insured until then, and is billed and paid for those days.
    ended = list(_eligible_without_policy(scheme_year, status__in=list(END_REASONS),
                                          status_date__gte=scheme_year.coverage_start)
                 .values_list("pk", "status", "status_date", "assistance_start"))
    numbers = iter(_next_numbers(scheme_year, len(persons) + len(ended)))
    coverage = Cover(scheme_year.coverage_start, scheme_year.coverage_end)
    with audit_context(actor, "policies_issue"):
        # Cover never starts before the person's benefit start (开始享受扶助).
        Policy.objects.bulk_create([
            Policy(scheme_year=scheme_year, person_id=pk, number=next(numbers), day_cap=scheme_year.day_cap,
                   cover_start=first_cover_day(coverage.start, coverage=coverage, assistance_start=benefit),
                   cover_end=coverage.end)
            for pk, benefit in persons
        ], batch_size=5000)
        for pk, status, last_day, benefit in ended:
            start = first_cover_day(coverage.start, coverage=coverage, assistance_start=benefit)
            end, early = policy_end(cover_start=start, coverage=coverage, last_day=last_day)
            policy = Policy.objects.create(
                scheme_year=scheme_year, person_id=pk, number=next(numbers), day_cap=scheme_year.day_cap,
                cover_start=start, cover_end=end, end_reason=END_REASONS[status] if early else "")
            if policy.end_reason:
                PolicyChange.objects.create(scheme_year=scheme_year, policy=policy, kind=PolicyChange.Kind.REMOVAL,
                                            effective_date=last_day, notified_on=today,
                                            reason=END_REASONS[status].label, created_by=actor)
        scheme_year.policies_issued_at = timezone.now()
        scheme_year.save(update_fields=["policies_issued_at", "updated_at"])
    return len(persons) + len(ended)


@transaction.atomic
def policies_sync(*, actor, today: date | None = None, scheme_year_ids=None) -> int:
    """Bring issued policies in line with the roster and return how many changed: eligible
    persons without a policy are added (cover from the day after today, when the insurer is
    told), and the cover of persons who died or were removed ends on that date. Each change is a
    line of the change list. Runs after every roster import and status change."""
    today = today or timezone.localdate()
    # Scheme years are locked in id order, as every service locks them (docs/architecture.md).
    years = (SchemeYear.objects.select_for_update().filter(policies_issued_at__isnull=False,
                                                           coverage_end__gte=today)
             .order_by("pk"))
    if scheme_year_ids is not None:
        years = years.filter(pk__in=scheme_year_ids)
    changed = 0
    with audit_context(actor, "policies_sync"):
        for scheme_year in sorted(years, key=lambda y: y.coverage_start):
            changed += _add_missing(scheme_year, actor, today)
            changed += _reopen_reinstated(scheme_year, actor, today)
        changed += _end_ended(actor, today)
    return changed


def _add_missing(scheme_year: SchemeYear, actor, today: date) -> int:
    coverage = Cover(scheme_year.coverage_start, scheme_year.coverage_end)
    start = addition_cover_start(notified_on=today, coverage=coverage)
    if start > coverage.end:
        return 0
    persons = list(_eligible_without_policy(scheme_year).values_list("pk", "assistance_start"))
    policies = Policy.objects.bulk_create([
        Policy(scheme_year=scheme_year, person_id=pk, number=number, cover_end=coverage.end,
               cover_start=first_cover_day(start, coverage=coverage, assistance_start=benefit),
               day_cap=scheme_year.day_cap)
        for (pk, benefit), number in zip(persons, _next_numbers(scheme_year, len(persons)))
    ])
    PolicyChange.objects.bulk_create([
        PolicyChange(scheme_year=scheme_year, policy=policy, kind=PolicyChange.Kind.ADDITION,
                     effective_date=policy.cover_start, notified_on=today,
                     reason="新增参保对象" + ("（自开始享受扶助之日起）" if policy.cover_start != start else ""),
                     created_by=actor)
        for policy in policies
    ])
    return len(policies)


def _reopen_reinstated(scheme_year: SchemeYear, actor, today: date) -> int:
    """Policies of the year ended by a removal whose person is back on the roster (by an
    import or by hand): covered again from the day after the insurer is told, never before the
    benefit start; the days between stay a gap, unpaid. Each is a line of the change list,
    marked as a correction of the removal."""
    coverage = Cover(scheme_year.coverage_start, scheme_year.coverage_end)
    resume_from = addition_cover_start(notified_on=today, coverage=coverage)
    if resume_from > coverage.end:
        return 0
    reopening = (Policy.objects.select_for_update(of=("self",))
                 .filter(scheme_year=scheme_year, end_reason=Policy.EndReason.REMOVAL,
                         person__status=PersonStatus.ACTIVE,
                         person__category__in=scheme_year.eligible_categories)
                 .select_related("person").order_by("pk"))
    count = 0
    for policy in reopening:
        resume = first_cover_day(resume_from, coverage=coverage, assistance_start=policy.person.assistance_start)
        old = policy.cover
        cover = reopened_cover(old, coverage=coverage, resume=resume) if resume else None
        if cover is None:
            continue
        gap = next((g for g in cover.gaps if g not in old.gaps), None)
        policy.cover_start, policy.cover_end, policy.end_reason = cover.start, cover.end, Policy.EndReason.NONE
        policy.cover_gaps = _gaps(cover)
        policy.save(update_fields=["cover_start", "cover_end", "end_reason", "cover_gaps"])
        PolicyChange.objects.create(
            scheme_year=scheme_year, policy=policy, kind=PolicyChange.Kind.ADDITION,
            effective_date=resume if old.days else cover.start, notified_on=today, created_by=actor,
            reason=(f"恢复参保（更正：原减员至 {old.end:%Y-%m-%d}"
                    + (f"，{gap.start:%Y-%m-%d} 至 {gap.end:%Y-%m-%d} 未在保" if gap else "") + "）"))
        count += 1
    return count


def _end_ended(actor, today: date) -> int:
    """Policies whose cover does not end on their person's death or removal date yet: newly
    ended, or ended earlier on a date that has since been corrected (a later import or the
    commission fixed it), in either direction. Each is a line of the change list."""
    pending = (Policy.objects.select_for_update(of=("self",))
               .filter(person__status__in=list(END_REASONS))
               .filter(Q(end_reason="", cover_end__gt=F("person__status_date"))
                       | (~Q(end_reason="") & ~Q(cover_end=F("person__status_date"))))
               .select_related("person", "scheme_year").order_by("pk"))
    count = 0
    for policy in pending:
        person = policy.person
        coverage = Cover(policy.scheme_year.coverage_start, policy.scheme_year.coverage_end)
        if policy.end_reason and not is_corrected_end(same_event=policy.end_reason == END_REASONS[person.status],
                                                      last_day=person.status_date, coverage=coverage):
            continue
        end, early = policy_end(cover_start=policy.cover_start, coverage=coverage, last_day=person.status_date)
        reason = END_REASONS[person.status] if early else Policy.EndReason.NONE
        if (end, reason) == (policy.cover_end, policy.end_reason):
            continue                  # ended before its cover began: already right
        correction = f"（更正，原为 {policy.cover_end:%Y-%m-%d}）" if policy.end_reason else ""
        policy.cover_end, policy.end_reason = end, reason
        policy.save(update_fields=["cover_end", "end_reason"])
        PolicyChange.objects.create(
            scheme_year=policy.scheme_year, policy=policy, kind=PolicyChange.Kind.REMOVAL,
            effective_date=person.status_date, notified_on=today,
            reason=END_REASONS[person.status].label + (f"：{person.removal_reason}" if person.removal_reason else "")
            + correction,
            created_by=actor)
        count += 1
    return count
