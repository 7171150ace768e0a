"""The figures of issue 10 at province scale: the insurer evaluation and the dynamic adjustment at
100,000 persons and 1,000,000 claims against the same pages at 1,000 claims and against the bare
SQL of the same figures, and the annual evaluation report job at that size.

    scripts/bench figures [--claims 1000000] [--small 1000] [--repeat 5] [--only pages rows report]

Needs the persons and policies of the other benchmarks (scripts/bench roster_import --only
import, then scripts/bench certificates --only setup). Claims are made as bench/claim_pages.py
makes them (ten stays a person, mostly paid, some waiting on the insurer past their deadline),
then each decided claim gets its portion on the person's policy and each paid claim its payment,
in SQL through the real triggers.

Per page: the median server time of --repeat requests through Django's test client and its
query count; the bare SQL is the same statements the page ran (captured), executed again on a
plain cursor, so the ratio is what Django, the rules and the template add. The rows phase runs
the selectors as they were before the figure tallies (ROWS_REVISION, from git) on the data the
pages phase left and replays their SQL: the bare aggregate of the same figures from the claims,
portions and payments, which the tallies replace. The report phase runs
the job's runner in this process and records its time and peak memory.
"""

import argparse
import json
import os
import statistics
import time

from claim_pages import insert_settled_claims
from common import RESULTS, peak_mb, setup_django



def pages(users_by_name, year):
    staff = users_by_name["bench_staff"]
    return [
        ("evaluation (commission)", staff, f"/evaluation/{year.pk}/"),
        ("evaluation (insurer)", users_by_name["bench_insurer"], f"/evaluation/{year.pk}/"),
        ("adjustment: years side by side", staff, "/adjustment/"),
        ("adjustment: premium of the year", staff, f"/adjustment/{year.pk}/"),
        ("evaluation (street officer's figures)", users_by_name["bench_officer"], None),
    ]


def replayed(request, repeat: int) -> tuple[list[str], float]:
    """The statements one call of `request` runs, and the median ms of replaying its reads bare."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        request()
    statements = [q["sql"] for q in queries.captured_queries]
    bare = []
    for _ in range(repeat):
        start = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in statements:
                if sql.lstrip().upper().startswith(("SELECT", "WITH")):
                    cursor.execute(sql)
                    cursor.fetchall()
        bare.append(time.perf_counter() - start)
    return statements, statistics.median(bare) * 1000


def measure(pages_list, repeat: int, year) -> dict:
    """Median ms and query count per page, and the median ms of its SQL replayed bare."""
    from django.test import Client
    from django.utils import timezone

    from oversight.selectors.figures import insurer_evaluation

    results = {}
    for label, user, url in pages_list:
        if url is None:
            # No page of its own: the figures an officer's dashboard reads (issue 10 point 3).
            def request():
                insurer_evaluation(user, year, today=timezone.localdate())
        else:
            client = Client()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

            def request(client=client, url=url):
                response = client.get(url)
                assert response.status_code == 200, (label, response.status_code)
        request()                                    # warm up
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            request()
            times.append(time.perf_counter() - start)
        statements, bare_ms = replayed(request, repeat)
        results[label] = {"ms": statistics.median(times) * 1000, "queries": len(statements), "bare_sql_ms": bare_ms}
    return results


# The selectors as they were before the figure tallies (claims/tallies.py): every figure
# aggregated from the year's claims, portions and payments. Their SQL, replayed bare, is the
# "bare SQL aggregate of the same figures" the pages are held against (issue 10 point 7).
ROWS_REVISION = "a879d45"


def rows_phase(by_name, year, repeat: int) -> dict:
    """Per page: the pre-tally selectors' figures for it, their time and their SQL replayed bare."""
    import importlib.util
    import subprocess

    from django.utils import timezone

    source = subprocess.run(["git", "show", f"{ROWS_REVISION}:oversight/selectors/figures.py"], check=True,
                            capture_output=True, text=True, cwd=RESULTS.parent.parent).stdout
    path = RESULTS / "figures_from_rows.py"
    RESULTS.mkdir(parents=True, exist_ok=True)
    path.write_text(source.replace("from ..rules import", "from oversight.rules import"))
    spec = importlib.util.spec_from_file_location("oversight.selectors.figures_from_rows", path)
    old = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(old)
    today = timezone.localdate()
    staff = by_name["bench_staff"]
    calls = {
        "evaluation (commission)": lambda: old.insurer_evaluation(staff, year, today=today),
        "evaluation (insurer)": lambda: old.insurer_evaluation(by_name["bench_insurer"], year, today=today),
        "adjustment: years side by side": lambda: old.years_side_by_side(staff, today=today),
        "adjustment: premium of the year": lambda: old.premium_recommendation(staff, year, today=today),
        "evaluation (street officer's figures)": lambda: old.insurer_evaluation(by_name["bench_officer"], year,
                                                                                today=today),
    }
    results = {}
    for label, call in calls.items():
        call()
        statements, bare_ms = replayed(call, repeat)
        results[label] = {"bare_rows_ms": bare_ms, "queries": len(statements)}
    return results


