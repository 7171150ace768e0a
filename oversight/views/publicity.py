"""Publicity notices (宣传告知书): per street the share of families told this scheme year, a
street's list with its delivery, one family's notice as a PDF, a street's notices as one PDF
(background job), and the delivery recorded in the service log."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from enrollment.selectors import person_for_user_or_404
from tongzhou_care.core.access import streets_of
from tongzhou_care.core.downloads import PDF, dated_name, file_download
from tongzhou_care.core.jobs import job_defer
from tongzhou_care.core.models import AccessLog, Role
from tongzhou_care.core.rules import RuleViolation
from tongzhou_care.core.services import access_log_record
from tongzhou_care.core.xlsx import open_temp

from ..exports.publicity import render_notices
from ..forms.publicity import DeliveryForm, PublicityBatchForm, PublicityFilterForm
from ..selectors.common import scheme_year_in_force
from ..selectors.publicity import notice_data, publicity_per_street, publicity_policies
from ..services.publicity import publicity_delivery_record
from .common import paginate


def _choice(request, data):
    """(scheme year, street) asked for: the year in force and, for an officer, their street by
    default."""
    year = data.get("scheme_year") or scheme_year_in_force(timezone.localdate())
    street = data.get("street")
    if street is None and request.user.role == Role.STREET_OFFICER:
        street = request.user.street
    return year, street


@require_GET
@login_required
@permission_required("oversight.print_publicity", raise_exception=True)
def publicity_overview(request):
    form = PublicityFilterForm(request.GET or None, streets=streets_of(request.user))
    data = form.cleaned_or_empty()
    year, street = _choice(request, data)
    rows = publicity_per_street(request.user, year) if year else []
    page = query = None
    if year and street:
        page, query = paginate(request, publicity_policies(request.user, year, street_id=street.pk,
                                                           pending_only=data.get("pending", False)))
    return render(request, "oversight/publicity/overview.html", {
        "form": form, "year": year, "street": street, "rows": rows, "page": page, "query": query,
        "totals": {"insured": sum(r.insured for r in rows), "delivered": sum(r.delivered for r in rows)},
        "batch_form": PublicityBatchForm(initial={"street": street, "scheme_year": year},
                                         streets=streets_of(request.user)),
        "delivery_form": DeliveryForm(initial={"delivered_on": timezone.localdate()}),
        "many_streets": len(rows) > 1})


@require_GET
@login_required
@permission_required("oversight.print_publicity", raise_exception=True)
def publicity_notice(request, person_id):
    """One family's notice (A4 PDF) for the scheme year asked for (?scheme_year=), else the one
    in force."""
    person = person_for_user_or_404(request.user, person_id)
    form = PublicityFilterForm(request.GET or None, streets=streets_of(request.user))
    year, _ = _choice(request, form.cleaned_or_empty())
    policy = publicity_policies(request.user, year, street_id=person.street_id).filter(person=person).first() \
        if year else None
    if policy is None:
        messages.error(request, f"{person.name}在{year.name if year else '本保险年度'}没有有效保单（或已不在册），不出具宣传告知书。")
        return redirect("enrollment:person_detail", person_id=person.pk)
    out = open_temp()
    render_notices(out, notice_data([policy], issued_on=timezone.localdate()))
    access_log_record(actor=request.user, action=AccessLog.Action.DOWNLOAD, target=f"宣传告知书 {policy.number}",
                      rows=1)
    return file_download(out, dated_name(f"宣传告知书_{person.name}", "pdf"), PDF)


@require_POST
@login_required
@permission_required("oversight.print_publicity", raise_exception=True)
def publicity_batch(request):
    """Queue a street's notices as one PDF; the job page shows the progress and the download."""
    form = PublicityBatchForm(request.POST, streets=streets_of(request.user))
    data = form.cleaned_data if form.is_valid() else {}
    year, street = _choice(request, data)
    if not (form.is_valid() and year):
        messages.error(request, "请选择街道/乡镇和保险年度。")
        return redirect("oversight:publicity")
    pending = data.get("pending_only", False)
    job = job_defer(kind="publicity_batch", actor=request.user,
                    title=f"{year.name} {street.name} 宣传告知书{'（未送达）' if pending else ''}",
                    params={"scheme_year_id": year.pk, "street_id": street.pk, "street_name": street.name,
                            "pending_only": pending})
    access_log_record(actor=request.user, action=AccessLog.Action.DOWNLOAD, target=f"宣传告知书批量 {year.name}",
                      detail=street.name + ("（未送达）" if pending else ""))
    return redirect("job_detail", job_id=job.pk)


@require_POST
@login_required
def publicity_deliver(request):
    """Record the delivery of the notices to the families ticked, as 宣传告知 entries of the
    service log (one per family, all or none)."""
    if not request.user.has_perm("oversight.add_serviceentry"):
        raise PermissionDenied("您没有登记服务台账的权限。")
    form = DeliveryForm(request.POST)
    ids = [int(v) for v in request.POST.getlist("person") if v.isdigit()]
    back = {k: v for k, v in (("scheme_year", request.POST.get("scheme_year", "")),
                              ("street", request.POST.get("street", ""))) if v.isdigit()}
    target = redirect("oversight:publicity")
    target["Location"] += "?" + urlencode(back) if back else ""
    if not form.is_valid():
        messages.error(request, "请填写有效的送达日期。")
        return target
    try:
        entries = publicity_delivery_record(person_ids=ids, delivered_on=form.cleaned_data["delivered_on"],
                                            note=form.cleaned_data["note"], actor=request.user)
    except RuleViolation as violation:
        messages.error(request, violation.message)
    else:
        messages.success(request, f"已登记 {len(entries)} 户宣传告知书送达（{form.cleaned_data['delivered_on']:%Y-%m-%d}），"
                                  "已记入服务台账。")
    return target
