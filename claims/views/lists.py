"""Claims lists: the filtered list and its export, the overdue list, and the decided claims
that facts learnt later have changed (to review)."""

from datetime import date

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tongzhou_care.core.access import street_filter_choices, streets_of
from tongzhou_care.core.downloads import XLSX, dated_name, file_download
from tongzhou_care.core.models import AccessLog
from tongzhou_care.core.search import resolved_query
from tongzhou_care.core.services import access_log_record
from tongzhou_care.core.xlsx import open_temp

from ..exports import CLAIM_LIST_VALUES, write_claim_list
from ..models import ClaimStatus
from ..selectors import (
    CLAIM_SORTING,
    claim_deadline,
    claim_list_page_source,
    claim_search,
    claim_year_choices,
    claims_to_review,
    overdue_claims,
)


PAGE_SIZE = 50


@require_GET
@login_required
@permission_required("claims.view_claim", raise_exception=True)
def claim_list(request):
    filters = _claim_filters(request)
    claims, totals = claim_list_page_source(request.user, **filters)
    page = Paginator(claims, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    unsorted = query.copy()
    unsorted.pop("sort", None)
    return render(request, "claims/claim_list.html", {
        "page": page, "query": query.urlencode(), "statuses": ClaimStatus.choices, "totals": totals,
        "streets": street_filter_choices(request.user), "years": claim_year_choices(request.user),
        "filters": resolved_query(request), "sort": filters["sort"], "sort_query": unsorted.urlencode(),
        "sort_options": SORT_OPTIONS})


# The claims list's sorts in words, for the select a phone shows instead of the header row.
SORT_OPTIONS = [("-reported_at", "报案时间（新到旧）"), ("reported_at", "报案时间（旧到新）"),
                ("name", "被保险人（按拼音）"), ("-name", "被保险人（按拼音倒序）"),
                ("-admitted_on", "入院日期（新到旧）"), ("admitted_on", "入院日期（旧到新）"),
                ("-discharged_on", "出院日期（新到旧）"), ("status", "状态"),
                ("-amount", "核定金额（高到低）"), ("amount", "核定金额（低到高）"), ("number", "理赔编号")]


def _claim_filters(request) -> dict:
    """The claims list's filters from the URL (shared by the page and its export); what does
    not parse is ignored rather than refused, as in any search box."""
    data = resolved_query(request)

    def day(name):
        try:
            return date.fromisoformat(data.get(name, ""))
        except ValueError:
            return None

    year = data.get("year", "")
    return {"text": data.get("q", ""),
            "status": data.get("status", "") if data.get("status") in ClaimStatus.values else "",
            "street_id": data.get("street") if data.get("street", "").isdigit() else None,
            "since": day("since"), "until": day("until"),
            "scheme_year": claim_year_choices(request.user).filter(pk=year).first() if year.isdigit() else None,
            "sort": CLAIM_SORTING.read(data.get("sort"))}


@require_GET
@login_required
@permission_required("claims.export_claims", raise_exception=True)
def claim_export(request):
    """The claims list with its filters as Excel, scoped like the page, logged (S14)."""
    filters = _claim_filters(request)
    out = open_temp()
    count = write_claim_list(out, claim_search(request.user, **filters).values_list(*CLAIM_LIST_VALUES)
                             .iterator(chunk_size=2000))
    described = "，".join(f"{label}：{value}" for label, value in (
        ("查询", filters["text"]), ("状态", ClaimStatus(filters["status"]).label if filters["status"] else ""),
        ("街道/乡镇", streets_of(request.user).filter(pk=filters["street_id"]).first() if filters["street_id"] else ""),
        ("报案日期自", filters["since"] or ""), ("报案日期至", filters["until"] or ""),
        ("保险年度（入院）", filters["scheme_year"] or "")) if value) or "全部"
    access_log_record(actor=request.user, action=AccessLog.Action.EXPORT, target="理赔清单", detail=described,
                      rows=count)
    return file_download(out, dated_name("理赔清单", "xlsx"), XLSX)


@require_GET
@login_required
@permission_required("claims.view_claim", raise_exception=True)
def overdue_list(request):
    """Claims past the insurer's deadline, counted by insurer and by street, then listed."""
    today = timezone.localdate()
    overdue = overdue_claims(request.user, today)
    by_insurer = overdue.order_by().values("insurer__name").annotate(n=Count("pk")).order_by("-n")
    by_street = overdue.order_by().values("street__name").annotate(n=Count("pk")).order_by("-n")
    page = Paginator(overdue.select_related("person", "street"), 50).get_page(request.GET.get("page"))
    return render(request, "claims/overdue.html", {
        "page": page, "rows": [(c, claim_deadline(c, today)) for c in page.object_list],
        "by_insurer": [(r["insurer__name"], r["n"]) for r in by_insurer],
        "by_street": [(r["street__name"], r["n"]) for r in by_street]})




@require_GET
@login_required
@permission_required("claims.view_claim", raise_exception=True)
def review_list(request):
    """Decided claims whose amount a fact learnt later changes (a death or removal recorded
    with an earlier date, a contract amendment), with the amount at stake: each is settled by
    a supplementary decision on its page."""
    rows = claims_to_review(request.user)
    return render(request, "claims/review_list.html", {"rows": rows})
