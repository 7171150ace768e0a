"""Claim pages at province scale (issue 5): 100,000 persons and 1,000,000 claims against the same
pages at 1,000 claims, in one run; the persons and policy lists sorted and filtered (issue 12),
which grow with persons, not claims: 100,000 persons at both sizes; and the claims list sorted by
each column both ways, filtered by scheme year and state with its totals (issue 12 point 10).

    scripts/bench claim_pages [--claims 1000000] [--small 1000] [--repeat 7]

Needs the persons and policies of the other benchmarks (scripts/bench roster_import, then
scripts/bench certificates --only setup). Claims are generated with SQL (every write through
the real triggers: audit events and the claim tally), spread ten per person over the scheme
year without overlaps, mostly paid, the latest ones waiting on the insurer (some overdue).

For each page: the median server time of --repeat requests (Django's test client in-process:
the whole request, middleware and template included) and the number of SQL queries.
Target: time at 1M ÷ time at 1k <= 2 and the same number of queries.
"""

import argparse
import json
import os
import statistics
import time

from common import RESULTS, sealed_values, setup_django

CLAIM_COLUMNS = """
    number, person_id, street_id, insurer_id, hospital, admitted_on, discharged_on, cause, diagnosis,
    reporter_name, reporter_relation, reporter_phone, proxy_filing, payee_name, payee_relation,
    payee_id_number, payee_bank, payee_account, status, late_report, reported_at, reported_by_id, accepted_at, decided_at,
    paid_at, days_claimed, days_payable, amount, calculation, refusal_code, refusal_explanation,
    appeal_reason, appeal_count, due_step, due_on, version, updated_at, reporter_phone_hash, payee_account_hash
"""

# Like for like: both data sets give every person ten stays (the k-th starts 33k days into the
# year, so they never overlap) and both have at least a page of overdue claims. The small set
# covers persons 0-99 (claim g: person g % 100, k = g / 100); the big set the others (person
# 100 + (g - small) % (P - 100)). Claims with g % waiting_every = 7 wait on the insurer past
# their deadline (50 of the 1,000; 500 of the million); the rest are paid.
INSERT = f"""
INSERT INTO claims_claim ({CLAIM_COLUMNS})
SELECT 'LPB' || lpad(g::text, 9, '0'), p.id, p.street_id, %(insurer)s, '北京潞河医院',
       d.admitted, d.admitted + (g %% 10), 'illness', %(diagnosis)s, '专管员', '专管员', %(phone)s, false,
       p.name, '本人', NULL, '北京农商银行', %(account)s, s.status, false,
       (d.admitted + (g %% 10) + 1)::timestamp AT TIME ZONE 'Asia/Shanghai', %(user)s,
       CASE WHEN s.status IN ('paid', 'decided') THEN (d.admitted + 12)::timestamp AT TIME ZONE 'Asia/Shanghai' END,
       CASE WHEN s.status IN ('paid', 'decided') THEN (d.admitted + 14)::timestamp AT TIME ZONE 'Asia/Shanghai' END,
       CASE WHEN s.status = 'paid' THEN (d.admitted + 20)::timestamp AT TIME ZONE 'Asia/Shanghai' END,
       CASE WHEN s.status IN ('paid', 'decided') THEN greatest(g %% 10, 1) END,
       CASE WHEN s.status IN ('paid', 'decided') THEN greatest(g %% 10, 1) END,
       CASE WHEN s.status IN ('paid', 'decided') THEN greatest(g %% 10, 1) * %(daily_subsidy)s END,
       '[]'::jsonb, '', '', '', 0,
       CASE WHEN s.status = 'reported' THEN 'accept' ELSE '' END,
       CASE WHEN s.status = 'reported' THEN DATE '2026-01-05' END,
       1, now(), %(phone_hash)s, %(account_hash)s
FROM generate_series(%(first)s, %(last)s) AS g
JOIN (SELECT id, street_id, name, row_number() OVER (ORDER BY id) - 1 AS i FROM enrollment_person) p
  ON p.i = %(offset)s + (g - %(first)s) %% %(persons)s
CROSS JOIN LATERAL (SELECT DATE '2030-01-02' + 33 * ((g - %(first)s) / %(persons)s)::int AS admitted) d
CROSS JOIN LATERAL (SELECT CASE WHEN g %% %(waiting_every)s = 7 THEN 'reported' ELSE 'paid' END AS status) s
"""