def report_phase(year, user) -> dict:
    """The annual report of the year as the job makes it, in this process."""
    from django.utils import timezone

    from oversight.exports.annual_report import write_annual_report_pdf, write_annual_report_xlsx
    from oversight.jobs.annual_report import annual_report_sections

    today = timezone.localdate()
    start = time.perf_counter()
    sections, summary = annual_report_sections(user, year, today)
    read = time.perf_counter() - start
    out = RESULTS / "annual-report"
    out.mkdir(parents=True, exist_ok=True)
    write_annual_report_xlsx(out / "report.xlsx", scheme_year=year, sections=sections, summary=summary)
    write_annual_report_pdf(out / "report.pdf", scheme_year=year, today=today, sections=sections, summary=summary)
    return {"seconds": time.perf_counter() - start, "read_seconds": read, "peak_mb": peak_mb(),
            "pdf_kb": (out / "report.pdf").stat().st_size // 1024}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=["pages", "rows", "report"])
    args = parser.parse_args()
    os.environ["DEBUG"] = "false"
    setup_django()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from claim_pages import users

    setup_test_environment()
    by_name, year, _ = users()
    report = {}
    if "pages" in args.only:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE claims_claimaction, claims_claimportion, claims_claimdocument, claims_payment, "
                           "claims_supplementportion, claims_supplement, claims_claim, claims_claimevent, "
                           "claims_claimtally, oversight_survey CASCADE")
        staff = by_name["bench_staff"]
        seconds_small = insert_settled_claims(0, args.small - 1, year, staff, small=True, waiting_every=20)
        small = measure(pages(by_name, year), args.repeat, year)
        seconds_big = insert_settled_claims(args.small, args.claims - 1, year, staff, small=False, waiting_every=2000)
        big = measure(pages(by_name, year), args.repeat, year)
        report["insert_seconds"] = [seconds_small, seconds_big]
        report["pages"] = {k: {"small": small[k], "big": big[k], "ratio": big[k]["ms"] / small[k]["ms"],
                               "over_bare_sql": big[k]["ms"] / big[k]["bare_sql_ms"]} for k in small}
        print(f"{'page':40} {'ms@small':>9} {'ms@big':>9} {'ratio':>6} {'bare SQL ms':>12} {'÷bare':>6} {'queries':>8}")
        for label, row in report["pages"].items():
            print(f"{label:40} {row['small']['ms']:9.1f} {row['big']['ms']:9.1f} {row['ratio']:6.2f} "
                  f"{row['big']['bare_sql_ms']:12.1f} {row['over_bare_sql']:6.2f} "
                  f"{row['small']['queries']}/{row['big']['queries']:>3}")
    if "rows" in args.only:
        # On the data the pages phase left: the same figures aggregated from the rows.
        report["rows"] = rows_phase(by_name, year, args.repeat)
        print(f"{'page (figures from the rows, before the tallies)':50} {'bare SQL ms':>12} {'queries':>8}")
        for label, row in report["rows"].items():
            print(f"{label:50} {row['bare_rows_ms']:12.1f} {row['queries']:8}")
    if "report" in args.only:
        report["annual_report"] = report_phase(year, by_name["bench_staff"])
        print("annual report:", report["annual_report"])
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "figures.json").write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
