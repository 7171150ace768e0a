"""Persons pages: list, detail, unmask, edit, export."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongzhou_care.core.access import street_filter_choices
from tongzhou_care.core.downloads import XLSX, dated_name, file_download
from tongzhou_care.core.history import history_for
from tongzhou_care.core.models import AccessLog
from tongzhou_care.core.rules import RuleViolation
from tongzhou_care.core.search import resolved_query
from tongzhou_care.core.services import access_log_record
from tongzhou_care.core.xlsx import open_temp

from ..exports import write_roster
from ..forms import PersonEditForm, PersonFilterForm, PersonLookupForm, ReasonForm, UnmaskForm
from ..models import Category, PersonStatus
from ..selectors import (
    PERSON_SORTING,
    may_unmask,
    person_export_values,
    person_for_user_or_404,
    person_lookup,
    person_search,
    persons_visible_to,
    policies_visible_to,
    scheme_years_visible_to,
)
from ..services import person_update
from ..services.persons import editable_fields

PAGE_SIZE = 50


def _filters(request) -> tuple[PersonFilterForm, dict]:
    form = PersonFilterForm(resolved_query(request) or None, streets=street_filter_choices(request.user),
                            scheme_years=scheme_years_visible_to(request.user))
    data = form.cleaned_data if form.is_valid() else {}
    return form, {
        "text": data.get("q", ""),
        "street_id": data["street"].pk if data.get("street") else None,
        "status": data.get("status", ""),
        "category": data.get("category", ""),
        "scheme_year_id": data["year"].pk if data.get("year") else None,
        "sort": PERSON_SORTING.read(request.GET.get("sort")),
    }


def _describe(form: PersonFilterForm) -> str:
    """The filters of an export in the words of the filter bar, for the access log."""
    if not form.is_bound or not form.is_valid():
        return "全部"
    data = form.cleaned_data
    shown = {"q": data.get("q"), "street": data.get("street"),
             "status": PersonStatus(data["status"]).label if data.get("status") else "",
             "category": Category(data["category"]).label if data.get("category") else "",
             "year": data.get("year")}
    return "，".join(f"{form.fields[name].label}：{value}" for name, value in shown.items() if value) or "全部"


@require_GET
@login_required
@permission_required("enrollment.view_person", raise_exception=True)
def person_list(request):
    form, filters = _filters(request)
    page = Paginator(person_search(request.user, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    unsorted = query.copy()
    unsorted.pop("sort", None)
    return render(request, "enrollment/person_list.html", {
        "form": form, "page": page, "query": query.urlencode(), "reason_form": ReasonForm(),
        "sort": filters["sort"], "sort_query": unsorted.urlencode(), "sort_options": SORT_OPTIONS,
    })


# The persons list's sorts in words, for the select a phone shows instead of the header row.
SORT_OPTIONS = [("name", "姓名（按拼音）"), ("-name", "姓名（按拼音倒序）"), ("street", "街道/乡镇"),
                ("category", "扶助类别"), ("assistance_start", "开始享受扶助（早到晚）"),
                ("-assistance_start", "开始享受扶助（晚到早）"), ("status", "状态")]


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("enrollment.view_person", raise_exception=True)
def person_find(request):
    """The officer's search from the home page: the persons found, each with what the user
    may do for them there and then (为其报案, 登记服务), one tap away."""
    form, persons = looked_up(request)
    return render(request, "enrollment/person_find.html", {"form": form, "persons": persons})


def looked_up(request) -> tuple[PersonLookupForm, object]:
    """(the search form, the persons found or None) for a person search page (S12: a full ID
    number only from a POST); a refused search puts its reason beside the box."""
    # Only from a POST: a name or ID digits never travel in a URL (S12). Typed into the address
    # bar they are refused, not searched.
    form = PersonLookupForm(request.POST or request.GET or None)
    persons = None
    if request.method != "POST" and form.is_bound:
        text = request.GET.get("q", "").strip()
        form.is_valid()
        form.add_error("q", "完整身份证号请通过查询按钮提交，不放在网址中。" if len(text) == 18 else
                       "姓名和身份证号后4位也请通过查询按钮提交，不放在网址中。")
    elif form.is_bound and form.is_valid():
        try:
            persons = person_lookup(request.user, form.cleaned_data["q"], posted=request.method == "POST",
                                    today=timezone.localdate())
        except RuleViolation as violation:
            form.add_error("q", violation.message)
    return form, persons


def _detail(request, person, *, unmasked=False, unmask_form=None, status=200):
    # The person's claims come from the claims app's scoped selector (imported here, not at the
    # top: claims builds on enrollment, not the other way round).
    from claims.rules import days_left
    from claims.selectors import claims_of_person

    policies = list(policies_visible_to(request.user).filter(person=person).order_by("-cover_start"))
    for policy in policies:
        policy.days_left = days_left(day_cap=policy.day_cap, days_used=policy.days_used)
    return render(request, "enrollment/person_detail.html", {
        "claims": claims_of_person(request.user, person),
        "person": person,
        "unmasked": unmasked,
        "may_unmask": may_unmask(request.user, person),
        "unmask_form": unmask_form or UnmaskForm(),
        "can_edit": bool(editable_fields(request.user)),
        "policies": policies,
        # The spouse's name only when the viewer may see the spouse too (another street's is not).
        "spouse": persons_visible_to(request.user).filter(pk=person.spouse_id).first() if person.spouse_id else None,
        "history": history_for(request.user, person),
    }, status=status)


@require_GET
@login_required
@permission_required("enrollment.view_person", raise_exception=True)
def person_detail(request, person_id):
    return _detail(request, person_for_user_or_404(request.user, person_id))


@require_POST
@login_required
def person_unmask(request, person_id):
    """Show the full ID number, phone and account once, for a stated reason, and log it."""
    person = person_for_user_or_404(request.user, person_id)
    if not request.user.has_perm("enrollment.unmask_person"):
        raise PermissionDenied
    if not may_unmask(request.user, person):
        raise PermissionDenied("该参保对象只在已结束的承保合同中，保险公司只能查阅遮蔽后的信息。")
    form = UnmaskForm(request.POST)
    if not form.is_valid():
        return _detail(request, person, unmask_form=form, status=400)
    access_log_record(actor=request.user, action=AccessLog.Action.UNMASK,
                      target=f"参保对象 #{person.pk}", reason=form.cleaned_data["reason"])
    return _detail(request, person, unmasked=True)


@require_http_methods(["GET", "POST"])
@login_required
def person_edit(request, person_id):
    """Officers correct contact data; the commission admin also identity data. A form read
    before someone else saved is refused, never silently overwritten (S23)."""
    person = person_for_user_or_404(request.user, person_id)
    editable = editable_fields(request.user)
    if not editable:
        raise PermissionDenied
    form = PersonEditForm(request.POST or None, instance=person, editable=editable)
    if request.method == "POST" and form.is_valid():
        try:
            person_update(person_id=person.pk, version=form.cleaned_data["version"],
                          changes=form.changes(), actor=request.user)
        except RuleViolation as violation:
            form.add_error(None, violation.message)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"已保存{person.name}的信息。")
            return redirect("enrollment:person_detail", person_id=person.pk)
    return render(request, "enrollment/person_edit.html", {"person": person, "form": form},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("enrollment.export_person", raise_exception=True)
def person_export(request):
    """The persons list as Excel with the list's filters: masked by GET; in full by POST, for
    holders of export_person_full who state a reason. Every export is logged (S14)."""
    filter_form, filters = _filters(request)
    full = request.method == "POST"
    reason = ""
    if full:
        if not request.user.has_perm("enrollment.export_person_full"):
            raise PermissionDenied
        form = ReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, "导出完整名单须填写事由（至少2个字）。")
            return redirect(f"{reverse('enrollment:person_list')}?{request.GET.urlencode()}")
        reason = form.cleaned_data["reason"]
    out = open_temp()
    count = write_roster(out, person_export_values(request.user, **filters), full=full)
    access_log_record(actor=request.user, action=AccessLog.Action.EXPORT,
                      target="参保对象花名册（完整）" if full else "参保对象花名册（遮蔽）",
                      detail=_describe(filter_form), rows=count, reason=reason)
    stem = "参保对象花名册_完整" if full else "参保对象花名册"
    return file_download(out, dated_name(stem, "xlsx"), XLSX)
