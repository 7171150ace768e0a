"""Background work of the oversight app: the annual evaluation report (年度评估报告), one PDF and
one workbook of a scheme year, section by section with progress (core/jobs.py runs it)."""

from django.urls import reverse
from django.utils import timezone

from enrollment.selectors import scheme_years_visible_to
from tongzhou_care.core.jobs import job_folder, job_runner, write_atomically

REPORT_PDF, REPORT_XLSX = "annual-report.pdf", "annual-report.xlsx"


def may_have_annual_report(user, params: dict) -> bool:
    return (user.has_perm("enrollment.make_annual_report")
            and scheme_years_visible_to(user).filter(pk=params["scheme_year_id"]).exists())


def annual_report_sections(user, scheme_year, today, progress=None):
    """The report's sections in order (each one selector call), reporting progress after each."""
    from ..selectors import annual_report as report
    from ..rules.figures import percent
    from ..selectors.figures import insurer_evaluation

    evaluation = insurer_evaluation(user, scheme_year, today=today)
    steps = [
        lambda: report.coverage_section(user, scheme_year, today),
        lambda: report.claims_section(user, scheme_year, today, evaluation.figures),
        lambda: report.sla_section(evaluation),
        lambda: report.complaints_section(user, scheme_year),
        lambda: report.surveys_section(user, scheme_year),
        *report.later_sections(user, scheme_year, today),
        lambda: report.evaluation_section(evaluation),
        lambda: report.premium_section(user, scheme_year, today),
    ]
    if progress:
        progress.total(len(steps) + 2, 1)
    sections = []
    for n, step in enumerate(steps, start=2):
        sections.append(step())
        if progress:
            progress.done(n)
    f = evaluation.figures
    summary = [("保险年度", scheme_year.name), ("承保机构", scheme_year.insurer.name),
               ("统计截至", f"{today:%Y-%m-%d}"), ("参保人数", f.persons), ("保费（元）", f.premium),
               ("已支付（元）", f.paid_amount), ("已发生赔款（元）", f.incurred),
               ("赔付率", "—" if f.loss_ratio is None else f"{percent(f.loss_ratio)}%"),
               ("绩效评估", f"{evaluation.total.total} 分，{evaluation.total.grade}")]
    return sections, summary


@job_runner("annual_report", may_download=may_have_annual_report)
def annual_report(job, progress):
    """Read every section once, then write the PDF and the workbook (each under a temporary name,
    renamed when whole); the result is the page offering both."""
    from ..exports.annual_report import write_annual_report_pdf, write_annual_report_xlsx

    user = job.created_by
    scheme_year = scheme_years_visible_to(user).get(pk=job.params["scheme_year_id"])
    today = timezone.localdate()
    folder = job_folder(job)
    sections, summary = annual_report_sections(user, scheme_year, today, progress)
    write_atomically(folder / REPORT_XLSX, lambda p: write_annual_report_xlsx(
        p, scheme_year=scheme_year, sections=sections, summary=summary))
    write_atomically(folder / REPORT_PDF, lambda p: write_annual_report_pdf(
        p, scheme_year=scheme_year, today=today, sections=sections, summary=summary))
    progress.done(len(sections) + 2)
    return reverse("oversight:annual_report_result", kwargs={"job_id": job.pk})
