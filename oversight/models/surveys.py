"""Satisfaction surveys (满意度调查): a task for the street officer after every paid claim, and a
yearly sample of insured persons per street, drawn once and recorded."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from tongzhou_care.core.audit import track


class SurveyStatus(models.TextChoices):
    PENDING = "pending", "待调查"
    ANSWERED = "answered", "已完成"
    UNREACHABLE = "unreachable", "无法联系"
    DECLINED = "declined", "拒绝调查"


class SurveyOrigin(models.TextChoices):
    PAID_CLAIM = "paid_claim", "理赔支付后回访"
    SAMPLE = "sample", "年度抽样"


class SurveyMethod(models.TextChoices):
    PHONE = "phone", "电话"
    VISIT = "visit", "上门"


# The six questions of domain.md, each scored 1–5: (field, question as asked).
QUESTIONS = (
    ("score_reporting", "报案是否方便"),
    ("score_documents", "材料要求是否合理"),
    ("score_payment_speed", "赔款支付是否及时"),
    ("score_amount", "赔付金额是否清楚明白"),
    ("score_attitude", "服务态度"),
    ("score_overall", "总体满意度"),
)
SCORE_FIELDS = tuple(field for field, _ in QUESTIONS)


_ALL_SCORED = Q(**{f"{f}__isnull": False for f in SCORE_FIELDS})
_NONE_SCORED = Q(**{f"{f}__isnull": True for f in SCORE_FIELDS})


def _score(label: str):
    return models.PositiveSmallIntegerField(label, null=True, blank=True,
                                            validators=[MinValueValidator(1), MaxValueValidator(5)])


@track()
class SurveySample(models.Model):
    """The recorded draw of one street's yearly sample: how many persons were insured, how many
    were drawn and with which seed. It is drawn once; pages read the recorded surveys."""

    scheme_year = models.ForeignKey("enrollment.SchemeYear", verbose_name="保险年度", on_delete=models.PROTECT,
                                    related_name="survey_samples")
    street = models.ForeignKey("core.Street", verbose_name="街道/乡镇", on_delete=models.PROTECT,
                               related_name="survey_samples")
    population = models.PositiveIntegerField("在保人数")
    size = models.PositiveIntegerField("抽取人数")
    percent = models.PositiveSmallIntegerField("抽样比例（%）")
    minimum = models.PositiveSmallIntegerField("每街道至少（人）")
    seed = models.CharField("随机种子", max_length=64)
    drawn_by = models.ForeignKey("core.User", verbose_name="抽样人", on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField("抽样时间", auto_now_add=True)

    class Meta:
        verbose_name = "满意度调查抽样"
        verbose_name_plural = "满意度调查抽样"
        ordering = ["scheme_year", "street__code"]
        constraints = [
            models.UniqueConstraint(fields=["scheme_year", "street"], name="surveysample_one_per_street_year",
                                    violation_error_message="该街道/乡镇本年度已抽样。"),
            models.CheckConstraint(name="surveysample_size_within_population",
                                   condition=Q(size__lte=models.F("population"))),
        ]

    def __str__(self):
        return f"{self.scheme_year} {self.street} 抽样 {self.size}/{self.population}"


@track()
class Survey(models.Model):
    """One survey of one person: a task until the officer records the answers, or that the
    person could not be reached or declined. `street` and `insurer` are fixed when the task is
    made (the person's street, the insurer that handled the claim or held the contract), so the
    figures per street and insurer do not move when a person moves."""

    origin = models.CharField("来源", max_length=20, choices=SurveyOrigin.choices)
    person = models.ForeignKey("enrollment.Person", verbose_name="调查对象", on_delete=models.PROTECT,
                               related_name="surveys")
    claim = models.OneToOneField("claims.Claim", verbose_name="回访的理赔", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="survey")
    sample = models.ForeignKey(SurveySample, verbose_name="抽样", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="surveys")
    scheme_year = models.ForeignKey("enrollment.SchemeYear", verbose_name="保险年度", on_delete=models.PROTECT,
                                    related_name="surveys")
    street = models.ForeignKey("core.Street", verbose_name="街道/乡镇", on_delete=models.PROTECT,
                               related_name="surveys")
    insurer = models.ForeignKey("core.Insurer", verbose_name="保险公司", on_delete=models.PROTECT,
                                related_name="surveys")
    status = models.CharField("状态", max_length=20, choices=SurveyStatus.choices, default=SurveyStatus.PENDING)
    method = models.CharField("调查方式", max_length=10, choices=SurveyMethod.choices, blank=True)
    surveyed_on = models.DateField("调查日期", null=True, blank=True)
    surveyed_by = models.ForeignKey("core.User", verbose_name="调查人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    score_reporting = _score("报案是否方便")
    score_documents = _score("材料要求是否合理")
    score_payment_speed = _score("赔款支付是否及时")
    score_amount = _score("赔付金额是否清楚明白")
    score_attitude = _score("服务态度")
    score_overall = _score("总体满意度")
    comment = models.CharField("意见建议/说明", max_length=500, blank=True)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        verbose_name = "满意度调查"
        verbose_name_plural = "满意度调查"
        ordering = ["-created_at", "-id"]
        permissions = [
            ("conduct_survey", "可开展满意度调查（录入结果）"),
            ("draw_survey_sample", "可抽取年度满意度调查样本"),
            ("view_survey_figures", "可查看满意度调查统计"),
        ]
        constraints = [
            models.CheckConstraint(name="survey_choices_valid", condition=Q(
                origin__in=SurveyOrigin.values, status__in=SurveyStatus.values)
                & (Q(method="") | Q(method__in=SurveyMethod.values))),
            models.CheckConstraint(name="survey_scores_in_range", condition=Q(
                *[Q(**{f"{f}__isnull": True}) | Q(**{f"{f}__gte": 1, f"{f}__lte": 5}) for f in SCORE_FIELDS])),
            # Answered: every question scored, with how and when. Otherwise: no score at all.
            models.CheckConstraint(name="survey_scores_iff_answered", condition=(
                Q(status=SurveyStatus.ANSWERED) & _ALL_SCORED & ~Q(method="") & Q(surveyed_on__isnull=False))
                | (~Q(status=SurveyStatus.ANSWERED) & _NONE_SCORED)),
            models.CheckConstraint(name="survey_pending_not_surveyed", condition=~Q(status=SurveyStatus.PENDING)
                                   | Q(surveyed_on__isnull=True, surveyed_by__isnull=True)),
            models.CheckConstraint(name="survey_origin_source", condition=Q(
                origin=SurveyOrigin.PAID_CLAIM, claim__isnull=False, sample__isnull=True)
                | Q(origin=SurveyOrigin.SAMPLE, claim__isnull=True, sample__isnull=False)),
            # A person is drawn at most once per yearly sample.
            models.UniqueConstraint(fields=["sample", "person"], name="survey_one_per_sampled_person",
                                    condition=Q(sample__isnull=False)),
        ]
        indexes = [
            models.Index(fields=["street", "status"], name="survey_street_status_idx"),
            models.Index(fields=["scheme_year", "street"], name="survey_year_street_idx"),
        ]

    def __str__(self):
        return f"{self.get_origin_display()} {self.person}"

    def scores(self) -> list[tuple[str, int | None]]:
        """(question, score) in the order asked."""
        return [(label, getattr(self, field)) for field, label in QUESTIONS]
