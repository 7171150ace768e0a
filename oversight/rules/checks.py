"""The data checks (数据核查) of domain.md "Oversight", each a named, documented, set-based
query: one SQL statement over the tables as they are, no loop over persons or claims.

Every query returns the same five columns, one row per object the condition holds for:

    key         the object, stable across runs ("claim:123", "person:45:year:3", ...): a
                finding is keyed by (rule, key), so a rerun neither duplicates nor loses it
    person_id   the person it concerns (or NULL)
    claim_id    the claim it concerns (or NULL)
    street_id   whose officer sees it: the claim's street at report, else the person's
    detail      the figures behind it (jsonb; money as text, never a float)

Parameters: %(today)s (the day the run is for) and %(tz)s (the project's time zone, for the
date of a timestamp). Services run these through one upsert (oversight/services/checks.py);
the benchmark runs them bare. The text here is pure data: no database, no clock."""

from dataclasses import dataclass
from datetime import date

from tongzhou_care.core.money import format_yuan

# domain.md "Oversight" thresholds (product decisions, not scheme-year settings).
LONG_STAY_DAYS = 60            # one stay longer than 60 days
MANY_STAYS = 6                 # more than 6 stays in a scheme year
MISSING_GRACE_DAYS = 30        # missing from the latest roster for more than 30 days
SPECIAL_AID_MIN_AGE = 49       # 特扶: the mother at least 49 at the benefit start

# Claims that count as a stay (the overlap constraint's condition) and decided claims.
COUNTED = "c.status <> 'withdrawn'"
DECIDED = "c.status IN ('decided', 'paid')"


@dataclass(frozen=True)
class CheckRule:
    name: str
    title: str             # the rule's name on screen
    description: str       # what it finds and exactly what it compares (shown on the rules page)
    subject: str           # what a finding is about: claim | person | policy | street
    sql: str
    impossible: bool = False   # the database's constraints should make it impossible: the check proves it


# What a claim holds on each policy now: its decision's portion plus every supplementary
# decision (补充核定) on that policy (claims.selectors.paid_days_by_policy, set-based).
_SUPPLEMENTED = """
    SELECT s.claim_id, sp.policy_id, sum(sp.days_difference)::integer AS days, sum(sp.amount_difference) AS amount
    FROM claims_supplement s JOIN claims_supplementportion sp ON sp.supplement_id = s.id
    GROUP BY s.claim_id, sp.policy_id
"""

# The latest roster: the latest applied import of a file that lists the district's persons. A
# supplementary list (补充名单) names a few new persons and leaves everyone else "missing": an
# import whose missing rows outnumber its data rows is such a list, not the roster.
_LATEST_ROSTER = """
    SELECT ri.id, ri.roster_year, (ri.applied_at AT TIME ZONE %(tz)s)::date AS applied_on
    FROM enrollment_rosterimport ri
    WHERE ri.status = 'applied' AND ri.missing_count <= ri.rows_total
    ORDER BY ri.applied_at DESC, ri.id DESC
    LIMIT 1
"""

PAID_AFTER_END = CheckRule(
    "paid_after_end", "死亡或减员之后的天数被核定给付",
    "已核定或已支付的理赔中，有给付天数落在参保对象登记的死亡日期或减员生效日期之后（保障至该日止）。"
    "逐个分年度核定比较：给付天数（含补充核定增减的天数）减去该分年度在保障开始日与死亡/减员日之间的计入天数，"
    "大于0即为多付天数，金额按该分年度核定的补贴标准计算。死亡或减员事后补录、日期早于已核定的住院时最常见；"
    "补充核定冲减这些天数后即不再列出。",
    "claim", f"""
WITH supplemented AS ({_SUPPLEMENTED})
SELECT 'claim:' || c.id AS key, c.person_id, c.id AS claim_id, c.street_id,
       jsonb_build_object('end', p.status, 'end_date', p.status_date, 'claim_status', c.status,
                          'days', sum(x.days), 'amount', sum(x.days * cp.daily_subsidy)::text) AS detail
FROM enrollment_person p
JOIN claims_claim c ON c.person_id = p.id AND {DECIDED}
JOIN claims_claimportion cp ON cp.claim_id = c.id AND cp.last_day > p.status_date
JOIN enrollment_policy po ON po.id = cp.policy_id
LEFT JOIN supplemented sp ON sp.claim_id = c.id AND sp.policy_id = cp.policy_id
CROSS JOIN LATERAL (
    SELECT cp.days_payable + coalesce(sp.days, 0)
           - greatest(least(cp.last_day, p.status_date) - greatest(cp.first_day, po.cover_start) + 1, 0) AS days) x
WHERE p.status IN ('deceased', 'removed') AND x.days > 0
GROUP BY c.id, p.status, p.status_date
""")

