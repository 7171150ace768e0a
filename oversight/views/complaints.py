"""Complaint pages: the list (with the overdue filter), recording, the complaint's page with
exactly the actions the action table allows, and its export."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enrollment.selectors import person_for_user_or_404
from tongzhou_care.core.access import streets_of
from tongzhou_care.core.history import history_for
from tongzhou_care.core.models import Role
from tongzhou_care.core.rules import RuleViolation
from tongzhou_care.core.search import resolved_query
from tongzhou_care.core.workdays import calendar_is_estimated

from ..exports.complaints import write_complaints
from ..forms.complaints import AssignForm, ComplaintFilterForm, ComplaintForm
from ..rules.complaints import closed_in_time, complaint_is_overdue
from ..workflow.complaints import COMPLAINT_WORKFLOW
from ..selectors.complaints import (
    complaint_facts,
    complaint_for_user_or_404,
    complaint_handler_choices,
    complaint_search,
    complaint_values,
)
from ..services import complaints as services
from .common import describe, paginate, xlsx_download


def _filters(request):
    form = ComplaintFilterForm(resolved_query(request) or None, streets=streets_of(request.user))
    data = form.cleaned_or_empty()
    return form, {"text": data.get("q", ""), "status": data.get("status", ""), "about": data.get("about", ""),
                  "category": data.get("category", ""), "street_id": data["street"].pk if data.get("street") else None,
                  "overdue": bool(data.get("overdue")), "since": data.get("since"), "until": data.get("until"),
                  "today": timezone.localdate()}


@require_GET
@login_required
@permission_required("oversight.view_complaint", raise_exception=True)
def complaint_list(request):
    form, filters = _filters(request)
    page, query = paginate(request, complaint_search(request.user, **filters))
    today = filters["today"]
    return render(request, "oversight/complaints/complaint_list.html", {
        "form": form, "page": page, "query": query,
        "rows": [(c, complaint_is_overdue(status=c.status, due_on=c.due_on, today=today)) for c in page.object_list]})


@require_GET
@login_required
@permission_required("oversight.export_complaint", raise_exception=True)
def complaint_export(request):
    form, filters = _filters(request)
    return xlsx_download(request, lambda out: write_complaints(out, complaint_values(request.user, **filters)),
                         stem="投诉清单", target="投诉清单", detail=describe(form))


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("oversight.add_complaint", raise_exception=True)
def complaint_new(request):
    """Record a complaint; from a person's page (?person=) it concerns that person."""
    person_id = request.POST.get("person") or request.GET.get("person")
    if person_id and not str(person_id).isdigit():
        raise Http404
    person = person_for_user_or_404(request.user, person_id) if person_id else None
    streets = streets_of(request.user)
    form = ComplaintForm(request.POST or None, streets=streets, initial={
        "received_on": timezone.localdate(), "person": person.pk if person else None,
        "street": person.street_id if person else (request.user.street_id or None)})
    officer = request.user.role == Role.STREET_OFFICER
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            complaint = services.complaint_record(
                actor=request.user, channel=data["channel"], complainant_name=data["complainant_name"],
                complainant_relation=data["complainant_relation"], complainant_phone=data["complainant_phone"],
                about=data["about"], insurer=data["insurer"], street=data["street"], category=data["category"],
                received_on=data["received_on"], content=data["content"], person=person)
        except RuleViolation as violation:
            form.add_error(violation.code if violation.code in form.fields else None, violation.message)
        else:
            messages.success(request, f"已登记投诉 {complaint.number}，应于 {complaint.due_on:%Y-%m-%d} 前办结。"
                             + ("请区卫健委交办。" if complaint.status == "recorded" else ""))
            return redirect("oversight:complaint_detail", complaint_id=complaint.pk)
    return render(request, "oversight/complaints/complaint_form.html",
                  {"form": form, "person": person, "officer": officer}, status=400 if form.errors else 200)


def _form(action: str, complaint, data=None):
    """The form the action table names for `action`, unbound or bound to `data`."""
    form_class = COMPLAINT_WORKFLOW[action].form
    if form_class is AssignForm:
        return AssignForm(data, handlers=complaint_handler_choices(complaint), initial={"handler": complaint.handler_id})
    return form_class(data)


# What each action of the table calls with the form's cleaned data.
CALLS = {
    "assign": lambda c, u, d: services.complaint_assign(complaint_id=c.pk, handler_id=d["handler"].pk, actor=u),
    "reply": lambda c, u, d: services.complaint_reply(complaint_id=c.pk, reply=d["reply"], actor=u),
    "close": lambda c, u, d: services.complaint_close(complaint_id=c.pk, satisfaction=d["satisfaction"],
                                                      note=d["note"], actor=u),
}


@require_GET
@login_required
def complaint_detail(request, complaint_id):
    return _page(request, complaint_for_user_or_404(request.user, complaint_id))


def _page(request, complaint, bound=None):
    today = timezone.localdate()
    facts = complaint_facts(complaint)
    return render(request, "oversight/complaints/complaint_detail.html", {
        "complaint": complaint,
        "forms": {a.name: bound[1] if bound and bound[0] == a.name else _form(a.name, complaint)
                  for a in COMPLAINT_WORKFLOW},
        "actions": COMPLAINT_WORKFLOW.available(request.user, facts),
        "blocked": COMPLAINT_WORKFLOW.blocked(request.user, facts),
        "overdue": complaint_is_overdue(status=complaint.status, due_on=complaint.due_on, today=today),
        "in_time": closed_in_time(closed_on=complaint.closed_on, due_on=complaint.due_on),
        "estimated": calendar_is_estimated(complaint.due_on),
        "history": history_for(request.user, complaint),
    }, status=400 if bound else 200)


@require_POST
@login_required
def complaint_act(request, complaint_id, action):
    complaint = complaint_for_user_or_404(request.user, complaint_id)
    if action not in CALLS:
        raise Http404
    step = COMPLAINT_WORKFLOW[action]
    if not request.user.has_perm(step.permission):
        raise PermissionDenied(f"您没有“{step.label}”的权限。")
    form = _form(action, complaint, request.POST)
    if not form.is_valid():
        return _page(request, complaint, (action, form))
    try:
        CALLS[action](complaint, request.user, form.cleaned_data)
    except RuleViolation as violation:
        if violation.code in form.fields:
            form.add_error(violation.code, violation.message)
            return _page(request, complaint, (action, form))
        messages.error(request, violation.message)
    else:
        messages.success(request, step.done)
    return redirect("oversight:complaint_detail", complaint_id=complaint.pk)