def users():
    from enrollment.models import Person, SchemeYear
    from tongzhou_care.core.models import Role, User
    from tongzhou_care.core.services import user_save

    year = SchemeYear.objects.get(name="基准年度")
    # The searched person: the small set's first, given a name nobody else has, so a name search
    # finds that person's ten claims at both sizes (generated names repeat: ~33 per name).
    first = Person.objects.order_by("pk").first()
    Person.objects.filter(pk=first.pk).update(name="基准甲乙丙")
    first.refresh_from_db()
    wanted = {"bench_staff": (Role.COMMISSION_STAFF, None, None),
              "bench_officer": (Role.STREET_OFFICER, first.street, None),
              "bench_insurer": (Role.INSURER_STAFF, None, year.insurer),
              "bench_finance": (Role.FINANCE, None, None)}
    out = {}
    for name, (role, street, insurer) in wanted.items():
        user = User.objects.filter(username=name).first() or User(username=name)
        user.role, user.street, user.insurer = role, street, insurer
        out[name] = user_save(user=user, actor=None)
    return out, year, first


SMALL_PERSONS = 100


def insert_claims(first: int, last: int, year, user, *, small: bool, waiting_every: int) -> float:
    from django.db import connection, transaction

    from enrollment.models import Person

    persons = SMALL_PERSONS if small else Person.objects.count() - SMALL_PERSONS
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(INSERT, {**sealed_values(), "first": first, "last": last, "persons": persons,
                                "offset": 0 if small else SMALL_PERSONS, "waiting_every": waiting_every,
                                "insurer": year.insurer_id, "user": user.pk, "daily_subsidy": year.daily_subsidy})
        cursor.execute("ANALYZE claims_claim")
    return time.perf_counter() - start


PORTIONS = """
INSERT INTO claims_claimportion (claim_id, policy_id, first_day, last_day, days_claimed, days_covered,
                                 days_payable, daily_subsidy, amount)
SELECT c.id, p.id, c.admitted_on, greatest(c.discharged_on - 1, c.admitted_on), c.days_claimed, c.days_claimed,
       c.days_payable, %(daily_subsidy)s, c.amount
FROM claims_claim c JOIN enrollment_policy p ON p.person_id = c.person_id AND p.scheme_year_id = %(year)s
WHERE c.status IN ('decided', 'paid') AND c.id > %(after)s
"""
PAYMENTS = """
INSERT INTO claims_payment (claim_id, paid_on, amount, bank_reference, recorded_by_id, recorded_at)
SELECT c.id, (c.paid_at AT TIME ZONE 'Asia/Shanghai')::date, c.amount, 'B' || c.id, %(user)s, c.paid_at
FROM claims_claim c WHERE c.status = 'paid' AND c.id > %(after)s
"""


