"""The service log (服务台账): what a street officer did for an insured family, and when."""

from django.db import models
from django.db.models import Q

from tongzhou_care.core.audit import track


class ServiceKind(models.TextChoices):
    """The kinds of service domain.md lists (plan 五(四): 绿色通道, 上门服务, 代办)."""

    HOME_VISIT = "home_visit", "上门服务"
    GREEN_CHANNEL = "green_channel", "绿色通道（医院联络、代取材料）"
    FILING_HELP = "filing_help", "代办投保/报案/理赔"
    PHONE_FOLLOW_UP = "phone_follow_up", "电话回访"
    PUBLICITY = "publicity", "宣传告知"
    OTHER = "other", "其他"


@track()
class ServiceEntry(models.Model):
    """One service given to one insured person: kind, date, officer, note, optionally the claim
    it was for. Entries are never edited: a mistake is corrected by a new entry (the audit
    trail keeps both)."""

    person = models.ForeignKey("enrollment.Person", verbose_name="参保对象", on_delete=models.PROTECT,
                               related_name="service_entries")
    kind = models.CharField("服务方式", max_length=20, choices=ServiceKind.choices)
    served_on = models.DateField("服务日期")
    officer = models.ForeignKey("core.User", verbose_name="服务人", on_delete=models.PROTECT,
                                related_name="service_entries")
    note = models.CharField("服务内容", max_length=500, blank=True)
    claim = models.ForeignKey("claims.Claim", verbose_name="相关理赔", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="service_entries")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "服务台账"
        verbose_name_plural = "服务台账"
        ordering = ["-served_on", "-id"]
        permissions = [("export_service_log", "可导出服务台账和未联系对象名单"),
                       ("print_publicity", "可打印宣传告知书、查看告知进度")]
        constraints = [
            models.CheckConstraint(name="serviceentry_kind_valid", condition=Q(kind__in=ServiceKind.values)),
        ]
        indexes = [
            # "Contacted this scheme year?" is one index probe per person.
            models.Index(fields=["person", "served_on"], name="serviceentry_person_day_idx"),
            models.Index(fields=["served_on"], name="serviceentry_day_idx"),
        ]

    def __str__(self):
        return f"{self.served_on:%Y-%m-%d} {self.get_kind_display()}"
