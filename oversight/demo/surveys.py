"""Demonstration surveys: the tasks paid claims created (through payment_record), this year's
sample drawn once, most of them answered, some unreachable or declined, the rest pending."""

import random
from datetime import date

from enrollment.selectors import current_scheme_year

from ..models.surveys import SCORE_FIELDS, Survey, SurveyStatus
from ..services.surveys import survey_record, survey_sample_draw


def load(users: dict, today: date, seed: int = 2026) -> int:
    """Returns how many surveys were finished."""
    rng = random.Random(seed)
    year = current_scheme_year(today)
    if year is not None:
        survey_sample_draw(scheme_year_id=year.pk, actor=users["staff"], seed=f"demo-{seed}")
    finished = 0
    for survey in Survey.objects.filter(status=SurveyStatus.PENDING).select_related("street").order_by("pk"):
        officer = users[f"officer{survey.street.code[6:9]}"]
        roll = rng.random()
        if roll < 0.35:
            continue                                     # still to do
        if roll < 0.42:
            survey_record(survey_id=survey.pk, action="unreachable", method="phone", comment="三次来电无人接听",
                          actor=officer, today=today)
        elif roll < 0.47:
            survey_record(survey_id=survey.pk, action="decline", method="phone", comment="家属表示不需要回访",
                          actor=officer, today=today)
        else:
            base = rng.choice((3, 4, 4, 5, 5))
            scores = {field: max(1, min(5, base + rng.choice((-1, 0, 0, 0, 1)))) for field in SCORE_FIELDS}
            survey_record(survey_id=survey.pk, action="answer", method=rng.choice(("phone", "visit")), scores=scores,
                          comment=rng.choice(("", "希望到账再快一些", "专管员服务很周到")), actor=officer, today=today)
        finished += 1
    return finished
