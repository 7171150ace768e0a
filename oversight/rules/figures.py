"""The figures the commission decides by (plan 五(五) 绩效评估, 五(六) 动态调整; domain.md
"Oversight"): loss ratio and incurred claims, the insurer evaluation's indicators, scores and
grade, and next year's premium with its 90 % interval. Pure functions of plain values: the
selectors (oversight/selectors/figures.py) count, these rules compute. docs/figures.md says the
same in words for the commission.

Shares and ratios are Decimals between 0 and 1 (None where there is nothing to divide by);
money is rounded to the fen once, where a rule says so (core.money.to_yuan)."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from enrollment.rules import PREMIUM_CEILING
from tongzhou_care.core.money import to_yuan

ZERO = Decimal("0")
HUNDRED = Decimal("100")
# 90 % two-sided interval of a normal distribution: 5 % in each tail.
Z_90 = Decimal("1.6449")


def share(part, whole) -> Decimal | None:
    """part ÷ whole as a Decimal fraction, or None when the whole is zero (nothing to measure)."""
    if not whole:
        return None
    return Decimal(part) / Decimal(whole)


def percent(value: Decimal | None, places: int = 1) -> Decimal | None:
    """A fraction as a percentage rounded half up (0.85 → 85.0), None stays None."""
    if value is None:
        return None
    return (value * HUNDRED).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


# --- Dynamic adjustment (动态调整) ----------------------------------------------------------

def exposure(cover_days: int, coverage_days: int) -> Decimal:
    """Person-years of cover: the policies' covered days ÷ the days of the scheme year."""
    return Decimal(cover_days) / Decimal(coverage_days) if coverage_days else ZERO


def earned_premium(*, premium: Decimal, exposure_to_date: Decimal, exposure_full: Decimal) -> Decimal:
    """The premium earned by the cover already given: the year's premium × the share of its
    person-years of cover that lie on or before today (all of it once the year has ended),
    rounded to the fen."""
    if not exposure_full:
        return to_yuan(ZERO)
    return to_yuan(premium * min(exposure_to_date / exposure_full, Decimal(1)))


def incurred(*, paid: Decimal, owed: Decimal, outstanding: int, mean_decided: Decimal | None) -> Decimal:
    """Incurred claims: paid + decided and not yet paid (owed) + the claims reported and not
    decided, each estimated at the year's mean decided amount; rounded to the fen."""
    estimate = (mean_decided or ZERO) * outstanding
    return to_yuan(paid + owed + estimate)


def loss_ratio(incurred_amount: Decimal, premium: Decimal) -> Decimal | None:
    """Incurred ÷ premium (earned premium while the year runs), None without premium."""
    return share(incurred_amount, premium)


@dataclass(frozen=True)
class PersonGroup:
    """Persons of a scheme year with the same experience: `count` persons, each covered
    `cover_days` days of the year and in hospital `days` covered days (paid or payable before
    the annual cap; stays not decided yet counted from their dates)."""

    days: int
    cover_days: int
    count: int


@dataclass(frozen=True)
class PremiumRecommendation:
    subsidy: Decimal                  # next year's daily subsidy
    cap: int                          # next year's paid-day cap
    target: Decimal                   # target loss ratio, a fraction (0.85)
    persons: int
    exposure: Decimal                 # person-years the experience rests on
    expected_cost: Decimal            # expected claims per person-year at these terms (元)
    premium: Decimal                  # expected_cost ÷ target
    low: Decimal                      # 90 % interval of the premium
    high: Decimal
    standard_error: Decimal           # of the premium

    @property
    def over_ceiling(self) -> bool:
        """Above the 300 元 a person the plan allows (五(二))."""
        return self.premium > PREMIUM_CEILING

    @property
    def interval_over_ceiling(self) -> bool:
        """The interval reaches above the ceiling (the point may not)."""
        return self.high > PREMIUM_CEILING