ENGINE_DIFFERS = CheckRule(
    "engine_differs", "核定金额与按现行数据重算的结果不符",
    "对每件已核定或已支付的理赔，按现在的数据重算各分年度：计入天数中落在保单现在的保障期间内、且不晚于"
    "死亡/减员日期的天数（按入院年度规则延续到次年的天数不受该年度保障结束日限制），与现有给付天数（核定加补充核定）"
    "取小者为重算给付天数（年度上限不重新排序）；重算金额为这些天数按生效日期分段的住院护理补贴标准"
    "（合同变更改过补贴标准的，变更生效日前按原标准、之后按新标准，逐日取所在日期的标准）之和。"
    "重算的天数或金额与理赔现在应得的天数、金额（核定加上全部补充核定）不同即列出；补充核定补付或冲减差额后即不再列出。",
    "claim", f"""
WITH amendments AS (
    SELECT a.id, a.scheme_year_id, a.effective_date,
           (a.changes -> 'daily_subsidy' ->> 0)::numeric AS before,
           (a.changes -> 'daily_subsidy' ->> 1)::numeric AS after
    FROM enrollment_contractamendment a WHERE a.changes ? 'daily_subsidy'
),
rates AS MATERIALIZED (
    -- the subsidy by period of each amended scheme year: before its first amendment, the value
    -- that amendment replaced; from each amendment's effective date, the value it set
    SELECT r.year_id, r.from_day,
           coalesce(lead(r.from_day) OVER (PARTITION BY r.year_id ORDER BY r.from_day) - 1,
                    'infinity'::date) AS to_day,
           r.subsidy
    FROM (
        (SELECT DISTINCT ON (am.scheme_year_id) am.scheme_year_id AS year_id, '-infinity'::date AS from_day,
                am.before AS subsidy
         FROM amendments am ORDER BY am.scheme_year_id, am.effective_date, am.id)
        UNION ALL
        SELECT am.scheme_year_id, am.effective_date, am.after FROM amendments am
    ) r
),
amended AS (SELECT DISTINCT year_id FROM rates),
supplemented AS MATERIALIZED ({_SUPPLEMENTED}),
entitled AS (   -- what the family is owed now: the decision plus its supplements
    SELECT claim_id, sum(days)::integer AS days, sum(amount) AS amount FROM supplemented GROUP BY claim_id
)
SELECT 'claim:' || c.id AS key, c.person_id, c.id AS claim_id, c.street_id,
       jsonb_build_object('decided_days', c.days_payable + coalesce(min(en.days), 0),
                          'decided_amount', (c.amount + coalesce(min(en.amount), 0))::text,
                          'days', coalesce(sum(x.payable), 0),
                          'amount', coalesce(sum(m.amount), 0)::numeric(12, 2)::text,
                          'claim_status', c.status) AS detail
FROM claims_claim c
JOIN enrollment_person p ON p.id = c.person_id
LEFT JOIN entitled en ON en.claim_id = c.id
LEFT JOIN claims_claimportion cp ON cp.claim_id = c.id
LEFT JOIN supplemented sp ON sp.claim_id = c.id AND sp.policy_id = cp.policy_id
LEFT JOIN enrollment_policy po ON po.id = cp.policy_id
LEFT JOIN enrollment_schemeyear y ON y.id = po.scheme_year_id
LEFT JOIN amended ON amended.year_id = y.id
-- the portion's charged days still covered today: from the cover start (or its first day), to
-- the earliest of its last day, the cover end (not under the admission-year rule for cover that
-- ran to the year end) and the person's death or removal
CROSS JOIN LATERAL (
    SELECT greatest(cp.first_day, po.cover_start) AS s,
           least(cp.last_day,
                 CASE WHEN y.year_crossing = 'admission' AND po.cover_end = y.coverage_end THEN NULL
                      ELSE po.cover_end END,
                 CASE WHEN p.status <> 'active' THEN p.status_date END) AS e) w
CROSS JOIN LATERAL (SELECT least(cp.days_payable + coalesce(sp.days, 0), greatest(w.e - w.s + 1, 0)) AS payable) x
-- those days at the subsidy in force on each (amended years only look the periods up)
CROSS JOIN LATERAL (
    SELECT CASE WHEN amended.year_id IS NULL THEN x.payable * y.daily_subsidy
                ELSE (SELECT coalesce(sum(greatest(least(r.to_day, w.s + x.payable - 1)
                                                   - greatest(r.from_day, w.s) + 1, 0) * r.subsidy), 0)
                      FROM rates r WHERE r.year_id = y.id) END AS amount) m
WHERE {DECIDED}
GROUP BY c.id
HAVING c.amount + coalesce(min(en.amount), 0) IS DISTINCT FROM coalesce(sum(m.amount), 0)
    OR c.days_payable + coalesce(min(en.days), 0) IS DISTINCT FROM coalesce(sum(x.payable), 0)
""")

