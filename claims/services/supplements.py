"""Supplementary decisions (补充核定): a decided claim whose amount facts learnt later would
change (a contract amendment in force on its days, a death or removal recorded with an
earlier date) keeps its decision; a supplement records the difference per policy, moves the
allowance by the days it adds or gives back, and is paid (补付) or recovered (追回)."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from enrollment.models import Policy
from tongzhou_care.core.audit import audit_context
from tongzhou_care.core.models import User
from tongzhou_care.core.money import format_yuan
from tongzhou_care.core.rules import RuleViolation

from ..models import Supplement, SupplementPortion
from ..selectors import claims_beyond_cover, paid_days_by_policy
from ..workflow import supplement_words
from .claim import _locked, record_action


def _held_amounts(claim) -> dict[int, Decimal]:
    """What each policy pays for the claim now: its portion plus its supplements."""
    held: dict[int, Decimal] = defaultdict(Decimal)
    for policy_id, amount in claim.portions.values_list("policy_id", "amount"):
        held[policy_id] += amount
    for policy_id, amount in SupplementPortion.objects.filter(supplement__claim=claim).values_list(
            "policy_id", "amount_difference"):
        held[policy_id] += amount
    return held


@transaction.atomic
def claim_supplement(*, claim_id: int, actor: User, today: date | None = None) -> Supplement:
    """Record a supplementary decision for the difference between what the claim pays now and
    what it would pay under today's facts, and return it; raises RuleViolation when there is
    none (the workflow table's guard)."""
    claim, policies, reading = _locked(claim_id, "supplement", actor, allowance=True, today=today)
    again = reading.recheck
    days_held, amounts_held = paid_days_by_policy(claim), _held_amounts(claim)
    now = {p.policy_id: (p.days_payable, p.amount) for p in again.portions}
    changes = []
    for policy_id in sorted(set(now) | set(days_held)):
        days, amount = now.get(policy_id, (0, Decimal("0.00")))
        delta_days, delta_amount = days - days_held.get(policy_id, 0), amount - amounts_held.get(policy_id, Decimal("0.00"))
        if delta_days or delta_amount:
            changes.append((policy_id, delta_days, delta_amount))
    late = claims_beyond_cover(person_ids=[claim.person_id]).filter(pk=claim.pk).exists()
    difference = reading.difference
    with audit_context(actor, "claim_supplement"):
        supplement = Supplement.objects.create(
            claim=claim, sequence=claim.supplements.count() + 1,
            cause=Supplement.Cause.LATE_FACT if late else Supplement.Cause.AMENDMENT,
            note=("身故或减员日期早于原核定所依据的保障期间" if late else "合同变更后按各天适用的条款重新计算"),
            days_difference=sum(d for _, d, _ in changes), amount_difference=difference,
            calculation=list(again.trace), decided_at=timezone.now(), decided_by=actor)
        by_id = {p.pk: p for p in policies}
        for policy_id, delta_days, delta_amount in changes:
            SupplementPortion.objects.create(supplement=supplement, policy=by_id[policy_id],
                                             days_difference=delta_days, amount_difference=delta_amount)
            if delta_days:
                # Days given back return to the allowance; days added consume it (the CHECK
                # policy_allowance_within_cap holds the cap).
                Policy.objects.filter(pk=policy_id).update(days_used=F("days_used") + delta_days)
        record_action(claim, actor, "supplement",
                      note=f"补充核定 {supplement.number}（{supplement.get_cause_display()}）：{supplement_words(difference)}")
    return supplement


@transaction.atomic
def supplement_settle(*, claim_id: int, settled_on: date, bank_reference: str, actor: User,
                      today: date | None = None) -> list[Supplement]:
    """Record that the paid claim's open supplementary decisions were paid to the family or
    recovered from them; returns them. Raises RuleViolation."""
    today = today or timezone.localdate()
    claim, _, _ = _locked(claim_id, "settle_supplement", actor, today=today)
    if settled_on > today:
        raise RuleViolation("settled_on", "日期不能晚于今天。")
    if not bank_reference.strip():
        raise RuleViolation("reference", "请填写银行流水号。")
    open_ones = list(claim.supplements.filter(settled_at__isnull=True).order_by("sequence"))
    with audit_context(actor, "supplement_settle"):
        for supplement in open_ones:
            supplement.settled_on, supplement.bank_reference = settled_on, bank_reference.strip()
            supplement.settled_at, supplement.settled_by = timezone.now(), actor
            supplement.save(update_fields=["settled_on", "bank_reference", "settled_at", "settled_by"])
            record_action(claim, actor, "settle_supplement",
                          note=f"{supplement.number} {'已补付' if supplement.amount_difference > 0 else '已追回'} "
                               f"{format_yuan(abs(supplement.amount_difference))} 元，流水号 {supplement.bank_reference}")
    return open_ones
