"""Inspections (巡查): the commission inspects a street or the insurer, records what it found
(问题), each addressed to a responsible party with a rectification deadline (整改期限); the party
reports its rectification with evidence (整改报告), and the commission accepts it (验收) or
returns it (退回) with a reason. Plan 五(三)1 建立巡查制度; domain.md "Oversight"."""


from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from tongzhou_care.core.audit import track
from tongzhou_care.core.models import Insurer, Street, User


class InspectionScope(models.TextChoices):
    """What an inspection looks at (domain.md: 投保 / 报案 / 理赔 / 资金 / 服务)."""

    ENROLMENT = "enrolment", "投保"
    REPORTING = "reporting", "报案"
    CLAIMS = "claims", "理赔"
    FUNDS = "funds", "资金"
    SERVICE = "service", "服务"


class Party(models.TextChoices):
    """Who is inspected, and who answers a finding: a street's office or the insurer."""

    STREET = "street", "街道/乡镇"
    INSURER = "insurer", "保险公司"


class FindingStatus(models.TextChoices):
    OPEN = "open", "待整改"
    REPORTED = "reported", "待验收"
    RETURNED = "returned", "退回整改"
    ACCEPTED = "accepted", "已验收"
    CANCELLED = "cancelled", "已撤销"


# A finding waits on its responsible party in these states; past its deadline it is overdue.
AWAITING_PARTY = (FindingStatus.OPEN, FindingStatus.RETURNED)


def _party_constraint(name: str, kind: str, street: str, insurer: str) -> models.CheckConstraint:
    """A street party names a street and no insurer; an insurer party the other way round."""
    return models.CheckConstraint(
        name=name,
        condition=Q(**{kind: Party.STREET, f"{street}__isnull": False, f"{insurer}__isnull": True})
        | Q(**{kind: Party.INSURER, f"{insurer}__isnull": False, f"{street}__isnull": True}),
        violation_error_message="巡查对象或责任单位须是一个街道/乡镇或一家保险公司。",
    )


