"""Data checks (数据核查): named rules run over the whole database on demand and every night
(oversight/rules/checks.py); each condition found is a finding keyed by rule and object, so a
rerun neither duplicates nor loses it. Plan 五(三)2 加强数据监测; domain.md "Oversight"."""

from django.db import models
from django.db.models import Q

from claims.models import Claim
from enrollment.models import Person
from tongzhou_care.core.audit import track
from tongzhou_care.core.models import BackgroundJob, Street, User


class CheckFindingStatus(models.TextChoices):
    OPEN = "open", "待处理"
    RESOLVED = "resolved", "已核实处理"
    DISMISSED = "dismissed", "已排除"


@track()
class CheckRun(models.Model):
    """One run of all data checks: who or what started it, when, and per rule what it found."""

    class Trigger(models.TextChoices):
        MANUAL = "manual", "手动运行"
        NIGHTLY = "nightly", "每晚定时"

    class Status(models.TextChoices):
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    job = models.OneToOneField(BackgroundJob, verbose_name="后台任务", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="check_run")
    trigger = models.CharField("方式", max_length=10, choices=Trigger.choices)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_by = models.ForeignKey(User, verbose_name="发起人", on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    today = models.DateField("核查基准日")
    # Per rule, in catalogue order: {"rule", "found", "new", "reopened", "cleared", "seconds"}.
    results = models.JSONField("各规则结果", default=list)

    class Meta:
        verbose_name = "数据核查运行"
        verbose_name_plural = "数据核查运行"
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(name="checkrun_status_valid",
                                   condition=Q(status__in=["running", "done", "failed"])),
            models.CheckConstraint(name="checkrun_trigger_valid", condition=Q(trigger__in=["manual", "nightly"])),
        ]

    def __str__(self):
        return f"数据核查 {self.started_at:%Y-%m-%d %H:%M}"


@track()
class CheckFinding(models.Model):
    """A condition a data check found: open until resolved with a note or dismissed with a
    reason; a rerun that finds it again leaves it as it is, and reopens it if it was resolved
    (the condition came back). `cleared_at` says a later run no longer found it."""

    rule = models.CharField("核查规则", max_length=40)
    # The object the condition is about, stable across runs: "claim:123", "person:45:year:3" …
    key = models.CharField("对象", max_length=100)
    person = models.ForeignKey(Person, verbose_name="参保对象", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="check_findings")
    claim = models.ForeignKey(Claim, verbose_name="理赔", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="check_findings")
    # The street whose officer sees the finding (the person's, or the claim's at report time).
    street = models.ForeignKey(Street, verbose_name="街道/乡镇", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="check_findings")
    detail = models.JSONField("核查数据", default=dict)
    status = models.CharField("状态", max_length=10, choices=CheckFindingStatus.choices,
                              default=CheckFindingStatus.OPEN)
    first_run = models.ForeignKey(CheckRun, verbose_name="首次发现于", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    first_found_at = models.DateTimeField("首次发现时间")
    cleared_at = models.DateTimeField("最近一次核查未再发现", null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField("重新打开次数", default=0)
    reopened_at = models.DateTimeField("最近重新打开时间", null=True, blank=True)
    handled_by = models.ForeignKey(User, verbose_name="处理人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)
    note = models.CharField("处理说明或排除理由", max_length=500, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "数据核查发现"
        verbose_name_plural = "数据核查发现"
        ordering = ["-first_found_at", "-id"]
        permissions = [
            ("run_checks", "可运行数据核查"),
            ("handle_checkfinding", "可处理数据核查发现（核实处理、排除、重新打开）"),
            ("export_checkfinding", "可导出数据核查发现"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["rule", "key"], name="checkfinding_one_per_rule_object"),
            models.CheckConstraint(name="checkfinding_status_valid",
                                   condition=Q(status__in=CheckFindingStatus.values)),
            models.CheckConstraint(name="checkfinding_handled_has_note",
                                   condition=Q(status="open") | (~Q(note="") & Q(handled_at__isnull=False))),
        ]
        indexes = [
            models.Index(fields=["status", "rule"], name="checkfinding_status_rule_idx"),
            models.Index(fields=["street", "status"], name="checkfinding_street_status_idx"),
        ]

    def __str__(self):
        return f"{self.rule} {self.key}"
