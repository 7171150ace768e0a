"""The home dashboards of issue 10 at province scale: each role's home page at 100,000 persons
and 1,000,000 claims against the same page at 1,000 claims, against its own SQL replayed bare,
and against the bare SQL aggregate of the same figures computed straight from the claims,
portions, payments and policies (no tallies); for the money, SLA and evaluation panels, which
reuse part A's selectors (themselves straight SQL over the base tables), their captured
statements.

    scripts/bench dashboards [--claims 1000000] [--small 1000] [--repeat 7]

Needs the persons and policies of the other benchmarks (scripts/bench roster_import --only
import, then scripts/bench certificates --only setup). Claims are made as bench/claim_pages.py
makes them (ten stays a person over the scheme year 2030, mostly paid, some waiting on the
insurer past their deadline); each decided claim gets its portion on the person's policy and
each paid claim its payment 20 days after admission, in SQL through the real triggers (audit
events, the claim tallies, the day and paid tallies). "Today" is 15 December 2030 (the
dashboards show the scheme year in force).

Per page: the median server time of --repeat requests (Django's test client in-process: the
whole request, middleware and template included) and its query count; the page's own
statements replayed on a plain cursor ("replay": what Django, the rules and the template add);
and the bare aggregate of the same figures ("bare"). Targets: page ≤ 1.5 × bare, page at 1M ≤
2 × page at 1k, the same number of queries at both sizes.
"""

import argparse
import json
import os
import statistics
import time
from datetime import datetime

from claim_pages import insert_settled_claims
from common import RESULTS, setup_django

TODAY = datetime(2030, 12, 15, 10, 0)



