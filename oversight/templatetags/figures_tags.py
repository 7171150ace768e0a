"""How the figures pages write shares, scores and plain numbers ("—" where nothing was measured)."""

from decimal import ROUND_HALF_UP, Decimal

from django import template

from ..rules.figures import percent

register = template.Library()
DASH = "—"


@register.filter
def pct(value) -> str:
    """A fraction as a percentage with one decimal: 0.8125 → 81.3%."""
    return DASH if value is None else f"{percent(Decimal(value))}%"


@register.filter
def dec(value, places=2) -> str:
    """A number rounded half up to `places` decimals, with thousands separators."""
    if value is None or value == "":
        return DASH
    if not isinstance(value, (int, float, Decimal)):
        return str(value)
    q = Decimal(value).quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)
    return f"{q:,}"


@register.filter
def plain(value) -> str:
    """A figure an indicator rests on, as written beside it."""
    if value is None:
        return DASH
    if isinstance(value, Decimal):
        return f"{value:,.2f}" if value.as_tuple().exponent == -2 else f"{value}"
    return str(value)
