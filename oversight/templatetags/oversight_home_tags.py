"""The small oversight block on the home page (the full dashboards are a later issue): open
survey tasks, persons not contacted this scheme year, and overdue complaints the user must act
on, each shown only to the roles it concerns."""

from django import template
from django.utils import timezone

from ..selectors.common import scheme_year_in_force
from ..selectors.complaints import overdue_complaints_addressed_to
from ..selectors.service_log import persons_not_contacted
from ..selectors.surveys import open_survey_tasks

register = template.Library()


@register.inclusion_tag("oversight/_home_block.html", takes_context=True)
def oversight_home_block(context):
    user = context["request"].user
    today = timezone.localdate()
    block = {"surveys": None, "not_contacted": None, "complaints": None}
    if user.has_perm("oversight.conduct_survey"):
        tasks = open_survey_tasks(user).select_related("person")
        block["surveys"] = {"count": tasks.count(), "first": list(tasks[:5])}
    if user.has_perm("oversight.add_serviceentry"):
        year = scheme_year_in_force(today)
        if year is not None:
            block["not_contacted"] = {"count": persons_not_contacted(user, year).count(), "year": year}
    if user.has_perm("oversight.view_complaint"):
        overdue = overdue_complaints_addressed_to(user, today)
        block["complaints"] = {"count": overdue.count(), "first": list(overdue[:5])}
    block["any"] = any(block.values())
    return block
