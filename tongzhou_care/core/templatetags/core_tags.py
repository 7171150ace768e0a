"""Template filters for display: masking (S10), Chinese long dates, amounts."""

from datetime import date

from django import template

from tongzhou_care.core import masking
from tongzhou_care.core.money import format_yuan

register = template.Library()

register.filter("mask_id", masking.mask_id_number)
register.filter("mask_phone", masking.mask_phone)
register.filter("mask_bank", masking.mask_bank_account)


@register.filter
def masked_as(value, column: str):
    """A value of a named column (an import's changes), masked as that column is on pages."""
    return masking.mask_column(column, value)


@register.filter
def long_date(value: date | None) -> str:
    """2026年3月1日"""
    if not value:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


@register.filter
def yuan(value) -> str:
    """3,000.00 (the caller adds 元 where the layout wants it)."""
    if value is None or value == "":
        return ""
    return format_yuan(value)


@register.simple_tag
def widget(field):
    """Render a form field's widget with Bootstrap classes and accessible error wiring."""
    input_type = getattr(field.field.widget, "input_type", "")
    if input_type == "select":
        css = "form-select"
    elif input_type in ("checkbox", "radio"):
        css = "form-check-input"
    else:
        css = "form-control"
    attrs = {"class": css + (" is-invalid" if field.errors else "")}
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.id_for_label}_errors"
    return field.as_widget(attrs=attrs)
