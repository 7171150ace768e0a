"""Service log rules (domain.md "Oversight": 服务台账)."""

from datetime import date

from tongzhou_care.core.rules import RuleViolation

# An entry is recorded soon after the service; older ones belong to a closed year's file.
BACKDATE_LIMIT_DAYS = 366


def check_service_date(served_on: date, *, today: date) -> date:
    """The service date as given; raises RuleViolation for a day in the future or more than a
    year back (a typing slip, not a service anyone can still vouch for)."""
    if served_on > today:
        raise RuleViolation("served_on", "服务日期不能晚于今天。")
    if (today - served_on).days > BACKDATE_LIMIT_DAYS:
        raise RuleViolation("served_on", "服务日期不能早于一年前。")
    return served_on
