"""The figures the commission decides by: the insurer evaluation (绩效评估) per scheme year with
its printout and workbook and the claims behind each indicator; the dynamic adjustment (动态调整)
with several years side by side and next year's premium with a what-if; the annual evaluation
report (年度评估报告) as a background job."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from enrollment.selectors import scheme_year_for_user_or_404, scheme_years_visible_to
from tongzhou_care.core.downloads import PDF, XLSX, dated_name, file_download
from tongzhou_care.core.jobs import job_defer
from tongzhou_care.core.models import AccessLog
from tongzhou_care.core.services import access_log_record
from tongzhou_care.core.xlsx import open_temp

from ..exports.figures import write_evaluation_pdf, write_evaluation_xlsx
from ..forms.figures import WhatIfForm
from ..selectors.figures import BEHIND, claims_behind, insurer_evaluation, premium_recommendation, years_side_by_side
from .common import paginate


def _year(request, scheme_year_id, perm: str):
    """The scheme year if the user sees it (else 404, as for any row not theirs) and holds the
    permission (else 403)."""
    scheme_year = scheme_year_for_user_or_404(request.user, scheme_year_id)
    if not request.user.has_perm(perm):
        raise PermissionDenied
    return scheme_year


@require_GET
@login_required
@permission_required("enrollment.view_evaluation", raise_exception=True)
def evaluation_list(request):
    years = scheme_years_visible_to(request.user).order_by("-coverage_start")
    return render(request, "oversight/figures/evaluation_list.html", {"years": years})


@require_GET
@login_required
def evaluation(request, scheme_year_id):
    scheme_year = _year(request, scheme_year_id, "enrollment.view_evaluation")
    return render(request, "oversight/figures/evaluation.html", {
        "e": insurer_evaluation(request.user, scheme_year, today=timezone.localdate()), "sy": scheme_year})


@require_GET
@login_required
def evaluation_export(request, scheme_year_id, fmt):
    scheme_year = _year(request, scheme_year_id, "enrollment.view_evaluation")
    e = insurer_evaluation(request.user, scheme_year, today=timezone.localdate())
    out = open_temp()
    (write_evaluation_pdf if fmt == "pdf" else write_evaluation_xlsx)(out, e)
    access_log_record(actor=request.user, action=AccessLog.Action.EXPORT, target=f"绩效评估 {scheme_year.name}",
                      detail=e.scope.label, rows=len(e.indicators))
    return file_download(out, dated_name(f"绩效评估_{scheme_year.name}", fmt), PDF if fmt == "pdf" else XLSX)


@require_GET
@login_required
def evaluation_claims(request, scheme_year_id):
    """The claims an indicator rests on (e.g. the claims paid late), as a list."""
    scheme_year = _year(request, scheme_year_id, "enrollment.view_evaluation")
    key = request.GET.get("indicator", "")
    if not key:
        return render(request, "oversight/figures/evaluation_claims.html", {"sy": scheme_year, "choices": BEHIND})
    if key not in BEHIND:
        raise Http404
    claims = claims_behind(request.user, scheme_year, key, today=timezone.localdate())
    page, query = paginate(request, claims)
    return render(request, "oversight/figures/evaluation_claims.html", {
        "sy": scheme_year, "title": BEHIND[key], "page": page, "query": query})


@require_GET
@login_required
@permission_required("enrollment.view_adjustment", raise_exception=True)
def adjustment(request):
    """Every figure of several scheme years side by side, and a link to each year's premium."""
    today = timezone.localdate()
    years = years_side_by_side(request.user, today=today)
    return render(request, "oversight/figures/adjustment.html", {"years": years, "today": today})


@require_GET
@login_required
def adjustment_year(request, scheme_year_id):
    """One year's experience and next year's premium, with a what-if (GET: bookmarkable)."""
    scheme_year = _year(request, scheme_year_id, "enrollment.view_adjustment")
    form = WhatIfForm(request.GET or None, scheme_year=scheme_year)
    asked = form.cleaned_data if form.is_bound and form.is_valid() else {}
    outlook = premium_recommendation(request.user, scheme_year, today=timezone.localdate(),
                                     subsidy=asked.get("subsidy"), cap=asked.get("cap"), target=asked.get("target"))
    return render(request, "oversight/figures/adjustment_year.html", {
        "sy": scheme_year, "o": outlook, "f": outlook.figures, "years_one": [outlook.figures], "form": form})


@require_POST
@login_required
def annual_report(request, scheme_year_id):
    """Queue the annual evaluation report (PDF and Excel) of a scheme year; the job page shows
    the progress and the downloads."""
    scheme_year = _year(request, scheme_year_id, "enrollment.make_annual_report")
    job = job_defer(kind="annual_report", actor=request.user, title=f"{scheme_year.name} 年度评估报告",
                    params={"scheme_year_id": scheme_year.pk})
    messages.success(request, "年度评估报告已开始生成，完成后可在本页下载 PDF 和 Excel。")
    return redirect("job_detail", job_id=job.pk)


@require_GET
@login_required
def annual_report_result(request, job_id):
    """The finished report's page: the PDF and the workbook (the job's creator only)."""
    job = _report_job(request, job_id)
    return render(request, "oversight/figures/annual_report_result.html", {"job": job})


@require_GET
@login_required
def annual_report_file(request, job_id, fmt):
    from tongzhou_care.core.jobs import job_path

    from ..jobs.annual_report import REPORT_PDF, REPORT_XLSX

    job = _report_job(request, job_id)
    path = job_path(job) / (REPORT_PDF if fmt == "pdf" else REPORT_XLSX)
    if not path.exists():
        raise Http404
    name = dated_name(job.title.replace(" ", "_"), fmt, timezone.localtime(job.finished_at).date())
    access_log_record(actor=request.user, action=AccessLog.Action.DOWNLOAD, target=job.title, detail=name)
    return file_download(path.open("rb"), name, PDF if fmt == "pdf" else XLSX)


def _report_job(request, job_id):
    """A finished annual report job of the user's own, while they still hold the right."""
    from tongzhou_care.core.jobs import KINDS
    from tongzhou_care.core.selectors import job_for_user_or_404

    job = job_for_user_or_404(request.user, job_id)
    if job.kind != "annual_report" or job.status != job.Status.DONE:
        raise Http404
    if not KINDS[job.kind].may_download(request.user, job.params):
        raise PermissionDenied("您的角色或管辖范围已变更，不能再下载这个结果。")
    return job