PAID_NOT_DECIDED = CheckRule(
    "paid_not_decided", "支付金额与核定金额不符",
    "支付记录的金额与支付时应付的金额（核定金额加上支付前作出、随支付一并结清的补充核定）不相等；"
    "或理赔为“已支付”却没有支付记录；或有支付记录的理赔不是“已支付”状态。支付之后作出的补充核定另行补付或追回，不计入。",
    "claim", """
WITH before_payment AS (
    SELECT pm.claim_id, sum(s.amount_difference) AS amount
    FROM claims_payment pm JOIN claims_supplement s ON s.claim_id = pm.claim_id AND s.decided_at <= pm.recorded_at
    GROUP BY pm.claim_id
)
SELECT 'claim:' || c.id AS key, c.person_id, c.id AS claim_id, c.street_id,
       jsonb_build_object('decided_amount', (c.amount + coalesce(bp.amount, 0))::text, 'paid_amount', pm.amount::text,
                          'paid_on', pm.paid_on, 'claim_status', c.status) AS detail
FROM claims_claim c
LEFT JOIN claims_payment pm ON pm.claim_id = c.id
LEFT JOIN before_payment bp ON bp.claim_id = c.id
WHERE (pm.id IS NOT NULL AND (pm.amount IS DISTINCT FROM c.amount + coalesce(bp.amount, 0) OR c.status <> 'paid'))
   OR (pm.id IS NULL AND c.status = 'paid')
""")

UNPAID_PAST_SLA = CheckRule(
    "unpaid_past_sla", "核定后超过支付时限仍未支付",
    "状态为“已核定”、支付期限已过（核定时按该保险年度“核定后支付”的工作日数、法定节假日和调休计算出的"
    "支付截止日，早于核查基准日）仍未登记支付的理赔。",
    "claim", """
SELECT 'claim:' || c.id AS key, c.person_id, c.id AS claim_id, c.street_id,
       jsonb_build_object('due_on', c.due_on, 'amount', c.amount::text,
                          'decided_on', (c.decided_at AT TIME ZONE %(tz)s)::date) AS detail
FROM claims_claim c
WHERE c.status = 'decided' AND c.due_on < %(today)s
""")

