"""Scheme years, cover windows and premiums (domain.md: "Scheme year and contract",
"Policies and certificates"; plan 四 and 五(二))."""

import calendar
from dataclasses import dataclass
from typing import NamedTuple
from datetime import date, timedelta
from decimal import Decimal

from tongzhou_care.core.money import to_yuan
from tongzhou_care.core.rules import RuleViolation, add_years

PREMIUM_CEILING = Decimal("300.00")    # 保费标准不超过300元/人/年 (plan 五(二))
SUBSIDY_FLOOR = Decimal("300.00")      # 不少于300元/天 (plan 四(一))
DAY_CAP_CEILING = 90                   # 一年累计理赔天数不超过90天 (plan 四(一)); also the default
# The scheme year's defaults for claims (domain.md); each year may set its own.
REPORT_DEADLINE_DAYS = 30              # report within 30 days of discharge (late: flagged only)
CLAIM_TIME_LIMIT_YEARS = 2             # claim time limit after discharge
SLA_WORKING_DAYS = {"accept": 2, "decide": 5, "pay": 10, "refusal_notice": 3}

__all__ = ["PREMIUM_CEILING", "SUBSIDY_FLOOR", "DAY_CAP_CEILING", "REPORT_DEADLINE_DAYS",
           "CLAIM_TIME_LIMIT_YEARS", "SLA_WORKING_DAYS", "Cover", "add_years",
           "default_coverage_end", "check_scheme_year_money", "insurer_reach_starts", "addition_cover_start",
           "first_cover_day", "ended_cover", "policy_end", "is_corrected_end", "reopened_cover",
           "scheme_periods", "months_charged", "policy_premium", "budget_cap",
           "Settlement", "premium_settlement", "PeriodPremium", "premium_by_period", "YearView", "PlanLine",
           "addition_plan", "resumption_plan", "ending_plan", "gaps_text"]


@dataclass(frozen=True)
class Cover:
    """A cover window, both ends inclusive; end < start means no cover at all (a person added
    mid-year who died before their cover began). `gaps` are windows inside it that are not
    covered (removed by mistake, reinstated later: the days between are unpaid)."""

    start: date
    end: date
    gaps: tuple["Cover", ...] = ()

    @property
    def days(self) -> int:
        total = max((self.end - self.start).days + 1, 0)
        for gap in self.gaps:
            first, last = max(gap.start, self.start), min(gap.end, self.end)
            total -= max((last - first).days + 1, 0)
        return total

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end and not any(g.start <= day <= g.end for g in self.gaps)

    @property
    def windows(self) -> list["Cover"]:
        """The covered stretches, in order (one unless there are gaps)."""
        if self.end < self.start:
            return []
        parts, start = [], self.start
        for gap in sorted(self.gaps, key=lambda g: g.start):
            if gap.end < start or gap.start > self.end:
                continue
            if gap.start > start:
                parts.append(Cover(start, gap.start - timedelta(days=1)))
            start = max(start, gap.end + timedelta(days=1))
        if start <= self.end:
            parts.append(Cover(start, self.end))
        return parts


def default_coverage_end(start: date) -> date:
    """保障周期为1年: start + 1 year − 1 day (2026-01-01 → 2026-12-31)."""
    return add_years(start, 1) - timedelta(days=1)


def check_scheme_year_money(*, premium: Decimal, daily_subsidy: Decimal, day_cap: int,
                            coverage_start: date, coverage_end: date) -> None:
    """Raises RuleViolation when a setting breaks the plan: premium over 300 元, daily subsidy
    under 300 元, a day cap outside 1..90 (一年累计不超过90天), or a coverage period that is not
    at most one year (保障周期为1年) ending after its start."""
    if premium <= 0 or premium > PREMIUM_CEILING:
        raise RuleViolation("premium", f"每人每年保费须大于0且不超过{PREMIUM_CEILING:.0f}元（实施方案五(二)）")
    if daily_subsidy < SUBSIDY_FLOOR:
        raise RuleViolation("subsidy", f"住院护理补贴每天不得少于{SUBSIDY_FLOOR:.0f}元（实施方案四(一)）")
    if not 1 <= day_cap <= DAY_CAP_CEILING:
        raise RuleViolation("day_cap", f"每年累计理赔天数须在1至{DAY_CAP_CEILING}天之间（实施方案四(一)）")
    if coverage_end <= coverage_start:
        raise RuleViolation("coverage", "保险期间的结束日期须晚于开始日期")
    if coverage_end > default_coverage_end(coverage_start):
        raise RuleViolation("coverage", f"保障周期为1年：结束日期不能晚于 {default_coverage_end(coverage_start):%Y-%m-%d}")


