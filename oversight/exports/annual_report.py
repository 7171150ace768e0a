"""The annual evaluation report (年度评估报告) as one PDF (WeasyPrint, charts as server-made SVG)
and one workbook with a sheet per table. Sections in, files out; no queries."""

from decimal import Decimal

import base64

from tongzhou_care.core.pdf import render_pdf
from tongzhou_care.core.xlsx import add_summary, add_table, new_workbook

from .charts import bar_chart


def _cell(value) -> tuple[str, bool]:
    """(text, right-aligned) of a table cell on paper: amounts with two decimals and thousands
    separators, counts with separators, text as it is."""
    if isinstance(value, bool) or value is None:
        return ("—" if value is None else ("是" if value else "否")), False
    if isinstance(value, Decimal):
        return f"{value:,.2f}", True
    if isinstance(value, (int, float)):
        return f"{value:,}", True
    return str(value), False


def _svg_data_uri(svg: str) -> str:
    """The chart as an image address, so the page embeds it without marking any markup safe
    (WeasyPrint draws SVG images as vectors)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _printed(table) -> dict:
    return {"title": table.title, "columns": table.columns, "rows": [[_cell(v) for v in row] for row in table.rows]}


def write_annual_report_pdf(target, *, scheme_year, today, sections, summary) -> None:
    rendered = [{"title": s.title, "text": s.text, "tables": [_printed(t) for t in s.tables],
                 "charts": [{"title": c.title, "src": _svg_data_uri(bar_chart(c.title, c.labels, c.series, c.unit))}
                            for c in s.charts]}
                for s in sections]
    render_pdf("oversight/figures/pdf/annual_report.html",
               {"sy": scheme_year, "today": today, "sections": rendered, "summary": summary}, target)


def write_annual_report_xlsx(out, *, scheme_year, sections, summary) -> int:
    """A summary sheet, then a sheet per table, named after it; returns the number of sheets."""
    workbook = new_workbook(out)
    add_summary(workbook, summary, sheet_name="报告摘要", title=f"{scheme_year.name}年度评估报告")
    used = {"报告摘要"}
    count = 1
    for section in sections:
        for table in section.tables:
            name = (table.sheet or table.title)[:31]
            while name in used:
                name = name[:29] + f"{len(used)}"
            used.add(name)
            add_table(workbook, table.columns, table.rows, sheet_name=name, title=f"{section.title} {table.title}")
            count += 1
    workbook.close()
    return count
