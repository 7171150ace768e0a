"""Inspection findings as pure rules: the rectification deadline in working days, what
"overdue" means, and the facts the action table (oversight/workflow/inspections.py) reads.
No database, no clock: callers pass `today` and the working-day calendar."""

from dataclasses import dataclass
from datetime import date

from claims.rules import IsWorkday, add_working_days, check_reason
from tongzhou_care.core.rules import RuleViolation

from ..models.inspections import AWAITING_PARTY

# A rectification deadline in official working days (domain.md "rectification deadline"):
# the commission sets it per finding; ten working days is two working weeks.
DEFAULT_DEADLINE_DAYS = 10
MAX_DEADLINE_DAYS = 60


@dataclass(frozen=True)
class FindingFacts:
    """What the action table's guards read about one finding (built by the selectors from the
    row as it stands, and again under the service's lock)."""

    status: str
    responsible: str                  # Party
    street_id: int | None
    insurer_id: int | None
    due_on: date
    today: date

    @property
    def overdue(self) -> bool:
        return is_overdue(status=self.status, due_on=self.due_on, today=self.today)


def is_overdue(*, status: str, due_on: date, today: date) -> bool:
    """A finding is overdue while it waits on its responsible party after its deadline day."""
    return status in AWAITING_PARTY and today > due_on


def due_date(*, issued_on: date, deadline_days: int, is_workday: IsWorkday) -> date:
    """The last day to rectify: `deadline_days` official working days after `issued_on`
    (the day itself not counted, as for the insurer's SLAs). Raises RuleViolation outside
    1..MAX_DEADLINE_DAYS."""
    if not 1 <= deadline_days <= MAX_DEADLINE_DAYS:
        raise RuleViolation("deadline_days", f"整改期限须为1至{MAX_DEADLINE_DAYS}个工作日。")
    return add_working_days(issued_on, deadline_days, is_workday=is_workday)


def check_text(text: str, *, code: str, what: str) -> str:
    """A reason or report, trimmed; raises RuleViolation when it says too little."""
    return check_reason(text, code=code, what=what)