MISSING_FROM_ROSTER = CheckRule(
    "missing_from_roster", "在册对象超过30天未出现在最新花名册中",
    f"最新一次导入的花名册（已导入、且不是只列少数新增人员的补充名单：缺失人数不多于文件数据行数）中未列出、"
    f"本系统仍为“在册”的参保对象，且该花名册导入已超过{MISSING_GRACE_DAYS}天。应核实后减员，或更正花名册。",
    "person", f"""
WITH latest AS ({_LATEST_ROSTER})
SELECT 'person:' || p.id AS key, p.id AS person_id, NULL::integer AS claim_id, p.street_id,
       jsonb_build_object('import_id', l.id, 'roster_year', l.roster_year, 'applied_on', l.applied_on) AS detail
FROM latest l
JOIN enrollment_rosterrow r ON r.roster_import_id = l.id AND r.kind = 'missing'
JOIN enrollment_person p ON p.id = r.person_id AND p.status = 'active'
WHERE l.applied_on < %(today)s - {MISSING_GRACE_DAYS}
""")

ROSTER_DEAD_ACTIVE = CheckRule(
    "roster_dead_active", "花名册显示已死亡但本系统仍为在册",
    "最新一次导入的花名册（同上）中，导入预览列为“死亡”的行（“状态”列写明死亡，如已死亡、死亡）对应的参保对象，"
    "在本系统中仍为“在册”（导入时未勾选登记死亡，或选了暂不处理）。应登记死亡（保障至死亡当日止）。",
    "person", f"""
WITH latest AS ({_LATEST_ROSTER})
-- The importer proposes each death the file records as a row of kind 'death' (with the file's
-- date, if any); applying it records the death. A person it names who is still active is the
-- finding. Read from the row's kind, never from a message's wording.
SELECT DISTINCT ON (p.id) 'person:' || p.id AS key, p.id AS person_id, NULL::integer AS claim_id, p.street_id,
       jsonb_build_object('import_id', l.id, 'roster_year', l.roster_year, 'sheet', r.sheet, 'row', r.row_number,
                          'event_date', coalesce(ch.event_date, r.event_date)) AS detail
FROM latest l
JOIN enrollment_rosterrow r ON r.roster_import_id = l.id AND r.kind = 'death'
JOIN enrollment_person p ON p.id = r.person_id AND p.status = 'active'
LEFT JOIN enrollment_rosterrowchoice ch ON ch.row_id = r.id
ORDER BY p.id, r.id
""")

SHARED_ACCOUNT = CheckRule(
    "shared_account", "同一银行账号由不同家庭的参保对象使用",
    "同一个收款账号（参保对象登记的银行账号，以及未撤案理赔的收款账号，去掉空格后比较）出现在两个以上家庭的"
    "参保对象名下；夫妻（本系统已关联配偶的）算一个家庭。每个涉及的参保对象列一条，只显示账号后4位。",
    "person", f"""
WITH accounts AS (
    SELECT replace(p.bank_account, ' ', '') AS account, p.id AS person_id
    FROM enrollment_person p WHERE p.bank_account <> ''
    UNION
    SELECT replace(c.payee_account, ' ', ''), c.person_id
    FROM claims_claim c WHERE c.payee_account <> '' AND {COUNTED}
),
held AS MATERIALIZED (
    SELECT a.account, a.person_id, p.street_id, least(p.id, p.spouse_id, q.id) AS household
    FROM accounts a
    JOIN enrollment_person p ON p.id = a.person_id
    LEFT JOIN enrollment_person q ON q.spouse_id = p.id
),
shared AS MATERIALIZED (
    SELECT account, array_agg(person_id) AS persons, array_agg(household) AS households
    FROM held GROUP BY account HAVING min(household) <> max(household)
),
flagged AS (
    SELECT h.person_id, h.street_id, min(h.household) AS household, array_agg(DISTINCT h.account) AS accounts
    FROM shared s JOIN held h ON h.account = s.account
    GROUP BY h.person_id, h.street_id
)
SELECT 'person:' || f.person_id AS key, f.person_id, NULL::integer AS claim_id, f.street_id,
       jsonb_build_object(
           'account_tails', (SELECT jsonb_agg(right(a, 4) ORDER BY a) FROM unnest(f.accounts) AS a),
           'others', (SELECT jsonb_agg(DISTINCT o.person ORDER BY o.person)
                      FROM shared s CROSS JOIN LATERAL unnest(s.persons, s.households) AS o(person, household)
                      WHERE s.account = ANY (f.accounts) AND o.household <> f.household)) AS detail
FROM flagged f
""")

