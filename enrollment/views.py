"""Persons pages: list, detail, unmask."""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from tongzhou_care.core.access import streets_of
from tongzhou_care.core.history import history_for
from tongzhou_care.core.models import AccessLog
from tongzhou_care.core.services import access_log_record

from .forms import PersonFilterForm, UnmaskForm
from .selectors import person_for_user_or_404, person_search

PAGE_SIZE = 50


@require_GET
@login_required
@permission_required("enrollment.view_person", raise_exception=True)
def person_list(request):
    form = PersonFilterForm(request.GET or None, streets=streets_of(request.user))
    filters = form.cleaned_data if form.is_valid() else {}
    persons = person_search(
        request.user,
        text=filters.get("q", ""),
        street_id=filters["street"].pk if filters.get("street") else None,
        status=filters.get("status", ""),
    )
    page = Paginator(persons, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "enrollment/person_list.html",
                  {"form": form, "page": page, "query": query.urlencode()})


def _detail(request, person, *, unmasked=False, unmask_form=None, status=200):
    return render(request, "enrollment/person_detail.html", {
        "person": person,
        "unmasked": unmasked,
        "unmask_form": unmask_form or UnmaskForm(),
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
        return _detail(request, person, status=403)
    form = UnmaskForm(request.POST)
    if not form.is_valid():
        return _detail(request, person, unmask_form=form, status=400)
    access_log_record(actor=request.user, action=AccessLog.Action.UNMASK,
                      target=f"参保对象 #{person.pk}", reason=form.cleaned_data["reason"])
    return _detail(request, person, unmasked=True)
