"""Scheme years, policies, certificates, the change list, the insured list and the premium
settlement."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongzhou_care.core.downloads import PDF, XLSX, dated_name, file_download
from tongzhou_care.core.history import history_for
from tongzhou_care.core.jobs import job_defer
from tongzhou_care.core.models import AccessLog, Street
from tongzhou_care.core.paging import CountedQuerySet
from tongzhou_care.core.rules import RuleViolation
from tongzhou_care.core.search import resolved_query
from tongzhou_care.core.services import access_log_record
from tongzhou_care.core.xlsx import open_temp

from ..exports import (
    write_certificates,
    write_change_list,
    write_insured_list,
    write_premium_settlement,
    write_premium_settlement_pdf,
)
from ..forms import CertificateBatchForm, PolicyFilterForm, ReasonForm, SchemeYearForm
from ..selectors import (
    contract_amendments,
    contract_read_only,
    insured_list_values,
    policy_changes,
    policy_counts,
    policy_for_user_or_404,
    POLICY_SORTING,
    policy_search,
    policy_totals,
    premium_settlement_for,
    scheme_year_for_user_or_404,
    scheme_years_visible_to,
)
from ..services import policies_issue, scheme_year_save


RULE_FIELDS = {"premium": "premium_per_person", "subsidy": "daily_subsidy", "day_cap": "day_cap",
               "coverage": "coverage_end", "coverage_fixed": "coverage_start",
               "amendment": "amendment_reason", "amendment_date": "amendment_date"}


@require_GET
@login_required
@permission_required("enrollment.view_schemeyear", raise_exception=True)
def scheme_year_list(request):
    years = scheme_years_visible_to(request.user).annotate(policy_count=Count("policies"))
    return render(request, "enrollment/scheme_year_list.html", {"years": years})


def _save(request, form):
    try:
        saved = scheme_year_save(scheme_year=form.instance, actor=request.user,
                                 amendment_date=form.cleaned_data.get("amendment_date"),
                                 amendment_reason=form.cleaned_data.get("amendment_reason") or "")
    except RuleViolation as violation:
        # Next to the field it is about, where there is one.
        form.add_error(RULE_FIELDS.get(violation.code), violation.message)
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        messages.success(request, f"已保存{saved.name}的设置。")
        return redirect("enrollment:scheme_year_detail", scheme_year_id=saved.pk)
    return None


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("enrollment.add_schemeyear", raise_exception=True)
def scheme_year_new(request):
    form = SchemeYearForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        response = _save(request, form)
        if response:
            return response
    return render(request, "enrollment/scheme_year_form.html", {"form": form},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
def scheme_year_edit(request, scheme_year_id):
    scheme_year = scheme_year_for_user_or_404(request.user, scheme_year_id)
    if not request.user.has_perm("enrollment.change_schemeyear"):
        raise PermissionDenied
    form = SchemeYearForm(request.POST or None, instance=scheme_year)
    if request.method == "POST" and form.is_valid():
        response = _save(request, form)
        if response:
            return response
    return render(request, "enrollment/scheme_year_form.html", {"form": form, "sy": scheme_year},
                  status=400 if form.errors else 200)


@require_GET
@login_required
def scheme_year_detail(request, scheme_year_id):
    scheme_year = scheme_year_for_user_or_404(request.user, scheme_year_id)
    counts = policy_counts(scheme_year)
    return render(request, "enrollment/scheme_year_detail.html", {
        "sy": scheme_year, "counts": counts, "amendments": contract_amendments(scheme_year),
        "batch_form": CertificateBatchForm(streets=Street.objects.all()),
        "reason_form": ReasonForm(), "history": history_for(request.user, scheme_year),
        "read_only": contract_read_only(request.user, scheme_year),
    })


@require_POST
@login_required
def scheme_year_issue(request, scheme_year_id):
    scheme_year = scheme_year_for_user_or_404(request.user, scheme_year_id)
    if not request.user.has_perm("enrollment.issue_policies"):
        raise PermissionDenied
    first = scheme_year.policies_issued_at is None
    created = policies_issue(scheme_year_id=scheme_year.pk, actor=request.user)
    if first:
        messages.success(request, f"已为 {created} 名参保对象生成{scheme_year.name}保单。")
    else:
        messages.success(request, f"保单已与花名册同步：{created} 项增减员。")
    return redirect("enrollment:scheme_year_detail", scheme_year_id=scheme_year.pk)


@require_GET
@login_required
def policy_list(request, scheme_year_id):
    scheme_year = scheme_year_for_user_or_404(request.user, scheme_year_id)
    form = PolicyFilterForm(resolved_query(request) or None, streets=Street.objects.all())
    data = form.cleaned_data if form.is_valid() else {}
    sort = POLICY_SORTING.read(request.GET.get("sort"))
    policies = policy_search(request.user, scheme_year, text=data.get("q", ""),
                             street_id=data["street"].pk if data.get("street") else None,
                             state=data.get("state", ""), sort=sort)
    totals = policy_totals(policies)
    page = Paginator(CountedQuerySet(policies, totals["count"]), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    unsorted = query.copy()
    unsorted.pop("sort", None)
    return render(request, "enrollment/policy_list.html", {
        "sy": scheme_year, "form": form, "page": page, "query": query.urlencode(), "totals": totals,
        "sort": sort, "sort_query": unsorted.urlencode()})


@require_GET
@login_required
def policy_certificate(request, policy_id):
    """One person's certificate (保险凭证) as an A4 PDF."""
    policy = policy_for_user_or_404(request.user, policy_id)
    if not policy.cover.days:
        # Ended before its cover began (added, then died or removed before the start day).
        messages.error(request, f"保单 {policy.number} 没有保障期间，不出具保险凭证。")
        return redirect("enrollment:person_detail", person_id=policy.person_id)
    out = open_temp()
    write_certificates(out, [policy], issued_on=timezone.localdate())
    access_log_record(actor=request.user, action=AccessLog.Action.DOWNLOAD,
                      target=f"保险凭证 {policy.number}", rows=1)
    return file_download(out, dated_name(f"保险凭证_{policy.number}", "pdf"), PDF)


