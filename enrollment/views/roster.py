"""Roster import pages: upload, preview, apply or discard, error report, history."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongzhou_care.core.downloads import XLSX, dated_name, file_download
from tongzhou_care.core.models import AccessLog
from tongzhou_care.core.rules import RuleViolation
from tongzhou_care.core.services import access_log_record
from tongzhou_care.core.uploads import request_too_large, upload_on_disk
from tongzhou_care.core.xlsx import open_temp

from ..exports import write_error_report
from ..forms import RosterApplyForm, RosterUploadForm
from ..models import RosterRow
from ..roster_files import LIMITS, RosterFileError
from ..selectors import (
    roster_import_for_user_or_404,
    roster_import_rows,
    roster_import_unimported,
    roster_imports_visible_to,
)
from ..services import (
    roster_apply_count,
    roster_import_apply,
    roster_import_apply_queue,
    roster_import_discard,
    roster_import_preview,
    roster_import_queue,
)

ROWS_PER_PAGE = 50
TABS = [(kind, label) for kind, label in RosterRow.Kind.choices]


@require_GET
@login_required
@permission_required("enrollment.import_roster", raise_exception=True)
def roster_import_list(request):
    page = Paginator(roster_imports_visible_to(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "enrollment/roster_import_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("enrollment.import_roster", raise_exception=True)
def roster_import_new(request):
    from django.utils import timezone

    if request.method == "POST" and request_too_large(request, LIMITS.max_bytes):
        # Refused from the announced length alone: the body is never read.
        form = RosterUploadForm(initial={"roster_year": timezone.localdate().year})
        return render(request, "enrollment/roster_import_new.html", {
            "form": form, "upload_error": f"文件超过 {LIMITS.max_bytes // (1024 * 1024)} MB 的上限，请分批导入。",
        }, status=400)
    form = RosterUploadForm(request.POST or None, request.FILES or None,
                            initial={"roster_year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        if uploaded.size > settings.ROSTER_BACKGROUND_BYTES:
            try:
                job = roster_import_queue(chunks=uploaded.chunks(), file_name=uploaded.name,
                                          roster_year=form.cleaned_data["roster_year"], actor=request.user)
            except RuleViolation as violation:
                form.add_error("file", violation.message)
                return render(request, "enrollment/roster_import_new.html", {"form": form}, status=429)
            return redirect("job_detail", job_id=job.pk)
        try:
            with upload_on_disk(uploaded) as path:
                roster_import = roster_import_preview(
                    path=path, file_name=uploaded.name, roster_year=form.cleaned_data["roster_year"],
                    actor=request.user)
        except RosterFileError as error:
            form.add_error("file", error.message)
        else:
            return redirect("enrollment:roster_import_detail", import_id=roster_import.pk)
    return render(request, "enrollment/roster_import_new.html", {"form": form},
                  status=400 if form.errors else 200)


@require_GET
@login_required
def roster_import_detail(request, import_id):
    roster_import = roster_import_for_user_or_404(request.user, import_id)
    counts = {"new": roster_import.new_count, "changed": roster_import.changed_count,
              "skipped": roster_import.skipped_count, "error": roster_import.error_count,
              "missing": roster_import.missing_count}
    tab = request.GET.get("tab")
    if tab not in counts:
        tab = next((k for k in ("error", "new", "changed", "missing", "skipped") if counts[k]), "new")
    page = Paginator(roster_import_rows(roster_import, tab), ROWS_PER_PAGE).get_page(request.GET.get("page"))
    form = RosterApplyForm(initial={
        "apply_new": bool(roster_import.new_count), "apply_changed": bool(roster_import.changed_count),
        "removal_reason": f"未列入{roster_import.roster_year}年度花名册",
    })
    return render(request, "enrollment/roster_import_detail.html", {
        "ri": roster_import, "tabs": [(k, label, counts[k]) for k, label in TABS],
        "tab": tab, "page": page, "form": form,
    })


@require_POST
@login_required
def roster_import_apply_view(request, import_id):
    roster_import = roster_import_for_user_or_404(request.user, import_id)
    form = RosterApplyForm(request.POST)
    if form.is_valid() and roster_apply_count(roster_import, form.kinds()) > settings.ROSTER_BACKGROUND_APPLY_ROWS:
        # A large apply outlasts the web server's timeout: a worker does it, the page shows progress.
        try:
            job = roster_import_apply_queue(
                roster_import_id=roster_import.pk, actor=request.user, kinds=form.kinds(),
                skip_errors=form.cleaned_data["skip_errors"], removal_date=form.cleaned_data["removal_date"],
                removal_reason=form.cleaned_data["removal_reason"])
        except RuleViolation as violation:
            messages.error(request, violation.message)
        else:
            return redirect("job_detail", job_id=job.pk)
    elif form.is_valid():
        try:
            roster_import = roster_import_apply(
                roster_import_id=roster_import.pk, actor=request.user, kinds=form.kinds(),
                skip_errors=form.cleaned_data["skip_errors"],
                removal_date=form.cleaned_data["removal_date"],
                removal_reason=form.cleaned_data["removal_reason"])
        except RuleViolation as violation:
            messages.error(request, violation.message)
        else:
            messages.success(request, f"花名册已导入：新增 {roster_import.inserted} 人，"
                             f"变更 {roster_import.updated} 人，减员 {roster_import.removed} 人。")
    return redirect("enrollment:roster_import_detail", import_id=roster_import.pk)


@require_POST
@login_required
def roster_import_discard_view(request, import_id):
    roster_import = roster_import_for_user_or_404(request.user, import_id)
    try:
        roster_import_discard(roster_import_id=roster_import.pk, actor=request.user)
    except RuleViolation as violation:
        messages.error(request, violation.message)
    else:
        messages.info(request, "已放弃本次导入，未做任何修改。")
    return redirect("enrollment:roster_import_list")


@require_GET
@login_required
def roster_import_errors(request, import_id):
    """The rows that were not imported, with reasons and the original cells, as .xlsx."""
    roster_import = roster_import_for_user_or_404(request.user, import_id)
    out = open_temp()
    count = write_error_report(
        out, header=roster_import.header, rows=roster_import_unimported(roster_import),
        title=f"{roster_import.file_name} 未导入的行（{roster_import.created_at:%Y-%m-%d %H:%M}上传）")
    access_log_record(actor=request.user, action=AccessLog.Action.EXPORT,
                      target=f"花名册导入 #{roster_import.pk} 错误报告", rows=count)
    stem = roster_import.file_name.rsplit(".", 1)[0][:60]
    return file_download(out, dated_name(f"{stem}_错误报告", "xlsx"), XLSX)


