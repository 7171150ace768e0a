from django import template

from ..models import ClaimStatus
from ..workflow import OTHER_ACTIONS, TRANSITIONS, waiting_for

register = template.Library()


@register.filter
def claim_action(action: str) -> str:
    if action in TRANSITIONS:
        return TRANSITIONS[action].label
    return OTHER_ACTIONS.get(action, action)


@register.filter
def claim_status(status: str) -> str:
    return ClaimStatus(status).label if status in ClaimStatus.values else status


register.filter("claim_waiting", waiting_for)
