"""The small arithmetic of the home dashboards (plan 五(五)/(六)), pure: rates per 100 insured,
rounded half up once, where they are shown."""

from decimal import Decimal

from tongzhou_care.core.rules import percent_of


def per_hundred(count: int, insured: int) -> Decimal | None:
    """Claims (or anything counted) per 100 insured persons, one decimal; None without insured."""
    return percent_of(count, insured)
