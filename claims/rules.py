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
class TermsChange:
    """A contract amendment of a scheme year (合同变更): from `effective` on, the terms it names
    in `values` (daily_subsidy, day_cap, counting, year_crossing) are these."""

    effective: date
    values: tuple[tuple[str, object], ...]
    label: str                # e.g. "2026-07-01 起合同变更（提高补贴标准）"


@dataclass(frozen=True)
class DayTerms:
    """The terms in force on one day of a scheme year."""

    daily_subsidy: Decimal
    day_cap: int
    counting: str
    year_crossing: str
    label: str                # "合同原条款" or the amendment's label


@dataclass(frozen=True)
class PolicyTerms:
    """One policy of the insured person, as the decision sees it."""

    policy_id: int
    policy_number: str
    scheme_year: str          # e.g. "2026年度"
    coverage: Cover           # the scheme year's coverage window
    cover: Cover              # this policy's cover window (may be shorter: added mid-year, death)
    daily_subsidy: Decimal    # the terms as first contracted; `changes` amend them
    day_cap: int
    days_used: int            # paid days already consumed this scheme year on this policy
    counting: str             # "exclusive" | "inclusive" (the scheme year's setting)
    year_crossing: str        # "split" | "admission"
    changes: tuple[TermsChange, ...] = ()   # the year's amendments, in the order recorded
    added_on: date | None = None            # a mid-year addition: the day the insurer was told
    end_reason: str = ""                    # "death" | "removal" when the cover was cut short

    def on(self, day: date) -> DayTerms:
        """The terms in force on `day`: each amendment, in the order it was recorded, sets its
        terms for every day from its effective date (a later amendment dated earlier overrides
        an earlier one for the days it reaches)."""
        values = {"daily_subsidy": self.daily_subsidy, "day_cap": self.day_cap,
                  "counting": self.counting, "year_crossing": self.year_crossing}
        label = "合同原条款"
        for change in self.changes:
            if day >= change.effective:
                values.update(dict(change.values))
                label = change.label
        return DayTerms(label=label, **values)


def contract_terms(*, current: dict, amendments: Iterable[tuple[date, dict, str]]
                   ) -> tuple[dict, tuple[TermsChange, ...]]:
    """(terms as first contracted, the amendments as TermsChange) from a scheme year's current
    settings and its amendments in the order recorded, each (effective date, {setting: [old,
    new]} as text, reason). The first amendment of a setting knows its original value."""
    parse = {"daily_subsidy": Decimal, "day_cap": int, "day_counting": str, "year_crossing": str}
    names = {"day_counting": "counting"}
    base = dict(current)
    changes = []
    seen = set()
    for effective, changed, reason in amendments:
        values = []
        for setting, (old, new) in changed.items():
            if setting not in parse:
                continue            # the premium and its proration do not decide a claim
            key = names.get(setting, setting)
            if key not in seen:
                base[key] = parse[setting](old)
                seen.add(key)
            values.append((key, parse[setting](new)))
        if values:
            changes.append(TermsChange(effective=effective, values=tuple(values),
                                       label=f"{effective} 起合同变更（{reason}）"))
    return base, tuple(changes)


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
    daily_subsidy: Decimal    # the subsidy of the first payable day (of the first charged day if none)
    amount: Decimal           # the payable days at the subsidy in force on each, to_yuan once


@dataclass(frozen=True)
class Calculation:
    """The decision on one stay: charged days, one portion per policy, total and trace."""

    days_claimed: int         # all charged days of the stay
    portions: tuple[Portion, ...]
    days_payable: int
    amount: Decimal
    trace: tuple[str, ...]    # readable Chinese lines, shown on the claim page and decision notice

    @property
    def days_covered(self) -> int:
        return sum(p.days_covered for p in self.portions)


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


def _outside_cover(t: PolicyTerms, days: list[date]) -> list[str]:
    """Why days of a policy's year lie outside its cover window, one line per reason."""
    before = [d for d in days if d < t.cover.start]
    after = [d for d in days if d > t.cover.end]
    lines = []
    if t.cover.days == 0:
        return [f"其中 {_runs(days)} 共 {len(days)} 天不在保障期间内（该保单在保障开始前即已终止），不予给付"]
    if before:
        why = (f"年中新增，{t.added_on} 通知保险公司，次日即 {t.cover.start} 起保障" if t.added_on
               else f"保障自 {t.cover.start} 起")
        lines.append(f"其中 {_runs(before)} 共 {len(before)} 天在保障开始之前（{why}），不予给付")
    if after:
        why = {"death": f"被保险人于 {t.cover.end} 身故，保障至当日止",
               "removal": f"{t.cover.end} 减员，保障至当日止"}.get(t.end_reason, f"保障至 {t.cover.end} 止")
        lines.append(f"其中 {_runs(after)} 共 {len(after)} 天在保障终止之后（{why}），不予给付")
    return lines


