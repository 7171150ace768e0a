"""The home page's lines about inspection findings, for whoever must act on them (the home
view stays as it is: the tag reads through the scoped selector)."""

from django import template
from django.utils import timezone

from ..selectors.inspections import finding_home_figures

register = template.Library()


@register.inclusion_tag("oversight/inspections/_home.html", takes_context=True)
def inspection_home(context):
    return {"figures": finding_home_figures(context["user"], timezone.localdate())}