LONG_STAY = CheckRule(
    "long_stay", f"单次住院超过{LONG_STAY_DAYS}天",
    f"未撤案的住院，出院日期减入院日期（仍在住院的按核查基准日计）超过{LONG_STAY_DAYS}天。"
    "长期住院须核实是否挂床。",
    "claim", f"""
SELECT 'claim:' || c.id AS key, c.person_id, c.id AS claim_id, c.street_id,
       jsonb_build_object('admitted_on', c.admitted_on, 'discharged_on', c.discharged_on) AS detail
FROM claims_claim c
WHERE {COUNTED} AND coalesce(c.discharged_on, %(today)s) - c.admitted_on > {LONG_STAY_DAYS}
""")

MANY_STAYS_RULE = CheckRule(
    "many_stays", f"一个保险年度内住院超过{MANY_STAYS}次",
    f"同一参保对象入院日期落在同一保险年度保险期间内的未撤案住院超过{MANY_STAYS}次。每人每年度列一条。",
    "person", f"""
SELECT 'person:' || n.person_id || ':year:' || n.year_id AS key, n.person_id, NULL::integer AS claim_id,
       p.street_id, jsonb_build_object('scheme_year', n.year_name, 'stays', n.stays) AS detail
FROM (
    SELECT c.person_id, y.id AS year_id, y.name AS year_name, count(*) AS stays
    FROM claims_claim c
    JOIN enrollment_schemeyear y ON c.admitted_on BETWEEN y.coverage_start AND y.coverage_end
    WHERE {COUNTED}
    GROUP BY c.person_id, y.id, y.name
    HAVING count(*) > {MANY_STAYS}
) n
JOIN enrollment_person p ON p.id = n.person_id
""")

POLICY_NOT_ELIGIBLE = CheckRule(
    "policy_not_eligible", "有保单但已不符合参保条件",
    "有保障期间的保单，而参保对象：已死亡或减员，保单却保障到该日期之后；或扶助类别不在该保险年度的参保"
    "范围内（只查尚未结束的保险年度）；或开始享受扶助日期晚于保单的保障结束日。",
    "policy", """
SELECT 'policy:' || po.id AS key, p.id AS person_id, NULL::integer AS claim_id, p.street_id,
       jsonb_build_object('policy', po.number, 'scheme_year', y.name, 'cover_end', po.cover_end,
                          'reasons', to_jsonb(array_remove(ARRAY[
                              CASE WHEN p.status <> 'active' AND po.cover_end > p.status_date THEN 'ended' END,
                              CASE WHEN y.coverage_end >= %(today)s AND NOT p.category = ANY (y.eligible_categories)
                                   THEN 'category' END,
                              CASE WHEN p.assistance_start > po.cover_end THEN 'not_started' END], NULL)),
                          'status', p.status, 'status_date', p.status_date, 'category', p.category,
                          'assistance_start', p.assistance_start) AS detail
FROM enrollment_policy po
JOIN enrollment_schemeyear y ON y.id = po.scheme_year_id
JOIN enrollment_person p ON p.id = po.person_id
WHERE po.cover_end >= po.cover_start
  AND ((p.status <> 'active' AND po.cover_end > p.status_date)
       OR (y.coverage_end >= %(today)s AND NOT p.category = ANY (y.eligible_categories))
       OR p.assistance_start > po.cover_end)
""")

