"""The nightly data checks at province scale (issue 9): 100,000 persons and 1,000,000 claims,
the whole nightly run against the bare SQL of the same rules, in one run.

    scripts/bench data_checks [--persons 100000] [--claims 1000000] [--only setup measure]

setup    empties the tables it fills in the bench database (persons, scheme years, policies,
         claims, roster imports, data-check findings — the claim_pages benchmark needs its own
         set-up again afterwards) and generates, with SQL through the real triggers (audit events,
         claim tally): five past scheme years; persons in every street, a third of them couples
         sharing a household account, their ID numbers, phones and accounts sealed with their blind
         indexes (core/sealed.py) in Python, a batch at a time, and COPY'd in; a policy per person and year; ten stays per person, two a
         year, never overlapping, 90 % paid, with their decision portions and payments; the
         latest roster import. Then a few of every condition the checks look for are planted
         (late deaths, amounts off, unpaid decisions, shared accounts, long stays, ...), about
         2,000 findings in all — the "impossible" ones (overlaps, cap overruns) are left out:
         the database refuses them.
measure  (1) the bare SQL: each rule's query run on its own, all rows fetched; (2) the nightly
         run as the worker does it: the schedule queues the night's job, a worker claims it and
         runs every rule through the findings upsert, with progress and the run's record; (3) the
         same again (a rerun: no new finding); (4) the bare SQL again. Ratios against the faster
         bare pass. Target: the nightly run ≤ 1.5 × the bare queries and under 60 s, and the rerun
         creates no new finding.
"""

import argparse
import io
import json
import time
from datetime import date, datetime, timedelta

from common import RESULTS, admin, sealed_values, setup_django

TRUNCATE_MODELS = ("oversight.CheckFinding", "oversight.CheckRun", "claims.Payment", "claims.PaymentBatch",
                   "claims.ClaimPortion", "claims.ClaimDocument", "claims.ClaimAction", "claims.Claim",
                   "claims.ClaimTally", "enrollment.PolicyChange", "enrollment.Policy", "enrollment.ContractAmendment",
                   "enrollment.SchemeYear", "enrollment.RosterRow", "enrollment.RosterImport", "enrollment.Person")

# The persons' sealed personal columns (core/sealed.py), sealed and indexed in Python a batch at a
# time and COPY'd into bench_sealed, which PERSONS reads.
SEALED_COLUMNS = ("id_number", "id_number_hash", "id_number_last4_hash", "phone", "phone_hash", "bank_account",
                  "bank_account_hash")
SEALED_CHUNK = 10_000


def person_values(g: int) -> tuple[str, str, str]:
    """Person g's ID number (distinct), phone and account: a couple (g, g + 1 with g % 6 = 0)
    shares one account, one household."""
    return str(g).zfill(18), "139" + str(g).zfill(8), "6210" + str(g - 1 if g % 6 == 1 else g).zfill(12)


def copy_sealed_persons(cursor, n_persons: int) -> None:
    from enrollment.services.roster import _copy_value
    from tongzhou_care.core.sealed import blind_indexes_of, sealed_batch

    cursor.execute("CREATE TEMP TABLE bench_sealed (g integer PRIMARY KEY, "
                   + ", ".join(f"{c} bytea" for c in SEALED_COLUMNS) + ") ON COMMIT DROP")
    for first in range(0, n_persons, SEALED_CHUNK):
        numbers = range(first, min(first + SEALED_CHUNK, n_persons))
        ids, phones, accounts = zip(*map(person_values, numbers))
        columns = [list(numbers), sealed_batch("id_number", ids), blind_indexes_of("id_number", ids),
                   blind_indexes_of("id_number", ids, last=4), sealed_batch("phone", phones),
                   blind_indexes_of("phone", phones), sealed_batch("bank_account", accounts),
                   blind_indexes_of("bank_account", accounts)]
        buffer = io.BytesIO()
        buffer.writelines(("\t".join(map(_copy_value, row)) + "\n").encode() for row in zip(*columns))
        buffer.seek(0)
        cursor.copy_expert(f"COPY bench_sealed (g, {', '.join(SEALED_COLUMNS)}) FROM STDIN", buffer)