# The same figures as each dashboard, straight from the base tables: what a report writer
# would run without the tallies. (%(…)s: the scheme year, its window, the user's street or
# insurer, today.)
BARE = {
    "commission": [
        # claims of the year by month of admission and state
        """SELECT date_trunc('month', admitted_on), status, count(*) FROM claims_claim
           WHERE admitted_on BETWEEN %(start)s AND %(end)s GROUP BY 1, 2""",
        # claims past the insurer's deadline
        "SELECT count(*) FROM claims_claim WHERE due_on < %(today)s",
        # per street: insured, claims, paid, complaints, families told
        """SELECT pe.street_id, count(*) FROM enrollment_policy p JOIN enrollment_person pe ON pe.id = p.person_id
           WHERE p.scheme_year_id = %(year)s AND p.cover_end >= p.cover_start GROUP BY 1""",
        """SELECT street_id, count(*) FROM claims_claim WHERE admitted_on BETWEEN %(start)s AND %(end)s GROUP BY 1""",
        """SELECT c.street_id, sum(cp.amount) FROM claims_claimportion cp JOIN claims_payment pay ON pay.claim_id = cp.claim_id
           JOIN claims_claim c ON c.id = cp.claim_id JOIN enrollment_policy pol ON pol.id = cp.policy_id
           WHERE pol.scheme_year_id = %(year)s GROUP BY 1""",
        """SELECT c.street_id, sum(sp.amount_difference) FROM claims_supplementportion sp
           JOIN claims_supplement s ON s.id = sp.supplement_id AND s.settled_at IS NOT NULL
           JOIN claims_claim c ON c.id = s.claim_id JOIN enrollment_policy pol ON pol.id = sp.policy_id
           WHERE pol.scheme_year_id = %(year)s GROUP BY 1""",
        """SELECT street_id, count(*) FROM oversight_complaint WHERE received_on BETWEEN %(start)s AND %(end)s
           GROUP BY 1""",
        """SELECT pe.street_id, count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM oversight_serviceentry e
               WHERE e.person_id = p.person_id AND e.kind = 'publicity' AND e.served_on BETWEEN %(start)s AND %(end)s))
           FROM enrollment_policy p JOIN enrollment_person pe ON pe.id = p.person_id
           WHERE p.scheme_year_id = %(year)s AND p.cover_end >= p.cover_start AND pe.status = 'active' GROUP BY 1""",
        # what is overdue or open in supervision
        """SELECT id, received_on FROM oversight_complaint WHERE status <> 'closed' AND due_on < %(today)s
           ORDER BY due_on LIMIT 5""",
        "SELECT count(*) FROM oversight_complaint WHERE status <> 'closed' AND due_on < %(today)s",
        """SELECT count(*) FILTER (WHERE due_on < %(today)s), count(*) FILTER (WHERE status = 'reported')
           FROM oversight_inspectionfinding WHERE status IN ('open', 'returned', 'reported')""",
        """SELECT id, description FROM oversight_inspectionfinding WHERE status IN ('open', 'returned')
           AND due_on < %(today)s ORDER BY due_on LIMIT 5""",
        "SELECT rule, count(*) FROM oversight_checkfinding WHERE status = 'open' GROUP BY 1",
        # open findings per street (the street table's last column)
        """SELECT responsible_street_id, count(*) FROM oversight_inspectionfinding
           WHERE status IN ('open', 'returned', 'reported') AND responsible_street_id IS NOT NULL GROUP BY 1""",
        """SELECT street_id, count(*) FROM oversight_checkfinding WHERE status = 'open' AND street_id IS NOT NULL
           GROUP BY 1""",
    ],
    "officer": [
        "SELECT status, count(*) FROM enrollment_person WHERE street_id = %(street)s GROUP BY 1",
        """SELECT count(*) FROM enrollment_policy p JOIN enrollment_person pe ON pe.id = p.person_id
           WHERE p.scheme_year_id = %(year)s AND p.cover_end >= p.cover_start AND pe.street_id = %(street)s""",
        # the street's open claims with their documents
        """SELECT c.id, c.status, c.due_on, array_agg(DISTINCT d.kind) FROM claims_claim c
           LEFT JOIN claims_claimdocument d ON d.claim_id = c.id
           WHERE c.street_id = %(street)s AND (c.status IN ('reported', 'documents_pending', 'accepted', 'appealed',
                 'decided') OR (c.status = 'refused' AND c.refusal_notice_sent_at IS NULL)) GROUP BY c.id""",
        "SELECT count(*) FROM oversight_survey WHERE street_id = %(street)s AND status = 'pending'",
        """SELECT s.id, p.name FROM oversight_survey s JOIN enrollment_person p ON p.id = s.person_id
           WHERE s.street_id = %(street)s AND s.status = 'pending' ORDER BY s.created_at LIMIT 5""",
        # families told this year, of those on the roster with a policy
        """SELECT count(*) FROM enrollment_policy p JOIN enrollment_person pe ON pe.id = p.person_id
           WHERE p.scheme_year_id = %(year)s AND p.cover_end >= p.cover_start AND pe.street_id = %(street)s
           AND pe.status = 'active'""",
        """SELECT count(DISTINCT e.person_id) FROM oversight_serviceentry e JOIN enrollment_person pe ON pe.id = e.person_id
           WHERE e.kind = 'publicity' AND e.served_on BETWEEN %(start)s AND %(end)s AND pe.street_id = %(street)s""",
        """SELECT id, received_on FROM oversight_complaint WHERE street_id = %(street)s AND status <> 'closed'
           AND due_on < %(today)s ORDER BY due_on LIMIT 5""",
        """SELECT count(*) FROM enrollment_person pe WHERE pe.street_id = %(street)s AND pe.status = 'active'
           AND EXISTS (SELECT 1 FROM enrollment_policy p WHERE p.person_id = pe.id AND p.scheme_year_id = %(year)s
                       AND p.cover_end >= p.cover_start)
           AND NOT EXISTS (SELECT 1 FROM oversight_serviceentry e WHERE e.person_id = pe.id
                           AND e.served_on BETWEEN %(start)s AND %(end)s)""",
        """SELECT count(*) FILTER (WHERE status IN ('open', 'returned')), count(*) FILTER (WHERE due_on < %(today)s)
           FROM oversight_inspectionfinding WHERE responsible_street_id = %(street)s""",
        """SELECT id, description FROM oversight_inspectionfinding WHERE responsible_street_id = %(street)s
           AND status IN ('open', 'returned', 'reported') ORDER BY due_on LIMIT 5""",
        "SELECT count(*) FROM oversight_checkfinding WHERE street_id = %(street)s AND status = 'open'",
    ],
    "insurer": [
        """SELECT c.id, c.status, c.due_on, array_agg(DISTINCT d.kind) FROM claims_claim c
           LEFT JOIN claims_claimdocument d ON d.claim_id = c.id
           WHERE c.insurer_id = %(insurer)s AND c.due_on IS NOT NULL GROUP BY c.id""",
        "SELECT status, count(*) FROM claims_claim WHERE insurer_id = %(insurer)s GROUP BY 1",
        """SELECT id, received_on FROM oversight_complaint WHERE insurer_id = %(insurer)s AND status <> 'closed'
           AND due_on < %(today)s ORDER BY due_on LIMIT 5""",
        """SELECT count(*) FROM oversight_complaint WHERE insurer_id = %(insurer)s AND status <> 'closed'
           AND due_on < %(today)s""",
        """SELECT count(*) FILTER (WHERE status IN ('open', 'returned')), count(*) FILTER (WHERE due_on < %(today)s)
           FROM oversight_inspectionfinding WHERE responsible_insurer_id = %(insurer)s""",
    ],
    "finance": [
        # premium per month: the policies' cover windows; money paid per month of payment
        """SELECT cover_start, cover_end, count(*) FROM enrollment_policy WHERE scheme_year_id = %(year)s GROUP BY 1, 2""",
        """SELECT date_trunc('month', pay.paid_on), sum(cp.amount), count(*) FROM claims_claimportion cp
           JOIN claims_payment pay ON pay.claim_id = cp.claim_id JOIN enrollment_policy pol ON pol.id = cp.policy_id
           WHERE pol.scheme_year_id = %(year)s GROUP BY 1""",
        """SELECT date_trunc('month', s.settled_on), sum(sp.amount_difference) FROM claims_supplementportion sp
           JOIN claims_supplement s ON s.id = sp.supplement_id AND s.settled_at IS NOT NULL
           JOIN enrollment_policy pol ON pol.id = sp.policy_id WHERE pol.scheme_year_id = %(year)s GROUP BY 1""",
        """SELECT street_id, status, count(*) FROM enrollment_person GROUP BY 1, 2""",
        """SELECT pe.street_id, count(*) FROM enrollment_policy p JOIN enrollment_person pe ON pe.id = p.person_id
           WHERE p.scheme_year_id = %(year)s AND p.cover_end >= p.cover_start GROUP BY 1""",
    ],
}


