"""Training pages: the sessions of a scheme year with the streets that have no trained officer,
recording and correcting a session, and the attendance export."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongzhou_care.core.history import history_for
from tongzhou_care.core.rules import RuleViolation

from ..exports.training import write_training
from ..forms.training import TrainingFilterForm, TrainingSessionForm
from ..selectors.common import scheme_year_in_force
from ..selectors.training import (
    streets_without_trained_officer,
    training_attendance_values,
    training_attendances_visible_to,
    training_session_for_user_or_404,
    training_sessions_in,
)
from ..services.training import training_session_save
from .common import describe, paginate, xlsx_download


def _year(request):
    form = TrainingFilterForm(request.GET or None)
    return form, form.cleaned_or_empty().get("scheme_year") or scheme_year_in_force(timezone.localdate())


@require_GET
@login_required
@permission_required("oversight.view_trainingsession", raise_exception=True)
def training_list(request):
    form, year = _year(request)
    page, query = paginate(request, training_sessions_in(request.user, year))
    return render(request, "oversight/training/training_list.html", {
        "form": form, "year": year, "page": page, "query": query,
        "untrained": streets_without_trained_officer(request.user, year) if year else None})


@require_GET
@login_required
@permission_required("oversight.view_trainingsession", raise_exception=True)
def training_export(request):
    form, year = _year(request)
    title = f"{year.name if year else '全部'}业务培训参训名单"
    return xlsx_download(request, lambda out: write_training(out, training_attendance_values(request.user, year),
                                                             title=title),
                         stem="业务培训参训名单", target=title, detail=describe(form))


def _detail(request, session, form=None):
    """The session's page; holders of the change permission get its form below (bound and
    answered with 400 when a correction was refused)."""
    if form is None and request.user.has_perm("oversight.change_trainingsession"):
        form = TrainingSessionForm(initial={
            "held_on": session.held_on, "topic": session.topic, "trainer": session.trainer,
            "location": session.location, "note": session.note, "version": session.version,
            "attendees": list(session.attendances.values_list("user_id", flat=True))})
    return render(request, "oversight/training/training_detail.html", {
        "session": session, "form": form, "history": history_for(request.user, session),
        "attendances": training_attendances_visible_to(request.user).filter(session=session)
        .order_by("user__role", "user__street__code", "user__full_name")}, status=400 if form and form.errors else 200)


@require_GET
@login_required
def training_detail(request, training_session_id):
    return _detail(request, training_session_for_user_or_404(request.user, training_session_id))


def _save(request, form, session=None):
    data = form.cleaned_data
    return training_session_save(
        actor=request.user, held_on=data["held_on"], topic=data["topic"], trainer=data["trainer"],
        location=data["location"], note=data["note"], attendee_ids=[u.pk for u in data["attendees"]],
        session_id=session.pk if session else None, version=data.get("version") if session else None)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("oversight.add_trainingsession", raise_exception=True)
def training_new(request):
    form = TrainingSessionForm(request.POST or None, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save(request, form)
        except RuleViolation as violation:
            form.add_error(violation.code if violation.code in form.fields else None, violation.message)
        else:
            messages.success(request, f"已登记培训“{saved.topic}”，参训 {saved.attendances.count()} 人。")
            return redirect("oversight:training_detail", training_session_id=saved.pk)
    return render(request, "oversight/training/training_form.html", {"form": form},
                  status=400 if form.errors else 200)


@require_POST
@login_required
def training_edit(request, training_session_id):
    """Correct a session (its form is on the session's page)."""
    session = training_session_for_user_or_404(request.user, training_session_id)
    if not request.user.has_perm("oversight.change_trainingsession"):
        raise PermissionDenied("您没有修改业务培训的权限。")
    form = TrainingSessionForm(request.POST)
    if form.is_valid():
        try:
            _save(request, form, session)
        except RuleViolation as violation:
            form.add_error(violation.code if violation.code in form.fields else None, violation.message)
        else:
            messages.success(request, "已保存修改。")
            return redirect("oversight:training_detail", training_session_id=session.pk)
    return _detail(request, session, form)