@track()
class Inspection(models.Model):
    """One inspection visit (巡查) of a street's office or of the insurer."""

    inspected_on = models.DateField("巡查日期")
    target = models.CharField("巡查对象", max_length=10, choices=Party.choices)
    street = models.ForeignKey(Street, verbose_name="被巡查街道/乡镇", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="inspections")
    insurer = models.ForeignKey(Insurer, verbose_name="被巡查保险公司", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="inspections")
    scopes = ArrayField(models.CharField(max_length=20, choices=InspectionScope.choices),
                        verbose_name="巡查内容")
    inspectors = models.CharField("巡查人员", max_length=200)
    place = models.CharField("巡查地点", max_length=200, blank=True)
    summary = models.TextField("巡查情况", max_length=2000)
    created_by = models.ForeignKey(User, verbose_name="记录人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "巡查"
        verbose_name_plural = "巡查"
        ordering = ["-inspected_on", "-id"]
        permissions = [
            ("record_inspection", "可记录巡查、提出问题"),
            ("review_rectification", "可验收或退回整改、撤销问题"),
        ]
        constraints = [
            _party_constraint("inspection_one_target", "target", "street", "insurer"),
            models.CheckConstraint(name="inspection_scopes_valid", condition=Q(
                scopes__contained_by=InspectionScope.values, scopes__len__gt=0)),
        ]

    def __str__(self):
        return f"{self.inspected_on:%Y-%m-%d} {self.target_name}"

    @property
    def target_name(self) -> str:
        return str(self.street if self.target == Party.STREET else self.insurer)

    @property
    def scope_labels(self) -> str:
        return "、".join(InspectionScope(s).label for s in self.scopes)


@track()
class InspectionFinding(models.Model):
    """A problem an inspection found (问题), addressed to one responsible party, to be
    rectified by a deadline counted in official working days."""

    inspection = models.ForeignKey(Inspection, verbose_name="巡查", on_delete=models.PROTECT,
                                   related_name="findings")
    number = models.PositiveSmallIntegerField("序号")
    scope = models.CharField("问题类别", max_length=20, choices=InspectionScope.choices)
    description = models.TextField("问题描述", max_length=1000)
    requirement = models.TextField("整改要求", max_length=1000, blank=True)
    responsible = models.CharField("责任单位类型", max_length=10, choices=Party.choices)
    responsible_street = models.ForeignKey(Street, verbose_name="责任街道/乡镇", null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="inspection_findings")
    responsible_insurer = models.ForeignKey(Insurer, verbose_name="责任保险公司", null=True, blank=True,
                                            on_delete=models.PROTECT, related_name="inspection_findings")
    issued_on = models.DateField("提出日期")
    deadline_days = models.PositiveSmallIntegerField("整改期限（工作日）")
    due_on = models.DateField("整改截止日期")
    status = models.CharField("状态", max_length=10, choices=FindingStatus.choices,
                              default=FindingStatus.OPEN)
    return_count = models.PositiveSmallIntegerField("退回次数", default=0)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_by = models.ForeignKey(User, verbose_name="办结人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    close_note = models.CharField("验收意见或撤销理由", max_length=500, blank=True)
    created_by = models.ForeignKey(User, verbose_name="记录人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("记录时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "巡查问题"
        verbose_name_plural = "巡查问题"
        ordering = ["due_on", "id"]
        permissions = [
            ("answer_inspectionfinding", "可报送本单位巡查问题的整改情况"),
            ("export_inspectionfinding", "可导出巡查问题清单"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "number"], name="inspectionfinding_number_unique"),
            _party_constraint("inspectionfinding_one_party", "responsible", "responsible_street",
                              "responsible_insurer"),
            models.CheckConstraint(name="inspectionfinding_status_valid",
                                   condition=Q(status__in=FindingStatus.values)),
            models.CheckConstraint(name="inspectionfinding_due_after_issue",
                                   condition=Q(due_on__gte=models.F("issued_on"))),
            models.CheckConstraint(
                name="inspectionfinding_closed_fields",
                condition=Q(status__in=[FindingStatus.ACCEPTED, FindingStatus.CANCELLED],
                            closed_at__isnull=False, closed_by__isnull=False)
                | (~Q(status__in=[FindingStatus.ACCEPTED, FindingStatus.CANCELLED]) & Q(closed_at__isnull=True))),
        ]
        indexes = [
            models.Index(fields=["responsible_street", "status", "due_on"], name="finding_street_status_idx"),
            models.Index(fields=["responsible_insurer", "status", "due_on"], name="finding_insurer_status_idx"),
            models.Index(fields=["status", "due_on"], name="finding_status_due_idx"),
        ]

    def __str__(self):
        return f"{self.inspection} 问题{self.number}"

    @property
    def party_name(self) -> str:
        return str(self.responsible_street if self.responsible == Party.STREET else self.responsible_insurer)


@track()
class Rectification(models.Model):
    """One rectification report of the responsible party (整改报告) and the commission's review
    of it: accepted, or returned with a reason (and a new deadline); a returned finding gets a
    new report."""

    class Outcome(models.TextChoices):
        PENDING = "", "待验收"
        ACCEPTED = "accepted", "验收通过"
        RETURNED = "returned", "退回整改"

    finding = models.ForeignKey(InspectionFinding, verbose_name="巡查问题", on_delete=models.PROTECT,
                                related_name="rectifications")
    text = models.TextField("整改情况", max_length=2000)
    submitted_by = models.ForeignKey(User, verbose_name="报送人", on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField("报送时间", auto_now_add=True)
    late = models.BooleanField("逾期报送", default=False)
    outcome = models.CharField("验收结果", max_length=10, choices=Outcome.choices, blank=True)
    reviewed_by = models.ForeignKey(User, verbose_name="验收人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField("验收时间", null=True, blank=True)
    review_note = models.CharField("验收意见或退回理由", max_length=500, blank=True)
    new_due_on = models.DateField("重新整改截止日期", null=True, blank=True)

    class Meta:
        verbose_name = "整改报告"
        verbose_name_plural = "整改报告"
        ordering = ["submitted_at", "id"]
        constraints = [
            models.CheckConstraint(name="rectification_outcome_valid",
                                   condition=Q(outcome__in=["", "accepted", "returned"])),
            models.CheckConstraint(
                name="rectification_reviewed_fields",
                condition=Q(outcome="", reviewed_at__isnull=True)
                | (~Q(outcome="") & Q(reviewed_at__isnull=False, reviewed_by__isnull=False))),
            models.CheckConstraint(name="rectification_return_has_reason",
                                   condition=~Q(outcome="returned") | ~Q(review_note="")),
        ]

    def __str__(self):
        return f"{self.finding} 整改报告"


def evidence_path(evidence, filename: str) -> str:
    """Stored under MEDIA_ROOT/oversight/rectifications/<id>/ with a random name (never the user's)."""
    import uuid

    return f"oversight/rectifications/{evidence.rectification_id}/{uuid.uuid4().hex}"


@track()
class RectificationEvidence(models.Model):
    """A file supporting a rectification report (整改佐证材料): an image or a PDF, checked by
    content and size like a claim's documents, served only through the finding's scoped view."""

    rectification = models.ForeignKey(Rectification, verbose_name="整改报告", on_delete=models.PROTECT,
                                      related_name="evidence")
    file = models.FileField("文件", upload_to=evidence_path, max_length=200)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=50)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(User, verbose_name="上传人", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "整改佐证材料"
        verbose_name_plural = "整改佐证材料"
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name