POLICY_COUNT_DIFFERS = CheckRule(
    "policy_count_differs", "街道保单数与报送保险公司的承保清单不符",
    "按保险年度和街道/乡镇（参保对象现在所属的）比较：保单份数，与报送保险公司的承保清单——生成保单时的"
    "初始清单加上增减员清单中的增员——人数；以及已终止（死亡、减员）的保单份数，与增减员清单中减员的保单数。"
    "任一不等即列出：有保单未通知保险公司，或保单终止未报减员。",
    "street", """
SELECT 'street:' || t.street_id || ':year:' || t.year_id AS key, NULL::integer AS person_id,
       NULL::integer AS claim_id, t.street_id,
       jsonb_build_object('scheme_year', y.name, 'policies', t.policies, 'initial', t.initial,
                          'added', t.added, 'listed', t.listed, 'ended', t.ended, 'removed', t.removed) AS detail
FROM (
    SELECT po.scheme_year_id AS year_id, p.street_id, count(*) AS policies,
           count(*) FILTER (WHERE po.created_at <= y.policies_issued_at) AS initial,
           count(*) FILTER (WHERE ch.added) AS added,
           count(*) FILTER (WHERE po.created_at <= y.policies_issued_at OR ch.added) AS listed,
           count(*) FILTER (WHERE po.end_reason <> '') AS ended,
           count(*) FILTER (WHERE ch.removed) AS removed
    FROM enrollment_policy po
    JOIN enrollment_person p ON p.id = po.person_id
    JOIN enrollment_schemeyear y ON y.id = po.scheme_year_id
    LEFT JOIN (SELECT policy_id, bool_or(kind = 'addition') AS added, bool_or(kind = 'removal') AS removed
               FROM enrollment_policychange GROUP BY policy_id) ch ON ch.policy_id = po.id
    GROUP BY po.scheme_year_id, p.street_id
) t
JOIN enrollment_schemeyear y ON y.id = t.year_id
WHERE t.policies <> t.listed OR t.ended <> t.removed
""")

WOMAN_UNDER_49 = CheckRule(
    "woman_under_49", f"女方开始享受扶助时未满{SPECIAL_AID_MIN_AGE}周岁",
    f"在册的女性特别扶助对象（独生子女死亡或伤残特别扶助），开始享受扶助日期早于其{SPECIAL_AID_MIN_AGE}周岁生日"
    "（特别扶助以女方年满49周岁为条件）。",
    "person", f"""
SELECT 'person:' || p.id AS key, p.id AS person_id, NULL::integer AS claim_id, p.street_id,
       jsonb_build_object('birth_date', p.birth_date, 'assistance_start', p.assistance_start) AS detail
FROM enrollment_person p
WHERE p.sex = 'F' AND p.status = 'active' AND p.category IN ('death', 'disability')
  AND p.assistance_start < (p.birth_date + interval '{SPECIAL_AID_MIN_AGE} years')::date
""")

# The same span a stay occupies as the constraint claim_no_overlapping_stays (claims.models
# StaySpan): from noon of the admission day to 08:00 of the discharge day, a same-day stay from
# 08:00 to noon, a stay still in hospital open-ended. tests/oversight/test_check_constraints.py
# holds the two together case by case.
_SPAN_START = "CASE WHEN {c}.discharged_on = {c}.admitted_on THEN {c}.admitted_on + time '08:00' " \
              "ELSE {c}.admitted_on + time '12:00' END"
_SPAN_END = "CASE WHEN {c}.discharged_on IS NULL THEN 'infinity'::timestamp " \
            "WHEN {c}.discharged_on = {c}.admitted_on THEN {c}.admitted_on + time '12:00' " \
            "ELSE {c}.discharged_on + time '08:00' END"

