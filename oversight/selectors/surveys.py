"""Reads of satisfaction surveys (满意度调查), scoped by the survey's street: the commission sees
all, officers their street's; the figures (no names) also go to finance; insurer staff see
none of it."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Case, Count, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from tongzhou_care.core.access import sees_all_streets, streets_of
from tongzhou_care.core.models import Street

from ..models.surveys import QUESTIONS, SCORE_FIELDS, Survey, SurveySample, SurveyStatus
from ..rules.surveys import SurveyFacts, mean_score, response_rate


def surveys_visible_to(user) -> QuerySet[Survey]:
    if not user.is_authenticated or not user.has_perm("oversight.view_survey"):
        return Survey.objects.none()
    qs = Survey.objects.select_related("person", "street", "insurer", "scheme_year", "claim", "surveyed_by")
    if sees_all_streets(user):
        return qs
    return qs.filter(street__in=streets_of(user))


def survey_for_user_or_404(user, survey_id) -> Survey:
    return get_object_or_404(surveys_visible_to(user), pk=survey_id)


def survey_samples_visible_to(user) -> QuerySet[SurveySample]:
    """The recorded draws of the user's streets."""
    if not user.is_authenticated or not user.has_perm("oversight.view_survey"):
        return SurveySample.objects.none()
    qs = SurveySample.objects.select_related("street", "scheme_year", "drawn_by")
    if sees_all_streets(user):
        return qs
    return qs.filter(street__in=streets_of(user))


def survey_search(user, *, text: str = "", status: str = "", origin: str = "", street_id=None,
                  scheme_year_id=None) -> QuerySet[Survey]:
    """The surveys the user may see by the person's name, state, origin, street and year;
    pending first, oldest task first."""
    qs = surveys_visible_to(user)
    if text.strip():
        qs = qs.filter(person__name__startswith=text.strip())
    if status:
        qs = qs.filter(status=status)
    if origin:
        qs = qs.filter(origin=origin)
    if street_id:
        qs = qs.filter(street_id=street_id)
    if scheme_year_id:
        qs = qs.filter(scheme_year_id=scheme_year_id)
    pending_first = Case(When(status=SurveyStatus.PENDING, then=Value(0)), default=Value(1))
    return qs.order_by(pending_first, "created_at", "pk")


def open_survey_tasks(user) -> QuerySet[Survey]:
    """The pending surveys of the user's streets, oldest first (the officer's to-do list)."""
    return surveys_visible_to(user).filter(status=SurveyStatus.PENDING).order_by("created_at", "pk")


def survey_facts(survey: Survey) -> SurveyFacts:
    return SurveyFacts(status=survey.status)


@dataclass(frozen=True)
class FigureRow:
    """One line of the figures: counts by state, the response rate and the mean of each
    question (None where nobody has answered)."""

    label: str
    total: int
    answered: int
    unreachable: int
    declined: int
    pending: int
    rate: Decimal | None
    means: tuple[Decimal | None, ...]


_COUNTS = {
    "total": Count("pk"),
    "answered": Count("pk", filter=Q(status=SurveyStatus.ANSWERED)),
    "unreachable": Count("pk", filter=Q(status=SurveyStatus.UNREACHABLE)),
    "declined": Count("pk", filter=Q(status=SurveyStatus.DECLINED)),
    "pending": Count("pk", filter=Q(status=SurveyStatus.PENDING)),
    # Only answered surveys carry scores (survey_scores_iff_answered): AVG skips the rest.
    **{f"mean_{field}": Avg(field) for field in SCORE_FIELDS},
}


def _row(label: str, values: dict | None) -> FigureRow:
    values = values or {}
    counts = {k: values.get(k) or 0 for k in ("total", "answered", "unreachable", "declined", "pending")}
    return FigureRow(label=label, **counts,
                     rate=response_rate(answered=counts["answered"], unreachable=counts["unreachable"],
                                        declined=counts["declined"]),
                     means=tuple(mean_score(values.get(f"mean_{field}")) for field in SCORE_FIELDS))


@dataclass(frozen=True)
class SurveyFigures:
    questions: tuple[str, ...]
    total: FigureRow
    by_year: list[FigureRow]
    by_insurer: list[FigureRow]
    by_street: list[FigureRow]


def survey_figures(user, *, scheme_year_id=None, insurer_id=None, street_id=None, origin: str = "") -> SurveyFigures:
    """Response rate and mean scores per question, in total and per scheme year, insurer and
    street, over the surveys of the user's streets (no names: finance may see them). Every
    street of the user's scope has a line, with zeros where nothing was surveyed."""
    if not user.is_authenticated or not user.has_perm("oversight.view_survey_figures"):
        qs = Survey.objects.none()
    else:
        qs = Survey.objects.filter(street__in=streets_of(user))
    if scheme_year_id:
        qs = qs.filter(scheme_year_id=scheme_year_id)
    if insurer_id:
        qs = qs.filter(insurer_id=insurer_id)
    if street_id:
        qs = qs.filter(street_id=street_id)
    if origin:
        qs = qs.filter(origin=origin)
    qs = qs.order_by()
    by_street = {r["street_id"]: r for r in qs.values("street_id").annotate(**_COUNTS)}
    streets = streets_of(user) if user.has_perm("oversight.view_survey_figures") else Street.objects.none()
    if street_id:
        streets = streets.filter(pk=street_id)
    return SurveyFigures(
        questions=tuple(label for _, label in QUESTIONS),
        total=_row("合计", qs.aggregate(**_COUNTS)),
        by_year=[_row(r["scheme_year__name"], r) for r in qs.values("scheme_year__name", "scheme_year__coverage_start")
                 .annotate(**_COUNTS).order_by("-scheme_year__coverage_start")],
        by_insurer=[_row(r["insurer__name"], r) for r in qs.values("insurer__name").annotate(**_COUNTS)
                    .order_by("insurer__name")],
        by_street=[_row(s.name, by_street.get(s.pk)) for s in streets.order_by("code")],
    )