def recommend_premium(groups: list[PersonGroup], *, coverage_days: int, subsidy: Decimal, cap: int,
                      target: Decimal) -> PremiumRecommendation | None:
    """Next year's premium per person: each person's covered hospital days of this year, cut at
    next year's cap, × next year's subsidy, summed and divided by the person-years of cover
    (expected cost per person-year, a ratio estimator), ÷ the target loss ratio; rounded to the
    fen. The 90 % interval is the normal approximation of the ratio estimator (delta method):
    SE² = Σ (yᵢ − R·eᵢ)² ÷ (n (n − 1) ē²), interval = R ± 1.6449 SE, all ÷ target, the low end
    never below 0. None when nobody was covered."""
    if target <= 0:
        raise ValueError("target loss ratio must be positive")
    n = sum(g.count for g in groups if g.cover_days > 0)
    if not n or not coverage_days:
        return None
    cost = lambda g: Decimal(min(g.days, cap)) * subsidy  # noqa: E731 - one person's claims at the new terms
    years = lambda g: Decimal(g.cover_days) / Decimal(coverage_days)  # noqa: E731
    covered = [g for g in groups if g.cover_days > 0]
    total_cost = sum((cost(g) * g.count for g in covered), ZERO)
    total_exposure = sum((years(g) * g.count for g in covered), ZERO)
    ratio = total_cost / total_exposure
    if n > 1:
        mean_exposure = total_exposure / n
        squares = sum(((cost(g) - ratio * years(g)) ** 2 * g.count for g in covered), ZERO)
        se = (squares / (n * (n - 1) * mean_exposure ** 2)).sqrt()
    else:
        se = ZERO
    premium = ratio / target
    se_premium = se / target
    return PremiumRecommendation(
        subsidy=subsidy, cap=cap, target=target, persons=n, exposure=total_exposure,
        expected_cost=to_yuan(ratio), premium=to_yuan(premium),
        low=to_yuan(max(premium - Z_90 * se_premium, ZERO)), high=to_yuan(premium + Z_90 * se_premium),
        standard_error=to_yuan(se_premium))


# --- Insurer evaluation (绩效评估) ----------------------------------------------------------

GRADES = ((Decimal(90), "优秀"), (Decimal(80), "良好"), (Decimal(60), "合格"))


def grade(total: Decimal) -> str:
    """优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60, else 不合格 (domain.md)."""
    for floor, label in GRADES:
        if total >= floor:
            return label
    return "不合格"


def score_share(value: Decimal | None) -> Decimal | None:
    """A share to be as high as possible (in time, paid in full): 100 × the share."""
    return None if value is None else value * HUNDRED


def score_complaint_rate(per_hundred: Decimal | None, *, zero_score_at: Decimal) -> Decimal | None:
    """Complaints per 100 claims, the fewer the better: 100 at none, falling in a straight line
    to 0 at `zero_score_at` complaints per 100 claims (a setting) and beyond."""
    if per_hundred is None:
        return None
    return max(HUNDRED - HUNDRED * per_hundred / zero_score_at, ZERO)


def score_satisfaction(mean: Decimal | None) -> Decimal | None:
    """A mean score on the 1–5 scale as 0–100: 1 → 0, 3 → 50, 5 → 100."""
    if mean is None:
        return None
    return (mean - 1) / 4 * HUNDRED


def score_loss_ratio(ratio: Decimal | None, *, target: Decimal) -> Decimal | None:
    """The loss ratio against the target (plan 五(六): 赔付、盈利): 100 when the insurer paid
    out at least the target share of the premium, in proportion below it (a ratio of half the
    target scores 50): premium kept and not paid to families is what the indicator measures."""
    if ratio is None:
        return None
    return min(ratio / target, Decimal(1)) * HUNDRED


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    weight: int
    value: Decimal | None        # the measured figure (a share, a rate, a mean, a ratio)
    score: Decimal | None        # 0–100, None when there was nothing to measure

    @property
    def measured(self) -> bool:
        return self.score is not None


@dataclass(frozen=True)
class EvaluationTotal:
    total: Decimal               # 0–100, one decimal
    grade: str
    weight_measured: int         # the weights of the indicators that could be measured


def evaluation_total(indicators: list[Indicator]) -> EvaluationTotal:
    """The weighted total: Σ weight × score ÷ Σ weight over the indicators that could be
    measured (one with nothing to measure — no complaint to close, no survey answered — is
    left out and the others count for its weight), rounded to one decimal half up, and its
    grade. With nothing measured at all the total is 0 (不合格)."""
    measured = [i for i in indicators if i.measured and i.weight]
    weight = sum(i.weight for i in measured)
    if not weight:
        return EvaluationTotal(ZERO.quantize(Decimal("0.1")), grade(ZERO), 0)
    total = sum((i.score * i.weight for i in measured), ZERO) / weight
    total = total.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return EvaluationTotal(total, grade(total), weight)
