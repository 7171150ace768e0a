"""Insured persons (参保对象)."""

import pgtrigger
from django.db import models
from django.db.models import Q
from django.db.models.functions import Right

from tongzhou_care.core.audit import track
from tongzhou_care.core.models import Street


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class Category(models.TextChoices):
    """Assistance categories of the 奖扶特扶 system. Only the first is insured by default;
    the scheme year may admit the disability category (2022 city notice)."""

    DEATH = "death", "独生子女死亡特别扶助"
    DISABILITY = "disability", "独生子女伤残特别扶助"
    REWARD = "reward", "奖励扶助"


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
            models.Index(fields=["name"], name="person_name_idx"),
            models.Index(Right("id_number", 4), name="person_id_last4_idx"),
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
    title = models.CharField("标题", max_length=300, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices,
                              default=Status.PREVIEWED)
    rows_total = models.PositiveIntegerField("数据行数", default=0)
    new_count = models.PositiveIntegerField("新增", default=0)
    changed_count = models.PositiveIntegerField("变更", default=0)
    unchanged_count = models.PositiveIntegerField("无变化", default=0)
    missing_count = models.PositiveIntegerField("名册中缺失", default=0)
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

    class Meta:
        verbose_name = "花名册导入"
        verbose_name_plural = "花名册导入"
        ordering = ["-created_at"]
        permissions = [("import_roster", "可导入花名册")]
        constraints = [
            models.CheckConstraint(
                name="rosterimport_applied_fields",
                condition=Q(status="applied", applied_at__isnull=False, applied_by__isnull=False)
                | (~Q(status="applied") & Q(applied_at__isnull=True)),
            ),
            models.CheckConstraint(name="rosterimport_status_valid",
                                   condition=Q(status__in=["previewed", "applied", "discarded"])),
        ]

    def __str__(self):
        return f"{self.roster_year}年花名册 {self.file_name}"


class RosterRow(models.Model):
    """A row of an import's report: what the row would do (new, changed, skipped, error) or a
    person the roster no longer lists (missing). Unchanged rows are only counted. Written once
    by the preview, read by the apply and the report; the database refuses updates and
    deletes, so the report stays what the user confirmed. Being immutable it is its own audit
    record and is not tracked again by pghistory (docs/audit.md)."""

    class Kind(models.TextChoices):
        NEW = "new", "新增"
        CHANGED = "changed", "变更"
        SKIPPED = "skipped", "跳过"
        ERROR = "error", "错误"
        MISSING = "missing", "名册中缺失（建议减员）"

    roster_import = models.ForeignKey(RosterImport, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField("行号", null=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    person = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="+")
    person_version = models.PositiveIntegerField(null=True)
    id_number = models.CharField("公民身份号码", max_length=40, blank=True)
    name = models.CharField("姓名", max_length=50, blank=True)
    sex = models.CharField("性别", max_length=1, blank=True)
    birth_date = models.DateField("出生日期", null=True)
    street = models.ForeignKey(Street, null=True, on_delete=models.PROTECT, related_name="+")
    community = models.CharField("社区/村", max_length=100, blank=True)
    address = models.CharField("住址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    category = models.CharField("扶助类别", max_length=20, blank=True)
    assistance_start = models.DateField("开始享受扶助日期", null=True)
    spouse_id_number = models.CharField("配偶身份证号", max_length=18, blank=True)
    changes = models.JSONField("变更内容", default=dict)
    messages = models.JSONField("原因", default=list)
    original = models.JSONField("原始内容", default=list)

    class Meta:
        verbose_name = "花名册导入明细"
        verbose_name_plural = "花名册导入明细"
        ordering = ["roster_import", "kind", "row_number", "id"]
        indexes = [models.Index(fields=["roster_import", "kind", "row_number"],
                                name="rosterrow_import_kind_idx")]
        triggers = [
            pgtrigger.Protect(name="rosterrow_append_only",
                              operation=pgtrigger.Update | pgtrigger.Delete),
        ]
