"""Complaints (投诉): recorded, assigned to a handler of the party complained about, replied to,
and closed with the complainant's satisfaction, within a working-day deadline."""

from django.db import models
from django.db.models import F, Q

from tongzhou_care.core.audit import track


class ComplaintStatus(models.TextChoices):
    RECORDED = "recorded", "已登记"
    ASSIGNED = "assigned", "已交办"
    REPLIED = "replied", "已答复"
    CLOSED = "closed", "已办结"


class Channel(models.TextChoices):
    PHONE = "phone", "电话"
    VISIT = "visit", "来访"
    LETTER = "letter", "信件"
    HOTLINE_12345 = "hotline_12345", "12345 热线"
    ONLINE = "online", "网络"


class About(models.TextChoices):
    """Whom the complaint is about: the party that must answer it."""

    INSURER = "insurer", "保险公司"
    STREET = "street", "街道/乡镇"
    COMMISSION = "commission", "区卫健委"


class ComplaintCategory(models.TextChoices):
    CLAIM_SPEED = "claim_speed", "理赔时效"
    AMOUNT = "amount", "赔付金额"
    DOCUMENTS = "documents", "材料要求"
    ATTITUDE = "attitude", "服务态度"
    OTHER = "other", "其他"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY = "basically", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"


@track()
class Complaint(models.Model):
    """One complaint. `street` is the street it belongs to: the complainant's (optional) or,
    for a complaint about a street, that street (required); its officer sees it unless it is
    about the commission. Staff of `insurer` see it when it is about their company."""

    channel = models.CharField("投诉渠道", max_length=20, choices=Channel.choices)
    complainant_name = models.CharField("投诉人", max_length=50)
    complainant_relation = models.CharField("与参保对象关系", max_length=20, blank=True)
    complainant_phone = models.CharField("联系电话", max_length=30, blank=True)
    person = models.ForeignKey("enrollment.Person", verbose_name="涉及的参保对象", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="complaints")
    about = models.CharField("被投诉方", max_length=20, choices=About.choices)
    insurer = models.ForeignKey("core.Insurer", verbose_name="被投诉的保险公司", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="complaints")
    street = models.ForeignKey("core.Street", verbose_name="所属街道/乡镇", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="complaints")
    category = models.CharField("投诉类别", max_length=20, choices=ComplaintCategory.choices)
    received_on = models.DateField("受理日期")
    content = models.TextField("投诉内容", max_length=2000)
    due_on = models.DateField("办理期限")
    status = models.CharField("状态", max_length=20, choices=ComplaintStatus.choices,
                              default=ComplaintStatus.RECORDED)
    recorded_by = models.ForeignKey("core.User", verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    handler = models.ForeignKey("core.User", verbose_name="承办人", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="complaints_handled")
    assigned_by = models.ForeignKey("core.User", verbose_name="交办人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField("交办时间", null=True, blank=True)
    reply = models.TextField("答复内容", max_length=2000, blank=True)
    replied_by = models.ForeignKey("core.User", verbose_name="答复人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    satisfaction = models.CharField("投诉人满意度", max_length=20, choices=Satisfaction.choices, blank=True)
    closing_note = models.CharField("办结说明", max_length=500, blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    closed_by = models.ForeignKey("core.User", verbose_name="办结人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "投诉"
        verbose_name_plural = "投诉"
        ordering = ["-received_on", "-id"]
        permissions = [
            ("assign_complaint", "可交办投诉"),
            ("reply_complaint", "可答复投诉"),
            ("close_complaint", "可办结投诉"),
            ("export_complaint", "可导出投诉清单"),
        ]
        constraints = [
            models.CheckConstraint(name="complaint_choices_valid", condition=Q(
                channel__in=Channel.values, about__in=About.values, category__in=ComplaintCategory.values,
                status__in=ComplaintStatus.values)),
            models.CheckConstraint(name="complaint_insurer_iff_about_insurer",
                                   condition=Q(about=About.INSURER, insurer__isnull=False)
                                   | (~Q(about=About.INSURER) & Q(insurer__isnull=True)),
                                   violation_error_message="投诉保险公司须选择公司；其他投诉不填保险公司。"),
            models.CheckConstraint(name="complaint_street_when_about_street",
                                   condition=~Q(about=About.STREET) | Q(street__isnull=False),
                                   violation_error_message="投诉街道/乡镇须选择街道/乡镇。"),
            models.CheckConstraint(name="complaint_due_after_received", condition=Q(due_on__gte=F("received_on"))),
            models.CheckConstraint(name="complaint_assigned_has_handler", condition=Q(
                status=ComplaintStatus.RECORDED) | Q(handler__isnull=False, assigned_at__isnull=False)),
            models.CheckConstraint(name="complaint_replied_has_reply", condition=Q(
                status__in=[ComplaintStatus.RECORDED, ComplaintStatus.ASSIGNED])
                | (Q(replied_at__isnull=False) & ~Q(reply=""))),
            models.CheckConstraint(name="complaint_closed_iff_satisfaction", condition=(
                Q(status=ComplaintStatus.CLOSED, closed_on__isnull=False) & ~Q(satisfaction=""))
                | (~Q(status=ComplaintStatus.CLOSED) & Q(closed_on__isnull=True, satisfaction=""))),
        ]
        indexes = [
            # The overdue lists: open complaints by deadline.
            models.Index(fields=["due_on"], name="complaint_open_due_idx", condition=~Q(status="closed")),
            models.Index(fields=["street", "-received_on"], name="complaint_street_idx"),
            models.Index(fields=["insurer", "-received_on"], name="complaint_insurer_idx"),
        ]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        """The complaint's register number, e.g. TS000042."""
        return f"TS{self.pk:06d}" if self.pk else "TS（未保存）"