def _priced(days: list[date], t: PolicyTerms) -> tuple[Decimal, list[str]]:
    """The amount for paying `days` on policy `t` (each day at the subsidy in force that day,
    rounded once) and the trace lines that show it."""
    groups: list[tuple[DayTerms, list[date]]] = []
    for day in days:
        terms = t.on(day)
        if groups and groups[-1][0].daily_subsidy == terms.daily_subsidy and groups[-1][0].label == terms.label:
            groups[-1][1].append(day)
        else:
            groups.append((terms, [day]))
    exact = sum((terms.daily_subsidy * len(group) for terms, group in groups), Decimal("0"))
    amount = to_yuan(exact)
    if len(groups) <= 1 and not t.changes:
        return amount, [f"{len(days)} 天 × {_yuan(t.on(days[0]).daily_subsidy if days else t.daily_subsidy)} = {_yuan(amount)}"]
    lines = [f"{_runs(group)} 共 {len(group)} 天 × {_yuan(terms.daily_subsidy)}（{terms.label}）"
             for terms, group in groups]
    lines.append(f"{len(days)} 天合计 {_yuan(amount)}")
    return amount, lines


def calculate_benefit(*, admitted: date, discharged: date | None, terms: list[PolicyTerms],
                      death_date: date | None = None, removal_date: date | None = None,
                      charged_elsewhere: frozenset[date] = frozenset(),
                      years: Iterable[tuple[str, Cover]] = ()) -> Calculation:
    """The benefit for one stay with its trace; raises RuleViolation when the person is still
    in hospital, has no policy, or the discharge precedes the admission. `charged_elsewhere`
    holds days already charged to the person's other decided stays: counted from both ends, a
    transfer day is the discharge day of one stay and the admission day of the next, and is
    paid once. `removal_date` (the person's removal from the roster, if removed) ends the cover
    a stay carries past the end of its admission year. `years` names every scheme year (name,
    coverage) the stay touches, so a day of a year in which the person had no policy says so."""
    if discharged is None:
        raise RuleViolation("still_in_hospital", "被保险人仍在住院，出院后方可核定")
    if not terms:
        raise RuleViolation("not_insured", "被保险人没有保单，不能核定")
    if discharged < admitted:
        raise RuleViolation("discharge_before_admission", "出院日期不能早于入院日期")

    # Chronological order decides portions and which scheme year owns a day.
    ordered = sorted(terms, key=lambda t: t.coverage.start)
    admission_policy = next((t for t in ordered if t.coverage.covers(admitted)), None)
    # The scheme year the stay began in sets the rules, as in force on the admission day; an
    # admission outside the person's scheme years has no settings of its own, so the first
    # policy's apply.
    settings = (admission_policy or ordered[0]).on(admitted if admission_policy else ordered[0].coverage.start)
    counting, crossing = settings.counting, settings.year_crossing
    if crossing not in YEAR_CROSSING_RULES:
        raise ValueError(f"unknown year crossing rule {crossing!r}")
    other_years = [(name, coverage) for name, coverage in years
                   if not any(t.scheme_year == name for t in ordered)]

    days = stay_days(admitted=admitted, discharged=discharged, counting=counting)
    trace = [f"住院 {admitted} 至 {discharged}，按“{COUNTING_RULES[counting]}”计 {len(days)} 天"]

    # Cover ends ON the date of death (domain.md "Policies"): the death day itself is charged
    # when the stay would have charged it, later days are not; the heirs are paid the rest.
    if death_date is not None and admitted <= death_date <= discharged:
        cut = [d for d in days if d > death_date]
        days = [d for d in days if d <= death_date]
        trace.append(f"被保险人于 {death_date} 在住院期间身故，保障至身故当日止"
                     + (f"，此后 {len(cut)} 天（{_runs(cut)}）不计，计 {len(days)} 天" if cut else ""))
    elif death_date is not None and death_date < admitted:
        trace.append(f"被保险人于 {death_date} 身故，早于本次入院，住院期间不在保障期间内")
        days_after_death = days
        days = []
        trace.append(f"{_runs(days_after_death)} 共 {len(days_after_death)} 天不予给付")

    twice = [d for d in days if d in charged_elsewhere]
    if twice:
        days = [d for d in days if d not in charged_elsewhere]
        trace.append(f"{_runs(twice)} 已在该参保对象的其他住院中计算（如转院当日），不重复计，"
                     f"计 {len(days)} 天")

    # Which policy each charged day goes to. Under the admission-year rule a stay admitted
    # outside the person's scheme years (before the first one, or in a year without a policy)
    # has no admission year to go to: its days go to the year they fall in (docs/claims.md).
    assigned: dict[int, list[date]] = {id(t): [] for t in ordered}
    nowhere: list[date] = []
    for day in days:
        if crossing == "admission" and admission_policy is not None:
            owner = admission_policy
        else:
            owner = next((t for t in ordered if t.coverage.covers(day)), None)
        (assigned[id(owner)] if owner is not None else nowhere).append(day)

    receiving = [t for t in ordered if assigned[id(t)]]
    crosses = len({t.scheme_year for t in ordered for d in days if t.coverage.covers(d)}) > 1
    if crossing == "admission" and admission_policy is None and days:
        home = next((name for name, coverage in other_years if coverage.covers(admitted)), None)
        why = f"入院时（{home}）该参保对象没有保单" if home else f"入院日 {admitted} 不在任何保险年度内"
        trace.append(f"按入院年度规则住院应整段计入入院所在保险年度，但{why}，"
                     "各天按其所在保险年度计")
    elif crosses:
        trace.append(f"住院跨越保险年度，{YEAR_CROSSING_RULES[crossing]}")
    if nowhere:
        without = {name: [d for d in nowhere if c.covers(d)] for name, c in other_years}
        for name, mine in without.items():
            if mine:
                trace.append(f"{_runs(mine)} 共 {len(mine)} 天属于{name}，该参保对象在该年度没有保单，不予给付")
        rest = [d for d in nowhere if not any(d in mine for mine in without.values())]
        if rest:
            trace.append(f"{_runs(rest)} 共 {len(rest)} 天不在任何保险年度内，不予给付")

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
        trace.append(f"{t.scheme_year}（保单 {t.policy_number}）：{_runs(mine)} 计 {len(mine)} 天")
        if outside:
            if extends:
                trace.append(f"其中 {_runs(outside)} 共 {len(outside)} 天已不在参保期间内"
                             f"（{removal_date} 减员），不予给付" if removal_date
                             else f"其中 {_runs(outside)} 共 {len(outside)} 天不在保障期间内，不予给付")
            else:
                trace.extend(_outside_cover(t, outside))
        # The allowance: a covered day is paid while the days used stay below the cap in force
        # that day (an amendment may raise or lower the cap from its effective date).
        payable_days: list[date] = []
        for day in covered:
            if t.days_used + len(payable_days) < t.on(day).day_cap:
                payable_days.append(day)
        payable = len(payable_days)
        cap = t.on(covered[-1] if covered else mine[0]).day_cap
        remaining = days_left(day_cap=cap, days_used=t.days_used)
        trace.append(f"年度上限 {cap} 天，已用 {t.days_used} 天，剩余 {remaining} 天，"
                     f"本次可付 {payable} 天")
        if payable < len(covered):
            trace.append(f"超出年度累计上限的 {len(covered) - payable} 天不予给付")
        amount, lines = _priced(payable_days, t)
        trace.extend(lines)
        first_paid = payable_days[0] if payable_days else mine[0]
        portions.append(Portion(
            policy_id=t.policy_id, policy_number=t.policy_number, scheme_year=t.scheme_year,
            first_day=mine[0], last_day=mine[-1], days_claimed=len(mine),
            days_covered=len(covered), days_payable=payable, daily_subsidy=t.on(first_paid).daily_subsidy,
            amount=amount,
        ))

    total_days = sum(p.days_payable for p in portions)
    # Each portion was rounded once; the total is their sum, as the decision notice lists it.
    total = sum((p.amount for p in portions), Decimal("0.00"))
    trace.append(f"合计可付 {total_days} 天，金额 {_yuan(total)}")
    return Calculation(days_claimed=len(days), portions=tuple(portions),
                       days_payable=total_days, amount=total, trace=tuple(trace))


