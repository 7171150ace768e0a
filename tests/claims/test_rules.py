"""Claim rules as tables written from domain.md ("Claims", "Scheme year and contract") and the
plan: stays, day counting, the benefit engine, documents, working days and late reports.
No database: every rule here is a pure function."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from claims.rules import (
    ADMISSION_TYPES,
    REFUSAL_CODES,
    PolicyTerms,
    TermsChange,
    add_working_days,
    calculate_benefit,
    check_payment,
    check_reason,
    check_stay,
    claim_time_limit_passed,
    contract_terms,
    earliest_timely_discharge,
    missing_documents,
    nothing_payable_reason,
    report_is_late,
    required_documents,
    stay_days,
)
from enrollment.rules import Cover, ended_cover
from tests.rule_checks import refusal_code
from tongzhou_care.core.rules import RuleViolation

D = date


def year(y: int) -> Cover:
    return Cover(D(y, 1, 1), D(y, 12, 31))


def policy(y: int = 2026, *, subsidy: str = "300.00", cap: int = 90, used: int = 0,
           cover: Cover | None = None, counting: str = "exclusive",
           crossing: str = "split") -> PolicyTerms:
    return PolicyTerms(policy_id=y, policy_number=f"TZ{y}-000001", scheme_year=f"{y}年度",
                       coverage=year(y), cover=cover or year(y), daily_subsidy=Decimal(subsidy),
                       day_cap=cap, days_used=used, counting=counting, year_crossing=crossing)


# --- A. Stays -------------------------------------------------------------------------------

TODAY = D(2026, 3, 20)


@pytest.mark.parametrize("kind, admitted, discharged, code", [
    ("inpatient", D(2026, 3, 1), D(2026, 3, 11), None),
    ("inpatient", D(2026, 3, 1), None, None),                 # still in hospital may be reported
    ("inpatient", TODAY, TODAY, None),                        # admitted and discharged today
    ("observation", D(2026, 3, 1), D(2026, 3, 2), "not_inpatient"),   # 门诊留观
    ("family_bed", D(2026, 3, 1), D(2026, 3, 2), "not_inpatient"),    # 家庭病床
    ("nominal", D(2026, 3, 1), D(2026, 3, 2), "not_inpatient"),       # 挂床
    ("clinic", D(2026, 3, 1), D(2026, 3, 2), "not_inpatient"),        # anything but a ward stay
    ("inpatient", D(2026, 3, 21), None, "admitted_future"),
    ("inpatient", D(2026, 3, 1), D(2026, 3, 21), "discharged_future"),
    ("inpatient", D(2026, 3, 10), D(2026, 3, 9), "discharge_before_admission"),
])
def test_check_stay(kind, admitted, discharged, code):
    assert refusal_code(check_stay, admission_type=kind, admitted=admitted, discharged=discharged,
                        today=TODAY) == code


def test_only_inpatient_of_the_admission_types_may_be_reported():
    refused = []
    for kind in ADMISSION_TYPES:
        try:
            check_stay(admission_type=kind, admitted=D(2026, 3, 1), discharged=None, today=TODAY)
        except RuleViolation as error:
            assert "不属于住院" in error.message
            refused.append(kind)
    assert refused == ["observation", "family_bed", "nominal"]
    assert "not_inpatient" in REFUSAL_CODES


# --- B. Day counting ------------------------------------------------------------------------

@pytest.mark.parametrize("admitted, discharged, counting, count, first, last", [
    (D(2026, 3, 1), D(2026, 3, 1), "exclusive", 1, D(2026, 3, 1), D(2026, 3, 1)),   # same day: 1
    (D(2026, 3, 1), D(2026, 3, 1), "inclusive", 1, D(2026, 3, 1), D(2026, 3, 1)),
    (D(2026, 3, 1), D(2026, 3, 2), "exclusive", 1, D(2026, 3, 1), D(2026, 3, 1)),   # 算入不算出
    (D(2026, 3, 1), D(2026, 3, 2), "inclusive", 2, D(2026, 3, 1), D(2026, 3, 2)),
    (D(2026, 3, 1), D(2026, 3, 11), "exclusive", 10, D(2026, 3, 1), D(2026, 3, 10)),
    (D(2026, 3, 1), D(2026, 3, 11), "inclusive", 11, D(2026, 3, 1), D(2026, 3, 11)),
    (D(2028, 2, 28), D(2028, 3, 1), "exclusive", 2, D(2028, 2, 28), D(2028, 2, 29)),  # leap day
])
def test_stay_days(admitted, discharged, counting, count, first, last):
    days = stay_days(admitted=admitted, discharged=discharged, counting=counting)
    assert (len(days), days[0], days[-1]) == (count, first, last)
    assert len(set(days)) == count


def test_stay_days_rejects_an_unknown_counting_rule():
    with pytest.raises(ValueError):
        stay_days(admitted=D(2026, 3, 1), discharged=D(2026, 3, 2), counting="both")


# --- C. Benefit engine ----------------------------------------------------------------------

MID_YEAR = Cover(D(2026, 3, 11), D(2026, 12, 31))     # added mid-year, notified 10 March


@pytest.mark.parametrize("admitted, discharged, terms, claimed, covered, payable, amount", [
    # the 10-day stay of the scheme's example, both counting rules
    (D(2026, 3, 1), D(2026, 3, 11), [policy()], 10, 10, 10, "3000.00"),
    (D(2026, 3, 1), D(2026, 3, 11), [policy(counting="inclusive")], 11, 11, 11, "3300.00"),
    (D(2026, 3, 1), D(2026, 3, 1), [policy()], 1, 1, 1, "300.00"),
    (D(2026, 3, 1), D(2026, 3, 1), [policy(counting="inclusive")], 1, 1, 1, "300.00"),
    # admitted on the cover start: the first day of cover is paid
    (D(2026, 3, 11), D(2026, 3, 15), [policy(cover=MID_YEAR)], 4, 4, 4, "1200.00"),
    # admitted the day before cover starts: 10 March is charged but not covered
    (D(2026, 3, 10), D(2026, 3, 13), [policy(cover=MID_YEAR)], 3, 2, 2, "600.00"),
    # added mid-year, a stay 5–15 March: only 11, 12, 13, 14 March are covered
    (D(2026, 3, 5), D(2026, 3, 15), [policy(cover=MID_YEAR)], 10, 4, 4, "1200.00"),
    # removal effective 30 June; discharged the day after the cover end: every day is covered
    (D(2026, 6, 25), D(2026, 7, 1), [policy(cover=Cover(D(2026, 1, 1), D(2026, 6, 30)))],
     6, 6, 6, "1800.00"),
    # the same stay counted inclusive charges 1 July, which lies after the cover end
    (D(2026, 6, 25), D(2026, 7, 1),
     [policy(cover=Cover(D(2026, 1, 1), D(2026, 6, 30)), counting="inclusive")], 7, 6, 6, "1800.00"),
    # a subsidy above the floor, rounded once per portion: 3 × 300.555 = 901.665 → 901.67
    (D(2026, 3, 1), D(2026, 3, 4), [policy(subsidy="300.555")], 3, 3, 3, "901.67"),
])
def test_calculate_benefit_single_policy(admitted, discharged, terms, claimed, covered, payable,
                                         amount):
    result = calculate_benefit(admitted=admitted, discharged=discharged, terms=terms)
    (portion,) = result.portions
    assert (result.days_claimed, portion.days_claimed, portion.days_covered,
            portion.days_payable) == (claimed, claimed, covered, payable)
    assert portion.amount == result.amount == Decimal(amount)
    assert result.days_payable == payable


def test_days_outside_the_cover_window_are_explained():
    terms = [replace(policy(cover=MID_YEAR), added_on=D(2026, 3, 10))]
    result = calculate_benefit(admitted=D(2026, 3, 5), discharged=D(2026, 3, 15), terms=terms)
    assert ("其中 2026-03-05 至 2026-03-10 共 6 天在保障开始之前"
            "（年中新增，2026-03-10 通知保险公司，次日即 2026-03-11 起保障），不予给付") in result.trace
    assert result.trace[-1] == "合计可付 4 天，金额 1,200.00 元"


# Every day outside cover says why (issue 11): the reason comes from the policy, never a guess.
@pytest.mark.parametrize("cover, extra, admitted, discharged, line", [
    (Cover(D(2026, 1, 1), D(2026, 6, 30)), {"end_reason": "removal"}, D(2026, 6, 28), D(2026, 7, 3),
     "其中 2026-07-01 至 2026-07-02 共 2 天在保障终止之后（2026-06-30 减员，保障至当日止），不予给付"),
    (Cover(D(2026, 1, 1), D(2026, 6, 30)), {"end_reason": "death"}, D(2026, 6, 28), D(2026, 7, 3),
     "其中 2026-07-01 至 2026-07-02 共 2 天在保障终止之后（被保险人于 2026-06-30 身故，保障至当日止），不予给付"),
    (Cover(D(2026, 3, 11), D(2026, 3, 10)), {"added_on": D(2026, 3, 10), "end_reason": "death"},
     D(2026, 3, 8), D(2026, 3, 10),
     "其中 2026-03-08 至 2026-03-09 共 2 天不在保障期间内（该保单在保障开始前即已终止），不予给付"),
])
def test_why_a_day_is_outside_cover(cover, extra, admitted, discharged, line):
    result = calculate_benefit(admitted=admitted, discharged=discharged,
                               terms=[replace(policy(cover=cover), **extra)])
    assert line in result.trace
    assert not any("不在任何保险年度内" in t for t in result.trace)


def test_a_year_without_a_policy_is_named_not_called_missing():
    # The 2027 scheme year exists, but the person has no policy in it (no longer eligible).
    result = calculate_benefit(admitted=D(2026, 12, 29), discharged=D(2027, 1, 3), terms=[policy()],
                               years=[("2026年度", year(2026)), ("2027年度", year(2027))])
    assert "2027-01-01 至 2027-01-02 共 2 天属于2027年度，该参保对象在该年度没有保单，不予给付" in result.trace
    assert not any("不在任何保险年度内" in t for t in result.trace)
    assert result.days_payable == 3


def test_year_crossing_split_pays_each_year_its_own_subsidy():
    terms = [policy(2027, subsidy="320.00"), policy(2026, subsidy="300.00")]   # any order
    result = calculate_benefit(admitted=D(2026, 12, 28), discharged=D(2027, 1, 5), terms=terms)
    first, second = result.portions
    assert (first.scheme_year, first.first_day, first.last_day, first.days_payable,
            first.amount) == ("2026年度", D(2026, 12, 28), D(2026, 12, 31), 4, Decimal("1200.00"))
    assert (second.scheme_year, second.first_day, second.last_day, second.days_payable,
            second.amount) == ("2027年度", D(2027, 1, 1), D(2027, 1, 4), 4, Decimal("1280.00"))
    assert (result.days_claimed, result.days_payable, result.amount) == (8, 8, Decimal("2480.00"))
    assert "4 天 × 320.00 元 = 1,280.00 元" in result.trace
    assert result.trace[-1] == "合计可付 8 天，金额 2,480.00 元"


def test_year_crossing_admission_charges_the_whole_stay_to_the_admission_year():
    terms = [policy(2026, crossing="admission"), policy(2027, subsidy="320.00", crossing="admission")]
    result = calculate_benefit(admitted=D(2026, 12, 28), discharged=D(2027, 1, 5), terms=terms)
    (portion,) = result.portions
    # All 8 days go to 2026年度 at its subsidy and allowance; its cover carries on to the
    # discharge, so 1–4 January are paid too. The 2027 policy receives no day, hence no portion.
    assert (portion.scheme_year, portion.days_claimed, portion.days_covered,
            portion.days_payable, portion.amount) == ("2026年度", 8, 8, 8, Decimal("2400.00"))
    assert "按入院年度规则，2026年度的保障延续至出院（仍在参保期间的天数）" in result.trace
    # No policy for 2027 at all (the scheme was not renewed): the stay is still whole.
    alone = calculate_benefit(admitted=D(2026, 12, 28), discharged=D(2027, 1, 5),
                              terms=[policy(2026, crossing="admission")])
    assert (alone.days_payable, alone.amount) == (8, Decimal("2400.00"))


@pytest.mark.parametrize("cover, death, payable, amount", [
    # removed from the roster on 30 December: cover ended before the year did
    (Cover(D(2026, 1, 1), D(2026, 12, 30)), None, 3, "900.00"),
    # died on 2 January: cover ran to the year end and carries on to the death day
    (year(2026), D(2027, 1, 2), 6, "1800.00"),
])
def test_year_crossing_admission_still_ends_at_a_removal_or_death(cover, death, payable, amount):
    result = calculate_benefit(admitted=D(2026, 12, 28), discharged=D(2027, 1, 5),
                               terms=[policy(2026, cover=cover, crossing="admission")], death_date=death)
    assert (result.days_payable, result.amount) == (payable, Decimal(amount))


@pytest.mark.parametrize("next_year, removal, payable", [
    # removed on 3 January 2027: the next year's policy ends that day
    (policy(2027, cover=Cover(D(2027, 1, 1), D(2027, 1, 3)), crossing="admission"), None, 7),
    # no policy for 2027 (not issued yet), removed on 2 January: carried to that day only
    (None, D(2027, 1, 2), 6),
    (None, None, 8),
])
def test_year_crossing_admission_carries_cover_only_while_insured(next_year, removal, payable):
    terms = [policy(2026, crossing="admission")] + ([next_year] if next_year else [])
    result = calculate_benefit(admitted=D(2026, 12, 28), discharged=D(2027, 1, 5), terms=terms,
                               removal_date=removal)
    (portion,) = result.portions                                   # all to 2026, at its subsidy
    assert (portion.scheme_year, portion.days_claimed, portion.days_payable) == ("2026年度", 8, payable)


def test_the_admission_years_settings_decide_counting_and_crossing():
    # 2026 counts 算入不算出 and keeps stays whole; 2027's other settings do not apply.
    terms = [policy(2026, crossing="admission"),
             policy(2027, subsidy="320.00", counting="inclusive", crossing="split")]
    result = calculate_benefit(admitted=D(2026, 12, 28), discharged=D(2027, 1, 5), terms=terms)
    assert result.days_claimed == 8
    assert [p.scheme_year for p in result.portions] == ["2026年度"]


@pytest.mark.parametrize("used, payable, amount, over_cap", [
    (0, 10, "3000.00", None),
    (85, 5, "1500.00", "超出年度累计上限的 5 天不予给付"),
    (90, 0, "0.00", "超出年度累计上限的 10 天不予给付"),
    (95, 0, "0.00", "超出年度累计上限的 10 天不予给付"),   # never a negative allowance
])
def test_annual_allowance(used, payable, amount, over_cap):
    result = calculate_benefit(admitted=D(2026, 3, 1), discharged=D(2026, 3, 11),
                               terms=[policy(used=used)])
    assert (result.days_claimed, result.days_payable, result.amount) == (10, payable, Decimal(amount))
    cap_lines = [line for line in result.trace if line.startswith("超出年度累计上限")]
    assert cap_lines == ([over_cap] if over_cap else [])


def test_trace_of_a_partly_used_allowance():
    result = calculate_benefit(admitted=D(2026, 3, 1), discharged=D(2026, 3, 11),
                               terms=[policy(used=85)])
    assert result.trace == (
        "住院 2026-03-01 至 2026-03-11，按“算入不算出”计 10 天",
        "2026年度（保单 TZ2026-000001）：2026-03-01 至 2026-03-10 计 10 天",
        "年度上限 90 天，已用 85 天，剩余 5 天，本次可付 5 天",
        "超出年度累计上限的 5 天不予给付",
        "5 天 × 300.00 元 = 1,500.00 元",
        "合计可付 5 天，金额 1,500.00 元",
    )


# Cover ends ON the date of death (domain.md "Policies"): the death day is charged whenever the
# counting rule would charge it, days after it never are; the heirs are paid the rest.
@pytest.mark.parametrize("discharged, died, counting, claimed, last_day, amount", [
    (D(2026, 3, 6), D(2026, 3, 6), "exclusive", 5, D(2026, 3, 5), "1500.00"),     # died on the discharge day
    (D(2026, 3, 6), D(2026, 3, 6), "inclusive", 6, D(2026, 3, 6), "1800.00"),
    (D(2026, 3, 20), D(2026, 3, 10), "exclusive", 10, D(2026, 3, 10), "3000.00"),  # the death day counts
    (D(2026, 3, 20), D(2026, 3, 10), "inclusive", 10, D(2026, 3, 10), "3000.00"),
    (D(2026, 3, 20), D(2026, 3, 1), "exclusive", 1, D(2026, 3, 1), "300.00"),      # died on admission day
])
def test_death_in_hospital(discharged, died, counting, claimed, last_day, amount):
    terms = [policy(cover=ended_cover(year(2026), last_day=died), counting=counting)]
    result = calculate_benefit(admitted=D(2026, 3, 1), discharged=discharged, terms=terms,
                               death_date=died)
    (portion,) = result.portions
    assert (result.days_claimed, portion.days_covered, portion.last_day) == (claimed, claimed, last_day)
    assert result.amount == Decimal(amount)


def test_death_line_in_the_trace():
    result = calculate_benefit(admitted=D(2026, 3, 1), discharged=D(2026, 3, 20),
                               terms=[policy()], death_date=D(2026, 3, 10))
    # 算入不算出 charges 1–19 March; 11–19 March come after the death.
    assert result.trace[1] == ("被保险人于 2026-03-10 在住院期间身故，保障至身故当日止，"
                               "此后 9 天（2026-03-11 至 2026-03-19）不计，计 10 天")
    # A death on the discharge day cuts nothing, but the death in hospital is still named.
    no_cut = calculate_benefit(admitted=D(2026, 3, 1), discharged=D(2026, 3, 6),
                               terms=[policy()], death_date=D(2026, 3, 6))
    assert no_cut.trace[1] == "被保险人于 2026-03-06 在住院期间身故，保障至身故当日止"
    assert no_cut.days_payable == 5
    # A death after the discharge has nothing to do with the stay.
    later = calculate_benefit(admitted=D(2026, 3, 1), discharged=D(2026, 3, 6),
                              terms=[policy()], death_date=D(2026, 4, 1))
    assert not any("身故" in line for line in later.trace)


@pytest.mark.parametrize("admitted, discharged, crossing, claimed, payable, amount", [
    # admitted before the first scheme year: 30 and 31 December belong to no scheme year
    (D(2025, 12, 30), D(2026, 1, 3), "split", 4, 2, "600.00"),
    # the whole stay would go to the admission year, and there is none: as docs/claims.md says,
    # the days then go to the year they fall in, so the two January days are paid
    (D(2025, 12, 30), D(2026, 1, 3), "admission", 4, 2, "600.00"),
    # 算入不算出 never charges the discharge day, so 1 January 2027 costs nothing
    (D(2026, 12, 25), D(2027, 1, 1), "split", 7, 7, "2100.00"),
])
def test_days_outside_any_scheme_year(admitted, discharged, crossing, claimed, payable, amount):
    result = calculate_benefit(admitted=admitted, discharged=discharged,
                               terms=[policy(crossing=crossing)])
    assert (result.days_claimed, result.days_payable, result.amount) == (claimed, payable,
                                                                         Decimal(amount))
    assert sum(p.days_claimed for p in result.portions) == payable


def test_admission_before_the_first_year_under_the_admission_rule_says_why():
    result = calculate_benefit(admitted=D(2025, 12, 30), discharged=D(2026, 1, 3),
                               terms=[policy(crossing="admission")])
    assert ("按入院年度规则住院应整段计入入院所在保险年度，但入院日 2025-12-30 不在任何保险年度内，"
            "各天按其所在保险年度计") in result.trace
    assert "2025-12-30 至 2025-12-31 共 2 天不在任何保险年度内，不予给付" in result.trace
    # …and when the admission year exists but the person had no policy in it:
    named = calculate_benefit(admitted=D(2025, 12, 30), discharged=D(2026, 1, 3),
                              terms=[policy(crossing="admission")],
                              years=[("2025年度", year(2025)), ("2026年度", year(2026))])
    assert ("按入院年度规则住院应整段计入入院所在保险年度，但入院时（2025年度）该参保对象没有保单，"
            "各天按其所在保险年度计") in named.trace
    assert named.amount == Decimal("600.00")


# --- Contract amendments: each counted day at the terms in force that day -------------------

RAISE_JULY = TermsChange(effective=D(2026, 7, 1), values=(("daily_subsidy", Decimal("350.00")),),
                         label="2026-07-01 起合同变更（提高补贴）")


@pytest.mark.parametrize("admitted, discharged, changes, amount", [
    # 28 June – 2 July (算入不算出: 28, 29, 30 June at 300; 1 July at 350) = 1,250.00
    (D(2026, 6, 28), D(2026, 7, 2), (RAISE_JULY,), "1250.00"),
    (D(2026, 6, 1), D(2026, 6, 11), (RAISE_JULY,), "3000.00"),        # all before: 10 × 300
    (D(2026, 7, 1), D(2026, 7, 11), (RAISE_JULY,), "3500.00"),        # all after: 10 × 350
    # a later amendment dated earlier overrides the first one from its own date:
    # 28–30 June at 320 (from 1 June), 1 July at 320 too = 4 × 320 = 1,280.00
    (D(2026, 6, 28), D(2026, 7, 2), (RAISE_JULY, TermsChange(
        effective=D(2026, 6, 1), values=(("daily_subsidy", Decimal("320.00")),), label="更正")), "1280.00"),
])
def test_each_day_is_paid_at_the_terms_in_force_that_day(admitted, discharged, changes, amount):
    result = calculate_benefit(admitted=admitted, discharged=discharged,
                               terms=[replace(policy(), changes=changes)])
    assert result.amount == Decimal(amount)


def test_the_trace_says_which_terms_applied_to_which_days():
    result = calculate_benefit(admitted=D(2026, 6, 28), discharged=D(2026, 7, 2),
                               terms=[replace(policy(), changes=(RAISE_JULY,))])
    assert "2026-06-28 至 2026-06-30 共 3 天 × 300.00 元（合同原条款）" in result.trace
    assert "2026-07-01 共 1 天 × 350.00 元（2026-07-01 起合同变更（提高补贴））" in result.trace
    assert "4 天合计 1,250.00 元" in result.trace


def test_a_raised_cap_pays_from_its_effective_date_only():
    # 85 days used; cap 90 raised to 100 from 1 July; a stay 28 June – 8 July (10 days):
    # 28–30 June: 3 days but only 5 left under 90 → 3 paid (used 88);
    # 1–7 July: cap 100 → 7 paid. 10 days in all.
    raise_cap = TermsChange(effective=D(2026, 7, 1), values=(("day_cap", 100),), label="提高上限")
    result = calculate_benefit(admitted=D(2026, 6, 28), discharged=D(2026, 7, 8),
                               terms=[replace(policy(used=85), changes=(raise_cap,))])
    assert result.days_payable == 10
    # the same stay admitted in June when only 2 days were left: 2 paid in June, then July's 7
    tight = calculate_benefit(admitted=D(2026, 6, 28), discharged=D(2026, 7, 8),
                              terms=[replace(policy(used=88), changes=(raise_cap,))])
    assert tight.days_payable == 2 + 7


def test_contract_terms_recovers_the_original_terms_from_the_first_amendment():
    base, changes = contract_terms(
        current={"daily_subsidy": Decimal("320.00"), "day_cap": 90, "counting": "exclusive",
                 "year_crossing": "split"},
        amendments=[(D(2026, 7, 1), {"daily_subsidy": ["300.00", "350.00"], "premium_per_person": ["280", "290"]},
                     "提高补贴"),
                    (D(2026, 6, 1), {"daily_subsidy": ["350.00", "320.00"]}, "更正")])
    assert base["daily_subsidy"] == Decimal("300.00")
    assert [c.effective for c in changes] == [D(2026, 7, 1), D(2026, 6, 1)]
    assert changes[0].values == (("daily_subsidy", Decimal("350.00")),)
    assert changes[0].label == "2026-07-01 起合同变更（提高补贴）"


@pytest.mark.parametrize("used, cover, expected", [
    (90, None, "2026年度的年度累计理赔天数已用完"),
    (0, Cover(D(2026, 5, 1), D(2026, 12, 31)), "本次住院没有一天在保障期间内"),
])
def test_why_nothing_is_payable(used, cover, expected):
    result = calculate_benefit(admitted=D(2026, 3, 1), discharged=D(2026, 3, 11),
                               terms=[policy(used=used, cover=cover)])
    assert result.days_payable == 0
    assert expected in nothing_payable_reason(result)


def test_a_day_outside_any_scheme_year_is_traced():
    result = calculate_benefit(admitted=D(2026, 12, 25), discharged=D(2027, 1, 1),
                               terms=[policy(counting="inclusive")])
    assert (result.days_claimed, result.days_payable) == (8, 7)
    assert "2027-01-01 共 1 天不在任何保险年度内，不予给付" in result.trace
    (portion,) = result.portions
    assert (portion.days_claimed, portion.last_day) == (7, D(2026, 12, 31))


@pytest.mark.parametrize("counting, elsewhere, claimed, amount", [
    # transferred on 5 March: counted from both ends, 5 March was the last day of the stay
    # before and is paid once
    ("inclusive", {D(2026, 3, 5)}, 5, "1500.00"),
    ("inclusive", set(), 6, "1800.00"),
    # 算入不算出 never charges a discharge day, so a transfer day is never charged twice
    ("exclusive", set(), 5, "1500.00"),
])
def test_a_day_charged_to_another_stay_is_paid_once(counting, elsewhere, claimed, amount):
    result = calculate_benefit(admitted=D(2026, 3, 5), discharged=D(2026, 3, 10),
                               terms=[policy(counting=counting)], charged_elsewhere=frozenset(elsewhere))
    assert (result.days_claimed, result.amount) == (claimed, Decimal(amount))
    if elsewhere:
        assert ("2026-03-05 已在该参保对象的其他住院中计算（如转院当日），不重复计，计 5 天"
                in result.trace)


def test_no_decision_while_still_in_hospital():
    with pytest.raises(RuleViolation) as error:
        calculate_benefit(admitted=D(2026, 3, 1), discharged=None, terms=[policy()])
    assert error.value.code == "still_in_hospital"


def test_no_decision_without_a_policy():
    with pytest.raises(RuleViolation) as error:
        calculate_benefit(admitted=D(2026, 3, 1), discharged=D(2026, 3, 5), terms=[])
    assert error.value.code == "not_insured"


# --- D. Documents ---------------------------------------------------------------------------

BASIC = ("id_card", "discharge_summary", "bank_card")


@pytest.mark.parametrize("proxy, deceased, expected", [
    (False, False, BASIC),
    (True, False, BASIC + ("power_of_attorney", "proxy_id")),
    # the heirs file: the deceased signs no power of attorney, the heir shows their ID
    (False, True, BASIC + ("proxy_id", "death_certificate", "heirship")),
    (True, True, BASIC + ("proxy_id", "death_certificate", "heirship")),
])
def test_required_documents(proxy, deceased, expected):
    assert required_documents(proxy_filing=proxy, insured_deceased=deceased) == expected


@pytest.mark.parametrize("provided, missing", [
    (set(), BASIC + ("power_of_attorney", "proxy_id")),
    ({"bank_card", "other"}, ("id_card", "discharge_summary", "power_of_attorney", "proxy_id")),
    ({"proxy_id", "id_card"}, ("discharge_summary", "bank_card", "power_of_attorney")),
    (set(BASIC) | {"power_of_attorney", "proxy_id"}, ()),
])
def test_missing_documents_keep_the_required_order(provided, missing):
    required = required_documents(proxy_filing=True, insured_deceased=False)
    assert missing_documents(required=required, provided=provided) == missing


# --- E. Working days ------------------------------------------------------------------------

# A calendar of our own: weekends off, Friday 1 May and Monday 4 May 2026 holidays, and
# Saturday 9 May a make-up working day (调休).
HOLIDAYS = {D(2026, 5, 1), D(2026, 5, 4)}
MAKE_UP = {D(2026, 5, 9)}


def fake_workday(day: date) -> bool:
    return day in MAKE_UP or (day.weekday() < 5 and day not in HOLIDAYS)


@pytest.mark.parametrize("start, n, expected", [
    (D(2026, 4, 29), 1, D(2026, 4, 30)),
    (D(2026, 4, 30), 0, D(2026, 4, 30)),
    (D(2026, 4, 30), 1, D(2026, 5, 5)),     # over the holiday, the weekend and the holiday
    (D(2026, 5, 1), 1, D(2026, 5, 5)),      # starting on a holiday
    (D(2026, 5, 5), 3, D(2026, 5, 8)),
    (D(2026, 5, 5), 4, D(2026, 5, 9)),      # the make-up Saturday is a working day
    (D(2026, 5, 5), 5, D(2026, 5, 11)),
])
def test_add_working_days(start, n, expected):
    assert add_working_days(start, n, is_workday=fake_workday) == expected


def test_accept_deadline_counts_working_days_after_the_report():
    # accept within 2 working days of a report on Thursday 30 April: Tuesday 5, Wednesday 6 May
    assert add_working_days(D(2026, 4, 30), 2, is_workday=fake_workday) == D(2026, 5, 6)


def test_add_working_days_with_the_official_calendar():
    import chinese_calendar

    # Verified with chinese_calendar 1.11.0 before hard-coding: National Day 2026 is off from
    # Thursday 1 to Wednesday 7 October; Thursday 8 and Friday 9 October are working days.
    assert add_working_days(D(2026, 9, 30), 2, is_workday=chinese_calendar.is_workday) == D(2026, 10, 9)


# --- F. Late reports and the claim time limit -----------------------------------------------

@pytest.mark.parametrize("discharged, reported, late", [
    (D(2026, 3, 10), D(2026, 3, 10), False),
    (D(2026, 3, 10), D(2026, 4, 9), False),    # exactly 30 days after discharge
    (D(2026, 3, 10), D(2026, 4, 10), True),    # one day later
    (None, D(2027, 1, 1), False),              # still in hospital: never late
])
def test_report_is_late(discharged, reported, late):
    assert report_is_late(discharged=discharged, reported_on=reported, deadline_days=30) is late


def test_the_report_forms_warning_has_the_same_boundary():
    # Reported on 9 April, a discharge on 10 March is on time (above), on 9 March late.
    assert earliest_timely_discharge(reported_on=D(2026, 4, 9), deadline_days=30) == D(2026, 3, 10)


@pytest.mark.parametrize("discharged, reported, passed", [
    (D(2026, 3, 10), D(2028, 3, 10), False),   # two years to the day
    (D(2026, 3, 10), D(2028, 3, 11), True),
    (D(2028, 2, 29), D(2030, 2, 28), False),   # leap day: the limit falls on 28 February
    (D(2028, 2, 29), D(2030, 3, 1), True),
    (None, D(2030, 1, 1), False),
])
def test_claim_time_limit(discharged, reported, passed):
    assert claim_time_limit_passed(discharged=discharged, reported_on=reported, years=2) is passed


# --- H. Payments ----------------------------------------------------------------------------

@pytest.mark.parametrize("amount, paid_on, code", [
    ("3000.00", D(2026, 3, 20), None),
    ("3000", D(2026, 3, 20), None),                  # the same amount, written without fen
    ("2999.99", D(2026, 3, 20), "amount"),
    ("3000.001", D(2026, 3, 20), "amount"),
    ("Infinity", D(2026, 3, 20), "amount"),
    ("NaN", D(2026, 3, 20), "amount"),
    ("1E+30", D(2026, 3, 20), "amount"),
    ("3000.00", TODAY + timedelta(days=1), "paid_on"),
])
def test_check_payment(amount, paid_on, code):
    assert refusal_code(check_payment, decided_amount=Decimal("3000.00"), amount=Decimal(amount),
                        paid_on=paid_on, today=TODAY) == code



@pytest.mark.parametrize("text, result", [
    ("住院期间不在保障期间内", "住院期间不在保障期间内"),
    ("  材料不全  ", "材料不全"),                  # four characters, trimmed
    ("不符", None), ("   ", None),               # too little to write into a notice
])
def test_check_reason(text, result):
    if result is None:
        assert refusal_code(check_reason, text=text, code="explanation", what="理由") == "explanation"
    else:
        assert check_reason(text, code="explanation", what="理由") == result


# --- What an open claim waits for (the home pages) -----------------------------------------

@pytest.mark.parametrize("status, discharged, missing, notice_sent, step", [
    ("reported", True, ("id_card",), False, "request_documents"),   # the insurer lists what is missing, once
    ("reported", True, (), False, "accept"),                        # a complete file: the insurer accepts
    ("documents_pending", True, ("bank_card",), False, "documents"),  # after the notice: the family's turn
    ("documents_pending", True, (), False, "accept"),               # the last document came: accept again
    ("accepted", False, (), False, "discharge"),                    # still in hospital: no decision yet
    ("accepted", True, (), False, "decide"),
    ("appealed", True, (), False, "review"),
    ("decided", True, (), False, "pay"),
    ("refused", True, (), False, "refusal_notice"),                 # the notice is still to be delivered
    ("refused", True, (), True, None),                              # delivered: closed
    ("paid", True, (), False, None),
    ("withdrawn", True, (), False, None),
])
def test_next_step(status, discharged, missing, notice_sent, step):
    from claims.rules import NEXT_STEPS, next_step

    assert next_step(status=status, discharged=discharged, missing=missing, notice_sent=notice_sent) == step
    assert step is None or step in NEXT_STEPS
