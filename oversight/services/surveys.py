"""Writes of satisfaction surveys (满意度调查): the task a paid claim creates, the yearly sample,
and the officer's result."""

import secrets
from collections import defaultdict
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from enrollment.models import PersonStatus, Policy, SchemeYear
from tongzhou_care.core.access import streets_of
from tongzhou_care.core.audit import audit_context
from tongzhou_care.core.models import Street, User
from tongzhou_care.core.rules import RuleViolation

from ..models.surveys import SCORE_FIELDS, Survey, SurveyOrigin, SurveySample
from ..rules.surveys import check_method, check_scores, check_survey_date, draw_sample, sample_size, street_seed
from ..workflow.surveys import SURVEY_WORKFLOW
from ..selectors.common import scheme_year_in_force
from ..selectors.surveys import survey_facts


@transaction.atomic
def survey_task_for_paid_claim(*, claim, actor: User) -> Survey:
    """The survey task for the street officer of a claim just paid, one per claim (a second
    call returns the first task). Called by claims.services.payment_record inside the payment's
    transaction, after the claim's lock: the survey row comes last in the lock order. The task
    belongs to the scheme year of the claim's last portion (where the stay ended), the claim's
    street and the insurer that handled it."""
    existing = Survey.objects.filter(claim=claim).first()
    if existing is not None:
        return existing
    portion = claim.portions.select_related("policy__scheme_year").order_by("-last_day", "-pk").first()
    scheme_year = portion.policy.scheme_year if portion else scheme_year_in_force(claim.admitted_on)
    with audit_context(actor, "survey_task_for_paid_claim"):
        return Survey.objects.create(origin=SurveyOrigin.PAID_CLAIM, person_id=claim.person_id, claim=claim,
                                     scheme_year=scheme_year, street_id=claim.street_id, insurer_id=claim.insurer_id)


@transaction.atomic
def survey_sample_draw(*, scheme_year_id: int, actor: User, seed: str | None = None) -> list[SurveySample]:
    """Draw the yearly sample of every street not drawn yet for the scheme year (the year's
    share, at least its minimum per street), record each draw with its seed and create one
    survey task per person drawn; return the new draws. The scheme year's row is locked first
    (two draws at once: the second sees the first's streets drawn). Raises PermissionDenied,
    or RuleViolation when the year has no policies or every street is drawn already."""
    if not actor.has_perm("oversight.draw_survey_sample"):
        raise PermissionDenied("您没有抽取满意度调查样本的权限。")
    year = SchemeYear.objects.select_for_update(no_key=True).get(pk=scheme_year_id)
    if year.policies_issued_at is None:
        raise RuleViolation("no_policies", f"{year.name}尚未生成保单，不能抽样。")
    drawn = set(SurveySample.objects.filter(scheme_year=year).values_list("street_id", flat=True))
    streets = list(Street.objects.exclude(pk__in=drawn).order_by("code"))
    if not streets:
        raise RuleViolation("drawn", f"{year.name}各街道/乡镇均已抽样，样本不再重抽。")
    # The insured persons of the year still on the roster, by street (ids only).
    insured = defaultdict(list)
    for street_id, person_id in (Policy.objects.filter(scheme_year=year, person__status=PersonStatus.ACTIVE)
                                 .values_list("person__street_id", "person_id").iterator(chunk_size=5000)):
        insured[street_id].append(person_id)
    seed = seed or secrets.token_hex(8)
    samples = []
    with audit_context(actor, "survey_sample_draw"):
        for street in streets:
            population = insured.get(street.pk, [])
            size = sample_size(population=len(population), percent=year.survey_sample_percent,
                               minimum=year.survey_sample_minimum)
            sample = SurveySample.objects.create(
                scheme_year=year, street=street, population=len(population), size=size,
                percent=year.survey_sample_percent, minimum=year.survey_sample_minimum,
                seed=street_seed(seed, street.code), drawn_by=actor)
            Survey.objects.bulk_create([
                Survey(origin=SurveyOrigin.SAMPLE, sample=sample, person_id=person_id, scheme_year=year,
                       street=street, insurer_id=year.insurer_id)
                for person_id in draw_sample(population, size=size, seed=sample.seed)])
            samples.append(sample)
    return samples


@transaction.atomic
def survey_record(*, survey_id: int, action: str, actor: User, method: str = "", surveyed_on: date | None = None,
                  scores: dict | None = None, comment: str = "", today: date | None = None) -> Survey:
    """Record a survey's outcome: the six scores (action "answer", by phone or visit), or that
    the person could not be reached ("unreachable") or declined ("decline"). Raises
    PermissionDenied, or RuleViolation when the task is no longer pending or a value is
    missing."""
    today = today or timezone.localdate()
    survey = Survey.objects.select_for_update(no_key=True).get(pk=survey_id)
    if not streets_of(actor).filter(pk=survey.street_id).exists():
        raise PermissionDenied("这项调查不在您的管辖范围内。")
    step = SURVEY_WORKFLOW.check(actor, survey_facts(survey), action)
    surveyed_on = surveyed_on or today
    check_survey_date(surveyed_on, task_created_on=timezone.localtime(survey.created_at).date(), today=today)
    if action == "answer":
        survey.method = check_method(method)
        for field, score in check_scores(scores or {}).items():
            setattr(survey, field, score)
    else:
        survey.method = check_method(method) if method else ""   # how they tried, if said
        for field in SCORE_FIELDS:
            setattr(survey, field, None)
    with audit_context(actor, f"survey_{action}"):
        survey.status, survey.surveyed_on, survey.surveyed_by = step.target, surveyed_on, actor
        survey.comment = comment.strip()[:500]
        survey.full_clean()
        survey.save(update_fields=["status", "method", "surveyed_on", "surveyed_by", "comment", *SCORE_FIELDS])
    return survey