def nothing_payable_reason(calculation: Calculation) -> str:
    """Why a stay pays nothing, in a sentence for the refusal message: the allowance is used
    up, or no charged day lies inside cover (with the trace's own reasons)."""
    if calculation.days_covered > 0:
        used_up = [p for p in calculation.portions if p.days_covered and not p.days_payable]
        years = "、".join(p.scheme_year for p in used_up)
        return (f"{years}的年度累计理赔天数已用完，本次住院在保的 {calculation.days_covered} 天均超出年度上限。"
                "请以“年度累计理赔天数已用完”拒赔。")
    return ("本次住院没有一天在保障期间内（" + "；".join(uncovered_reasons(calculation))
            + "）。请以“住院期间不在保障期间内”拒赔。")


def uncovered_reasons(calculation: Calculation) -> list[str]:
    """The trace's lines that say why days are not paid for lack of cover (death, days outside
    the cover window or outside any scheme year)."""
    return [line for line in calculation.trace
            if ("不予给付" in line and "超出年度累计上限" not in line) or "身故" in line]


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


# --- J. The payee -----------------------------------------------------------------------------

# Who may receive the money of a deceased insured (继承人), as the heirship proof names them.
HEIR_RELATIONS = ("配偶", "子女", "父母", "兄弟姐妹", "祖父母/外祖父母", "孙子女/外孙子女", "其他继承人")
SELF = "本人"


