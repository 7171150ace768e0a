"""Retention periods as pure rules: what ended on which day is kept until which day; the
boundary is the last day kept and the first day deleted (docs/deploy.md "Retention")."""

from datetime import date

import pytest

from tongzhou_care.core.rules import RetentionPeriods, RuleViolation, add_years, check_retention_periods, retention_cutoffs

PERIODS = RetentionPeriods(claim_document_years=5, access_log_days=184, job_file_days=30,
                           roster_preview_days=30, roster_rows_days=730)


@pytest.mark.parametrize("day, years, expected", [
    ("2021-03-15", 5, "2026-03-15"),
    ("2020-02-29", 5, "2025-02-28"),    # no 29 February: the day before
    ("2024-02-29", 4, "2028-02-29"),
    ("2026-03-01", -5, "2021-03-01"),
    ("2024-02-29", -1, "2023-02-28"),
])
def test_add_years(day, years, expected):
    assert add_years(date.fromisoformat(day), years) == date.fromisoformat(expected)


@pytest.mark.parametrize("kind, ended, today, due", [
    # claim documents: five years after the claim closed, deleted from the day after
    ("claim_documents", "2021-03-15", "2026-03-15", False),
    ("claim_documents", "2021-03-15", "2026-03-16", True),
    ("claim_documents", "2020-02-29", "2025-02-28", False),
    ("claim_documents", "2020-02-29", "2025-03-01", True),
    # access log: 184 days (S15's six months), 1 January is kept through 4 July
    ("access_log", "2026-01-01", "2026-07-04", False),
    ("access_log", "2026-01-01", "2026-07-05", True),
    # job files: 30 days after the job ended
    ("job_files", "2026-11-01", "2026-12-01", False),
    ("job_files", "2026-11-01", "2026-12-02", True),
    ("roster_previews", "2026-11-01", "2026-12-01", False),
    ("roster_previews", "2026-11-01", "2026-12-02", True),
    # applied roster rows: 730 days
    ("roster_rows", "2024-12-01", "2026-12-01", False),
    ("roster_rows", "2024-12-01", "2026-12-02", True),
])
def test_what_ended_before_the_cutoff_is_due(kind, ended, today, due):
    cutoff = retention_cutoffs(today=date.fromisoformat(today), periods=PERIODS)[kind]
    assert (date.fromisoformat(ended) < cutoff) is due


@pytest.mark.parametrize("change, code", [
    ({"access_log_days": 183}, "access_log_too_short"),
    ({"job_file_days": 0}, "period_too_short"),
    ({"claim_document_years": 0}, "period_too_short"),
])
def test_periods_the_law_or_the_system_do_not_allow(change, code):
    with pytest.raises(RuleViolation) as refused:
        check_retention_periods(RetentionPeriods(**{**vars(PERIODS), **change}))
    assert refused.value.code == code


def test_the_shortest_allowed_periods_pass():
    check_retention_periods(PERIODS)