OVERLAPPING_STAYS = CheckRule(
    "overlapping_stays", "同一参保对象的住院时间重叠",
    "同一参保对象的两次未撤案住院占用的时间重叠（与数据库约束相同的口径：入院日中午起至出院日早8时止，"
    "当日出院的占当天8时至中午，仍在住院的一直延续；因此出院当日再入院、当日出院后当日再入院不算重叠）。"
    "数据库的排除约束应使其不可能发生，本项核查证明这一点。每件与更早开始的住院重叠的理赔列一条。",
    "claim", f"""
WITH stays AS (
    SELECT c.id, c.person_id, c.street_id, {_SPAN_START.format(c="c")} AS starts, {_SPAN_END.format(c="c")} AS ends
    FROM claims_claim c WHERE {COUNTED}
),
ordered AS (
    SELECT s.*, max(s.ends) OVER (PARTITION BY s.person_id ORDER BY s.starts, s.id
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_ends
    FROM stays s
)
SELECT 'claim:' || o.id AS key, o.person_id, o.id AS claim_id, o.street_id,
       jsonb_build_object('other_claim', other.id, 'other_number', other.number) AS detail
FROM ordered o
LEFT JOIN LATERAL (
    SELECT c2.id, c2.number FROM claims_claim c2
    WHERE c2.person_id = o.person_id AND c2.id <> o.id AND c2.status <> 'withdrawn'
      AND ({_SPAN_START.format(c="c2")}, c2.id) < (o.starts, o.id) AND {_SPAN_END.format(c="c2")} > o.starts
    ORDER BY c2.admitted_on, c2.id LIMIT 1) other ON true
WHERE o.starts < o.earlier_ends
""", impossible=True)

CAP_OVERRUN = CheckRule(
    "cap_overrun", "超过年度累计理赔天数上限",
    "保单的已用天数计数，或该保单所有已核定、已支付理赔分年度核定的给付天数加上补充核定增减天数之和（直接按理赔"
    "重新合计，不依赖计数），超过保单与保险年度两者中较小的年度天数上限。数据库的检查约束和核定时的行锁应使其不可能发生，"
    "本项核查证明这一点。",
    "policy", f"""
SELECT 'policy:' || po.id AS key, p.id AS person_id, NULL::integer AS claim_id, p.street_id,
       jsonb_build_object('policy', po.number, 'scheme_year', y.name, 'day_cap', least(po.day_cap, y.day_cap),
                          'days_used', po.days_used, 'days_decided', coalesce(d.days, 0)) AS detail
FROM enrollment_policy po
JOIN enrollment_schemeyear y ON y.id = po.scheme_year_id
JOIN enrollment_person p ON p.id = po.person_id
LEFT JOIN (
    SELECT held.policy_id, sum(held.days) AS days
    FROM (SELECT cp.claim_id, cp.policy_id, cp.days_payable AS days FROM claims_claimportion cp
          UNION ALL
          SELECT s.claim_id, sp.policy_id, sp.days_difference FROM claims_supplement s
          JOIN claims_supplementportion sp ON sp.supplement_id = s.id) held
    JOIN claims_claim c ON c.id = held.claim_id AND {DECIDED}
    GROUP BY held.policy_id
) d ON d.policy_id = po.id
WHERE greatest(po.days_used, coalesce(d.days, 0)) > least(po.day_cap, y.day_cap)
""", impossible=True)

CHECK_RULES: tuple[CheckRule, ...] = (
    PAID_AFTER_END, ENGINE_DIFFERS, PAID_NOT_DECIDED, UNPAID_PAST_SLA, MISSING_FROM_ROSTER, ROSTER_DEAD_ACTIVE,
    SHARED_ACCOUNT, LONG_STAY, MANY_STAYS_RULE, POLICY_NOT_ELIGIBLE, POLICY_COUNT_DIFFERS, WOMAN_UNDER_49,
    OVERLAPPING_STAYS, CAP_OVERRUN,
)
RULES_BY_NAME = {rule.name: rule for rule in CHECK_RULES}
assert len(RULES_BY_NAME) == len(CHECK_RULES)


# --- What a finding says, in one Chinese sentence ------------------------------------------------

