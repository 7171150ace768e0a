"""Scheme years, cover windows and premiums, as tables written from domain.md and the plan."""

from datetime import date
from decimal import Decimal

import pytest

from enrollment.rules import (
    Cover,
    YearView,
    addition_cover_start,
    addition_plan,
    ending_plan,
    first_cover_day,
    reopened_cover,
    resumption_plan,
    budget_cap,
    check_scheme_year_money,
    default_coverage_end,
    ended_cover,
    is_corrected_end,
    months_charged,
    policy_end,
    policy_premium,
    premium_by_period,
    premium_settlement,
    scheme_periods,
)
from tests.rule_checks import refusal_code

YEAR = Cover(date(2026, 1, 1), date(2026, 12, 31))     # 365 days
D = date


@pytest.mark.parametrize("start, end", [
    (D(2026, 1, 1), D(2026, 12, 31)),
    (D(2026, 7, 1), D(2027, 6, 30)),
    (D(2027, 3, 1), D(2028, 2, 29)),     # the year ends on a leap day
    (D(2028, 2, 29), D(2029, 2, 27)),    # starting on a leap day: 28 Feb next year − 1 day
])
def test_default_coverage_end_is_one_year_minus_a_day(start, end):
    assert default_coverage_end(start) == end


@pytest.mark.parametrize("premium, subsidy, cap, code", [
    ("300.00", "300.00", 90, None),
    ("280.50", "350.00", 90, None),
    ("300.01", "300.00", 90, "premium"),      # above the 300 元 ceiling of plan 五(二)
    ("0", "300.00", 90, "premium"),
    ("280.00", "299.99", 90, "subsidy"),      # below 300 元 a day, plan 四(一)
    ("280.00", "300.00", 0, "day_cap"),
    ("280.00", "300.00", 91, "day_cap"),      # 一年累计理赔天数不超过90天, plan 四(一)
])
def test_scheme_year_money_bounds(premium, subsidy, cap, code):
    assert refusal_code(check_scheme_year_money, premium=Decimal(premium), daily_subsidy=Decimal(subsidy),
                        day_cap=cap, coverage_start=YEAR.start, coverage_end=YEAR.end) == code


@pytest.mark.parametrize("notified, start", [
    (D(2026, 3, 10), D(2026, 3, 11)),   # the day after the insurer was told
    (D(2025, 12, 20), D(2026, 1, 1)),   # told before the year began: from its start
    (D(2025, 12, 31), D(2026, 1, 1)),
    (D(2026, 12, 30), D(2026, 12, 31)),
])
def test_addition_cover_start(notified, start):
    assert addition_cover_start(notified_on=notified, coverage=YEAR) == start


@pytest.mark.parametrize("cover, last_day, expected_end, days", [
    (YEAR, D(2026, 5, 20), D(2026, 5, 20), 140),          # death: cover ends on the day
    (YEAR, D(2027, 2, 1), D(2026, 12, 31), 365),          # after the year: nothing changes
    (Cover(D(2026, 6, 1), YEAR.end), D(2026, 5, 20), D(2026, 5, 31), 0),   # died before cover
    (YEAR, D(2026, 1, 1), D(2026, 1, 1), 1),              # first day counts
])
def test_ended_cover(cover, last_day, expected_end, days):
    ended = ended_cover(cover, last_day=last_day)
    assert (ended.end, ended.days) == (expected_end, days)


def test_scheme_periods_follow_the_start_day():
    periods = scheme_periods(Cover(D(2026, 1, 15), D(2027, 1, 14)))
    assert len(periods) == 12
    assert (periods[0].start, periods[0].end) == (D(2026, 1, 15), D(2026, 2, 14))
    assert (periods[-1].start, periods[-1].end) == (D(2026, 12, 15), D(2027, 1, 14))
    periods = scheme_periods(Cover(D(2026, 1, 31), D(2027, 1, 30)))
    assert periods[1].start == D(2026, 2, 28)


@pytest.mark.parametrize("cover, months", [
    (YEAR, 12),
    (Cover(D(2026, 3, 11), YEAR.end), 9),     # added 11 March: April to December
    (Cover(D(2026, 3, 1), YEAR.end), 10),     # added on the 1st: March counts
    (Cover(YEAR.start, D(2026, 5, 20)), 5),   # died 20 May: January to May
    (Cover(D(2026, 6, 1), D(2026, 5, 31)), 0),
])
def test_months_charged(cover, months):
    assert months_charged(cover, YEAR) == months


