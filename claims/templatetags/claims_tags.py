from django import template

from ..models import ClaimStatus
from ..workflow import action_word, supplement_words as _supplement_words, waiting_for

register = template.Library()


@register.filter
def claim_action(action: str) -> str:
    return action_word(action)


@register.filter
def claim_status(status: str) -> str:
    return ClaimStatus(status).label if status in ClaimStatus.values else status


@register.filter
def supplement_words(difference) -> str:
    """补付 X 元 / 应追回 X 元."""
    return _supplement_words(difference)


register.filter("claim_waiting", waiting_for)
