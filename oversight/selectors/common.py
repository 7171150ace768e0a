"""Reads the oversight features share."""

from django.db.models import QuerySet

from enrollment.models import SchemeYear


def scheme_years_for_oversight() -> QuerySet[SchemeYear]:
    """Every scheme year's name and window, newest first, for the year filters of the oversight
    lists. Officers see no scheme year page (enrollment.selectors.scheme_years_visible_to), but
    a year's name and dates are no one's data; nothing else of the year is read here."""
    return SchemeYear.objects.only("id", "name", "coverage_start", "coverage_end", "insurer_id",
                                   "complaint_deadline_days", "survey_sample_percent",
                                   "survey_sample_minimum").order_by("-coverage_start")


def scheme_year_in_force(day) -> SchemeYear | None:
    """The scheme year whose coverage includes `day`, else the latest one that started before
    it (a day after the last year ended still follows that year's settings), else None."""
    from enrollment.selectors import scheme_year_in_force as in_force

    return in_force(day)