PERSONS = f"""
INSERT INTO enrollment_person (name, sex, birth_date, street_id, community, address, category,
    assistance_start, bank_name, status, status_date, removal_reason, version, created_at, updated_at,
    {', '.join(SEALED_COLUMNS)})
SELECT '基准' || g, CASE WHEN g %% 2 = 0 THEN 'F' ELSE 'M' END, b.birth,
       s.id, '基准社区', '基准路' || g || '号', 'death', (b.birth + interval '50 years')::date, '北京农商银行',
       'active', NULL, '', 1, now(), now(), {', '.join('v.' + c for c in SEALED_COLUMNS)}
FROM bench_sealed v
CROSS JOIN LATERAL (SELECT DATE '1940-01-01' + (g * 7919 %% 9000) AS birth) b
JOIN (SELECT id, row_number() OVER (ORDER BY code) - 1 AS k FROM core_street) s ON s.k = g %% 22
"""

COUPLES = """
UPDATE enrollment_person p SET spouse_id = q.id
FROM bench_person a JOIN bench_person b ON b.i = a.i + CASE WHEN a.i %% 6 = 0 THEN 1 ELSE -1 END
JOIN enrollment_person q ON q.id = b.id
WHERE p.id = a.id AND a.i %% 6 IN (0, 1)
"""

POLICIES = """
INSERT INTO enrollment_policy (scheme_year_id, person_id, number, cover_start, cover_end, end_reason, day_cap, days_used,
                               created_at, cover_gaps)
SELECT y.id, p.id, 'TZ' || extract(year FROM y.coverage_start) || '-' || lpad(p.i::text, 6, '0'),
       y.coverage_start, y.coverage_end, '', 90, 0, y.policies_issued_at - interval '1 second', '{}'
FROM bench_person p CROSS JOIN bench_year y
"""

# Claim g is the (g / P)-th stay of person g %% P: two a year (k = 0..4), 120 days apart, 1-10
# days long. Every 2,000th claim waits for payment past its deadline; 3 %% are still to be
# accepted, 2 %% withdrawn; the rest are paid.
CLAIMS = """
INSERT INTO claims_claim (number, person_id, street_id, insurer_id, hospital, admitted_on, discharged_on, cause,
    diagnosis, reporter_name, reporter_relation, reporter_phone, proxy_filing, payee_name, payee_relation,
    payee_id_number, payee_bank, payee_account, status, late_report, reported_at, reported_by_id, accepted_at, decided_at, paid_at, withdrawn_at, days_claimed,
    days_payable, amount, calculation, refusal_code, refusal_explanation, appeal_reason, appeal_count, due_step,
    due_on, version, updated_at, reporter_phone_hash, payee_account_hash)
SELECT 'LPC' || lpad(g::text, 9, '0'), p.id, p.street_id, %(insurer)s, '北京潞河医院', d.admitted, d.admitted + d.len,
       'illness', %(diagnosis)s, '专管员', '专管员', %(phone)s, false, pe.name, '本人', NULL, pe.bank_name, pe.bank_account,
       s.status, false, (d.admitted + d.len + 1)::timestamp AT TIME ZONE 'Asia/Shanghai', %(user)s,
       CASE WHEN s.decided THEN (d.admitted + d.len + 3)::timestamp AT TIME ZONE 'Asia/Shanghai' END,
       CASE WHEN s.decided THEN (d.admitted + d.len + 5)::timestamp AT TIME ZONE 'Asia/Shanghai' END,
       CASE WHEN s.status = 'paid' THEN (d.admitted + d.len + 15)::timestamp AT TIME ZONE 'Asia/Shanghai' END,
       CASE WHEN s.status = 'withdrawn' THEN (d.admitted + d.len + 2)::timestamp AT TIME ZONE 'Asia/Shanghai' END,
       CASE WHEN s.decided THEN d.len END, CASE WHEN s.decided THEN d.len END,
       CASE WHEN s.decided THEN d.len * 300.00 END, '[]'::jsonb, '', '', '', 0,
       CASE s.status WHEN 'decided' THEN 'pay' WHEN 'reported' THEN 'accept' ELSE '' END,
       CASE s.status WHEN 'decided' THEN %(today)s - 10 WHEN 'reported' THEN %(today)s + 2 END, 1, now(),
       %(phone_hash)s, pe.bank_account_hash
FROM generate_series(0, %(claims)s - 1) AS g
JOIN bench_person p ON p.i = g %% %(persons)s
JOIN enrollment_person pe ON pe.id = p.id
JOIN bench_year y ON y.k = (g / %(persons)s) / 2
CROSS JOIN LATERAL (SELECT y.coverage_start + 20 + 120 * ((g / %(persons)s) %% 2) + p.i %% 60 AS admitted,
                           1 + g %% 10 AS len) d
CROSS JOIN LATERAL (SELECT CASE WHEN g %% 2000 = 3 THEN 'decided' WHEN g %% 100 < 3 THEN 'reported'
                                WHEN g %% 100 < 5 THEN 'withdrawn' ELSE 'paid' END AS status) s0
CROSS JOIN LATERAL (SELECT s0.status, s0.status IN ('decided', 'paid') AS decided) s
"""

