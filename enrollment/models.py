"""Insured persons (参保对象)."""

from datetime import timedelta
from decimal import Decimal

import pgtrigger
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.functions import Collate, Right
from django.db.models.lookups import Exact

from tongzhou_care.core.audit import track

from .rules.cover import (
    CLAIM_TIME_LIMIT_YEARS,
    DAY_CAP_CEILING,
    PREMIUM_CEILING,
    REPORT_DEADLINE_DAYS,
    SLA_WORKING_DAYS,
    SUBSIDY_FLOOR,
)
from tongzhou_care.core.models import Street


# Chinese names sort in pinyin order through this ICU collation (migration 0009 creates it):
# 阿明, 李四, 王五, 张三, 赵六. An index with the same collation serves the order.
PINYIN = "pinyin"


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class Category(models.TextChoices):
    """Assistance categories of the 奖扶特扶 system. Only the first is insured by default;
    the scheme year may admit the disability category (2022 city notice)."""

    DEATH = "death", "独生子女死亡特别扶助"
    DISABILITY = "disability", "独生子女伤残特别扶助"
    REWARD = "reward", "奖励扶助"


def default_categories() -> list[str]:
    """Only 独生子女死亡特别扶助 recipients are insured unless the scheme year says otherwise."""
    return [Category.DEATH]


class DateRangeInclusive(Func):
    """daterange(start, end, '[]'): a window with both ends inclusive, for exclusion constraints."""

    function = "DATERANGE"
    output_field = DateRangeField()

    def __init__(self, start, end):
        super().__init__(start, end, models.Value("[]"))


class PersonStatus(models.TextChoices):
    ACTIVE = "active", "在册"
    DECEASED = "deceased", "已死亡"
    REMOVED = "removed", "已减员"