def insurer_reach_starts(*, today: date, days: int) -> date:
    """The earliest coverage end of a contract whose insurer's staff may still read it today:
    an ended contract stays readable (read-only, masked) for `days` days after its coverage end,
    the day itself included."""
    return today - timedelta(days=days)


def addition_cover_start(*, notified_on: date, coverage: Cover) -> date:
    """A person added mid-year is covered from the day after the addition was notified to
    the insurer (never before the coverage start)."""
    return max(coverage.start, notified_on + timedelta(days=1))


def gaps_text(cover: Cover) -> str:
    """"（其中 2026-05-02 至 2026-06-10 未在保）" for cover with gaps, "" otherwise."""
    if not cover.gaps:
        return ""
    return "（其中 " + "、".join(f"{g.start:%Y-%m-%d} 至 {g.end:%Y-%m-%d}" for g in cover.gaps) + " 未在保）"


def first_cover_day(start: date, *, coverage: Cover, assistance_start: date | None) -> date | None:
    """The first day of cover in a scheme year for cover that would begin on `start` (the
    coverage start, or the day after an addition was notified): never before the person's
    benefit start (开始享受扶助); None when that lies after the year (no cover in it)."""
    if assistance_start is not None and assistance_start > start:
        start = assistance_start
    return start if start <= coverage.end else None


def ended_cover(cover: Cover, *, last_day: date) -> Cover:
    """Cover ended by death (the date of death) or a removal (the day it takes effect). An
    end before the cover began leaves no cover; an end after the current end changes nothing."""
    return Cover(cover.start, min(cover.end, max(last_day, cover.start - timedelta(days=1))), cover.gaps)


def reopened_cover(cover: Cover, *, coverage: Cover, resume: date) -> Cover | None:
    """The cover of a policy ended by a removal once the person is back on the roster: from
    `resume` (the day after the reinstatement was notified, never before the benefit start) to
    the year's end; the days between the old end and `resume` stay uncovered (a gap, unpaid).
    None when `resume` lies after the year: the year is over for this policy."""
    if resume > coverage.end:
        return None
    if not cover.days:
        # Ended before its cover began: it simply begins again (not before its first start).
        return Cover(max(cover.start, resume), coverage.end)
    if resume <= cover.end + timedelta(days=1):
        return Cover(cover.start, coverage.end, cover.gaps)
    return Cover(cover.start, coverage.end,
                 cover.gaps + (Cover(cover.end + timedelta(days=1), resume - timedelta(days=1)),))


def policy_end(*, cover_start: date, coverage: Cover, last_day: date) -> tuple[date, bool]:
    """(cover end, ended early) of a policy whose person died or was removed on `last_day`:
    every policy runs to its scheme year's end until a death or removal cuts it; an end on or
    after that day cuts nothing."""
    end = ended_cover(Cover(cover_start, coverage.end), last_day=last_day).end
    return end, last_day < coverage.end


def is_corrected_end(*, same_event: bool, last_day: date, coverage: Cover) -> bool:
    """Whether a new death or removal date of a policy already ended moves its end: only a
    corrected date of the same event (death stays death, removal stays removal) that still
    falls in that scheme year (or the day before it, which leaves no cover). A later event —
    removed, then died; removed, back, removed again another year — leaves the policy as it
    ended."""
    return same_event and coverage.start - timedelta(days=1) <= last_day <= coverage.end


def scheme_periods(coverage: Cover) -> list[Cover]:
    """The monthly periods of a scheme year, from its start day (a year starting on the 15th
    has periods 15th to 14th): twelve for a full year, fewer for a shorter contract."""
    periods = []
    for k in range(12):
        start = _add_months(coverage.start, k)
        if start > coverage.end:
            break
        end = _add_months(coverage.start, k + 1) - timedelta(days=1)
        periods.append(Cover(start, min(end, coverage.end)))
    return periods


def _add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_charged(cover: Cover, coverage: Cover) -> int:
    """Whole months, as insurers bill them: a period counts when the person is covered on its
    first day (added mid-month: from the next period; died mid-month: that period counts)."""
    return sum(1 for period in scheme_periods(coverage) if cover.covers(period.start))


