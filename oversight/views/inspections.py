"""Inspection pages: the commission's inspections and their record sheet; the findings, where
the responsible party reports its rectification and the commission accepts or returns it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongzhou_care.core.access import streets_of
from tongzhou_care.core.downloads import PDF, XLSX, dated_name, file_download
from tongzhou_care.core.models import AccessLog
from tongzhou_care.core.rules import RuleViolation
from tongzhou_care.core.services import access_log_record
from tongzhou_care.core.uploads import DOCUMENT_EXTENSIONS, DOCUMENT_MAX_BYTES, request_too_large
from tongzhou_care.core.xlsx import open_temp

from ..exports.inspections import FINDING_VALUES, write_finding_list, write_record_sheet
from ..forms.inspections import MAX_EVIDENCE_FILES, FindingFilterForm, FindingForm, InspectionForm
from ..models.inspections import Party
from ..selectors.inspections import (
    evidence_for_user_or_404,
    finding_facts,
    finding_search,
    inspection_finding_for_user_or_404,
    inspection_for_user_or_404,
    inspection_list as inspections_listed,
    rectifications_of,
    with_overdue,
)
from ..services import inspections as services
from ..workflow.inspections import FINDING_WORKFLOW

# --- Inspections (the commission's) -----------------------------------------------------------


@require_GET
@login_required
@permission_required("oversight.view_inspection", raise_exception=True)
def inspection_list(request):
    today = timezone.localdate()
    page = Paginator(inspections_listed(request.user, today), 30).get_page(request.GET.get("page"))
    return render(request, "oversight/inspections/inspection_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("oversight.record_inspection", raise_exception=True)
def inspection_new(request):
    form = InspectionForm(request.POST or None, initial={"inspected_on": timezone.localdate(),
                                                         "target": Party.STREET})
    if request.method == "POST" and form.is_valid():
        try:
            inspection = services.inspection_record(data=form.cleaned_data, actor=request.user)
        except RuleViolation as violation:
            form.add_error("inspected_on" if violation.code == "inspected_on" else None, violation.message)
        else:
            messages.success(request, "巡查已记录。请逐项登记发现的问题，每个问题指定责任单位和整改期限。")
            return redirect("oversight:inspection_detail", inspection_id=inspection.pk)
    return render(request, "oversight/inspections/inspection_form.html", {"form": form},
                  status=400 if form.errors else 200)


def _inspection_page(request, inspection, finding_form=None):
    today = timezone.localdate()
    findings = finding_search(request.user, today, inspection_id=inspection.pk).order_by("number")
    if finding_form is None and request.user.has_perm("oversight.record_inspection"):
        finding_form = FindingForm(initial={
            "responsible": inspection.target, "responsible_street": inspection.street_id,
            "responsible_insurer": inspection.insurer_id})
    return render(request, "oversight/inspections/inspection_detail.html", {
        "inspection": inspection, "rows": with_overdue(findings, today), "finding_form": finding_form}, status=400 if finding_form is not None and finding_form.errors else 200)


@require_GET
@login_required
def inspection_detail(request, inspection_id):
    return _inspection_page(request, inspection_for_user_or_404(request.user, inspection_id))


@require_POST
@login_required
def finding_add(request, inspection_id):
    inspection = inspection_for_user_or_404(request.user, inspection_id)
    if not request.user.has_perm("oversight.record_inspection"):
        raise PermissionDenied
    form = FindingForm(request.POST)
    if not form.is_valid():
        return _inspection_page(request, inspection, form)
    try:
        finding = services.finding_add(inspection_id=inspection.pk, data=form.cleaned_data, actor=request.user)
    except RuleViolation as violation:
        form.add_error("deadline_days" if violation.code == "deadline_days" else None, violation.message)
        return _inspection_page(request, inspection, form)
    messages.success(request, f"已登记问题{finding.number}，责任单位：{finding.party_name}，"
                              f"整改截止日期：{finding.due_on:%Y-%m-%d}。")
    return redirect("oversight:inspection_detail", inspection_id=inspection.pk)


@require_GET
@login_required
def inspection_record_sheet(request, inspection_id):
    """The record sheet (巡查记录表) as a PDF for signature."""
    inspection = inspection_for_user_or_404(request.user, inspection_id)
    today = timezone.localdate()
    findings = list(finding_search(request.user, today, inspection_id=inspection.pk).order_by("number"))
    out = open_temp()
    write_record_sheet(out, inspection, findings, today=today)
    access_log_record(actor=request.user, action=AccessLog.Action.DOWNLOAD,
                      target=f"巡查记录表 {inspection}")
    return file_download(out, dated_name(f"巡查记录表_{inspection.target_name}_{inspection.inspected_on:%Y-%m-%d}",
                                         "pdf"), PDF)


# --- Findings (the commission's, and those addressed to the user's office) ----------------------


def _finding_filters(request) -> tuple[FindingFilterForm, dict]:
    form = FindingFilterForm(request.GET or None)
    form.fields["street"].queryset = streets_of(request.user)
    filters = {"state": "", "street_id": None, "party": ""}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {"state": data["state"], "street_id": data["street"].pk if data["street"] else None,
                   "party": data["party"]}
    return form, filters


@require_GET
@login_required
@permission_required("oversight.view_inspectionfinding", raise_exception=True)
def finding_list(request):
    today = timezone.localdate()
    form, filters = _finding_filters(request)
    findings = finding_search(request.user, today, **filters)
    page = Paginator(findings, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "oversight/inspections/finding_list.html", {
        "page": page, "form": form, "query": query.urlencode(), "today": today,
        "rows": with_overdue(page.object_list, today),
        "show_street": streets_of(request.user).count() > 1})


@require_GET
@login_required
@permission_required("oversight.export_inspectionfinding", raise_exception=True)
def finding_export(request):
    """The findings list with its filters as Excel, scoped like the page, logged (S14)."""
    today = timezone.localdate()
    form, filters = _finding_filters(request)
    out = open_temp()
    count = write_finding_list(out, finding_search(request.user, today, **filters).values_list(*FINDING_VALUES),
                               today=today)
    described = "，".join(f"{form.fields[name].label}：{dict(form.fields[name].choices).get(value, value)}"
                         for name, value in (("state", filters["state"]), ("party", filters["party"])) if value)
    if filters["street_id"]:
        described += f"，街道/乡镇：{streets_of(request.user).get(pk=filters['street_id'])}"
    access_log_record(actor=request.user, action=AccessLog.Action.EXPORT, target="巡查问题清单",
                      detail=described.strip("，") or "全部", rows=count)
    return file_download(out, dated_name("巡查问题清单", "xlsx"), XLSX)


def _finding_page(request, finding, *, bound: tuple[str, object] | None = None):
    """The finding page; `bound` = (action, form) re-shows a refused action's form as filled
    in, with its errors beside the fields, and answers 400."""
    today = timezone.localdate()
    facts = finding_facts(finding, today)
    # One form per button the service would accept now, in the table's order.
    action_forms = FINDING_WORKFLOW.forms(request.user, facts, bound=bound)
    return render(request, "oversight/inspections/finding_detail.html", {
        "finding": finding, "facts": facts, "action_forms": action_forms,
        "blocked": FINDING_WORKFLOW.blocked(request.user, facts),
        "rectifications": rectifications_of(request.user, finding), "today": today,
        "can_see_inspection": request.user.has_perm("oversight.view_inspection"),
    }, status=400 if bound else 200)


@require_GET
@login_required
def finding_detail(request, inspection_finding_id):
    return _finding_page(request, inspection_finding_for_user_or_404(request.user, inspection_finding_id))


ACTION_CALLS = {
    "report": lambda f, u, d: services.finding_report(finding_id=f.pk, text=d["text"], files=d["files"], actor=u),
    "accept": lambda f, u, d: services.finding_accept(finding_id=f.pk, note=d["note"], actor=u),
    "return": lambda f, u, d: services.finding_return(finding_id=f.pk, reason=d["reason"],
                                                      deadline_days=d["deadline_days"], actor=u),
    "cancel": lambda f, u, d: services.finding_cancel(finding_id=f.pk, reason=d["reason"], actor=u),
}
# The form field a service's refusal is about.
VIOLATION_FIELDS = {"text": "text", "files": "files", "file_type": "files", "too_large": "files", "empty": "files",
                    "reason": "reason", "deadline_days": "deadline_days"}


@require_POST
@login_required
def finding_act(request, inspection_finding_id, action):
    finding = inspection_finding_for_user_or_404(request.user, inspection_finding_id)
    step = FINDING_WORKFLOW[action]
    if not request.user.has_perm(step.permission):
        raise PermissionDenied
    if request_too_large(request, DOCUMENT_MAX_BYTES * MAX_EVIDENCE_FILES):
        messages.error(request, f"上传的文件合计过大：每个文件不超过 {DOCUMENT_MAX_BYTES // 2**20} MB，"
                                f"一次最多 {MAX_EVIDENCE_FILES} 个。")
        return redirect("oversight:finding_detail", inspection_finding_id=finding.pk)
    form = step.form(request.POST, request.FILES, auto_id=f"id_{action}_%s")
    if not form.is_valid():
        return _finding_page(request, finding, bound=(action, form))
    try:
        ACTION_CALLS[action](finding, request.user, form.cleaned_data)
    except RuleViolation as violation:
        field = VIOLATION_FIELDS.get(violation.code)
        if field in form.fields:
            form.add_error(field, violation.message)
        else:
            messages.error(request, violation.message)
        return _finding_page(request, finding, bound=(action, form))
    messages.success(request, step.done)
    return redirect("oversight:finding_detail", inspection_finding_id=finding.pk)


@require_GET
@login_required
def evidence_download(request, inspection_finding_id, evidence_id):
    """Evidence is served only through its finding's scope, never from a public URL; logged."""
    evidence = evidence_for_user_or_404(request.user, inspection_finding_id, evidence_id)
    access_log_record(actor=request.user, action=AccessLog.Action.DOWNLOAD,
                      target=f"整改佐证材料 巡查问题#{inspection_finding_id} {evidence.original_name}")
    extension = DOCUMENT_EXTENSIONS.get(evidence.content_type, ".pdf")
    return file_download(evidence.file.open("rb"), f"整改佐证材料_{evidence.pk}{extension}",
                         evidence.content_type, as_attachment=False)