def part_a_statements(role, user, year) -> list[str]:
    """The money, SLA and evaluation panels reuse issue 10 part A's selectors, which read the
    base tables straight (no tallies; bench/figures.py measures them at 1.0x their bare SQL):
    their statements, captured from a direct call, count as bare SQL of those figures."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from oversight.selectors.figures import insurer_evaluation, sla_compliance, year_figures

    calls = {"commission": (year_figures, sla_compliance), "insurer": (insurer_evaluation,)}.get(role, ())
    with CaptureQueriesContext(connection) as queries:
        for call in calls:
            call(user, year, today=TODAY.date())
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))]


def pages(by_name):
    return [("commission", by_name["bench_staff"]), ("officer", by_name["bench_officer"]),
            ("insurer", by_name["bench_insurer"]), ("finance", by_name["bench_finance"])]


def _timed(fn, repeat: int) -> float:
    fn()                                              # warm up (caches, connection)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure(pages_list, repeat: int, year) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from unittest import mock

    params = {"year": year.pk, "start": year.coverage_start, "end": year.coverage_end, "today": TODAY.date()}
    results = {}
    for role, user in pages_list:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

        def request():
            # The pages' "today" (timezone.localdate) only: sessions keep the real clock.
            with mock.patch("django.utils.timezone.localdate", lambda *args, **kwargs: TODAY.date()):
                response = client.get("/")
            assert response.status_code == 200, (role, response.status_code)
            return response

        page_ms = _timed(request, repeat)
        with CaptureQueriesContext(connection) as queries:
            body = request().content.decode()
        statements = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))]

        def replay():
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
                    cursor.fetchall()

        mine = {**params, "street": user.street_id, "insurer": user.insurer_id}
        part_a = part_a_statements(role, user, year)

        def bare():
            with connection.cursor() as cursor:
                for sql in BARE[role]:
                    cursor.execute(sql, mine)
                    cursor.fetchall()
                for sql in part_a:
                    cursor.execute(sql)
                    cursor.fetchall()

        results[role] = {"ms": page_ms, "queries": len(queries), "replay_ms": _timed(replay, repeat),
                         "bare_statements": len(BARE[role]) + len(part_a),
                         "bare_ms": _timed(bare, repeat), "charts": body.count('type="application/json"'),
                         "bytes": len(body)}
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

    from claim_pages import users

    setup_test_environment()
    by_name, year, _ = users()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE claims_claimaction, claims_claimportion, claims_claimdocument, claims_payment, "
                       "claims_supplementportion, claims_supplement, claims_claim, claims_claimevent, "
                       "claims_claimtally, claims_claimdaytally, claims_paidtally, oversight_survey CASCADE")
    staff = by_name["bench_staff"]
    seconds_small = insert_settled_claims(0, args.small - 1, year, staff, small=True, waiting_every=20)
    small = measure(pages(by_name), args.repeat, year)
    seconds_big = insert_settled_claims(args.small, args.claims - 1, year, staff, small=False, waiting_every=2000)
    big = measure(pages(by_name), args.repeat, year)
    report = {"claims": args.claims, "small": args.small, "insert_seconds": [seconds_small, seconds_big],
              "pages": {k: {"small": small[k], "big": big[k], "ratio": big[k]["ms"] / small[k]["ms"],
                            "over_bare": big[k]["ms"] / big[k]["bare_ms"],
                            "over_replay": big[k]["ms"] / big[k]["replay_ms"]} for k in small}}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "dashboards.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"inserted {args.small:,} claims in {seconds_small:.1f} s, then {args.claims - args.small:,} "
          f"in {seconds_big:.1f} s")
    print(f"{'home page':12} {'ms@small':>9} {'ms@big':>8} {'ratio':>6} {'bare ms':>8} {'÷bare':>6} "
          f"{'replay ms':>10} {'÷replay':>8} {'queries':>8} {'charts':>6}")
    for role, row in report["pages"].items():
        flags = []
        if row["ratio"] > 2:
            flags.append("ratio")
        if row["over_bare"] > 1.5:
            flags.append("bare")
        if row["small"]["queries"] != row["big"]["queries"]:
            flags.append("queries")
        print(f"{role:12} {row['small']['ms']:9.1f} {row['big']['ms']:8.1f} {row['ratio']:6.2f} "
              f"{row['big']['bare_ms']:8.1f} {row['over_bare']:6.2f} {row['big']['replay_ms']:10.1f} "
              f"{row['over_replay']:8.2f} {row['small']['queries']:>3}/{row['big']['queries']:<4} "
              f"{row['big']['charts']:6}" + (f"  <-- over target: {', '.join(flags)}" if flags else ""))


if __name__ == "__main__":
    main()
