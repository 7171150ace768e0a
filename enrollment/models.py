"""Insured persons (参保对象)."""

import pghistory
from django.db import models
from django.db.models import Q
from django.db.models.functions import Right

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


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
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