@pytest.mark.parametrize("rule, cover, amount", [
    ("day", YEAR, "280.00"),
    ("day", Cover(D(2026, 3, 11), YEAR.end), "227.07"),   # 296 days: 280 × 296 / 365 = 227.068…
    ("day", Cover(YEAR.start, D(2026, 1, 1)), "0.77"),    # one day: 280 / 365 = 0.767
    ("day", Cover(D(2026, 6, 1), D(2026, 5, 31)), "0.00"),
    ("month", Cover(D(2026, 3, 11), YEAR.end), "210.00"),  # 9 months of 12
    ("month", Cover(YEAR.start, D(2026, 5, 20)), "116.67"),  # 5 / 12 × 280 = 116.666…
    ("start", YEAR, "280.00"),
    ("start", Cover(YEAR.start, D(2026, 5, 20)), "280.00"),  # removals still cost the year
    ("start", Cover(D(2026, 3, 11), YEAR.end), "0.00"),      # additions cost nothing more
])
def test_policy_premium(rule, cover, amount):
    assert policy_premium(premium=Decimal("280.00"), proration=rule, cover=cover,
                          coverage=YEAR) == Decimal(amount)


def test_budget_cap_is_300_per_person():
    assert budget_cap(437) == Decimal("131100.00")


def test_premium_settlement_by_day():
    covers = [YEAR, YEAR, Cover(D(2026, 3, 11), YEAR.end), Cover(YEAR.start, D(2026, 5, 20)),
              Cover(D(2026, 6, 1), D(2026, 5, 31))]      # added, then died before cover began
    result = premium_settlement(premium=Decimal("280.00"), proration="day", coverage=YEAR,
                                covers=covers)
    assert result.amounts == [Decimal("280.00"), Decimal("280.00"), Decimal("227.07"),
                              Decimal("107.40"), Decimal("0.00")]     # 140 days: 107.397…
    assert result.total == Decimal("894.47")
    assert result.start_headcount == 3
    assert result.monthly_headcount[:3] == [3, 3, 3]        # 1 Jan, 1 Feb, 1 Mar
    assert result.monthly_headcount[3] == 4                 # the addition counts from 1 April
    assert result.monthly_headcount[5] == 3                 # 1 June: the death in May is gone
    assert (result.persons, result.cap) == (4, Decimal("1200.00"))


@pytest.mark.parametrize("start, end, code", [
    (D(2026, 1, 1), D(2026, 12, 31), None),
    (D(2026, 1, 1), D(2026, 6, 30), None),        # a shorter contract is allowed
    (D(2027, 3, 1), D(2028, 2, 29), None),        # a year ending on a leap day
    (D(2026, 1, 1), D(2027, 1, 1), "coverage"),   # 保障周期为1年: one day too long
    (D(2026, 1, 1), D(2026, 1, 1), "coverage"),
])
def test_coverage_is_at_most_one_year(start, end, code):
    assert refusal_code(check_scheme_year_money, premium=Decimal("280"), daily_subsidy=Decimal("300"), day_cap=90,
                        coverage_start=start, coverage_end=end) == code


def test_a_shorter_contract_has_only_its_months():
    periods = scheme_periods(Cover(D(2026, 1, 1), D(2026, 6, 30)))
    assert [(p.start, p.end) for p in periods][-1] == (D(2026, 6, 1), D(2026, 6, 30)) and len(periods) == 6
    settlement = premium_settlement(premium=Decimal("280.00"), proration="month",
                                    coverage=Cover(D(2026, 1, 1), D(2026, 6, 30)),
                                    covers=[Cover(D(2026, 1, 1), D(2026, 6, 30))])
    assert len(settlement.monthly_headcount) == 6


@pytest.mark.parametrize("cover_start, last_day, end, early", [
    (YEAR.start, D(2026, 5, 20), D(2026, 5, 20), True),         # died in the year: ends that day
    (YEAR.start, D(2026, 12, 31), D(2026, 12, 31), False),      # on the year's last day: nothing cut
    (YEAR.start, D(2027, 2, 1), D(2026, 12, 31), False),        # after the year: nothing cut
    (D(2026, 6, 1), D(2026, 5, 20), D(2026, 5, 31), True),      # before an addition's cover: none
])
def test_policy_end(cover_start, last_day, end, early):
    assert policy_end(cover_start=cover_start, coverage=YEAR, last_day=last_day) == (end, early)


@pytest.mark.parametrize("same_event, last_day, corrected", [
    (True, D(2026, 8, 10), True),       # the death date corrected within the year
    (True, D(2025, 12, 31), True),      # to the day before the year: no cover at all
    (True, D(2027, 1, 5), False),       # a removal of another year
    (False, D(2026, 8, 10), False),     # removed, then died: the removal stands
])
def test_is_corrected_end(same_event, last_day, corrected):
    assert is_corrected_end(same_event=same_event, last_day=last_day, coverage=YEAR) is corrected