END_WORDS = {"deceased": "死亡", "removed": "减员"}
ELIGIBILITY_WORDS = {"ended": "已死亡或减员，保单仍保障到该日期之后", "category": "扶助类别不在本保险年度参保范围内",
                     "not_started": "开始享受扶助日期晚于保障结束日"}


def _yuan(text) -> str:
    from decimal import Decimal

    return f"{format_yuan(Decimal(str(text)))} 元" if text not in (None, "") else "—"


def describe(rule: str, detail: dict, *, today: date) -> str:
    """The finding's figures as a sentence for lists, pages and the export."""
    d = detail
    if rule == "paid_after_end":
        return (f"{END_WORDS.get(d['end'], d['end'])}日期 {d['end_date']}，其后 {d['days']} 天已核定"
                f"{'并支付' if d['claim_status'] == 'paid' else ''}，金额 {_yuan(d['amount'])}")
    if rule == "engine_differs":
        return (f"已核定（含补充核定）{d['decided_days']} 天 {_yuan(d['decided_amount'])}；按现行数据重算 "
                f"{d['days']} 天 {_yuan(d['amount'])}")
    if rule == "paid_not_decided":
        if d.get("paid_amount") is None:
            return f"状态为已支付，但没有支付记录（核定 {_yuan(d['decided_amount'])}）"
        return f"核定 {_yuan(d['decided_amount'])}，{d['paid_on']} 支付 {_yuan(d['paid_amount'])}"
    if rule == "unpaid_past_sla":
        return f"{d['decided_on']} 核定 {_yuan(d['amount'])}，应于 {d['due_on']} 前支付，尚未支付"
    if rule == "missing_from_roster":
        return f"{d['roster_year']}年花名册（{d['applied_on']} 导入）中没有此人，本系统仍为在册"
    if rule == "roster_dead_active":
        sheet = f"工作表“{d['sheet']}”" if d.get("sheet") else ""
        if "message" in d:       # a finding recorded before the check read the death rows
            said = d["message"]
        else:
            said = "标注死亡" + (f"（{d['event_date']}）" if d.get("event_date") else "（文件未写日期）")
        return f"{d['roster_year']}年花名册{sheet}第{d['row']}行{said}；本系统仍为在册"
    if rule == "shared_account":
        return (f"账号尾号 {'、'.join(d['account_tails'])} 同时由其他家庭的 {len(d['others'])} 名参保对象使用")
    if rule == "long_stay":
        end = date.fromisoformat(d["discharged_on"]) if d.get("discharged_on") else today
        days = (end - date.fromisoformat(d["admitted_on"])).days
        until = f"至 {d['discharged_on']}" if d.get("discharged_on") else "起仍在住院"
        return f"{d['admitted_on']} {until}，{days} 天"
    if rule == "many_stays":
        return f"{d['scheme_year']}住院 {d['stays']} 次"
    if rule == "policy_not_eligible":
        reasons = "；".join(ELIGIBILITY_WORDS.get(r, r) for r in d["reasons"])
        return f"{d['scheme_year']}保单 {d['policy']}（保障至 {d['cover_end']}）：{reasons}"
    if rule == "policy_count_differs":
        return (f"{d['scheme_year']}：保单 {d['policies']} 份，承保清单 {d['listed']} 人（初始 {d['initial']}，"
                f"增员 {d['added']}）；终止 {d['ended']} 份，减员清单 {d['removed']} 份")
    if rule == "woman_under_49":
        return f"出生日期 {d['birth_date']}，{d['assistance_start']} 开始享受扶助，未满{SPECIAL_AID_MIN_AGE}周岁"
    if rule == "overlapping_stays":
        return f"与理赔 {d['other_number']} 的住院时间重叠"
    if rule == "cap_overrun":
        return (f"{d['scheme_year']}保单 {d['policy']}：上限 {d['day_cap']} 天，已用计数 {d['days_used']} 天，"
                f"按理赔合计 {d['days_decided']} 天")
    return str(detail)