def policy_premium(*, premium: Decimal, proration: str, cover: Cover, coverage: Cover) -> Decimal:
    """What one policy costs under the contract's proration rule, rounded to the fen once:
    "day" premium × covered days ÷ days of the scheme year; "month" premium × months charged
    ÷ 12; "start" the full premium for persons covered from the start, nothing for additions."""
    if proration == "day":
        return to_yuan(premium * cover.days / coverage.days)
    if proration == "month":
        return to_yuan(premium * months_charged(cover, coverage) / 12)
    if proration == "start":
        return to_yuan(premium if cover.start == coverage.start and cover.days else 0)
    raise ValueError(f"unknown proration rule {proration!r}")


def budget_cap(persons: int) -> Decimal:
    """The budget ceiling: 300 元 for each person insured in the year (plan 五(二))."""
    return to_yuan(PREMIUM_CEILING * persons)


@dataclass(frozen=True)
class Settlement:
    """What the government owes the insurer for a scheme year (保费结算)."""

    start_headcount: int            # covered from the coverage start
    periods: list[Cover]            # the monthly periods (scheme_periods)
    monthly_headcount: list[int]    # covered on the first day of each period
    amounts: list[Decimal]          # per policy, in the order given
    total: Decimal                  # the sum of the per-policy amounts
    persons: int                    # persons insured at any time in the year
    cap: Decimal                    # 300 元 × persons

    @property
    def within_cap(self) -> bool:
        return self.total <= self.cap

    @property
    def months(self) -> list[tuple[Cover, int]]:
        """(period, headcount) for the tables of the page and the printouts."""
        return list(zip(self.periods, self.monthly_headcount))


def premium_settlement(*, premium: Decimal, proration: str, coverage: Cover,
                       covers: list[Cover]) -> Settlement:
    """Settle a scheme year: each policy's premium under the contract's proration rule
    (rounded per policy, the amount each line of the bill shows), their sum, the headcounts,
    and the budget ceiling."""
    periods = scheme_periods(coverage)
    amounts = [policy_premium(premium=premium, proration=proration, cover=c, coverage=coverage)
               for c in covers]
    insured = [c for c in covers if c.days]
    return Settlement(
        start_headcount=sum(1 for c in insured if c.start == coverage.start),
        periods=periods,
        monthly_headcount=[sum(1 for c in insured if c.covers(p.start)) for p in periods],
        amounts=amounts,
        total=sum(amounts, Decimal("0.00")),
        persons=len(insured),
        cap=budget_cap(len(insured)),
    )


@dataclass(frozen=True)
class PeriodPremium:
    """One monthly period of a scheme year and the part of the premium settlement that falls
    to it."""

    period: Cover
    headcount: int          # covered on the period's first day
    amount: Decimal


def premium_by_period(*, premium: Decimal, proration: str, coverage: Cover,
                      groups: list[tuple[Cover, int]]) -> list[PeriodPremium]:
    """The premium settlement spread over the year's monthly periods, for finance's month-by-
    month view: each policy's premium, as billed (policy_premium, rounded per policy), falls to
    the periods it pays for under the contract's rule: by day, in proportion to its covered days
    in each period; by month, equally to the periods charged; start-of-year headcount, equally
    to every period. `groups` are (cover, number of policies with that cover). Each period is
    rounded half up to the fen and the last one takes what rounding left, so the periods add up
    to the settlement's total."""
    periods = scheme_periods(coverage)
    exact = [Decimal(0)] * len(periods)
    total = Decimal("0.00")
    for cover, count in groups:
        amount = policy_premium(premium=premium, proration=proration, cover=cover, coverage=coverage) * count
        total += amount
        if not amount:
            continue
        if proration == "day":
            weights = [sum(Cover(max(w.start, p.start), min(w.end, p.end)).days for w in cover.windows)
                       for p in periods]                 # the covered days in each period, gaps left out
        elif proration == "month":
            weights = [1 if cover.covers(p.start) else 0 for p in periods]
        else:
            weights = [1] * len(periods)
        whole = sum(weights)
        for i, weight in enumerate(weights):
            exact[i] += amount * weight / whole
    amounts = [to_yuan(x) for x in exact[:-1]]
    amounts.append(total - sum(amounts, Decimal("0.00")))
    headcounts = [sum(n for cover, n in groups if cover.days and cover.covers(p.start)) for p in periods]
    return [PeriodPremium(p, h, a) for p, h, a in zip(periods, headcounts, amounts)]