@track()
class Person(models.Model):
    """One insured parent. Each parent of a couple is a person in their own right."""

    name = models.CharField("姓名", max_length=50)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    id_number = models.CharField("公民身份号码", max_length=18, unique=True)
    birth_date = models.DateField("出生日期")
    street = models.ForeignKey(Street, verbose_name="街道/乡镇", on_delete=models.PROTECT,
                               related_name="persons")
    community = models.CharField("社区/村", max_length=100, blank=True)
    address = models.CharField("住址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    category = models.CharField("扶助类别", max_length=20, choices=Category.choices,
                                default=Category.DEATH)
    assistance_start = models.DateField("开始享受扶助日期", null=True, blank=True)
    bank_name = models.CharField("开户银行", max_length=100, blank=True)
    bank_account = models.CharField("银行账号", max_length=40, blank=True)
    status = models.CharField("状态", max_length=10, choices=PersonStatus.choices,
                              default=PersonStatus.ACTIVE)
    status_date = models.DateField("死亡/减员日期", null=True, blank=True)
    removal_reason = models.CharField("减员原因", max_length=200, blank=True)
    spouse = models.OneToOneField("self", verbose_name="配偶", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    # S23: an edit form carries the version it was read at; a stale form is refused.
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "参保对象"
        verbose_name_plural = "参保对象"
        ordering = ["street__code", "name", "id"]
        permissions = [
            ("change_person_contact", "可修改参保对象联系方式"),
            ("unmask_person", "可查看参保对象完整身份证号、电话和账号（需填写事由）"),
            ("export_person", "可导出参保对象名单（遮蔽）"),
            ("export_person_full", "可导出参保对象完整名单（需填写事由）"),
        ]
        indexes = [
            models.Index(fields=["street", "status"], name="person_street_status_idx"),
            # varchar_pattern_ops: a name prefix search (LIKE '王%') uses it under any collation.
            models.Index(fields=["name"], name="person_name_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(Right("id_number", 4), name="person_id_last4_idx"),
            # The persons list sorted by name in pinyin order. One street's persons (a few
            # thousand) sort without an index of their own: each index with an ICU collation
            # costs about 0.5 s on a 100,000-row import (docs/performance.md).
            models.Index(Collate("name", PINYIN), "id", name="person_name_pinyin_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="person_id_number_format",
                condition=Q(id_number__regex=r"^[0-9]{17}[0-9X]$"),
                violation_error_message="身份证号应为17位数字加1位数字或X。",
            ),
            models.CheckConstraint(name="person_sex_valid", condition=Q(sex__in=Sex.values)),
            models.CheckConstraint(name="person_category_valid",
                                   condition=Q(category__in=Category.values)),
            models.CheckConstraint(
                name="person_status_date",
                condition=Q(status=PersonStatus.ACTIVE, status_date__isnull=True)
                | Q(status__in=[PersonStatus.DECEASED, PersonStatus.REMOVED],
                    status_date__isnull=False),
                violation_error_message="死亡或减员须填写日期，在册人员不应有该日期。",
            ),
            models.CheckConstraint(name="person_not_own_spouse", condition=~Q(spouse=models.F("pk"))),
        ]

    def __str__(self):
        return self.name


@track()
class RosterImport(models.Model):
    """One uploaded roster file: previewed first, then applied (or discarded). Its rows and
    the report stay viewable afterwards (S14)."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "待确认"
        APPLIED = "applied", "已导入"
        UNCHANGED = "unchanged", "无变动"
        DISCARDED = "discarded", "已放弃"

    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    created_by = models.ForeignKey("core.User", verbose_name="上传人", on_delete=models.PROTECT,
                                   related_name="roster_imports")
    file_name = models.CharField("文件名", max_length=255)
    file_sha256 = models.CharField("文件SHA-256", max_length=64)
    file_size = models.PositiveBigIntegerField("文件大小（字节）")
    file_kind = models.CharField("文件类型", max_length=10)
    roster_year = models.PositiveSmallIntegerField("花名册年度")
    header_row = models.PositiveIntegerField("表头所在行")
    header = models.JSONField("表头", default=list, blank=True)
    # Every sheet read: [{"name", "header_row", "header_rows", "header", "rows"}] (a workbook
    # may hold one sheet per street); sheets without a roster header are in notes.
    sheets = models.JSONField("工作表", default=list, blank=True)
    title = models.CharField("标题", max_length=300, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices,
                              default=Status.PREVIEWED)
    rows_total = models.PositiveIntegerField("数据行数", default=0)
    new_count = models.PositiveIntegerField("新增", default=0)
    changed_count = models.PositiveIntegerField("变更", default=0)
    unchanged_count = models.PositiveIntegerField("无变化", default=0)
    missing_count = models.PositiveIntegerField("名册中缺失", default=0)
    death_count = models.PositiveIntegerField("死亡", default=0)
    removal_count = models.PositiveIntegerField("减员", default=0)
    skipped_count = models.PositiveIntegerField("跳过", default=0)
    error_count = models.PositiveIntegerField("错误", default=0)
    notes = models.JSONField("说明", default=list, blank=True)
    applied_at = models.DateTimeField("导入时间", null=True, blank=True)
    applied_by = models.ForeignKey("core.User", verbose_name="确认导入人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    applied_kinds = models.JSONField("确认的变动类型", default=list, blank=True)
    skipped_errors = models.BooleanField("忽略错误行", default=False)
    removal_date = models.DateField("减员日期", null=True, blank=True)
    removal_reason = models.CharField("减员原因", max_length=200, blank=True)
    inserted = models.PositiveIntegerField("实际新增", default=0)
    updated = models.PositiveIntegerField("实际变更", default=0)
    removed = models.PositiveIntegerField("实际减员", default=0)
    ended = models.PositiveIntegerField("实际登记死亡或减员", default=0)

    class Meta:
        verbose_name = "花名册导入"
        verbose_name_plural = "花名册导入"
        ordering = ["-created_at"]
        permissions = [("import_roster", "可导入花名册")]
        constraints = [
            # Applied, or closed as 无变动: who confirmed it and when.
            models.CheckConstraint(
                name="rosterimport_applied_fields",
                condition=Q(status__in=["applied", "unchanged"], applied_at__isnull=False,
                            applied_by__isnull=False)
                | (~Q(status__in=["applied", "unchanged"]) & Q(applied_at__isnull=True)),
            ),
            models.CheckConstraint(name="rosterimport_status_valid",
                                   condition=Q(status__in=["previewed", "applied", "unchanged", "discarded"])),
        ]

    def __str__(self):
        return f"{self.roster_year}年花名册 {self.file_name}"

    @property
    def proposed(self) -> int:
        """Rows that would change something if applied (what 无变动 requires to be none)."""
        return (self.new_count + self.changed_count + self.missing_count + self.death_count
                + self.removal_count)


class RosterRow(models.Model):
    """A row of an import's report: what the row would do (new, changed, skipped, error) or a
    person the roster no longer lists (missing). Unchanged rows are only counted. Written once
    by the preview, read by the apply and the report; the database refuses updates and
    deletes, so the report stays what the user confirmed. Being immutable it is its own audit
    record and is not tracked again by pghistory (docs/audit.md)."""

    class Kind(models.TextChoices):
        NEW = "new", "新增"
        CHANGED = "changed", "变更"
        DEATH = "death", "死亡"
        REMOVAL = "removal", "减员"
        SKIPPED = "skipped", "跳过"
        ERROR = "error", "错误"
        MISSING = "missing", "名册中缺失（建议减员）"

    roster_import = models.ForeignKey(RosterImport, on_delete=models.CASCADE, related_name="rows")
    sheet = models.CharField("工作表", max_length=31, blank=True)
    row_number = models.PositiveIntegerField("行号", null=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    person = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="+")
    person_version = models.PositiveIntegerField(null=True)
    id_number = models.CharField("公民身份号码", max_length=40, blank=True)
    name = models.CharField("姓名", max_length=50, blank=True)
    sex = models.CharField("性别", max_length=1, blank=True)
    birth_date = models.DateField("出生日期", null=True)
    street = models.ForeignKey(Street, null=True, on_delete=models.PROTECT, related_name="+")
    street_text = models.CharField("街道（原文）", max_length=100, blank=True)
    community = models.CharField("社区/村", max_length=100, blank=True)
    address = models.CharField("住址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    bank_name = models.CharField("开户银行", max_length=100, blank=True)
    bank_account = models.CharField("银行账号", max_length=40, blank=True)
    category = models.CharField("扶助类别", max_length=20, blank=True)
    assistance_start = models.DateField("开始享受扶助日期", null=True)
    spouse_id_number = models.CharField("配偶身份证号", max_length=18, blank=True)
    # A death or removal the row records: its date as the file gives it (None: the clerk
    # enters it, RosterRowChoice) and its reason.
    event_date = models.DateField("死亡/减员日期", null=True)
    event_reason = models.CharField("减员原因", max_length=200, blank=True)
    changes = models.JSONField("变更内容", default=dict)
    messages = models.JSONField("原因", default=list)
    original = models.JSONField("原始内容", default=list)
    # What applying the row does to cover, per scheme year, in words (preview only).
    plan = models.JSONField("保障变化", default=list)
    # The other rows of the file with the same ID number (shown side by side).
    related = models.JSONField("相关行", default=list)

    class Meta:
        verbose_name = "花名册导入明细"
        verbose_name_plural = "花名册导入明细"
        ordering = ["roster_import", "kind", "id"]
        # File order is id order (the preview stages rows in file order with COPY).
        indexes = [models.Index(fields=["roster_import", "kind", "id"], name="rosterrow_import_kind_idx")]
        triggers = [
            pgtrigger.Protect(name="rosterrow_append_only",
                              operation=pgtrigger.Update | pgtrigger.Delete),
        ]


@track()
class RosterRowChoice(models.Model):
    """What the clerk decided about one row of a preview before applying it: contact and bank
    fields left as they are on record, the date of a death or removal the file does not give,
    or the row left out. The report rows stay immutable; these are the clerk's edits."""

    roster_import = models.ForeignKey(RosterImport, on_delete=models.CASCADE, related_name="choices")
    row = models.OneToOneField(RosterRow, on_delete=models.CASCADE, related_name="choice")
    declined = ArrayField(models.CharField(max_length=20), verbose_name="不采用的变更", default=list,
                          blank=True)
    event_date = models.DateField("死亡/减员日期", null=True, blank=True)
    leave = models.BooleanField("暂不处理", default=False)
    decided_by = models.ForeignKey("core.User", verbose_name="选择人", on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField("选择时间", auto_now=True)

    class Meta:
        verbose_name = "花名册导入选择"
        verbose_name_plural = "花名册导入选择"


class DayCounting(models.TextChoices):
    EXCLUSIVE = "exclusive", "算入不算出（出院减入院，当日出院计1天）"
    INCLUSIVE = "inclusive", "入院日和出院日都计"


class YearCrossing(models.TextChoices):
    SPLIT = "split", "按日分属各自的保险年度"
    ADMISSION = "admission", "整次住院计入入院所在年度"


class Proration(models.TextChoices):
    BY_DAY = "day", "按在保天数计算"
    BY_MONTH = "month", "按在保整月计算"
    START_HEADCOUNT = "start", "仅按年初人数计算"


# The insurer evaluation's weights (settings of the scheme year, adding up to 100).
EVALUATION_WEIGHTS = ("weight_sla_accept", "weight_sla_decide", "weight_sla_pay", "weight_full_payment",
                      "weight_complaint_rate", "weight_complaints_in_time", "weight_satisfaction",
                      "weight_loss_ratio")

# The settings that decide money; once a claim of the year is decided they change only by a
# recorded contract amendment (services.scheme_year_save).
MONEY_SETTINGS = ("premium_per_person", "daily_subsidy", "day_cap", "day_counting",
                  "year_crossing", "proration")


@track()
class SchemeYear(models.Model):
    """A scheme year and its contract with the insurer (保险年度与承保合同): every number that
    decides cover and money lives here, not in code."""

    name = models.CharField("保险年度", max_length=50, unique=True)
    insurer = models.ForeignKey("core.Insurer", verbose_name="承保保险公司", on_delete=models.PROTECT,
                                related_name="scheme_years")
    contract_number = models.CharField("合同编号", max_length=100)
    tender_date = models.DateField("中标日期")
    coverage_start = models.DateField("保险期间开始")
    coverage_end = models.DateField("保险期间结束")
    premium_per_person = models.DecimalField("每人每年保费（元）", max_digits=12, decimal_places=2)
    daily_subsidy = models.DecimalField("住院护理补贴（元/天）", max_digits=12, decimal_places=2,
                                        default=SUBSIDY_FLOOR)
    day_cap = models.PositiveSmallIntegerField("每年累计理赔天数上限", default=DAY_CAP_CEILING)
    day_counting = models.CharField("住院天数计算", max_length=10, choices=DayCounting.choices,
                                    default=DayCounting.EXCLUSIVE)
    year_crossing = models.CharField("跨年度住院", max_length=10, choices=YearCrossing.choices,
                                     default=YearCrossing.SPLIT)
    proration = models.CharField("年中增减员保费", max_length=10, choices=Proration.choices,
                                 default=Proration.BY_DAY)
    eligible_categories = ArrayField(models.CharField(max_length=20, choices=Category.choices),
                                     verbose_name="参保扶助类别", default=default_categories)
    report_deadline_days = models.PositiveSmallIntegerField("出院后报案期限（天）", default=REPORT_DEADLINE_DAYS)
    claim_time_limit_years = models.PositiveSmallIntegerField("理赔时效（出院后年数）",
                                                              default=CLAIM_TIME_LIMIT_YEARS)
    sla_accept_days = models.PositiveSmallIntegerField("受理或一次性告知（工作日）",
                                                       default=SLA_WORKING_DAYS["accept"])
    sla_decide_days = models.PositiveSmallIntegerField("材料齐全后核定（工作日）",
                                                       default=SLA_WORKING_DAYS["decide"])
    sla_pay_days = models.PositiveSmallIntegerField("核定后支付（工作日）", default=SLA_WORKING_DAYS["pay"])
    sla_refusal_notice_days = models.PositiveSmallIntegerField("拒赔通知（工作日）",
                                                               default=SLA_WORKING_DAYS["refusal_notice"])
    # Oversight settings (domain.md "Oversight"): the complaint deadline and the yearly survey sample.
    complaint_deadline_days = models.PositiveSmallIntegerField("投诉办理期限（工作日）", default=15)
    survey_sample_percent = models.PositiveSmallIntegerField(
        "满意度调查抽样比例（%）", default=10, validators=[MinValueValidator(1), MaxValueValidator(100)])
    survey_sample_minimum = models.PositiveSmallIntegerField("满意度调查每街道至少抽取（人）", default=3)
    # Insurer evaluation (绩效评估) and dynamic adjustment (动态调整), domain.md "Oversight": the
    # weight of each indicator (they add up to 100) and the target loss ratio of the premium
    # recommendation. oversight/rules/figures.py says how each indicator is scored.
    weight_sla_accept = models.PositiveSmallIntegerField("权重：按时受理", default=10)
    weight_sla_decide = models.PositiveSmallIntegerField("权重：按时核定", default=15)
    weight_sla_pay = models.PositiveSmallIntegerField("权重：按时支付", default=15)
    weight_full_payment = models.PositiveSmallIntegerField("权重：足额赔付率", default=10)
    weight_complaint_rate = models.PositiveSmallIntegerField("权重：每百件理赔投诉数", default=10)
    weight_complaints_in_time = models.PositiveSmallIntegerField("权重：投诉按时办结率", default=10)
    weight_satisfaction = models.PositiveSmallIntegerField("权重：满意度", default=20)
    weight_loss_ratio = models.PositiveSmallIntegerField("权重：赔付率", default=10)
    complaint_rate_zero_score = models.DecimalField(
        "每百件理赔投诉数达到此值得0分", max_digits=5, decimal_places=2, default=Decimal("5.00"),
        validators=[MinValueValidator(Decimal("0.01"))])
    target_loss_ratio = models.DecimalField(
        "目标赔付率（%）", max_digits=5, decimal_places=2, default=Decimal("85.00"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("100"))],
        help_text="测算下一年度保费：预期赔付 ÷ 目标赔付率。")
    policies_issued_at = models.DateTimeField("保单生成时间", null=True, blank=True)
    money_locked_at = models.DateTimeField("首次核定时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "保险年度"
        verbose_name_plural = "保险年度"
        ordering = ["-coverage_start"]
        permissions = [
            ("view_premium", "可查看保费结算"),
            ("issue_policies", "可生成保单和保险凭证"),
            ("export_insured_list", "可导出承保清单（遮蔽）"),
            ("export_insured_list_full", "可导出承保清单（完整，需填写事由）"),
            # Oversight II (issue 10): the figures of a scheme year.
            ("view_evaluation", "可查看保险公司绩效评估"),
            ("view_adjustment", "可查看动态调整测算（赔付率、建议保费）"),
            ("make_annual_report", "可生成年度评估报告"),
        ]
        constraints = [
            models.CheckConstraint(name="schemeyear_coverage_ordered",
                                   condition=Q(coverage_end__gt=F("coverage_start")),
                                   violation_error_message="保险期间的结束日期须晚于开始日期。"),
            # 保障周期为1年: never more than 365 days after the start (the exact year end,
            # leap days included, is rules.default_coverage_end, checked by the service).
            models.CheckConstraint(name="schemeyear_coverage_one_year",
                                   condition=Q(coverage_end__lte=F("coverage_start") + timedelta(days=365)),
                                   violation_error_message="保障周期为1年。"),
            models.CheckConstraint(name="schemeyear_premium_within_ceiling",
                                   condition=Q(premium_per_person__gt=0, premium_per_person__lte=PREMIUM_CEILING),
                                   violation_error_message=f"每人每年保费须大于0且不超过{PREMIUM_CEILING:.0f}元。"),
            models.CheckConstraint(name="schemeyear_subsidy_floor",
                                   condition=Q(daily_subsidy__gte=SUBSIDY_FLOOR),
                                   violation_error_message=f"住院护理补贴每天不得少于{SUBSIDY_FLOOR:.0f}元。"),
            models.CheckConstraint(name="schemeyear_day_cap_range",
                                   condition=Q(day_cap__gte=1, day_cap__lte=DAY_CAP_CEILING)),
            models.CheckConstraint(name="schemeyear_settings_valid", condition=Q(
                day_counting__in=DayCounting.values, year_crossing__in=YearCrossing.values,
                proration__in=Proration.values)),
            models.CheckConstraint(name="schemeyear_survey_percent_range",
                                   condition=Q(survey_sample_percent__gte=1, survey_sample_percent__lte=100),
                                   violation_error_message="满意度调查抽样比例须在1%至100%之间。"),
            models.CheckConstraint(name="schemeyear_weights_sum_100",
                                   condition=Exact(sum((F(f) for f in EVALUATION_WEIGHTS[1:]), F(EVALUATION_WEIGHTS[0])),
                                                   100),
                                   violation_error_message="绩效评估各项权重之和须为100。"),
            models.CheckConstraint(name="schemeyear_target_loss_ratio_range",
                                   condition=Q(target_loss_ratio__gte=1, target_loss_ratio__lte=100),
                                   violation_error_message="目标赔付率须在1%至100%之间。"),
            models.CheckConstraint(name="schemeyear_categories_valid", condition=Q(
                eligible_categories__contained_by=Category.values, eligible_categories__len__gt=0)),
            ExclusionConstraint(
                name="schemeyear_no_overlap",
                expressions=[(DateRangeInclusive("coverage_start", "coverage_end"),
                              RangeOperators.OVERLAPS)],
                violation_error_message="保险期间与另一个保险年度重叠。",
            ),
        ]

    def __str__(self):
        return self.name


@track()
class ContractAmendment(models.Model):
    """A recorded change of a scheme year's money settings after claims were decided."""

    scheme_year = models.ForeignKey(SchemeYear, verbose_name="保险年度", on_delete=models.PROTECT,
                                    related_name="amendments")
    effective_date = models.DateField("生效日期")
    reason = models.CharField("变更原因", max_length=300)
    changes = models.JSONField("变更内容")
    created_at = models.DateTimeField("记录时间", auto_now_add=True)
    created_by = models.ForeignKey("core.User", verbose_name="记录人", on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = "合同变更"
        verbose_name_plural = "合同变更"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.scheme_year} {self.effective_date} {self.reason}"


@track()
class Policy(models.Model):
    """One person's policy in one scheme year (保单). Only days inside the cover window are
    ever paid; an end before the start means the person was never covered."""

    class EndReason(models.TextChoices):
        NONE = "", "—"
        DEATH = "death", "死亡"
        REMOVAL = "removal", "减员"

    scheme_year = models.ForeignKey(SchemeYear, verbose_name="保险年度", on_delete=models.PROTECT,
                                    related_name="policies")
    person = models.ForeignKey(Person, verbose_name="参保对象", on_delete=models.PROTECT,
                               related_name="policies")
    number = models.CharField("保单号", max_length=30)
    cover_start = models.DateField("保障开始")
    cover_end = models.DateField("保障结束")
    end_reason = models.CharField("终止原因", max_length=10, choices=EndReason.choices, blank=True)
    # Days inside the window that are not covered: a person removed by mistake and back on the
    # roster later that year is covered again from the reinstatement, the gap unpaid.
    cover_gaps = ArrayField(DateRangeField(), verbose_name="未在保期间", default=list, blank=True)
    # The yearly allowance (S22): the scheme year's cap, copied at issue (an amendment updates
    # it), and the paid days consumed, raised only by claims.services.claim_decide under this
    # row's lock. The CHECK holds even for a write path that forgets the lock.
    day_cap = models.PositiveSmallIntegerField("年度理赔天数上限")
    days_used = models.PositiveSmallIntegerField("已用理赔天数", default=0)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        verbose_name = "保单"
        verbose_name_plural = "保单"
        ordering = ["scheme_year", "number"]
        constraints = [
            models.UniqueConstraint(fields=["scheme_year", "person"], name="policy_one_per_person_year",
                                    violation_error_message="该参保对象在本保险年度已有保单。"),
            models.UniqueConstraint(fields=["scheme_year", "number"], name="policy_number_unique"),
            models.CheckConstraint(name="policy_cover_ordered",
                                   condition=Q(cover_end__gte=F("cover_start") - timedelta(days=1))),
            models.CheckConstraint(name="policy_allowance_within_cap",
                                   condition=Q(days_used__lte=F("day_cap")),
                                   violation_error_message="年度累计理赔天数不能超过上限。"),
        ]
        indexes = [models.Index(fields=["scheme_year", "cover_start"], name="policy_year_start_idx")]

    def __str__(self):
        return self.number

    @property
    def cover(self):
        from .rules import Cover
        return Cover(self.cover_start, self.cover_end,
                     gaps=tuple(Cover(g.lower, g.upper - timedelta(days=1)) for g in self.cover_gaps))


@track()
class PolicyChange(models.Model):
    """One line of the change list for the insurer (增减员清单): an addition with the day cover
    starts, or a removal (death, removal from the roster) with the last day of cover."""

    class Kind(models.TextChoices):
        ADDITION = "addition", "增员"
        REMOVAL = "removal", "减员"

    scheme_year = models.ForeignKey(SchemeYear, verbose_name="保险年度", on_delete=models.PROTECT,
                                    related_name="changes")
    policy = models.ForeignKey(Policy, verbose_name="保单", on_delete=models.PROTECT,
                               related_name="changes")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    effective_date = models.DateField("生效日期")
    notified_on = models.DateField("通知保险公司日期")
    reason = models.CharField("原因", max_length=200)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)
    created_by = models.ForeignKey("core.User", verbose_name="记录人", on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = "增减员"
        verbose_name_plural = "增减员"
        ordering = ["scheme_year", "effective_date", "id"]
        constraints = [models.CheckConstraint(name="policychange_kind_valid",
                                              condition=Q(kind__in=["addition", "removal"]))]

    def __str__(self):
        return f"{self.get_kind_display()} {self.policy}"
