"""Data-check pages: the findings (with filters, per-rule counts and an Excel export), one
finding with its handling, the runs, the rules, and starting a run."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from tongzhou_care.core.access import streets_of
from tongzhou_care.core.downloads import XLSX, dated_name, file_download
from tongzhou_care.core.models import AccessLog
from tongzhou_care.core.rules import RuleViolation
from tongzhou_care.core.services import access_log_record
from tongzhou_care.core.xlsx import open_temp

from ..exports.checks import write_check_findings
from ..forms.checks import CheckFilterForm, ResolveClearedForm
from ..rules.checks import CHECK_RULES, RULES_BY_NAME, describe
from ..selectors.checks import (
    check_finding_export_values,
    check_finding_for_user_or_404,
    check_finding_search,
    check_runs_visible_to,
    finding_others,
    finding_rows,
    latest_run,
    rule_summary,
)
from ..services import checks as services
from ..workflow.checks import CHECK_FINDING_WORKFLOW, CheckFindingFacts


def _filters(request) -> tuple[CheckFilterForm, dict]:
    form = CheckFilterForm(request.GET or None)
    form.fields["street"].queryset = streets_of(request.user)
    filters = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {"rule": data["rule"], "status": data["status"], "present": data["present"],
                   "street_id": data["street"].pk if data["street"] else None,
                   "since": data["since"], "until": data["until"]}
    return form, filters


@require_GET
@login_required
@permission_required("oversight.view_checkfinding", raise_exception=True)
def check_finding_list(request):
    today = timezone.localdate()
    form, filters = _filters(request)
    page = Paginator(check_finding_search(request.user, **filters), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "oversight/checks/finding_list.html", {
        "form": form, "page": page, "rows": finding_rows(page.object_list, today=today), "query": query.urlencode(),
        "summary": rule_summary(request.user), "run": latest_run(request.user),
        "show_street": streets_of(request.user).count() > 1, "resolve_cleared": ResolveClearedForm()})


@require_GET
@login_required
@permission_required("oversight.export_checkfinding", raise_exception=True)
def check_finding_export(request):
    """The findings with the list's filters as Excel, scoped like the page, logged (S14)."""
    form, filters = _filters(request)
    out = open_temp()
    count = write_check_findings(out, check_finding_export_values(request.user, **filters),
                                 today=timezone.localdate())
    described = "，".join(f"{form.fields[k].label}：{v}" for k, v in (
        ("rule", RULES_BY_NAME[filters["rule"]].title if filters.get("rule") else ""),
        ("status", dict(form.fields["status"].choices).get(filters.get("status"), "") if filters.get("status") else ""),
        ("present", dict(CheckFilterForm.PRESENT).get(filters.get("present"), "") if filters.get("present") else ""),
        ("street", streets_of(request.user).filter(pk=filters["street_id"]).first() if filters.get("street_id") else ""),
        ("since", filters.get("since") or ""), ("until", filters.get("until") or "")) if v) or "全部"
    access_log_record(actor=request.user, action=AccessLog.Action.EXPORT, target="数据核查发现", detail=described,
                      rows=count)
    return file_download(out, dated_name("数据核查发现", "xlsx"), XLSX)


def _finding_page(request, finding, *, bound: tuple[str, object] | None = None):
    facts = CheckFindingFacts(status=finding.status)
    # One form per button the service would accept now, in the table's order.
    action_forms = CHECK_FINDING_WORKFLOW.forms(request.user, facts, bound=bound)
    others = finding_others(request.user, finding)
    return render(request, "oversight/checks/finding_detail.html", {
        "finding": finding, "rule": RULES_BY_NAME.get(finding.rule),
        "text": describe(finding.rule, finding.detail, today=timezone.localdate()),
        "action_forms": action_forms, "others": others,
        "others_hidden": len(finding.detail.get("others") or []) - len(others),
    }, status=400 if bound else 200)


@require_GET
@login_required
def check_finding_detail(request, check_finding_id):
    return _finding_page(request, check_finding_for_user_or_404(request.user, check_finding_id))


ACTION_CALLS = {
    "resolve": lambda f, u, d: services.check_finding_resolve(finding_id=f.pk, note=d["note"], actor=u),
    "dismiss": lambda f, u, d: services.check_finding_dismiss(finding_id=f.pk, reason=d["note"], actor=u),
    "reopen": lambda f, u, d: services.check_finding_reopen(finding_id=f.pk, reason=d["note"], actor=u),
}


@require_POST
@login_required
def check_finding_act(request, check_finding_id, action):
    finding = check_finding_for_user_or_404(request.user, check_finding_id)
    step = CHECK_FINDING_WORKFLOW[action]
    if not request.user.has_perm(step.permission):
        raise PermissionDenied
    form = step.form(request.POST, auto_id=f"id_{action}_%s")
    if not form.is_valid():
        return _finding_page(request, finding, bound=(action, form))
    try:
        ACTION_CALLS[action](finding, request.user, form.cleaned_data)
    except RuleViolation as violation:
        if violation.code == "note":
            form.add_error("note", violation.message)
        else:
            messages.error(request, violation.message)
        return _finding_page(request, finding, bound=(action, form))
    messages.success(request, step.done)
    return redirect("oversight:check_finding_detail", check_finding_id=finding.pk)


@require_POST
@login_required
@permission_required("oversight.handle_checkfinding", raise_exception=True)
def check_findings_resolve_cleared(request):
    """Resolve at once the open findings of a rule that the latest run no longer found."""
    form = ResolveClearedForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写核实和处理情况。")
        return redirect("oversight:check_finding_list")
    try:
        count = services.check_findings_resolve_cleared(rule=form.cleaned_data["rule"], note=form.cleaned_data["note"],
                                                        actor=request.user)
    except RuleViolation as violation:
        messages.error(request, violation.message)
    else:
        messages.success(request, f"已将 {count} 条已不再发现的“{RULES_BY_NAME[form.cleaned_data['rule']].title}”"
                                  "记为核实处理。")
    return redirect(reverse("oversight:check_finding_list") + f"?rule={form.cleaned_data['rule']}&status=open")


@require_POST
@login_required
@permission_required("oversight.run_checks", raise_exception=True)
def check_run_start(request):
    """Queue a run of all checks (or show the one already under way)."""
    job, queued = services.checks_request(actor=request.user)
    if job.created_by_id == request.user.pk:
        if queued:
            messages.success(request, "数据核查已开始在后台运行，可以离开本页，稍后回来查看结果。")
        return redirect("job_detail", job_id=job.pk)
    messages.info(request, f"数据核查正在运行（{job.created_by}于 {timezone.localtime(job.created_at):%Y-%m-%d %H:%M} "
                           "提交），完成后结果会显示在本页。")
    return redirect("oversight:check_finding_list")


@require_GET
@login_required
@permission_required("oversight.view_checkfinding", raise_exception=True)
def check_run_list(request):
    page = Paginator(check_runs_visible_to(request.user).order_by("-started_at", "-pk"), 20).get_page(
        request.GET.get("page"))
    titles = {rule.name: rule.title for rule in CHECK_RULES}
    return render(request, "oversight/checks/run_list.html", {"page": page, "runs": [
        (run, [(titles.get(r["rule"], r["rule"]), r) for r in run.results]) for run in page.object_list]})


@require_GET
@login_required
@permission_required("oversight.view_checkfinding", raise_exception=True)
def check_rule_list(request):
    return render(request, "oversight/checks/rule_list.html", {"rules": CHECK_RULES})
