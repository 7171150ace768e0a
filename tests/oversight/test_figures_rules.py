"""The figures' rules (oversight/rules/figures.py) as tables. Every expected value is worked out
by hand in the comment beside it, never by calling the code under test."""

from decimal import Decimal as D

import pytest

from oversight.rules.figures import (
    Indicator,
    PersonGroup,
    earned_premium,
    evaluation_total,
    exposure,
    grade,
    incurred,
    loss_ratio,
    percent,
    recommend_premium,
    score_complaint_rate,
    score_loss_ratio,
    score_satisfaction,
    score_share,
    share,
)


@pytest.mark.parametrize("part, whole, expected", [
    (3, 4, D("0.75")),
    (0, 5, D("0")),
    (1, 0, None),          # nothing to measure
])
def test_share(part, whole, expected):
    assert share(part, whole) == expected


@pytest.mark.parametrize("value, expected", [
    (D("0.8125"), D("81.3")),   # 81.25 rounds half up
    (D("0.85"), D("85.0")),
    (None, None),
])
def test_percent(value, expected):
    assert percent(value) == expected


@pytest.mark.parametrize("days, coverage, expected", [
    (365 * 3 + 73, 365, D("3.2")),      # three whole years and 73/365 = 0.2
    (0, 365, D("0")),
])
def test_exposure(days, coverage, expected):
    assert exposure(days, coverage) == expected


@pytest.mark.parametrize("premium, to_date, full, expected", [
    (D("2800.00"), D("5"), D("10"), D("1400.00")),   # half the person-years given: half the premium
    (D("2800.00"), D("10"), D("10"), D("2800.00")),  # year over
    (D("1000.00"), D("1"), D("3"), D("333.33")),     # 333.333… to the fen
    (D("1000.00"), D("0"), D("0"), D("0.00")),       # nobody insured
])
def test_earned_premium(premium, to_date, full, expected):
    assert earned_premium(premium=premium, exposure_to_date=to_date, exposure_full=full) == expected


@pytest.mark.parametrize("paid, owed, outstanding, mean, expected", [
    # 6,000 paid + 900 decided and unpaid + 2 outstanding × 1,500 mean = 9,900
    (D("6000.00"), D("900.00"), 2, D("1500.00"), D("9900.00")),
    (D("0.00"), D("0.00"), 3, None, D("0.00")),      # nothing decided yet: no mean to estimate with
])
def test_incurred(paid, owed, outstanding, mean, expected):
    assert incurred(paid=paid, owed=owed, outstanding=outstanding, mean_decided=mean) == expected


def test_loss_ratio():
    assert loss_ratio(D("2380.00"), D("2800.00")) == D("0.85")    # 2380 / 2800
    assert loss_ratio(D("100.00"), D("0")) is None


@pytest.mark.parametrize("total, expected", [
    (D("90.0"), "优秀"), (D("89.9"), "良好"), (D("80.0"), "良好"), (D("79.9"), "合格"),
    (D("60.0"), "合格"), (D("59.9"), "不合格"), (D("0"), "不合格"),
])
def test_grade_bounds(total, expected):
    assert grade(total) == expected


@pytest.mark.parametrize("rule, value, expected", [
    (score_share, D("0.9"), D("90")),
    (score_share, None, None),
    (score_satisfaction, D("1"), D("0")),            # worst answer
    (score_satisfaction, D("3"), D("50")),           # (3 − 1) / 4
    (score_satisfaction, D("4.6"), D("90")),         # 3.6 / 4 = 0.9
])
def test_scores(rule, value, expected):
    assert rule(value) == expected


@pytest.mark.parametrize("per_hundred, expected", [
    (D("0"), D("100")),         # no complaint
    (D("1"), D("80")),          # 100 − 100 × 1/5
    (D("5"), D("0")),
    (D("7"), D("0")),           # beyond the line: never negative
    (None, None),
])
def test_complaint_rate_score(per_hundred, expected):
    assert score_complaint_rate(per_hundred, zero_score_at=D("5")) == expected


@pytest.mark.parametrize("ratio, expected", [
    (D("0.85"), D("100")),      # at the target
    (D("1.20"), D("100")),      # above it: the insurer paid out more than expected
    (D("0.425"), D("50")),      # half the target
    (None, None),
])
def test_loss_ratio_score(ratio, expected):
    assert score_loss_ratio(ratio, target=D("0.85")) == expected


def test_total_weights_measured_indicators_only():
    # 10 × 100 + 30 × 50 = 2,500 over the measured weight 40 = 62.5; the unmeasured one (weight
    # 60) is left out rather than scored 0.
    total = evaluation_total([Indicator("a", "A", 10, D("1"), D("100")), Indicator("b", "B", 30, D("0.5"), D("50")),
                              Indicator("c", "C", 60, None, None)])
    assert (total.total, total.grade, total.weight_measured) == (D("62.5"), "合格", 40)


