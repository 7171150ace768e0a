"""Satisfaction survey rules (domain.md "Oversight": 满意度调查; plan 五(五)): the yearly
sample's size and draw, the scores, the response rate and mean scores. The task's action table
is workflow.surveys."""

import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from tongzhou_care.core.rules import RuleViolation

from ..models.surveys import QUESTIONS, SurveyMethod

SCORES = range(1, 6)


def sample_size(*, population: int, percent: int, minimum: int) -> int:
    """How many of a street's insured persons the yearly sample takes: `percent` of them
    rounded up, at least `minimum`, never more than there are."""
    if population < 0 or not 1 <= percent <= 100 or minimum < 0:
        raise ValueError("population, percent or minimum out of range")
    return min(population, max(minimum, math.ceil(population * percent / 100)))


def draw_sample(candidates: Iterable[int], *, size: int, seed: str) -> list[int]:
    """The persons drawn (by id, ascending) from `candidates` with a recorded seed: the same
    candidates and seed give the same sample on any machine (random.Random seeds a string
    through SHA-512, not the process's hash salt)."""
    ordered = sorted(set(candidates))
    if size > len(ordered):
        raise ValueError("sample larger than the population")
    return sorted(random.Random(seed).sample(ordered, size))


def street_seed(draw_seed: str, street_code: str) -> str:
    """Each street's own seed within one draw, so the streets' samples are independent."""
    return f"{draw_seed}:{street_code}"


def check_scores(scores: Mapping[str, object]) -> dict[str, int]:
    """The six scores as integers 1–5, by field; raises RuleViolation naming the first question
    without a valid score."""
    out = {}
    for field, question in QUESTIONS:
        value = scores.get(field)
        try:
            score = int(value)
        except (TypeError, ValueError):
            score = 0
        if score not in SCORES:
            raise RuleViolation(field, f"请为“{question}”打分（1至5分）。")
        out[field] = score
    return out


def check_survey_date(surveyed_on: date, *, task_created_on: date, today: date) -> date:
    """The day the person was asked; raises RuleViolation for a future day or one before the
    task existed."""
    if surveyed_on > today:
        raise RuleViolation("surveyed_on", "调查日期不能晚于今天。")
    if surveyed_on < task_created_on:
        raise RuleViolation("surveyed_on", f"调查日期不能早于任务生成日期（{task_created_on:%Y-%m-%d}）。")
    return surveyed_on


def check_method(method: str) -> str:
    """Phone or visit; raises RuleViolation otherwise."""
    if method not in SurveyMethod.values:
        raise RuleViolation("method", "请选择调查方式（电话或上门）。")
    return method


def response_rate(*, answered: int, unreachable: int, declined: int) -> Decimal | None:
    """Answered surveys as a percentage of the finished ones (answered, unreachable, declined),
    one decimal, half up; None before any is finished. Pending tasks are not counted: the
    rate says how often reaching out worked, not how far the officers have got."""
    finished = answered + unreachable + declined
    if finished == 0:
        return None
    return (Decimal(100 * answered) / Decimal(finished)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def mean_score(value) -> Decimal | None:
    """A mean score to two decimals, half up (the database's AVG comes in unrounded)."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SurveyFacts:
    status: str
