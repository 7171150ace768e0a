"""Values as people read them, for every change history (修改历史), amendment list and audit view:
dates as 2026-03-01, times in Beijing time without seconds' fractions, money with two decimals,
choices by their labels, yes/no, lists joined with 、, date ranges as "a 至 b" — never ISO
timestamps with microseconds, Python lists or 300.0. The audit trail stores rows as JSON
(PostgreSQL's to_jsonb): dates and times arrive as ISO text, numerics as floats, arrays as lists,
ranges as "[2026-05-02,2026-06-10)"; `display_value` takes the field to know what a value is.
Sensitive values are masked here too (S10, core.masking.mask_column)."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.postgres.fields import ArrayField, RangeField
from django.db import models
from django.utils import timezone

from .masking import mask_column, masker_for
from .money import format_yuan

EMPTY = "—"


def _as_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _as_datetime(value) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def _range(value) -> str:
    """A date range, as stored ("[2026-05-02,2026-06-10)") or as a Range object, both ends shown
    inclusive."""
    if isinstance(value, str):
        text = value.strip()
        if text == "empty" or len(text) < 3:
            return EMPTY
        lower, upper = (part.strip() for part in text[1:-1].split(","))
        lower_day, upper_day = _as_date(lower) if lower else None, _as_date(upper) if upper else None
        if upper_day is not None and text.endswith(")"):
            upper_day -= timedelta(days=1)
        if lower_day is not None and text.startswith("("):
            lower_day += timedelta(days=1)
    else:
        lower_day, upper_day = value.lower, value.upper
        if upper_day is not None and not value.upper_inc:
            upper_day -= timedelta(days=1)
    return f"{lower_day:%Y-%m-%d} 至 {upper_day:%Y-%m-%d}" if lower_day and upper_day else EMPTY


def display_value(field: models.Field | None, value, *, name: str = "", related_names: dict | None = None) -> str:
    """`value` of `field` (None: unknown, shown as text) the way the pages write it. `name` is
    the column name (for masking when the field is unknown); `related_names` maps
    (model, pk) → name for foreign keys."""
    if value is None or value == "" or value == []:
        return EMPTY
    # Masked as pages mask them (S10), whatever model they belong to: any column named *id_number,
    # *phone, *account, *birth_date (core.masking).
    column = name or (field.name if field is not None else "")
    if masker_for(column):
        return mask_column(column, value)
    if field is None:
        return _plain(value)
    if field.is_relation:
        return (related_names or {}).get((field.related_model, value), f"#{value}")
    if isinstance(field, ArrayField):
        items = value if isinstance(value, (list, tuple)) else [value]
        return "、".join(display_value(field.base_field, item) for item in items) or EMPTY
    if isinstance(field, RangeField):
        return _range(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return "是" if value else "否"
    if isinstance(field, models.DateTimeField):
        moment = _as_datetime(value)
        return f"{moment:%Y-%m-%d %H:%M}" if moment else str(value)
    if isinstance(field, models.DateField):
        day = _as_date(value)
        return f"{day:%Y-%m-%d}" if day else str(value)
    if isinstance(field, models.DecimalField):
        amount = Decimal(str(value))
        return format_yuan(amount) if field.decimal_places == 2 else f"{amount:f}"
    if isinstance(field, models.JSONField):
        return _plain(value)
    return _plain(value)


def _plain(value) -> str:
    """A value without a field to say what it is: lists and mappings spelled out, floats that
    are whole numbers without ".0", True/False as 是/否."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.2f}"
    if isinstance(value, (list, tuple)):
        return "、".join(_plain(v) for v in value) or EMPTY
    if isinstance(value, dict):
        return "；".join(f"{k}：{_plain(v)}" for k, v in value.items()) or EMPTY
    return str(value)
