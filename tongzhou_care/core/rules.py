"""What every app's rules share, and the retention periods of the data the system keeps."""

import re
from dataclasses import dataclass
from datetime import date, timedelta


class RuleViolation(Exception):
    """A rule of the programme refused a value; `message` is Chinese and shown to users."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# --- Retention (docs/deploy.md, "Retention") -----------------------------------------------
# S15 (Cybersecurity Law art. 21): logs of access are kept at least six months.
ACCESS_LOG_MIN_DAYS = 184


@dataclass(frozen=True)
class RetentionPeriods:
    """How long each kind of data is kept after the day it ends (settings RETENTION_*)."""

    claim_document_years: int   # a claim's documents, after the claim closes (paid, refused, withdrawn)
    access_log_days: int        # an access log entry, after the access
    job_file_days: int          # a background job's files (results, queued uploads), after the job ends
    roster_preview_days: int    # the rows of a roster import never applied, after the upload
    roster_rows_days: int       # the rows of an applied roster import, after it was applied


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later (or earlier); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def retention_cutoffs(*, today: date, periods: RetentionPeriods) -> dict[str, date]:
    """For each kind of data, the first ending day still kept on `today`: what ended on an
    earlier day is due for deletion. Kept N days (years) means kept up to and including the
    day N days (years) after it ended, deleted from the day after."""
    def days(n: int) -> date:
        return today - timedelta(days=n)

    return {
        "claim_documents": add_years(today, -periods.claim_document_years),
        "access_log": days(periods.access_log_days),
        "job_files": days(periods.job_file_days),
        "roster_previews": days(periods.roster_preview_days),
        "roster_rows": days(periods.roster_rows_days),
    }


def check_retention_periods(periods: RetentionPeriods) -> None:
    """Raises RuleViolation for a period the law or the system does not allow."""
    if periods.access_log_days < ACCESS_LOG_MIN_DAYS:
        raise RuleViolation("access_log_too_short",
                            f"访问日志至少保存 {ACCESS_LOG_MIN_DAYS} 天（网络安全法：不少于六个月）。")
    for name, value in vars(periods).items():
        if value < 1:
            raise RuleViolation("period_too_short", f"保存期限 {name} 至少为 1。")


# Full-width digits and marks, as Chinese input methods type them, read as their ASCII forms.
_PHONE_WIDTH = str.maketrans("０１２３４５６７８９－（）＋　", "0123456789-()+ ")
_MOBILE = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")
# 区号 (three digits for 010 and 02x, four for the rest: 0316), a local number of 7-8 digits
# not starting with 0 or 1, an extension after 转, #, or a hyphen.
_LANDLINE = re.compile(r"(?:\(?(0(?:10|2\d|[3-9]\d\d))\)?[-\s]?)?([2-9]\d{6,7})(?:\s*(?:转|#|-|ext\.?)\s*(\d{1,6}))?",
                       re.IGNORECASE)


def parse_phone(text: str) -> str:
    """A phone number as it is stored: a mainland mobile as 11 digits (13912345678), a landline
    as 010-69541234 (area code optional, extension as -123); "" for an empty box. Raises
    RuleViolation("phone") for anything else (letters, markup, too few or too many digits)."""
    value = (text or "").translate(_PHONE_WIDTH).strip()
    if not value:
        return ""
    mobile = _MOBILE.fullmatch(re.sub(r"[\s-]", "", value))
    if mobile:
        return mobile.group(1)
    landline = _LANDLINE.fullmatch(value)
    if landline:
        area, number, extension = landline.groups()
        return "-".join(part for part in (area, number, extension) if part)
    raise RuleViolation("phone", "请填写正确的电话号码：11位手机号，或座机号（可带区号，如 010-69541234）。")


# --- Figures ---------------------------------------------------------------------------------

def percent_of(part, whole):
    """part ÷ whole as a percentage with one decimal, rounded half up (2 of 3 → 66.7), None when
    the whole is 0: how the dashboards show a share (delivered, in time, paid of premium)."""
    from decimal import ROUND_HALF_UP, Decimal

    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