def test_total_rounds_half_up_and_grades():
    # (100 × 1 + 79 × 1) / 2 = 89.5 → 89.5 良好; (100 × 2 + 79 × 1) / 3 = 93.0 → 优秀
    assert evaluation_total([Indicator("a", "A", 1, None, D("100")), Indicator("b", "B", 1, None, D("79"))]).grade == "良好"
    assert evaluation_total([Indicator("a", "A", 2, None, D("100")),
                             Indicator("b", "B", 1, None, D("79"))]).total == D("93.0")


def test_total_with_nothing_measured():
    assert evaluation_total([Indicator("a", "A", 10, None, None)]).grade == "不合格"


# --- The premium recommendation ---------------------------------------------------------------

def test_premium_two_persons_by_hand():
    # Two persons, each covered all 365 days: one 0 days in hospital, one 10 days.
    # At 300 元 a day, cap 90: costs 0 and 3,000; R = 3,000 / 2 = 1,500 a person-year.
    # Premium = 1,500 / 0.85 = 1,764.705… → 1,764.71.
    # SE: residuals 0 − 1,500 = −1,500 and 3,000 − 1,500 = 1,500; Σ² = 4,500,000;
    # n (n − 1) ē² = 2 × 1 × 1 = 2; SE(R) = √2,250,000 = 1,500; SE(premium) = 1,500 / 0.85 = 1,764.71.
    # Interval: 1,764.705 ± 1.6449 × 1,764.705 = 1,764.705 ± 2,902.76 → low below 0 is 0; high 4,667.47.
    r = recommend_premium([PersonGroup(days=0, cover_days=365, count=1), PersonGroup(days=10, cover_days=365, count=1)],
                          coverage_days=365, subsidy=D("300"), cap=90, target=D("0.85"))
    assert (r.expected_cost, r.premium, r.standard_error) == (D("1500.00"), D("1764.71"), D("1764.71"))
    assert (r.low, r.high) == (D("0.00"), D("4667.47"))
    assert r.persons == 2 and r.over_ceiling and r.interval_over_ceiling


def test_premium_identical_persons_have_no_spread():
    # 100 persons, each 1 day at 300 元: R = 300; premium = 300 / 0.75 = 400; every residual 0.
    r = recommend_premium([PersonGroup(days=1, cover_days=365, count=100)], coverage_days=365,
                          subsidy=D("300"), cap=90, target=D("0.75"))
    assert (r.premium, r.low, r.high, r.standard_error) == (D("400.00"), D("400.00"), D("400.00"), D("0.00"))


def test_premium_cap_and_subsidy_what_if():
    # 9 persons with no stay, 1 with 120 covered days (cap 90 cuts it), all a full year.
    # Cap 90 at 300: cost 27,000 over 10 person-years = 2,700; / 0.9 = 3,000.
    # Cap 60 at 350: cost 21,000 over 10 = 2,100; / 0.9 = 2,333.33.
    groups = [PersonGroup(days=0, cover_days=365, count=9), PersonGroup(days=120, cover_days=365, count=1)]
    assert recommend_premium(groups, coverage_days=365, subsidy=D("300"), cap=90, target=D("0.9")).premium == D("3000.00")
    assert recommend_premium(groups, coverage_days=365, subsidy=D("350"), cap=60, target=D("0.9")).premium == D("2333.33")


def test_premium_part_years():
    # One person covered all year with 2 days, one covered half a year (182.5 of 365 days,
    # here 73 of 146) with no stay: R = 600 / 1.5 person-years = 400; / 1.0 = 400.
    r = recommend_premium([PersonGroup(days=2, cover_days=146, count=1), PersonGroup(days=0, cover_days=73, count=1)],
                          coverage_days=146, subsidy=D("300"), cap=90, target=D("1"))
    assert r.expected_cost == D("400.00") and r.exposure == D("1.5")


def test_premium_below_ceiling_is_not_flagged():
    # 1,000 persons, 5 of them 1 day each: R = 1,500 / 1,000 = 1.5; / 0.85 = 1.76.
    r = recommend_premium([PersonGroup(days=0, cover_days=365, count=995), PersonGroup(days=1, cover_days=365, count=5)],
                          coverage_days=365, subsidy=D("300"), cap=90, target=D("0.85"))
    assert r.premium == D("1.76") and not r.over_ceiling


def test_premium_nobody_covered():
    assert recommend_premium([PersonGroup(days=0, cover_days=0, count=3)], coverage_days=365,
                             subsidy=D("300"), cap=90, target=D("0.85")) is None
