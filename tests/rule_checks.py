"""For table tests of the programme's rules: which refusal, if any, a rule gives."""

from tongzhou_care.core.rules import RuleViolation


def refusal_code(rule, **kwargs) -> str | None:
    """The code of the RuleViolation `rule(**kwargs)` raises, or None when it accepts."""
    try:
        rule(**kwargs)
    except RuleViolation as violation:
        return violation.code
    return None