# premium_by_period: worked by hand. 2026 has 365 days; a premium of 365.00 is 1.00 a day.
_ADDED = Cover(D(2026, 3, 11), D(2026, 12, 31))      # 296 days; first day of a period it covers: 1 April
_REMOVED = Cover(D(2026, 1, 1), D(2026, 5, 20))      # 140 days; periods charged: January to May


@pytest.mark.parametrize("rule, premium, groups, amounts, headcounts", [
    # by day: each period gets its covered days × 1.00
    ("day", "365.00", [(YEAR, 2), (_ADDED, 1), (_REMOVED, 1)],
     ["93.00", "84.00", "114.00", "120.00", "113.00", "90.00", "93.00", "93.00", "90.00", "93.00", "90.00", "93.00"],
     [3, 3, 3, 4, 4, 3, 3, 3, 3, 3, 3, 3]),
    # by month: 20.00 a month to each period charged (the addition from April, the removal to May)
    ("month", "240.00", [(YEAR, 1), (_ADDED, 1), (_REMOVED, 1)],
     ["40.00", "40.00", "40.00", "60.00", "60.00"] + ["40.00"] * 7,
     [2, 2, 2, 3, 3, 2, 2, 2, 2, 2, 2, 2]),
    # start-of-year headcount: three persons from the start pay 840.00, spread evenly; the addition nothing
    ("start", "280.00", [(YEAR, 2), (_ADDED, 1), (_REMOVED, 1)], ["70.00"] * 12,
     [3, 3, 3, 4, 4, 3, 3, 3, 3, 3, 3, 3]),
    # rounding: 100.00 over 365 days; January 31/365 = 8.4931… → 8.49, February 7.6712… → 7.67,
    # 30-day months 8.2192… → 8.22; December takes the rest: 100.00 − 91.49 = 8.51
    ("day", "100.00", [(YEAR, 1)],
     ["8.49", "7.67", "8.49", "8.22", "8.49", "8.22", "8.49", "8.49", "8.22", "8.49", "8.22", "8.51"],
     [1] * 12),
    # a gap (2 May – 10 June uncovered, 40 days): 325 days billed, 1.00 a day: May 1 day, June 20
    # days; 1 June falls in the gap, so June's first-day headcount is 0
    ("day", "365.00", [(Cover(D(2026, 1, 1), D(2026, 12, 31), (Cover(D(2026, 5, 2), D(2026, 6, 10)),)), 1)],
     ["31.00", "28.00", "31.00", "30.00", "1.00", "20.00", "31.00", "31.00", "30.00", "31.00", "30.00", "31.00"],
     [1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]),
])
def test_premium_by_period(rule, premium, groups, amounts, headcounts):
    result = premium_by_period(premium=Decimal(premium), proration=rule, coverage=YEAR, groups=groups)
    assert [r.amount for r in result] == [Decimal(a) for a in amounts]
    assert [r.headcount for r in result] == headcounts
    assert [r.period.start for r in result] == [D(2026, m, 1) for m in range(1, 13)]
    covers = [cover for cover, n in groups for _ in range(n)]
    total = premium_settlement(premium=Decimal(premium), proration=rule, coverage=YEAR, covers=covers).total
    assert sum(r.amount for r in result) == total          # the periods add up to the settlement


# --- Benefit start, reinstatement, and what the import preview says -----------------------------

@pytest.mark.parametrize("start, benefit, first", [
    (D(2026, 1, 1), None, D(2026, 1, 1)),
    (D(2026, 1, 1), D(2015, 3, 1), D(2026, 1, 1)),      # benefit long running: the year's start
    (D(2026, 1, 1), D(2026, 6, 1), D(2026, 6, 1)),      # cover never starts before the benefit
    (D(2026, 3, 11), D(2026, 3, 1), D(2026, 3, 11)),    # an addition: the later of the two
    (D(2026, 1, 1), D(2026, 12, 31), D(2026, 12, 31)),
    (D(2026, 1, 1), D(2027, 1, 1), None),               # the benefit starts next year: no cover now
])
def test_first_cover_day(start, benefit, first):
    assert first_cover_day(start, coverage=YEAR, assistance_start=benefit) == first


GAP = Cover(D(2026, 5, 2), D(2026, 6, 10))      # 40 days uncovered


@pytest.mark.parametrize("day, covered", [
    (D(2026, 5, 1), True), (D(2026, 5, 2), False), (D(2026, 6, 10), False), (D(2026, 6, 11), True),
])
def test_a_gap_is_not_covered(day, covered):
    assert Cover(YEAR.start, YEAR.end, (GAP,)).covers(day) is covered