def normalise_account(account: str) -> str:
    """A bank account as written on a card: digits and letters only (spaces and dashes go)."""
    return "".join(ch for ch in account if ch.isalnum()).upper()


def check_payee(*, name: str, relation: str, id_number: str, account: str, insured_name: str,
                insured_account: str, insured_deceased: bool, today: date) -> None:
    """Returns nothing when the claim may be decided and paid to this payee; raises
    RuleViolation otherwise. While the insured lives the payee is the insured (a debit account
    in their name); once the insured has died it is an heir, named with relation, ID number and
    an account that is not the deceased's own (domain.md "Facts that change after a decision")."""
    from enrollment.rules import parse_id_number

    if not name.strip() or not normalise_account(account):
        raise RuleViolation("payee_missing", "尚未登记收款人姓名和收款账号。请先在“收款人”一栏登记，"
                            "核定和支付都需要。")
    if not insured_deceased:
        if name.strip() != insured_name or relation not in ("", SELF):
            raise RuleViolation("payee_not_insured", f"被保险人在世，收款人须为被保险人本人（{insured_name}），"
                                "账户须为本人名下的借记卡。")
        return
    if relation not in HEIR_RELATIONS or not id_number.strip():
        raise RuleViolation("payee_heir", "被保险人已身故，须由继承人收款：请登记继承人的姓名、"
                            "与被保险人的关系、身份证号和继承人本人名下的账号。")
    parse_id_number(id_number, today=today)
    if insured_account and normalise_account(account) == normalise_account(insured_account):
        raise RuleViolation("payee_deceased_account", "被保险人已身故，不能支付到其本人账户。"
                            "请登记继承人本人名下的借记卡账户。")


# --- K. What an open claim waits for (the home pages) ---------------------------------------

# step: (who acts, what, in the words of the officer's and the insurer's home pages)
NEXT_STEPS = {
    "discharge": ("family", "录入出院日期（仍在住院）"),
    "documents": ("family", "补交材料"),
    "request_documents": ("insurer", "一次性告知（材料不全）"),
    "accept": ("insurer", "受理"),
    "decide": ("insurer", "核定"),
    "review": ("insurer", "复核"),
    "pay": ("insurer", "支付"),
    "refusal_notice": ("insurer", "送达拒赔通知"),
}


def next_step(*, status: str, discharged: bool, missing: tuple[str, ...], notice_sent: bool) -> str | None:
    """The step a claim waits for (a NEXT_STEPS key), None once it is closed (paid, withdrawn,
    refused with the notice delivered). Finer than the list cards' workflow.waiting_for (by
    state alone): it knows the documents and the discharge. A new report is the insurer's to accept or, with
    documents missing, to list them once (一次性告知); after the notice the family completes the
    file, then the insurer accepts; an accepted claim is decided after the discharge; a decided
    one is paid; an appealed one reviewed; a refusal's notice delivered."""
    if status in ("reported", "documents_pending"):
        if missing:
            return "request_documents" if status == "reported" else "documents"
        return "accept"
    if status == "accepted":
        return "decide" if discharged else "discharge"
    return {"appealed": "review", "decided": "pay",
            "refused": None if notice_sent else "refusal_notice"}.get(status)
