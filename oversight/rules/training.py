"""Training rules (plan 五(一): 加强保险业务培训)."""

from datetime import date

from tongzhou_care.core.rules import RuleViolation


def check_training(*, held_on: date, attendee_count: int, today: date) -> None:
    """Returns nothing for a session that may be recorded; raises RuleViolation for one in the
    future (only held sessions count as training) or without attendees."""
    if held_on > today:
        raise RuleViolation("held_on", "只能登记已举行的培训，培训日期不能晚于今天。")
    if attendee_count < 1:
        raise RuleViolation("attendees", "请至少选择一名参训人员。")
