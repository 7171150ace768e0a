"""Working days of the PRC official calendar (holidays and make-up working days, 调休), from the
maintained `chinesecalendar` package. The State Council publishes each year's arrangement in
the preceding November or December; the package knows the years up to its release. For a year
it does not know yet, Monday to Friday count as working days — an estimate the pages say is
one (`calendar_is_estimated`) until the package is upgraded."""

from datetime import date

import chinese_calendar


def calendar_is_estimated(day: date) -> bool:
    """True when the official arrangement for the day's year is not in the package yet."""
    try:
        chinese_calendar.is_workday(day)
        return False
    except NotImplementedError:
        return True


def is_workday(day: date) -> bool:
    """An official working day (a make-up Saturday counts; a holiday Monday does not)."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5
