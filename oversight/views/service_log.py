"""Service log pages: the log of the user's streets, the persons not contacted this scheme
year (for the visit round), and adding an entry from a person's or a claim's page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from claims.selectors import claims_visible_to
from enrollment.selectors import person_for_user_or_404
from tongzhou_care.core.access import streets_of
from tongzhou_care.core.rules import RuleViolation
from tongzhou_care.core.search import resolved_query

from ..exports.service_log import write_not_contacted, write_service_log
from ..models.service_log import ServiceKind
from ..forms.service_log import NotContactedFilterForm, ServiceEntryForm, ServiceLogFilterForm
from ..selectors.common import scheme_year_in_force
from ..selectors.service_log import (
    persons_not_contacted,
    persons_not_contacted_values,
    service_entry_search,
    service_entry_values,
)
from ..services.service_log import service_entry_record
from .common import describe, paginate, xlsx_download


def _log_filters(request):
    form = ServiceLogFilterForm(resolved_query(request) or None, streets=streets_of(request.user))
    data = form.cleaned_or_empty()
    return form, {"text": data.get("q", ""), "street_id": data["street"].pk if data.get("street") else None,
                  "kind": data.get("kind", ""), "since": data.get("since"), "until": data.get("until")}


@require_GET
@login_required
@permission_required("oversight.view_serviceentry", raise_exception=True)
def service_entry_list(request):
    form, filters = _log_filters(request)
    page, query = paginate(request, service_entry_search(request.user, **filters))
    return render(request, "oversight/service_log/entry_list.html", {"form": form, "page": page, "query": query})


@require_GET
@login_required
@permission_required("oversight.export_service_log", raise_exception=True)
def service_entry_export(request):
    form, filters = _log_filters(request)
    return xlsx_download(request, lambda out: write_service_log(out, service_entry_values(request.user, **filters)),
                         stem="服务台账", target="服务台账", detail=describe(form))


def _not_contacted(request):
    """(form, scheme year, filters) of the not-contacted list; the year defaults to the one in
    force today."""
    form = NotContactedFilterForm(resolved_query(request) or None, streets=streets_of(request.user))
    data = form.cleaned_or_empty()
    year = data.get("scheme_year") or scheme_year_in_force(timezone.localdate())
    return form, year, {"street_id": data["street"].pk if data.get("street") else None, "text": data.get("q", "")}


@require_GET
@login_required
@permission_required("oversight.view_serviceentry", raise_exception=True)
def not_contacted_list(request):
    form, year, filters = _not_contacted(request)
    persons = persons_not_contacted(request.user, year, **filters) if year else None
    page, query = paginate(request, persons) if year else (None, "")
    by_street = (persons.order_by().values("street__name", "street__code").annotate(n=Count("pk"))
                 .order_by("street__code") if year and streets_of(request.user).count() > 1 else [])
    return render(request, "oversight/service_log/not_contacted.html", {
        "form": form, "year": year, "page": page, "query": query, "by_street": by_street})


@require_GET
@login_required
@permission_required("oversight.export_service_log", raise_exception=True)
def not_contacted_export(request):
    form, year, filters = _not_contacted(request)
    if year is None:
        messages.error(request, "尚未设立保险年度，没有可导出的名单。")
        return redirect("oversight:not_contacted_list")
    title = f"{year.name}未联系参保对象（走访名单）"
    return xlsx_download(request, lambda out: write_not_contacted(
        out, persons_not_contacted_values(request.user, year, **filters), title=title),
        stem="未联系参保对象", target=title, detail=describe(form))


@require_http_methods(["GET", "POST"])
@login_required
def service_entry_add(request, person_id):
    """The entry form of one person (also shown, pre-filled, on the person's and the claim's
    page: pick the kind, press 登记). A claim of the person may be named by ?claim= (GET) or
    the form; the page goes back to the claim or the person afterwards."""
    person = person_for_user_or_404(request.user, person_id)
    if not request.user.has_perm("oversight.add_serviceentry"):
        raise PermissionDenied("您没有登记服务台账的权限。")
    form = ServiceEntryForm(request.POST or None, initial={
        "served_on": timezone.localdate(), "claim": request.GET.get("claim", "")})
    claim = None
    claim_id = form.data.get("claim") if form.is_bound else request.GET.get("claim")
    if claim_id and str(claim_id).isdigit():
        claim = claims_visible_to(request.user).filter(pk=claim_id, person=person).first()
    if request.method == "POST" and form.is_valid():
        try:
            service_entry_record(person_id=person.pk, kind=form.cleaned_data["kind"],
                                 served_on=form.cleaned_data["served_on"], note=form.cleaned_data["note"],
                                 claim_id=claim.pk if claim else None, actor=request.user)
        except RuleViolation as violation:
            form.add_error(violation.code if violation.code in form.fields else None, violation.message)
        else:
            messages.success(request, f"已登记{person.name}的服务：{ServiceKind(form.cleaned_data['kind']).label}。")
            if claim:
                return redirect("claims:claim_detail", claim_id=claim.pk)
            return redirect("enrollment:person_detail", person_id=person.pk)
    return render(request, "oversight/service_log/entry_form.html",
                  {"person": person, "claim": claim, "form": form}, status=400 if form.errors else 200)
