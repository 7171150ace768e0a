"""Complaint rules (domain.md "Oversight": 投诉): the deadline in working days, what overdue
means, what a complaint must say, and who answers it. The action table is workflow.complaints."""

from dataclasses import dataclass
from datetime import date

from claims.rules import IsWorkday, add_working_days
from tongzhou_care.core.models import Role
from tongzhou_care.core.rules import RuleViolation

from ..models.complaints import About, ComplaintStatus as S

COMMISSION_ROLES = frozenset({Role.COMMISSION_ADMIN, Role.COMMISSION_STAFF})


def complaint_due_on(*, received_on: date, working_days: int, is_workday: IsWorkday) -> date:
    """The day a complaint must be closed by: `working_days` official working days after it
    was received (the scheme year's setting, default 15)."""
    return add_working_days(received_on, working_days, is_workday=is_workday)


def complaint_is_overdue(*, status: str, due_on: date, today: date) -> bool:
    """Open past its deadline (the deadline day itself is still in time)."""
    return status != S.CLOSED and today > due_on


def closed_in_time(*, closed_on: date | None, due_on: date) -> bool | None:
    """Whether a closed complaint was closed by its deadline; None while it is open."""
    return None if closed_on is None else closed_on <= due_on


def check_received_on(received_on: date, *, today: date) -> date:
    """The day the complaint came in; raises RuleViolation for a day in the future."""
    if received_on > today:
        raise RuleViolation("received_on", "受理日期不能晚于今天。")
    return received_on


def check_text(text: str, *, code: str, what: str, minimum: int = 4) -> str:
    """A complaint's content, reply or closing note, trimmed; raises RuleViolation when it says
    too little to be understood later."""
    text = (text or "").strip()
    if len(text) < minimum:
        raise RuleViolation(code, f"请写明{what}（至少{minimum}个字）。")
    return text


def check_parties(*, about: str, insurer_id: int | None, street_id: int | None) -> None:
    """Returns nothing when the party complained about is named; raises RuleViolation."""
    if about == About.INSURER and not insurer_id:
        raise RuleViolation("insurer", "投诉保险公司，请选择被投诉的保险公司。")
    if about == About.STREET and not street_id:
        raise RuleViolation("street", "投诉街道/乡镇，请选择被投诉的街道/乡镇。")


@dataclass(frozen=True)
class ComplaintFacts:
    """What the complaint table's guards read."""

    status: str
    about: str
    insurer_id: int | None
    street_id: int | None


def answers_for(user, facts: ComplaintFacts) -> bool:
    """True for the party that must answer the complaint: staff of the insurer complained about,
    the officer of the street complained about, and the commission (for every complaint)."""
    if user.role in COMMISSION_ROLES:
        return True
    if facts.about == About.INSURER:
        return user.role == Role.INSURER_STAFF and user.insurer_id == facts.insurer_id
    if facts.about == About.STREET:
        return user.role == Role.STREET_OFFICER and user.street_id == facts.street_id
    return False
