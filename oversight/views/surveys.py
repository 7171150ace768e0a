"""Survey pages: the task list (and the yearly sample for the commission), one survey with the
officer's answer form, and the figures per scheme year, insurer and street."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from tongzhou_care.core.access import streets_of
from tongzhou_care.core.history import history_for
from tongzhou_care.core.rules import RuleViolation
from tongzhou_care.core.search import resolved_query

from ..exports.surveys import write_survey_figures
from ..forms.surveys import SampleDrawForm, SurveyFiguresFilterForm, SurveyFilterForm
from ..workflow.surveys import SURVEY_WORKFLOW
from ..selectors.surveys import (
    survey_facts,
    survey_figures,
    survey_for_user_or_404,
    survey_samples_visible_to,
    survey_search,
)
from ..services import surveys as services
from .common import describe, paginate, xlsx_download


@require_GET
@login_required
@permission_required("oversight.view_survey", raise_exception=True)
def survey_list(request):
    form = SurveyFilterForm(resolved_query(request) or None, streets=streets_of(request.user))
    data = form.cleaned_or_empty()
    surveys = survey_search(request.user, text=data.get("q", ""), status=data.get("status", ""),
                            origin=data.get("origin", ""), street_id=data["street"].pk if data.get("street") else None,
                            scheme_year_id=data["scheme_year"].pk if data.get("scheme_year") else None)
    page, query = paginate(request, surveys)
    return render(request, "oversight/surveys/survey_list.html", {
        "form": form, "page": page, "query": query, "draw_form": SampleDrawForm(),
        "samples": survey_samples_visible_to(request.user).order_by("-scheme_year__coverage_start", "street__code")[:200]})


@require_POST
@login_required
@permission_required("oversight.draw_survey_sample", raise_exception=True)
def survey_sample_draw(request):
    form = SampleDrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择要抽样的保险年度。")
        return redirect("oversight:survey_list")
    try:
        samples = services.survey_sample_draw(scheme_year_id=form.cleaned_data["scheme_year"].pk, actor=request.user)
    except RuleViolation as violation:
        messages.error(request, violation.message)
    else:
        messages.success(request, f"已为 {len(samples)} 个街道/乡镇抽样，共 {sum(s.size for s in samples)} 人；"
                         "调查任务已交各街道/乡镇专管员。抽样结果已记录，不会重抽。")
    return redirect("oversight:survey_list")


def _page(request, survey, bound=None):
    facts = survey_facts(survey)
    today = timezone.localdate()
    # One form per action of the table, each with ids of its own (two outcome forms share a class).
    forms = {a.name: a.form(initial={"surveyed_on": today}, auto_id=f"id_{a.name}_%s") for a in SURVEY_WORKFLOW}
    if bound:
        forms[bound[0]] = bound[1]
    return render(request, "oversight/surveys/survey_detail.html", {
        "survey": survey, "forms": forms, "actions": SURVEY_WORKFLOW.available(request.user, facts),
        "blocked": SURVEY_WORKFLOW.blocked(request.user, facts),
        "history": history_for(request.user, survey)}, status=400 if bound else 200)


@require_GET
@login_required
def survey_detail(request, survey_id):
    return _page(request, survey_for_user_or_404(request.user, survey_id))


@require_POST
@login_required
def survey_act(request, survey_id, action):
    survey = survey_for_user_or_404(request.user, survey_id)
    if action not in SURVEY_WORKFLOW.by_name:
        raise Http404
    step = SURVEY_WORKFLOW[action]
    if not request.user.has_perm(step.permission):
        raise PermissionDenied(f"您没有“{step.label}”的权限。")
    form = step.form(request.POST, auto_id=f"id_{action}_%s")
    if not form.is_valid():
        return _page(request, survey, (action, form))
    data = form.cleaned_data
    try:
        services.survey_record(survey_id=survey.pk, action=action, method=data.get("method", ""),
                               surveyed_on=data["surveyed_on"], comment=data.get("comment", ""),
                               scores=form.scores() if action == "answer" else None, actor=request.user)
    except RuleViolation as violation:
        if violation.code in form.fields:
            form.add_error(violation.code, violation.message)
            return _page(request, survey, (action, form))
        messages.error(request, violation.message)
        return redirect("oversight:survey_detail", survey_id=survey.pk)
    messages.success(request, step.done)
    return redirect("oversight:survey_list")


def _figures(request):
    form = SurveyFiguresFilterForm(request.GET or None, streets=streets_of(request.user))
    data = form.cleaned_or_empty()
    figures = survey_figures(request.user, scheme_year_id=data["scheme_year"].pk if data.get("scheme_year") else None,
                             insurer_id=data["insurer"].pk if data.get("insurer") else None,
                             street_id=data["street"].pk if data.get("street") else None,
                             origin=data.get("origin", ""))
    return form, figures


@require_GET
@login_required
@permission_required("oversight.view_survey_figures", raise_exception=True)
def survey_figures_page(request):
    form, figures = _figures(request)
    query = request.GET.urlencode()
    return render(request, "oversight/surveys/figures.html", {"form": form, "figures": figures, "query": query})


@require_GET
@login_required
@permission_required("oversight.view_survey_figures", raise_exception=True)
def survey_figures_export(request):
    form, figures = _figures(request)
    title = f"满意度调查统计（{describe(form)}）"
    return xlsx_download(request, lambda out: write_survey_figures(out, figures, title=title),
                         stem="满意度调查统计", target="满意度调查统计", detail=describe(form))