def insert_settled_claims(first, last, year, user, *, small: bool, waiting_every: int) -> float:
    """insert_claims' claims with the portions of the decided and paid ones and the payments of
    the paid ones (for the figures and dashboards benchmarks); seconds taken."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM claims_claim")
        after = cursor.fetchone()[0]
    seconds = insert_claims(first, last, year, user, small=small, waiting_every=waiting_every)
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(PORTIONS, {"year": year.pk, "daily_subsidy": year.daily_subsidy, "after": after})
        cursor.execute(PAYMENTS, {"user": user.pk, "after": after})
        for table in ("claims_claimportion", "claims_payment", "claims_claimdaytally", "claims_paidtally"):
            cursor.execute(f"ANALYZE {table}")
    return seconds + time.perf_counter() - start


def pages(users_by_name, person):
    from claims.models import Claim

    claim = Claim.objects.filter(person=person).order_by("-admitted_on").first()
    staff, officer = users_by_name["bench_staff"], users_by_name["bench_officer"]
    return [
        ("claim list (commission)", staff, "/claims/"),
        ("claim list, paid (commission)", staff, "/claims/?status=paid"),
        ("claim list (street officer)", officer, "/claims/"),
        ("claim search: name", staff, f"/claims/?q={person.name}"),
        ("claim search: ID last 4", staff, f"/claims/?q={person.id_number[-4:]}"),
        ("claim search: number", staff, f"/claims/?q={claim.number}"),
        ("claim page", officer, f"/claims/{claim.pk}/"),
        ("person page", officer, f"/persons/{person.pk}/"),
        ("overdue list (commission)", staff, "/claims/overdue/"),
        ("home: commission", staff, "/"),
        ("home: street officer", officer, "/"),
        ("home: insurer", users_by_name["bench_insurer"], "/"),
        ("home: finance", users_by_name["bench_finance"], "/"),
        # Lists a clerk sorts and filters (issue 12): 100,000 persons at both sizes.
        ("persons: by name (pinyin)", staff, "/persons/"),
        ("persons: by name, descending", staff, "/persons/?sort=-name"),
        ("persons: by street, then name", staff, "/persons/?sort=street"),
        ("persons: insured in the year, by start", staff, f"/persons/?year={person.policies.first().scheme_year_id}"
                                                           "&sort=assistance_start"),
        ("persons: street officer, by name", officer, "/persons/"),
        ("policies: by name (pinyin)", staff, f"/scheme-years/{person.policies.first().scheme_year_id}/policies/?sort=name"),
        ("policies: ended, by cover end", staff, f"/scheme-years/{person.policies.first().scheme_year_id}/policies/"
                                                 "?state=ended&sort=-cover_end"),
    ] + claim_sorts(staff, officer, person.policies.first().scheme_year_id)


# The claims list sorted by each column both ways, a year and state filter with its totals
# (issue 12 point 10); the totals of a state or street come from ClaimTally, those of a year
# from ClaimDayTally (count) and ClaimYearTally (decided amount).
CLAIM_SORT_KEYS = ("name", "number", "admitted_on", "discharged_on", "status", "amount", "reported_at")


def claim_sorts(staff, officer, year_id):
    sorts = [(f"claims: by {key}{', desc' if way else ''}", staff, f"/claims/?sort={way}{key}")
             for key in CLAIM_SORT_KEYS for way in ("", "-")]
    return sorts + [
        ("claims: year + paid, totals", staff, f"/claims/?year={year_id}&status=paid"),
        ("claims: year + paid, by name", staff, f"/claims/?year={year_id}&status=paid&sort=name"),
        ("claims: year + reported, by amount", staff, f"/claims/?year={year_id}&status=reported&sort=-amount"),
        ("claims: paid, by name (tally totals)", staff, "/claims/?status=paid&sort=name"),
        ("claims: officer, by name", officer, "/claims/?sort=name"),
        ("claims: officer, year + paid", officer, f"/claims/?year={year_id}&status=paid&sort=-admitted_on"),
    ]


def measure(pages_list, repeat: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    results = {}
    for label, user, url in pages_list:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        response = client.get(url)                       # warm up (caches, connection)
        assert response.status_code == 200, (label, response.status_code)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - start)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        results[label] = {"ms": statistics.median(times) * 1000, "queries": len(queries)}
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    os.environ["DEBUG"] = "false"      # pages measured as in production: no query log
    setup_django()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()           # the test client needs it (and it sets ALLOWED_HOSTS)
    by_name, year, person = users()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE claims_claimaction, claims_claimportion, claims_claimdocument, claims_payment, "
                       "claims_claim, claims_claimevent, claims_claimtally CASCADE")
    seconds_small = insert_claims(0, args.small - 1, year, by_name["bench_staff"], small=True,
                                  waiting_every=20)
    small = measure(pages(by_name, person), args.repeat)
    seconds_big = insert_claims(args.small, args.claims - 1, year, by_name["bench_staff"], small=False,
                                waiting_every=2000)
    big = measure(pages(by_name, person), args.repeat)
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {"claims": args.claims, "small": args.small, "insert_seconds": [seconds_small, seconds_big],
              "pages": {k: {"small": small[k], "big": big[k], "ratio": big[k]["ms"] / small[k]["ms"]}
                        for k in small}}
    (RESULTS / "claim_pages.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"inserted {args.small:,} claims in {seconds_small:.1f} s, then {args.claims - args.small:,} "
          f"in {seconds_big:.1f} s")
    print(f"{'page':40} {'ms@' + str(args.small):>10} {'ms@' + str(args.claims):>12} {'ratio':>6} {'queries':>9}")
    for label, row in report["pages"].items():
        queries = f"{row['small']['queries']}/{row['big']['queries']}"
        flag = "" if row["ratio"] <= 2 and row["small"]["queries"] == row["big"]["queries"] else "  <-- over target"
        print(f"{label:40} {row['small']['ms']:10.1f} {row['big']['ms']:12.1f} {row['ratio']:6.2f} {queries:>9}{flag}")


if __name__ == "__main__":
    main()
