"""Roster import and export at province scale (issue 3), all measured in one run.

    scripts/bench roster_import [--rows 100000] [--stock-rows 100000]

Phases run in separate processes so each peak memory (ru_maxrss) is its own:
  parse-openpyxl   bare read of the file with openpyxl read-only (values only)
  parse-calamine   bare read with python-calamine
  stock            django-import-export ModelResource import of the same rows
  stock-bulk       the same with use_bulk=True
  import           this project's preview + apply, into an empty person table
  reimport         the same file again (preview + apply: nothing changes)
  write-openpyxl   bare 100k-row write loop, openpyxl write-only
  write-xlsxwriter bare 100k-row write loop, xlsxwriter constant_memory
  export           this project's masked roster export of the persons imported
Results: bench/results/roster_import.json and a table on stdout for docs/performance.md.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from common import RESULTS, admin, peak_mb, setup_django


def roster_file(rows: int) -> Path:
    path = RESULTS / f"roster_{rows}.xlsx"
    if not path.exists():
        setup_django()
        from enrollment.sample_roster import build_sample_roster, write_xlsx
        from tongzhou_care.core.streets import STREETS

        per_street = -(-rows // len(STREETS))
        roster = build_sample_roster(2026, [n for _, n, _ in STREETS], seed=99,
                                     per_street=(per_street, per_street), other_categories=0.0)
        # Exactly `rows` data rows, then the total line, as a real export ends.
        roster.rows = roster.rows[:roster.header_row + rows] + roster.rows[-2:-1]
        write_xlsx(path, roster)
    return path


def empty_tables():
    from django.db import connection

    # Scheme years go too: with one whose policies are issued, every import would also issue
    # 100,000 mid-year policies (policies_sync), which is the certificates benchmark's setup,
    # not the import measured here.
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE enrollment_rosterrow, enrollment_rosterimport, enrollment_person, "
                       "enrollment_personevent, enrollment_schemeyear, core_accesslog CASCADE")


# --- phases -------------------------------------------------------------------------------------

def phase_parse_openpyxl(path: Path) -> dict:
    import openpyxl

    start = time.perf_counter()
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    count = sum(1 for _ in workbook.active.iter_rows(values_only=True))
    return {"seconds": time.perf_counter() - start, "rows": count}


def phase_parse_calamine(path: Path) -> dict:
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    with path.open("rb") as f:
        sheet = CalamineWorkbook.from_filelike(f).get_sheet_by_index(0)
    count = sum(1 for _ in sheet.iter_rows())
    return {"seconds": time.perf_counter() - start, "rows": count}


def _stock_dataset(path: Path, limit: int):
    """The same rows as a tablib Dataset, already clean (the stock import gets the easy case:
    no header search, no aliases, no validation of ID numbers)."""
    import tablib

    from enrollment.roster_files import open_roster
    from enrollment.rules import (category_from_text, clean_name, clean_text, match_street,
                                  parse_date_value, street_index)
    from tongzhou_care.core.models import Street

    streets = street_index(dict(Street.objects.values_list("code", "name")))
    table = open_roster(path)
    data = tablib.Dataset(headers=["name", "sex", "id_number", "birth_date", "street", "community",
                                   "address", "phone", "category", "assistance_start"])
    for i, (_, v, _) in enumerate(table.rows):
        if i >= limit:
            break
        data.append([clean_name(v["name"]), "M" if v["sex"] == "男" else "F",
                     clean_text(v["id_number"]).upper(), parse_date_value(v["birth_date"], field=""),
                     match_street(v["street"], streets), clean_text(v["community"]),
                     clean_text(v["address"]), clean_text(v["phone"]),
                     category_from_text(v["category"]),
                     parse_date_value(v["assistance_start"], field="")])
    return data


def phase_stock(path: Path, limit: int, bulk: bool) -> dict:
    from enrollment.resources import PersonResource

    empty_tables()
    data = _stock_dataset(path, limit)
    start = time.perf_counter()
    result = PersonResource(use_bulk=bulk, batch_size=1000).import_data(
        data, dry_run=False, use_transactions=True, raise_errors=True)
    seconds = time.perf_counter() - start
    assert not result.has_errors()
    return {"seconds": seconds, "rows": len(data), "rows_per_second": len(data) / seconds}


def _our_import(path: Path) -> dict:
    from enrollment.models import Person
    from enrollment.services import roster_import_apply, roster_import_preview

    actor = admin()
    start = time.perf_counter()
    ri = roster_import_preview(path=path, file_name=path.name, roster_year=2026, actor=actor)
    previewed = time.perf_counter()
    roster_import_apply(roster_import_id=ri.pk, actor=actor, kinds={"new", "changed"}, skip_errors=False)
    done = time.perf_counter()
    return {"seconds": done - start, "preview_seconds": previewed - start, "apply_seconds": done - previewed,
            "rows": ri.rows_total, "new": ri.new_count, "unchanged": ri.unchanged_count,
            "errors": ri.error_count, "persons": Person.objects.count(),
            "rows_per_second": ri.rows_total / (done - start)}


def phase_import(path: Path) -> dict:
    empty_tables()
    return _our_import(path)


def phase_reimport(path: Path) -> dict:
    from enrollment.models import Person

    if Person.objects.count() == 0:
        _our_import(path)
    return _our_import(path)


def _columns_and_rows(rows: int):
    from datetime import date
    headers = ["姓名", "性别", "公民身份号码", "出生日期", "所属乡镇（街道）", "村（居）委会", "家庭住址",
               "联系电话", "扶助类别", "开始享受扶助时间", "状态", "死亡/减员日期", "减员原因"]
    row = ["王秀英", "女", "110112********002X", "1949年", "中仓街道", "运河社区", "新华大街1号1号楼1单元",
           "139****0000", "独生子女死亡特别扶助", date(2020, 1, 1), "在册", None, ""]
    return headers, (row for _ in range(rows))


def phase_write_openpyxl(rows: int) -> dict:
    import tempfile

    import openpyxl

    headers, data = _columns_and_rows(rows)
    start = time.perf_counter()
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(headers)
    for r in data:
        sheet.append(r)
    with tempfile.TemporaryFile() as f:
        workbook.save(f)
    return {"seconds": time.perf_counter() - start, "rows": rows}


def phase_write_xlsxwriter(rows: int) -> dict:
    import tempfile
    from datetime import datetime

    import xlsxwriter

    headers, data = _columns_and_rows(rows)
    start = time.perf_counter()
    with tempfile.TemporaryFile() as f:
        workbook = xlsxwriter.Workbook(f, {"constant_memory": True})
        sheet = workbook.add_worksheet()
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write_row(0, 0, headers)
        for i, r in enumerate(data, start=1):
            for c, value in enumerate(r):
                if value is None:
                    continue
                if isinstance(value, str):
                    sheet.write_string(i, c, value)
                else:
                    sheet.write_datetime(i, c, datetime(value.year, value.month, value.day), date_format)
        workbook.close()
    return {"seconds": time.perf_counter() - start, "rows": rows}


def phase_export(path: Path) -> dict:
    from enrollment.exports import write_roster
    from enrollment.models import Person
    from enrollment.selectors import person_export_values
    from tongzhou_care.core.xlsx import open_temp

    if Person.objects.count() == 0:
        empty_tables()
        _our_import(path)
    actor = admin()
    start = time.perf_counter()
    with open_temp() as out:
        count = write_roster(out, person_export_values(actor), full=False)
    return {"seconds": time.perf_counter() - start, "rows": count}


# --- driver ---------------------------------------------------------------------------------------

def run_phase(name: str, args) -> dict:
    setup_django()
    path = roster_file(args.rows)
    result = {
        "parse-openpyxl": lambda: phase_parse_openpyxl(path),
        "parse-calamine": lambda: phase_parse_calamine(path),
        "stock": lambda: phase_stock(path, args.stock_rows, bulk=False),
        "stock-bulk": lambda: phase_stock(path, args.stock_rows, bulk=True),
        "import": lambda: phase_import(path),
        "reimport": lambda: phase_reimport(path),
        "write-openpyxl": lambda: phase_write_openpyxl(args.rows),
        "write-xlsxwriter": lambda: phase_write_xlsxwriter(args.rows),
        "export": lambda: phase_export(path),
    }[name]()
    result["peak_mb"] = peak_mb()
    return result


PHASES = ["parse-openpyxl", "parse-calamine", "stock", "stock-bulk", "import", "reimport",
          "write-openpyxl", "write-xlsxwriter", "export"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--stock-rows", type=int, default=100_000)
    parser.add_argument("--phase")
    parser.add_argument("--only", nargs="*", default=PHASES)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(run_phase(args.phase, args)))
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    roster_file(args.rows)
    results = {}
    for name in args.only:
        out = subprocess.run([sys.executable, __file__, "--phase", name, "--rows", str(args.rows),
                              "--stock-rows", str(args.stock_rows)],
                             capture_output=True, text=True, check=True)
        results[name] = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{name:18} {results[name]}", flush=True)
    (RESULTS / "roster_import.json").write_text(json.dumps(results, indent=2))
    report(results)


def report(r: dict):
    fastest_parse = min((r[p]["seconds"] for p in ("parse-openpyxl", "parse-calamine") if p in r), default=None)
    lines = []
    if "import" in r:
        imp = r["import"]
        if fastest_parse:      # (--only import, the other benchmarks' set-up, runs no parse)
            lines.append(f"full import {imp['seconds']:.1f} s = {imp['seconds'] / fastest_parse:.1f}× the "
                         f"fastest bare parse ({fastest_parse:.1f} s); target ≤ 5×")
        for stock in ("stock", "stock-bulk"):
            if stock in r:
                ratio = imp["rows_per_second"] / r[stock]["rows_per_second"]
                lines.append(f"vs {stock}: {r[stock]['rows_per_second']:.0f} rows/s, ours "
                             f"{imp['rows_per_second']:.0f} rows/s = {ratio:.0f}× faster; target ≥ 20×")
        lines.append(f"peak memory {imp['peak_mb']:.0f} MB; target ≤ 500 MB")
    if "reimport" in r and "import" in r:
        lines.append(f"re-import {r['reimport']['seconds']:.1f} s vs first {r['import']['seconds']:.1f} s; "
                     "target: no slower")
    if "export" in r:
        bare = min(r[p]["seconds"] for p in ("write-openpyxl", "write-xlsxwriter") if p in r)
        lines.append(f"export {r['export']['seconds']:.1f} s = {r['export']['seconds'] / bare:.2f}× the "
                     f"faster bare write loop ({bare:.1f} s); target ≤ 1.5×")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