PORTIONS = """
INSERT INTO claims_claimportion (claim_id, policy_id, first_day, last_day, days_claimed, days_covered, days_payable,
                                 daily_subsidy, amount)
SELECT c.id, po.id, c.admitted_on, c.discharged_on - 1, c.days_payable, c.days_payable, c.days_payable, 300.00, c.amount
FROM claims_claim c
JOIN bench_year y ON c.admitted_on BETWEEN y.coverage_start AND y.coverage_end
JOIN enrollment_policy po ON po.person_id = c.person_id AND po.scheme_year_id = y.id
WHERE c.status IN ('decided', 'paid')
"""

PAYMENTS = """
INSERT INTO claims_payment (claim_id, paid_on, amount, bank_reference, recorded_by_id, recorded_at)
SELECT c.id, c.discharged_on + 15, c.amount, 'ZH' || c.number, %(user)s, now()
FROM claims_claim c WHERE c.status = 'paid'
"""

DAYS_USED = """
UPDATE enrollment_policy po SET days_used = d.days
FROM (SELECT policy_id, sum(days_payable) AS days FROM claims_claimportion GROUP BY policy_id) d
WHERE po.id = d.policy_id
"""

# The conditions the checks look for, a few of each (persons by index i, claims by number).
PLANTS = [
    # 100 deaths recorded late: dated two days into a paid stay of the last year (the policy ends then).
    ("paid_after_end", """
     WITH dead AS (SELECT c.person_id, c.admitted_on + 2 AS day FROM claims_claim c JOIN bench_person p ON p.id = c.person_id
                   WHERE p.i %% 1000 = 15 AND c.status = 'paid' AND c.admitted_on >= %(last_year)s
                     AND c.discharged_on - c.admitted_on >= 4
                   ORDER BY c.person_id, c.admitted_on)
     UPDATE enrollment_person pe SET status = 'deceased', status_date = d.day
     FROM (SELECT DISTINCT ON (person_id) person_id, day FROM dead ORDER BY person_id, day) d WHERE pe.id = d.person_id"""),
    ("paid_after_end: cover", """
     UPDATE enrollment_policy po SET cover_end = pe.status_date, end_reason = 'death'
     FROM enrollment_person pe WHERE pe.id = po.person_id AND pe.status = 'deceased'
       AND po.cover_start <= pe.status_date AND po.cover_end > pe.status_date"""),
    ("paid_after_end: change list", """
     INSERT INTO enrollment_policychange (scheme_year_id, policy_id, kind, effective_date, notified_on, reason,
                                          created_at, created_by_id)
     SELECT po.scheme_year_id, po.id, 'removal', po.cover_end, po.cover_end + 3, '死亡', now(), %(user)s
     FROM enrollment_policy po WHERE po.end_reason = 'death'"""),
    # 100 decisions whose amount is 300.00 more than the days give (and paid so).
    ("engine_differs", """
     UPDATE claims_claim SET amount = amount + 300 WHERE status = 'paid' AND id %% 10000 = 17"""),
    ("engine_differs: payment", """
     UPDATE claims_payment pm SET amount = c.amount FROM claims_claim c WHERE c.id = pm.claim_id AND c.id %% 10000 = 17"""),
    # 100 payments one fen short.
    ("paid_not_decided", """
     UPDATE claims_payment SET amount = amount - 0.01 WHERE claim_id %% 10000 = 29"""),
    # 50 persons missing from the latest roster, 20 marked dead in it, still active here.
    ("missing_from_roster", """
     INSERT INTO enrollment_rosterrow (roster_import_id, row_number, kind, person_id, person_version, id_number,
         id_number_hash, id_number_last4_hash, name, sex, birth_date, street_id, community, address, category,
         assistance_start, changes, messages, sheet, street_text, bank_name, event_reason, plan, related)
     SELECT %(roster)s, NULL, 'missing', p.id, 1, pe.id_number, pe.id_number_hash, pe.id_number_last4_hash, pe.name,
            pe.sex, pe.birth_date, pe.street_id, '', '', 'death', NULL, '{}', '[]', '', '', '', '', '[]', '[]'
     FROM bench_person p JOIN enrollment_person pe ON pe.id = p.id WHERE p.i %% 2000 = 41"""),
    ("roster_dead_active", """
     INSERT INTO enrollment_rosterrow (roster_import_id, row_number, kind, person_id, person_version, id_number,
         id_number_hash, id_number_last4_hash, name, sex, birth_date, street_id, community, address, category,
         assistance_start, changes, messages, sheet, street_text, bank_name, event_reason, plan, related)
     SELECT %(roster)s, p.i + 3, 'death', p.id, 1, pe.id_number, pe.id_number_hash, pe.id_number_last4_hash, pe.name,
            pe.sex, pe.birth_date, pe.street_id, '', '', 'death', NULL, '{}', '[]', '', '', '', '', '[]', '[]'
     FROM bench_person p JOIN enrollment_person pe ON pe.id = p.id WHERE p.i %% 5000 = 43"""),
    # 50 persons given the account of an unrelated household.
    ("shared_account", """
     UPDATE enrollment_person pe SET bank_account = other.bank_account, bank_account_hash = other.bank_account_hash
     FROM bench_person p JOIN bench_person o ON o.i = p.i + 37 JOIN enrollment_person other ON other.id = o.id
     WHERE pe.id = p.id AND p.i %% 2000 = 53"""),
    # 50 stays of 65 days (not decided yet).
    ("long_stay", """
     UPDATE claims_claim SET discharged_on = admitted_on + 65
     WHERE id IN (SELECT id FROM claims_claim WHERE status = 'reported' ORDER BY id LIMIT %(persons)s / 2000)"""),
    # 20 persons with seven stays in one scheme year (six extra one-day stays in the autumn).
    ("many_stays", """
     INSERT INTO claims_claim (number, person_id, street_id, insurer_id, hospital, admitted_on, discharged_on, cause,
         diagnosis, reporter_name, reporter_relation, reporter_phone, proxy_filing, payee_name, payee_relation,
         payee_id_number, payee_bank, payee_account, status, late_report, reported_at, reported_by_id, calculation, refusal_code,
         refusal_explanation, appeal_reason, appeal_count, due_step, due_on, version, updated_at, reporter_phone_hash)
     SELECT 'LPM' || lpad((p.i * 10 + n)::text, 9, '0'), p.id, p.street_id, %(insurer)s, '北京潞河医院',
            y.coverage_start + 250 + 7 * n, y.coverage_start + 251 + 7 * n, 'illness', %(diagnosis)s, '专管员', '专管员',
            %(phone)s, false, '', '', NULL, '', NULL, 'reported', false, now(), %(user)s, '[]', '', '', '', 0, 'accept',
            %(today)s + 2, 1, now(), %(phone_hash)s
     FROM bench_person p JOIN bench_year y ON y.k = 3 CROSS JOIN generate_series(0, 5) AS n
     WHERE p.i %% 5000 = 61"""),
    # 50 persons removed in the summer of the last year whose policy still runs to the year end.
    ("policy_not_eligible", """
     UPDATE enrollment_person pe SET status = 'removed', status_date = %(last_year)s + 212, removal_reason = '迁出'
     FROM bench_person p WHERE pe.id = p.id AND p.i %% 2000 = 71 AND pe.status = 'active'"""),
    # 10 policies the insurer was never told of (issued after the list, no addition line).
    ("policy_count_differs", """
     UPDATE enrollment_policy po SET created_at = y.policies_issued_at + interval '30 days'
     FROM bench_person p, bench_year y WHERE po.person_id = p.id AND po.scheme_year_id = y.id AND y.k = 2
       AND p.i %% 10000 = 83"""),
    # 30 women who began to receive the special aid at 45.
    ("woman_under_49", """
     UPDATE enrollment_person pe SET assistance_start = (pe.birth_date + interval '45 years')::date
     FROM bench_person p WHERE pe.id = p.id AND pe.sex = 'F' AND p.i %% 3334 = 94"""),
]


