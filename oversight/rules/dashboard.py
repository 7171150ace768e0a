"""The small arithmetic of the home dashboards (plan 五(五)/(六)/(七)), pure: shares as
percentages and rates per 100 insured, rounded half up once, where they are shown."""

from decimal import ROUND_HALF_UP, Decimal

ONE_DECIMAL = Decimal("0.1")


def percent_of(part: int, whole: int) -> Decimal | None:
    """part ÷ whole as a percentage with one decimal (2 of 3 → 66.7), None when the whole is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def per_hundred(count: int, insured: int) -> Decimal | None:
    """Claims (or anything counted) per 100 insured persons, one decimal; None without insured."""
    return percent_of(count, insured)
