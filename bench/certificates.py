"""Certificates at province scale (issue 4), measured in one run.

    scripts/bench certificates [--policies 100000] [--limit-pages 2000]

Phases, each in its own process (peak memory is its own):
  setup   persons and a scheme year with one policy each (reuses the persons of the roster
          benchmark when there are enough)
  limit   the bare WeasyPrint render of the same certificate HTML, N pages in ONE document:
          the fastest WeasyPrint can go; measured on --limit-pages pages because one
          document of 100,000 pages does not fit in memory (the whole layout is kept)
  batch   this project's batch job (enrollment.jobs.certificate_batch): parts of 500 pages
          rendered one after another and merged into one PDF
Target: batch pages/s >= 2/3 of the limit's pages/s, with bounded memory.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from common import RESULTS, admin, peak_mb, setup_django


def phase_setup(n: int) -> dict:
    from datetime import date
    from decimal import Decimal

    from enrollment.models import Person, SchemeYear
    from enrollment.services import policies_issue, scheme_year_save
    from tongzhou_care.core.models import Insurer
    from tongzhou_care.core.services import insurer_save

    if Person.objects.count() < n:
        raise SystemExit(f"run `scripts/bench roster_import --rows {n} --only import` first "
                         f"(the bench database has {Person.objects.count()} persons)")
    year = SchemeYear.objects.filter(name="基准年度").first()
    if year is None:
        insurer = (Insurer.objects.filter(name="基准保险公司").first()
                   or insurer_save(insurer=Insurer(name="基准保险公司", hotline="95500"), actor=admin()))
        year = scheme_year_save(actor=admin(), scheme_year=SchemeYear(
            name="基准年度", insurer=insurer, contract_number="BENCH-1", tender_date=date(2029, 11, 1),
            coverage_start=date(2030, 1, 1), coverage_end=date(2030, 12, 31),
            premium_per_person=Decimal("280"), daily_subsidy=Decimal("300")))
    start = time.perf_counter()
    created = policies_issue(scheme_year_id=year.pk, actor=admin(), today=date(2030, 1, 1))
    return {"seconds": time.perf_counter() - start, "policies": year.policies.count(), "created": created}


def _policies(limit: int):
    """The first policies the batch would print (the same selector, the same order)."""
    from enrollment.models import SchemeYear
    from enrollment.selectors import certificate_policies

    year = SchemeYear.objects.get(name="基准年度")
    return list(certificate_policies(admin(), year).select_related("person__street", "scheme_year__insurer")[:limit])


def phase_limit(pages: int) -> dict:
    from datetime import date

    from enrollment.exports import write_certificates

    policies = _policies(pages)
    start = time.perf_counter()
    with open(os.devnull, "wb") as out:
        write_certificates(out, policies, issued_on=date(2030, 1, 1))
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "pages": len(policies), "pages_per_second": len(policies) / seconds}


def phase_batch(n: int) -> dict:
    from enrollment.models import SchemeYear
    from tongzhou_care.core.jobs import Worker, job_defer, job_fail
    from tongzhou_care.core.models import BackgroundJob

    # Jobs an interrupted earlier run left behind would be taken over first and timed too.
    for job in BackgroundJob.objects.exclude(status__in=["done", "failed"]):
        job_fail(job, "基准测试中断后清理")
    year = SchemeYear.objects.get(name="基准年度")
    job = job_defer(kind="certificate_batch", title="基准", actor=admin(),
                    params={"scheme_year_id": year.pk, "street_id": None})
    start = time.perf_counter()
    Worker().run(once=True)
    seconds = time.perf_counter() - start
    job = BackgroundJob.objects.get(pk=job.pk)
    assert job.status == "done", job.message
    import pikepdf
    path = Path(os.environ["MEDIA_ROOT"]) / job.result_file
    with pikepdf.Pdf.open(path) as pdf:
        pages = len(pdf.pages)
    size = path.stat().st_size
    path.unlink()
    return {"seconds": seconds, "pages": pages, "pages_per_second": pages / seconds,
            "pdf_mb": size / 1024 / 1024}


def run_phase(name: str, args) -> dict:
    setup_django()
    result = {"setup": lambda: phase_setup(args.policies),
              "limit": lambda: phase_limit(args.limit_pages),
              "batch": lambda: phase_batch(args.policies)}[name]()
    result["peak_mb"] = peak_mb()
    # The batch renders in child processes: the largest of them (0 when none ran).
    result["render_process_peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--policies", type=int, default=100_000)
    parser.add_argument("--limit-pages", type=int, default=2_000)
    parser.add_argument("--phase")
    parser.add_argument("--only", nargs="*", default=["setup", "limit", "batch"])
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(run_phase(args.phase, args)))
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = {}
    for name in args.only:
        out = subprocess.run([sys.executable, __file__, "--phase", name, "--policies", str(args.policies),
                              "--limit-pages", str(args.limit_pages)], capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(out.stdout + out.stderr)
        results[name] = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{name:6} {results[name]}", flush=True)
    (RESULTS / "certificates.json").write_text(json.dumps(results, indent=2))
    if "limit" in results and "batch" in results:
        ratio = results["batch"]["pages_per_second"] / results["limit"]["pages_per_second"]
        print(f"batch {results['batch']['pages_per_second']:.0f} pages/s = {ratio:.2f} of the limit "
              f"({results['limit']['pages_per_second']:.0f} pages/s); target >= 0.67; "
              f"batch peak memory {results['batch']['peak_mb']:.0f} MB (render processes "
              f"{results['batch']['render_process_peak_mb']:.0f} MB each at most) vs limit's "
              f"{results['limit']['peak_mb']:.0f} MB for {results['limit']['pages']} pages")


if __name__ == "__main__":
    main()