# --- What a roster change will do to cover (shown in the import preview) ------------------------

class YearView(NamedTuple):
    """A scheme year as the import preview sees it."""

    name: str
    coverage: Cover
    issued: bool                    # policies issued: a change now is a mid-year change
    categories: frozenset[str]


class PlanLine(NamedTuple):
    year: str
    action: str                     # add | resume | none | end
    text: str


def _day(value: date) -> str:
    return f"{value:%Y-%m-%d}"


def addition_plan(year: YearView, *, category: str, assistance_start: date | None, today: date) -> PlanLine:
    """The cover a person without a policy of `year` gets when the change is applied today:
    from the coverage start at the first issue, from the day after the insurer is told once
    policies exist, never before the benefit start; none when that lies after the year."""
    if category not in year.categories:
        return PlanLine(year.name, "none", f"{year.name}：扶助类别不在本年度参保范围内，不参保")
    base = (addition_cover_start(notified_on=today, coverage=year.coverage) if year.issued
            else year.coverage.start)
    start = first_cover_day(base, coverage=year.coverage, assistance_start=assistance_start)
    if start is None:
        if assistance_start is not None and assistance_start > year.coverage.end:
            return PlanLine(year.name, "none", f"{year.name}：不参保（开始享受扶助日期{_day(assistance_start)}"
                            "在本年度之后）")
        return PlanLine(year.name, "none", f"{year.name}：本年度已结束，不参保")
    if not year.issued:
        return PlanLine(year.name, "add", f"{year.name}：生成保单时参保，自{_day(start)}起保障")
    if start != base:
        why = "开始享受扶助日期"
    elif base == year.coverage.start:
        why = "保险期间开始"
    else:
        return PlanLine(year.name, "add", f"{year.name}：增员，自确认导入次日起保障（今日确认则自{_day(start)}起）")
    return PlanLine(year.name, "add", f"{year.name}：增员，自{_day(start)}起保障（{why}）")


def resumption_plan(year: YearView, cover: Cover, *, assistance_start: date | None, today: date) -> PlanLine:
    """A removed person back on the roster: the ended policy of `year` covers again from the
    day after the insurer is told, the days between unpaid (reopened_cover)."""
    resume = first_cover_day(addition_cover_start(notified_on=today, coverage=year.coverage),
                             coverage=year.coverage, assistance_start=assistance_start)
    reopened = reopened_cover(cover, coverage=year.coverage, resume=resume) if resume else None
    if reopened is None:
        return PlanLine(year.name, "none", f"{year.name}：本年度已结束，不恢复保障")
    gap = next((g for g in reopened.gaps if g not in cover.gaps), None)
    unpaid = f"，{_day(gap.start)} 至 {_day(gap.end)} 未在保，期间住院不予给付" if gap else ""
    start = reopened.start if not cover.days else resume
    return PlanLine(year.name, "resume", f"{year.name}：恢复保障，自{_day(start)}起（今日确认计）{unpaid}")


def ending_plan(year: YearView, cover: Cover, number: str, *, last_day: date | None, death: bool,
                ended_by: str = "") -> PlanLine:
    """What recording a death or removal on `last_day` (None: the date the clerk will enter)
    does to the policy of `year` whose cover is `cover` (`ended_by`: "death" or "removal" when
    it has ended already): policy_end, or a corrected date (is_corrected_end)."""
    what = "死亡" if death else "减员"
    if ended_by and not (ended_by == ("death" if death else "removal") and last_day is not None
                         and is_corrected_end(same_event=True, last_day=last_day, coverage=year.coverage)):
        return PlanLine(year.name, "none", f"{year.name}：保单{number}已于{_day(cover.end)}终止，保障不变")
    if last_day is None:
        return PlanLine(year.name, "end", f"{year.name}：保单{number}的保障至{what}日期止（日期待填写）")
    end, early = policy_end(cover_start=cover.start, coverage=year.coverage, last_day=last_day)
    if end == cover.end or not early and not ended_by:
        return PlanLine(year.name, "none", f"{year.name}：保单{number}保障不变")
    if end < cover.start:
        return PlanLine(year.name, "end", f"{year.name}：保单{number}未开始即终止（原自{_day(cover.start)}起）")
    return PlanLine(year.name, "end", f"{year.name}：保单{number}保障至{_day(end)}止（原至{_day(cover.end)}）")
