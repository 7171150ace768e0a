"""The service log block on a person's page and on a claim's page: the entries and the
two-click form (the kind is preset; 登记 records it for today)."""

from django import template
from django.utils import timezone

from ..forms.service_log import ServiceEntryForm
from ..selectors.service_log import person_service_entries

register = template.Library()


@register.inclusion_tag("oversight/service_log/_block.html", takes_context=True)
def service_log_block(context, person, claim=None):
    """Nothing for roles without the log (insurer staff, finance); the form for officers."""
    user = context["request"].user
    entries = person_service_entries(user, person)
    if claim is not None:
        entries = entries.filter(claim=claim)
    can_add = user.has_perm("oversight.add_serviceentry")
    return {
        "show": user.has_perm("oversight.view_serviceentry"), "person": person, "claim": claim,
        "entries": entries[:50], "can_add": can_add, "can_complain": user.has_perm("oversight.add_complaint"), "csrf_token": context.get("csrf_token"),
        "form": ServiceEntryForm(initial={"served_on": timezone.localdate(), "claim": claim.pk if claim else None},
                                 auto_id="id_service_%s") if can_add else None,
    }
