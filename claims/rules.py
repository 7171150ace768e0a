"""Claims as pure functions (no database, no clock): stay entry, day counting, the benefit
engine with its readable trace, documents, working-day deadlines and late reports
(domain.md: "Claims", "Scheme year and contract"; plan 四(一))."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Callable, Iterable

from enrollment.rules import Cover, add_years
from tongzhou_care.core.money import format_yuan, to_yuan
from tongzhou_care.core.rules import RuleViolation

# --- A. Stays -------------------------------------------------------------------------------

ADMISSION_TYPES = {"inpatient": "住院", "observation": "门诊留观", "family_bed": "家庭病床",
                   "nominal": "挂床"}


def check_stay(*, admission_type: str, admitted: date, discharged: date | None,
               today: date) -> None:
    """Returns nothing for a stay that may be reported; raises RuleViolation otherwise."""
    # Only a real ward stay is a hospital stay (domain.md "Claims" 1): refused at entry.
    if admission_type != "inpatient":
        raise RuleViolation("not_inpatient", "门诊留观、家庭病床和挂床不属于住院，不能报案")
    if admitted > today:
        raise RuleViolation("admitted_future", "入院日期不能晚于今天")
    if discharged is not None and discharged > today:
        raise RuleViolation("discharged_future", "出院日期不能晚于今天；尚未出院请选择“仍在住院”")
    if discharged is not None and discharged < admitted:
        raise RuleViolation("discharge_before_admission", "出院日期不能早于入院日期")


# --- B. Day counting ------------------------------------------------------------------------

COUNTING_RULES = {"exclusive": "算入不算出", "inclusive": "入院、出院当日均计"}
YEAR_CROSSING_RULES = {"split": "跨年度的住院按日分属各保险年度",
                       "admission": "跨年度的住院整段计入入院所在保险年度"}


def stay_days(*, admitted: date, discharged: date, counting: str) -> list[date]:
    """The calendar days charged for a stay, in order; raises ValueError for an unknown
    counting rule or a discharge before admission."""
    if counting not in COUNTING_RULES:
        raise ValueError(f"unknown counting rule {counting!r}")
    if discharged < admitted:
        raise ValueError("discharged before admitted")
    last = discharged
    # 算入不算出 charges the admission day but not the discharge day; a same-day stay still
    # took a bed for a day, so it counts 1 (domain.md "day counting").
    if counting == "exclusive" and discharged > admitted:
        last = discharged - timedelta(days=1)
    return [admitted + timedelta(days=k) for k in range((last - admitted).days + 1)]


# --- C. Benefit engine ----------------------------------------------------------------------

@dataclass(frozen=True)
class PolicyTerms:
    """One policy of the insured person, as the decision sees it."""

    policy_id: int
    policy_number: str
    scheme_year: str          # e.g. "2026年度"
    coverage: Cover           # the scheme year's coverage window
    cover: Cover              # this policy's cover window (may be shorter: added mid-year, death)
    daily_subsidy: Decimal
    day_cap: int
    days_used: int            # paid days already consumed this scheme year on this policy
    counting: str             # "exclusive" | "inclusive" (the scheme year's setting)
    year_crossing: str        # "split" | "admission"


def days_left(*, day_cap: int, days_used: int) -> int:
    """Paid days still available on a policy this scheme year (never negative)."""
    return max(day_cap - days_used, 0)


@dataclass(frozen=True)
class Portion:
    """What one policy pays for one stay."""

    policy_id: int
    policy_number: str
    scheme_year: str
    first_day: date | None    # first/last charged day falling to this policy (None if none)
    last_day: date | None
    days_claimed: int         # days of the stay charged to this scheme year
    days_covered: int         # of which inside the policy's cover window
    days_payable: int         # of which within the remaining allowance
    daily_subsidy: Decimal
    amount: Decimal           # days_payable × daily_subsidy, to_yuan once


@dataclass(frozen=True)
class Calculation:
    """The decision on one stay: charged days, one portion per policy, total and trace."""

    days_claimed: int         # all charged days of the stay
    portions: tuple[Portion, ...]
    days_payable: int
    amount: Decimal
    trace: tuple[str, ...]    # readable Chinese lines, shown on the claim page and decision notice


def _yuan(value: Decimal) -> str:
    return f"{format_yuan(value)} 元"


def _runs(days: Iterable[date]) -> str:
    """Consecutive days as ranges: "2026-03-05 至 2026-03-10、2026-03-12"."""
    runs: list[list[date]] = []
    for day in sorted(days):
        if runs and day - runs[-1][1] == timedelta(days=1):
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return "、".join(str(a) if a == b else f"{a} 至 {b}" for a, b in runs)


def calculate_benefit(*, admitted: date, discharged: date | None, terms: list[PolicyTerms],
                      death_date: date | None = None, removal_date: date | None = None,
                      charged_elsewhere: frozenset[date] = frozenset()) -> Calculation:
    """The benefit for one stay with its trace; raises RuleViolation when the person is still
    in hospital, has no policy, or the discharge precedes the admission. `charged_elsewhere`
    holds days already charged to the person's other decided stays: counted from both ends, a
    transfer day is the discharge day of one stay and the admission day of the next, and is
    paid once. `removal_date` (the person's removal from the roster, if removed) ends the cover
    a stay carries past the end of its admission year."""
    if discharged is None:
        raise RuleViolation("still_in_hospital", "被保险人仍在住院，出院后方可核定")
    if not terms:
        raise RuleViolation("not_insured", "被保险人没有保单，不能核定")
    if discharged < admitted:
        raise RuleViolation("discharge_before_admission", "出院日期不能早于入院日期")

    # Chronological order decides portions and which scheme year owns a day.
    ordered = sorted(terms, key=lambda t: t.coverage.start)
    admission_policy = next((t for t in ordered if t.coverage.covers(admitted)), None)
    # The scheme year the stay began in sets the rules; an admission before any scheme year
    # has no settings of its own, so the first policy's apply.
    settings = admission_policy or ordered[0]
    counting, crossing = settings.counting, settings.year_crossing
    if crossing not in YEAR_CROSSING_RULES:
        raise ValueError(f"unknown year crossing rule {crossing!r}")

    days = stay_days(admitted=admitted, discharged=discharged, counting=counting)
    trace = [f"住院 {admitted} 至 {discharged}，按“{COUNTING_RULES[counting]}”计 {len(days)} 天"]

    # Cover ends ON the date of death (domain.md "Policies"): the death day itself is charged
    # when the stay would have charged it, later days are not; the heirs are paid the rest.
    if death_date is not None:
        cut = [d for d in days if d > death_date]
        if cut:
            days = [d for d in days if d <= death_date]
            trace.append(f"被保险人于 {death_date} 身故，保障至身故当日止，"
                         f"此后 {len(cut)} 天（{_runs(cut)}）不计，计 {len(days)} 天")

    twice = [d for d in days if d in charged_elsewhere]
    if twice:
        days = [d for d in days if d not in charged_elsewhere]
        trace.append(f"{_runs(twice)} 已在该参保对象的其他住院中计算（如转院当日），不重复计，"
                     f"计 {len(days)} 天")

    # Which policy each charged day goes to.
    assigned: dict[int, list[date]] = {id(t): [] for t in ordered}
    nowhere: list[date] = []
    for day in days:
        if crossing == "split":
            owner = next((t for t in ordered if t.coverage.covers(day)), None)
        else:
            owner = admission_policy
        (assigned[id(owner)] if owner is not None else nowhere).append(day)

    receiving = [t for t in ordered if assigned[id(t)]]
    crosses = len({t.scheme_year for t in ordered for d in days if t.coverage.covers(d)}) > 1
    if crosses:
        trace.append(f"住院跨越保险年度，{YEAR_CROSSING_RULES[crossing]}")
    if nowhere:
        why = "（入院日不在任何保险年度内）" if crossing == "admission" else ""
        trace.append(f"{_runs(nowhere)} 共 {len(nowhere)} 天不在任何保险年度内{why}，不予给付")

    portions = []
    for t in receiving:
        mine = assigned[id(t)]

        def carried(day: date) -> bool:
            """A day after the admission year, under the admission-year rule: still insured
            then (the person's policy of that year covers it, or there is none and no removal
            came before it)."""
            own = next((p for p in ordered if p.coverage.covers(day)), None)
            if own is not None:
                return own.cover.covers(day)
            return removal_date is None or day <= removal_date

        extends = crossing == "admission" and t.cover.end == t.coverage.end and mine[-1] > t.cover.end
        if extends:
            # The whole stay belongs to the admission year: cover that ran to the end of that
            # year (not cut short by a death or a removal) carries on while the person is insured.
            trace.append(f"按入院年度规则，{t.scheme_year}的保障延续至出院（仍在参保期间的天数）")
        covered = [d for d in mine if t.cover.covers(d) or (extends and d > t.cover.end and carried(d))]
        covered_set = set(covered)
        outside = [d for d in mine if d not in covered_set]
        remaining = days_left(day_cap=t.day_cap, days_used=t.days_used)
        payable = min(len(covered), remaining)
        amount = to_yuan(payable * t.daily_subsidy)
        trace.append(f"{t.scheme_year}（保单 {t.policy_number}）：{_runs(mine)} 计 {len(mine)} 天")
        if outside:
            window = (f"保障期间 {t.cover.start} 至 {t.cover.end}" if t.cover.days
                      else "该保单无保障期间")
            trace.append(f"其中 {_runs(outside)} 共 {len(outside)} 天不在保障期间内"
                         f"（{window}），不予给付")
        trace.append(f"年度上限 {t.day_cap} 天，已用 {t.days_used} 天，剩余 {remaining} 天，"
                     f"本次可付 {payable} 天")
        if payable < len(covered):
            trace.append(f"超出年度累计上限的 {len(covered) - payable} 天不予给付")
        trace.append(f"{payable} 天 × {_yuan(t.daily_subsidy)} = {_yuan(amount)}")
        portions.append(Portion(
            policy_id=t.policy_id, policy_number=t.policy_number, scheme_year=t.scheme_year,
            first_day=mine[0], last_day=mine[-1], days_claimed=len(mine),
            days_covered=len(covered), days_payable=payable, daily_subsidy=t.daily_subsidy,
            amount=amount,
        ))

    total_days = sum(p.days_payable for p in portions)
    # Each portion was rounded once; the total is their sum, as the decision notice lists it.
    total = sum((p.amount for p in portions), Decimal("0.00"))
    trace.append(f"合计可付 {total_days} 天，金额 {_yuan(total)}")
    return Calculation(days_claimed=len(days), portions=tuple(portions),
                       days_payable=total_days, amount=total, trace=tuple(trace))


# --- D. Documents ---------------------------------------------------------------------------

DOCUMENT_KINDS = {
    "id_card": "被保险人身份证",
    "discharge_summary": "出院小结或诊断证明（写明住院起止日期）",
    "bank_card": "收款人银行借记卡（本人名下，非信用卡）",
    "power_of_attorney": "授权委托书（本人签字）",
    "proxy_id": "代办人身份证",
    "death_certificate": "死亡证明",
    "heirship": "继承关系证明",
    "other": "其他材料",
}


def required_documents(*, proxy_filing: bool, insured_deceased: bool) -> tuple[str, ...]:
    """The document kinds a claim needs, in DOCUMENT_KINDS order."""
    needed = {"id_card", "discharge_summary", "bank_card"}
    if insured_deceased:
        # The heirs file: no power of attorney can be signed by the deceased, but the heir
        # who files shows their ID alongside the death certificate and proof of heirship.
        needed |= {"proxy_id", "death_certificate", "heirship"}
    elif proxy_filing:
        needed |= {"power_of_attorney", "proxy_id"}
    return tuple(kind for kind in DOCUMENT_KINDS if kind in needed)


def missing_documents(*, required: Iterable[str], provided: set[str]) -> tuple[str, ...]:
    """The required kinds not provided, in the order required (one notice lists them all)."""
    return tuple(kind for kind in required if kind not in provided)


# --- E. Working days and deadlines ----------------------------------------------------------

SLA_STEPS = {"accept": "受理或一次性告知", "decide": "核定", "pay": "支付",
             "refusal_notice": "送达拒赔通知"}
# Contract defaults in working days (domain.md "insurer SLAs"); the scheme year may differ.
# The default SLAs and limits are scheme-year settings: defined with the scheme year.

# The official PRC calendar (holidays and 调休 make-up days) is passed in as `is_workday`,
# so these stay pure and tests can use a calendar of their own.
IsWorkday = Callable[[date], bool]


def add_working_days(start: date, n: int, *, is_workday: IsWorkday) -> date:
    """The n-th working day after `start` (start itself not counted; n = 0 returns start);
    raises ValueError for a negative n."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    while n:
        day += timedelta(days=1)
        if is_workday(day):
            n -= 1
    return day


# --- F. Late reports and the claim time limit -----------------------------------------------




def report_is_late(*, discharged: date | None, reported_on: date, deadline_days: int) -> bool:
    """True when the report came more than `deadline_days` calendar days after discharge."""
    # Lateness is only flagged, never a reason to refuse; a stay still running cannot be late.
    if discharged is None:
        return False
    return discharged < earliest_timely_discharge(reported_on=reported_on, deadline_days=deadline_days)


def earliest_timely_discharge(*, reported_on: date, deadline_days: int) -> date:
    """A stay discharged before this day is reported late today (the report form warns with it)."""
    return reported_on - timedelta(days=deadline_days)


def claim_time_limit_passed(*, discharged: date | None, reported_on: date, years: int) -> bool:
    """True when the claim was reported after the anniversary `years` after discharge."""
    if discharged is None:
        return False
    return reported_on > add_years(discharged, years)


# --- G. Refusals ----------------------------------------------------------------------------

REFUSAL_CODES = {
    "not_inpatient": "非住院（门诊留观、家庭病床、挂床）",
    "not_covered": "住院期间不在保障期间内",
    "allowance_exhausted": "年度累计理赔天数已用完",
    "overlap": "与已报住院时间重叠",
    "time_limit": "超过理赔时效",
    "documents": "材料不全且逾期未补",
    "not_insured": "非参保对象",
    "other": "其他（见说明）",
}


# --- H. Payments ----------------------------------------------------------------------------

def check_payment(*, decided_amount: Decimal, amount: Decimal, paid_on: date, today: date) -> None:
    """A payment must be the decided amount to the fen and not dated in the future; raises
    RuleViolation (the same rule for one payment and for the insurer's file)."""
    try:
        exact = amount.is_finite() and amount == to_yuan(amount)
    except ArithmeticError:          # 1E+30: too many digits to round to the fen
        exact = False
    if not exact:
        raise RuleViolation("amount", f"支付金额“{amount}”不是精确到分的金额")
    if amount != decided_amount:
        raise RuleViolation("amount", f"支付金额 {_yuan(amount)}与核定金额 {_yuan(decided_amount)}不符")
    if paid_on > today:
        raise RuleViolation("paid_on", "支付日期不能晚于今天")


# --- I. Reasons -----------------------------------------------------------------------------

REASON_MIN_LENGTH = 4


def check_reason(text: str, *, code: str, what: str) -> str:
    """A refusal explanation or an appeal reason, trimmed; raises RuleViolation when it says
    too little to be written into a notice."""
    text = text.strip()
    if len(text) < REASON_MIN_LENGTH:
        raise RuleViolation(code, f"请写明{what}（至少{REASON_MIN_LENGTH}个字）。")
    return text
