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


@register.simple_tag(takes_context=True)
def sort_th(context, key: str, label: str, css: str = ""):
    """A column header that sorts the list by `key` (core.sorting): a link that keeps the
    list's filters, ascending first and descending on the second click; aria-sort and an arrow
    with text say which way the list is sorted now (not by colour alone)."""
    from django.utils.html import format_html

    current = context.get("sort", "")
    query = context.get("sort_query", "")
    if current == key:
        state, arrow, target, hint = "ascending", "▲", f"-{key}", "升序，点击改为降序"
    elif current == f"-{key}":
        state, arrow, target, hint = "descending", "▼", key, "降序，点击改为升序"
    else:
        state, arrow, target, hint = "none", "", key, "点击排序"
    href = f"?{query}&sort={target}" if query else f"?sort={target}"
    return format_html('<th scope="col" class="{}" aria-sort="{}"><a class="sort-link" href="{}">{}'
                       '<span aria-hidden="true">{}</span><span class="visually-hidden">（{}）</span></a></th>',
                       css, state, href, label, f" {arrow}" if arrow else "", hint)


@register.simple_tag(takes_context=True)
def sort_select(context, options):
    """The same sorts as the column headers, as a select, for a phone: there a list shows as
    cards without its header row (`card-only`). `options` are (key, label) pairs of the list's
    core.sorting keys; the list's filters ride along as hidden fields."""
    from django.utils.html import format_html, format_html_join

    request, current = context["request"], context.get("sort", "")
    hidden = format_html_join("", '<input type="hidden" name="{}" value="{}">',
                              ((k, v) for k, values in request.GET.lists() if k not in ("sort", "page") for v in values))
    choices = format_html_join("", '<option value="{}"{}>{}</option>',
                               ((key, " selected" if key == current else "", label) for key, label in options))
    return format_html('<form method="get" class="card-only d-flex gap-2 align-items-end mb-2" aria-label="排序">{}'
                       '<div class="flex-grow-1"><label class="form-label" for="sort-select">排序</label>'
                       '<select class="form-select" id="sort-select" name="sort">{}</select></div>'
                       '<button type="submit" class="btn btn-outline-secondary">排序</button></form>', hidden, choices)
