"""The home page's line about open data-check findings (read through the scoped selector)."""

from django import template

from ..selectors.checks import check_home_figures

register = template.Library()


@register.inclusion_tag("oversight/checks/_home.html", takes_context=True)
def check_home(context):
    return {"figures": check_home_figures(context["user"])}