def test_a_gap_is_left_out_of_the_days_and_the_premium():
    cover = Cover(YEAR.start, YEAR.end, (GAP,))
    assert cover.days == 365 - 40
    assert [(w.start, w.end) for w in cover.windows] == [(D(2026, 1, 1), D(2026, 5, 1)),
                                                        (D(2026, 6, 11), D(2026, 12, 31))]
    assert policy_premium(premium=Decimal("280.00"), proration="day", cover=cover,
                          coverage=YEAR) == Decimal("249.32")            # 280 × 325 / 365 = 249.315…
    assert months_charged(cover, YEAR) == 11                                # 1 June falls in the gap
    # A gap after the end (cover cut short again) costs nothing twice.
    assert Cover(YEAR.start, D(2026, 5, 20), (GAP,)).days == 121


@pytest.mark.parametrize("cover, resume, expected", [
    # Removed 1 May by mistake, back on the roster: covered again from the reinstatement.
    (Cover(YEAR.start, D(2026, 5, 1)), D(2026, 6, 11), Cover(YEAR.start, YEAR.end, (GAP,))),
    (Cover(YEAR.start, D(2026, 5, 1)), D(2026, 5, 2), Cover(YEAR.start, YEAR.end)),      # no gap
    (Cover(YEAR.start, D(2026, 6, 15)), D(2026, 6, 11), Cover(YEAR.start, YEAR.end)),    # removal in the future
    # Ended before its cover began: it begins again, not before its own start.
    (Cover(D(2026, 3, 11), D(2026, 3, 10)), D(2026, 2, 1), Cover(D(2026, 3, 11), YEAR.end)),
    (Cover(D(2026, 3, 11), D(2026, 3, 10)), D(2026, 7, 1), Cover(D(2026, 7, 1), YEAR.end)),
    (Cover(YEAR.start, D(2026, 5, 1)), D(2027, 1, 1), None),                             # the year is over
])
def test_reopened_cover(cover, resume, expected):
    assert reopened_cover(cover, coverage=YEAR, resume=resume) == expected


ISSUED = YearView(name="2026年度", coverage=YEAR, issued=True, categories=frozenset({"death"}))
COMING = YearView(name="2027年度", coverage=Cover(D(2027, 1, 1), D(2027, 12, 31)), issued=False,
                  categories=frozenset({"death"}))


@pytest.mark.parametrize("year, category, benefit, action, text", [
    (ISSUED, "death", None, "add", "2026年度：增员，自确认导入次日起保障（今日确认则自2026-11-29起）"),
    (ISSUED, "death", D(2026, 12, 1), "add", "2026年度：增员，自2026-12-01起保障（开始享受扶助日期）"),
    (ISSUED, "death", D(2027, 1, 1), "none", "2026年度：不参保（开始享受扶助日期2027-01-01在本年度之后）"),
    (ISSUED, "reward", None, "none", "2026年度：扶助类别不在本年度参保范围内，不参保"),
    (COMING, "death", None, "add", "2027年度：生成保单时参保，自2027-01-01起保障"),
    (COMING, "death", D(2027, 3, 1), "add", "2027年度：生成保单时参保，自2027-03-01起保障"),
])
def test_addition_plan(year, category, benefit, action, text):
    line = addition_plan(year, category=category, assistance_start=benefit, today=D(2026, 11, 28))
    assert (line.action, line.text) == (action, text)


def test_resumption_plan_names_the_unpaid_gap():
    line = resumption_plan(ISSUED, Cover(YEAR.start, D(2026, 5, 1)), assistance_start=None, today=D(2026, 6, 10))
    assert (line.action, line.text) == (
        "resume", "2026年度：恢复保障，自2026-06-11起（今日确认计），2026-05-02 至 2026-06-10 未在保，期间住院不予给付")


@pytest.mark.parametrize("cover, last_day, death, ended_by, action, text", [
    (YEAR, D(2026, 5, 20), True, "", "end", "2026年度：保单TZ1保障至2026-05-20止（原至2026-12-31）"),
    (YEAR, None, True, "", "end", "2026年度：保单TZ1的保障至死亡日期止（日期待填写）"),
    (YEAR, D(2027, 1, 5), False, "", "none", "2026年度：保单TZ1保障不变"),
    (Cover(D(2026, 6, 1), YEAR.end), D(2026, 5, 20), True, "", "end", "2026年度：保单TZ1未开始即终止（原自2026-06-01起）"),
    # A corrected date of the same death moves the end; a death after a removal does not.
    (Cover(YEAR.start, D(2026, 5, 20)), D(2026, 5, 10), True, "death", "end",
     "2026年度：保单TZ1保障至2026-05-10止（原至2026-05-20）"),
    (Cover(YEAR.start, D(2026, 5, 20)), D(2026, 8, 1), True, "removal", "none",
     "2026年度：保单TZ1已于2026-05-20终止，保障不变"),
])
def test_ending_plan(cover, last_day, death, ended_by, action, text):
    line = ending_plan(ISSUED, cover, "TZ1", last_day=last_day, death=death, ended_by=ended_by)
    assert (line.action, line.text) == (action, text)