@require_POST
@login_required
def certificate_batch(request, scheme_year_id):
    """Queue the certificates of a street or the whole year as one PDF; the job page shows
    the progress and the download."""
    scheme_year = scheme_year_for_user_or_404(request.user, scheme_year_id)
    if not request.user.has_perm("enrollment.issue_policies"):
        raise PermissionDenied
    form = CertificateBatchForm(request.POST, streets=Street.objects.all())
    if not form.is_valid():
        messages.error(request, "请选择有效的范围。")
        return redirect("enrollment:scheme_year_detail", scheme_year_id=scheme_year.pk)
    street = form.cleaned_data["street"]
    job = job_defer(kind="certificate_batch", actor=request.user,
                    title=f"{scheme_year.name} {street.name if street else '全区'} 保险凭证",
                    params={"scheme_year_id": scheme_year.pk, "street_id": street.pk if street else None,
                            "street_name": street.name if street else ""})
    access_log_record(actor=request.user, action=AccessLog.Action.DOWNLOAD,
                      target=f"保险凭证批量 {scheme_year.name}", detail=street.name if street else "全区")
    return redirect("job_detail", job_id=job.pk)


@require_GET
@login_required
def change_list(request, scheme_year_id):
    """增减员清单 for the insurer."""
    scheme_year = scheme_year_for_user_or_404(request.user, scheme_year_id)
    page = Paginator(policy_changes(scheme_year), 50).get_page(request.GET.get("page"))
    return render(request, "enrollment/change_list.html", {"sy": scheme_year, "page": page})


@require_GET
@login_required
def change_list_export(request, scheme_year_id):
    scheme_year = scheme_year_for_user_or_404(request.user, scheme_year_id)
    out = open_temp()
    count = write_change_list(out, policy_changes(scheme_year).iterator(chunk_size=2000))
    access_log_record(actor=request.user, action=AccessLog.Action.EXPORT,
                      target=f"增减员清单 {scheme_year.name}", rows=count)
    return file_download(out, dated_name(f"增减员清单_{scheme_year.name}", "xlsx"), XLSX)


@require_http_methods(["GET", "POST"])
@login_required
def insured_list_export(request, scheme_year_id):
    """承保清单: masked by GET; in full by POST, for holders of the full permission who state
    a reason. Logged either way (S14)."""
    scheme_year = scheme_year_for_user_or_404(request.user, scheme_year_id)
    full = request.method == "POST"
    perm = "enrollment.export_insured_list_full" if full else "enrollment.export_insured_list"
    if not request.user.has_perm(perm):
        raise PermissionDenied
    if full and contract_read_only(request.user, scheme_year):
        raise PermissionDenied("该承保合同已结束，保险公司只能导出遮蔽的承保清单。")
    reason = ""
    if full:
        form = ReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, "导出完整承保清单须填写事由（至少2个字）。")
            return redirect("enrollment:scheme_year_detail", scheme_year_id=scheme_year.pk)
        reason = form.cleaned_data["reason"]
    values = insured_list_values(request.user, scheme_year)
    out = open_temp()
    count = write_insured_list(out, values, full=full)
    access_log_record(actor=request.user, action=AccessLog.Action.EXPORT,
                      target=f"承保清单{'（完整）' if full else '（遮蔽）'} {scheme_year.name}",
                      rows=count, reason=reason)
    stem = f"承保清单_{scheme_year.name}" + ("_完整" if full else "")
    return file_download(out, dated_name(stem, "xlsx"), XLSX)


def _settlement(request, scheme_year_id):
    scheme_year = scheme_year_for_user_or_404(request.user, scheme_year_id)
    if not request.user.has_perm("enrollment.view_premium"):
        raise PermissionDenied
    settlement, lines = premium_settlement_for(scheme_year)
    return scheme_year, settlement, lines


@require_GET
@login_required
def premium_settlement(request, scheme_year_id):
    scheme_year, settlement, lines = _settlement(request, scheme_year_id)
    page = Paginator(lines, 50).get_page(request.GET.get("page"))
    return render(request, "enrollment/premium_settlement.html", {"sy": scheme_year, "s": settlement, "page": page})


@require_GET
@login_required
def premium_settlement_export(request, scheme_year_id, fmt):
    scheme_year, settlement, lines = _settlement(request, scheme_year_id)
    out = open_temp()
    if fmt == "pdf":
        write_premium_settlement_pdf(out, scheme_year, settlement, lines)
    else:
        write_premium_settlement(out, scheme_year, settlement, lines)
    access_log_record(actor=request.user, action=AccessLog.Action.EXPORT,
                      target=f"保费结算 {scheme_year.name}", rows=len(lines))
    return file_download(out, dated_name(f"保费结算_{scheme_year.name}", fmt),
                         PDF if fmt == "pdf" else XLSX)