def execute(cursor, sql, params=None) -> int:
    cursor.execute(sql, params or {})
    return cursor.rowcount


def phase_setup(n_persons: int, n_claims: int) -> dict:
    from decimal import Decimal

    from django.apps import apps
    from django.db import connection, transaction
    from django.utils import timezone

    from enrollment.models import RosterImport, SchemeYear
    from tongzhou_care.core.models import Insurer
    from tongzhou_care.core.services import insurer_save

    if n_claims - 6 * (n_persons // 5000) > 10 * n_persons:
        raise SystemExit("--claims can be at most ten per person (two stays a year for five years)")
    user = admin()
    today = timezone.localdate()
    tables = []
    for label in TRUNCATE_MODELS:
        model = apps.get_model(label)
        tables.append(model._meta.db_table)
        if hasattr(model, "pgh_event_model"):
            tables.append(model.pgh_event_model._meta.db_table)
    timings = {}
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        cursor.execute("DELETE FROM core_backgroundjob WHERE kind = 'data_checks'")
    insurer = (Insurer.objects.filter(name="基准保险公司").first()
               or insurer_save(insurer=Insurer(name="基准保险公司", hotline="95500"), actor=user))
    first_year = today.year - 5
    for k in range(5):
        start = date(first_year + k, 1, 1)
        SchemeYear.objects.create(
            name=f"基准{start.year}年度", insurer=insurer, contract_number=f"BENCH-{start.year}",
            tender_date=start - timedelta(days=40), coverage_start=start, coverage_end=date(start.year, 12, 31),
            premium_per_person=Decimal("280.00"), daily_subsidy=Decimal("300.00"),
            policies_issued_at=timezone.make_aware(datetime(start.year, 1, 1, 9)))
    roster = RosterImport.objects.create(
        created_by=user, file_name="基准花名册.xlsx", file_sha256="0" * 64, file_size=1, file_kind="xlsx",
        roster_year=today.year - 1, header_row=1, rows_total=n_persons, missing_count=n_persons // 2000,
        status="applied", applied_at=timezone.now() - timedelta(days=60), applied_by=user)
    params = {**sealed_values(), "persons": n_persons, "claims": n_claims - 6 * (n_persons // 5000), "insurer": insurer.pk,
              "user": user.pk, "today": today, "last_year": date(today.year - 1, 1, 1), "roster": roster.pk}
    with transaction.atomic(), connection.cursor() as cursor:
        start = time.perf_counter()
        copy_sealed_persons(cursor, n_persons)
        timings["persons: sealing"] = (n_persons, time.perf_counter() - start)
        start = time.perf_counter()
        timings["persons"] = (execute(cursor, PERSONS, params), time.perf_counter() - start)
        for name in ("persons: sealing", "persons"):
            print(f"  {name:32} {timings[name][0]:>10,} rows {timings[name][1]:8.1f} s", flush=True)
        # i: the person's number g in PERSONS (kept in the name), whatever order ids came in.
        cursor.execute("CREATE TEMP TABLE bench_person ON COMMIT DROP AS SELECT id, street_id, "
                       "substr(name, 3)::integer AS i FROM enrollment_person")
        cursor.execute("CREATE UNIQUE INDEX ON bench_person (i)")
        cursor.execute("CREATE TEMP TABLE bench_year ON COMMIT DROP AS SELECT id, coverage_start, coverage_end, "
                       "policies_issued_at, (row_number() OVER (ORDER BY coverage_start) - 1)::integer AS k "
                       "FROM enrollment_schemeyear")
        cursor.execute("ANALYZE bench_person; ANALYZE bench_year")
        for name, sql in [("couples", COUPLES), ("policies", POLICIES), ("claims", CLAIMS), ("portions", PORTIONS),
                          ("payments", PAYMENTS), ("days used", DAYS_USED), *PLANTS]:
            start = time.perf_counter()
            timings[name] = (execute(cursor, sql, params), time.perf_counter() - start)
            print(f"  {name:32} {timings[name][0]:>10,} rows {timings[name][1]:8.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    counts = {}
    with connection.cursor() as cursor:
        for table in ("enrollment_person", "enrollment_policy", "claims_claim", "claims_claimportion", "claims_payment"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    return {"rows": {k: v[0] for k, v in timings.items()}, "seconds": {k: v[1] for k, v in timings.items()},
            "counts": counts}


def bare(today, *, run_settings: bool = True) -> dict:
    """Each rule's query on its own, every row fetched: what the checks cost at the least; with
    the session settings of a run (services.checks.RUN_SETTINGS), or the server's defaults."""
    from django.db import connection, transaction

    from oversight.rules.checks import CHECK_RULES
    from oversight.services.checks import RUN_SETTINGS, rule_params

    out = {}
    for rule in CHECK_RULES:
        with transaction.atomic(), connection.cursor() as cursor:
            for setting in RUN_SETTINGS if run_settings else ():
                cursor.execute(setting)
            start = time.perf_counter()
            cursor.execute(rule.sql, rule_params(today))
            rows = cursor.fetchall()
            out[rule.name] = {"seconds": time.perf_counter() - start, "rows": len(rows)}
    return out


def nightly(now) -> dict:
    """The night's run as the worker does it: queued by the schedule, claimed, run, recorded."""
    from oversight.models import CheckFinding, CheckRun
    from tongzhou_care.core.jobs import Worker, enqueue_due_periodic

    start = time.perf_counter()
    queued = enqueue_due_periodic(now)
    assert len(queued) == 1, queued
    assert Worker(schedule=False).run(once=True) == 1
    seconds = time.perf_counter() - start
    run = CheckRun.objects.get(job=queued[0])
    assert run.status == "done", run.status
    return {"seconds": seconds, "rules": {r["rule"]: r for r in run.results},
            "new": sum(r["new"] for r in run.results), "found": sum(r["found"] for r in run.results),
            "findings": CheckFinding.objects.count()}


def _total(result: dict) -> float:
    return sum(r["seconds"] for r in result.values())


def phase_measure(rounds: int) -> dict:
    """Bare and nightly alternately, `rounds` times (the machine is shared: medians, not one
    sample); the first nightly run writes the findings, the others are reruns."""
    import statistics

    from django.utils import timezone

    from django.db import connection

    from oversight.models import CheckFinding, CheckRun

    with connection.cursor() as cursor:            # the first run below is a first run
        cursor.execute(f"TRUNCATE {CheckFinding._meta.db_table}, {CheckFinding.pgh_event_model._meta.db_table}, "
                       f"{CheckRun._meta.db_table}, {CheckRun.pgh_event_model._meta.db_table}")
        cursor.execute("DELETE FROM core_backgroundjob WHERE kind = 'data_checks'")
    today = timezone.localdate()
    now = timezone.now()
    defaults = bare(today, run_settings=False)
    bares, nights = [], []
    for k in range(rounds):
        bares.append(bare(today))
        nights.append(nightly(now + timedelta(days=k)))
    bare_seconds = statistics.median(_total(b) for b in bares)
    rerun_seconds = statistics.median(n["seconds"] for n in nights[1:])
    return {"bare_server_defaults": defaults, "bare": bares, "nightly": nights, "bare_seconds": bare_seconds,
            "bare_defaults_seconds": _total(defaults), "first_seconds": nights[0]["seconds"],
            "rerun_seconds": rerun_seconds, "ratio_first": nights[0]["seconds"] / bare_seconds,
            "ratio_rerun": rerun_seconds / bare_seconds, "rerun_new": [n["new"] for n in nights[1:]]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--only", nargs="*", default=["setup", "measure"])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    setup_django()
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {}
    if "setup" in args.only:
        start = time.perf_counter()
        report["setup"] = phase_setup(args.persons, args.claims)
        report["setup"]["total_seconds"] = time.perf_counter() - start
        print(f"set up in {report['setup']['total_seconds']:.0f} s: {report['setup']['counts']}")
    if "measure" in args.only:
        import statistics

        report["measure"] = m = phase_measure(args.rounds)
        print(f"{'rule':24} {'bare s':>8} {'found':>7} {'first s':>8} {'new':>6} {'rerun s':>8}")
        for name in m["bare"][0]:
            print(f"{name:24} {statistics.median(b[name]['seconds'] for b in m['bare']):8.2f} "
                  f"{m['bare'][0][name]['rows']:7,} {m['nightly'][0]['rules'][name]['seconds']:8.2f} "
                  f"{m['nightly'][0]['rules'][name]['new']:6,} "
                  f"{statistics.median(n['rules'][name]['seconds'] for n in m['nightly'][1:]):8.2f}")
        print(f"bare queries {m['bare_seconds']:.1f} s (median of {args.rounds}; with the server's defaults, JIT on: "
              f"{m['bare_defaults_seconds']:.1f} s)")
        print(f"nightly run, first {m['first_seconds']:.1f} s ({m['ratio_first']:.2f}x, "
              f"{m['nightly'][0]['new']:,} new findings); rerun {m['rerun_seconds']:.1f} s ({m['ratio_rerun']:.2f}x, "
              f"new findings {m['rerun_new']})")
    (RESULTS / "data_checks.json").write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
