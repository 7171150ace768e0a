"""Claims (理赔): one hospital stay of one insured person, its documents, its decision split
over the policies it touches, its payment, and its timeline."""

from datetime import timedelta

import pgtrigger
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.db import models
from django.db.models import Case, F, Func, Q, Value, When
from django.db.models.functions import Cast

from enrollment.models import Person, Policy
from tongzhou_care.core.audit import track
from tongzhou_care.core.models import Insurer, Street, User


class ClaimStatus(models.TextChoices):
    REPORTED = "reported", "已报案"
    DOCUMENTS_PENDING = "documents_pending", "待补材料"
    ACCEPTED = "accepted", "已受理"
    DECIDED = "decided", "已核定"
    PAID = "paid", "已支付"
    REFUSED = "refused", "已拒赔"
    APPEALED = "appealed", "复核中"
    WITHDRAWN = "withdrawn", "已撤案"


class Cause(models.TextChoices):
    ILLNESS = "illness", "疾病"
    ACCIDENT = "accident", "意外"


class StayRange(Func):
    """The days a stay occupies, half-open: [admission, discharge). A same-day stay occupies
    [admission, admission + 1), because PostgreSQL makes [d, d) the empty range, which overlaps
    nothing; a stay still in hospital runs open-ended. A readmission on the discharge day does
    not overlap (S21)."""

    function = "DATERANGE"
    output_field = DateRangeField()

    def __init__(self):
        end = Case(
            When(discharged_on__isnull=True, then=Value(None)),
            When(discharged_on__gt=F("admitted_on"), then=F("discharged_on")),
            default=Cast(F("admitted_on") + timedelta(days=1), models.DateField()),
            output_field=models.DateField(),
        )
        super().__init__(F("admitted_on"), end, Value("[)"))


@track()
class Claim(models.Model):
    """A reported stay and everything decided about it."""

    number = models.CharField("理赔编号", max_length=20, unique=True)
    person = models.ForeignKey(Person, verbose_name="被保险人", on_delete=models.PROTECT,
                               related_name="claims")
    # The person's street and the insurer at report time: the scope of officers and insurer
    # staff, kept on the claim so a million-claim list filters on one indexed column.
    street = models.ForeignKey(Street, verbose_name="街道/乡镇", on_delete=models.PROTECT,
                               related_name="claims")
    insurer = models.ForeignKey(Insurer, verbose_name="保险公司", on_delete=models.PROTECT,
                                related_name="claims")
    hospital = models.CharField("医院", max_length=100)
    admitted_on = models.DateField("入院日期")
    discharged_on = models.DateField("出院日期", null=True, blank=True,
                                     help_text="仍在住院的留空")
    cause = models.CharField("住院原因", max_length=10, choices=Cause.choices)
    diagnosis = models.CharField("诊断", max_length=200)
    reporter_name = models.CharField("报案人", max_length=50)
    reporter_relation = models.CharField("与被保险人关系", max_length=20)
    reporter_phone = models.CharField("报案人电话", max_length=30)
    proxy_filing = models.BooleanField("他人代办", default=False)
    payee_name = models.CharField("收款人", max_length=50, blank=True)
    payee_bank = models.CharField("开户银行", max_length=100, blank=True)
    payee_account = models.CharField("收款账号", max_length=40, blank=True)
    status = models.CharField("状态", max_length=20, choices=ClaimStatus.choices,
                              default=ClaimStatus.REPORTED)
    late_report = models.BooleanField("逾期报案", default=False)
    reported_at = models.DateTimeField("报案时间")
    reported_by = models.ForeignKey(User, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="reported_claims")
    documents_requested_at = models.DateTimeField("一次性告知时间", null=True, blank=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    decided_at = models.DateTimeField("核定时间", null=True, blank=True)
    refused_at = models.DateTimeField("拒赔时间", null=True, blank=True)
    refusal_notice_sent_at = models.DateTimeField("拒赔通知送达时间", null=True, blank=True)
    paid_at = models.DateTimeField("支付时间", null=True, blank=True)
    withdrawn_at = models.DateTimeField("撤案时间", null=True, blank=True)
    appealed_at = models.DateTimeField("申请复核时间", null=True, blank=True)
    days_claimed = models.PositiveSmallIntegerField("住院天数", null=True, blank=True)
    days_payable = models.PositiveSmallIntegerField("核定天数", null=True, blank=True)
    amount = models.DecimalField("核定金额（元）", max_digits=12, decimal_places=2, null=True, blank=True)
    calculation = models.JSONField("核定计算过程", default=list, blank=True)
    refusal_code = models.CharField("拒赔原因", max_length=30, blank=True)
    refusal_explanation = models.CharField("拒赔说明", max_length=500, blank=True)
    appeal_reason = models.CharField("复核理由", max_length=500, blank=True)
    appeal_count = models.PositiveSmallIntegerField("复核次数", default=0)
    # The insurer's next deadline in official working days (domain.md SLAs), set by every
    # transition (services._set_deadline), so "overdue" is one indexed comparison.
    due_step = models.CharField("待办事项", max_length=20, blank=True)
    due_on = models.DateField("办理期限", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "理赔"
        verbose_name_plural = "理赔"
        ordering = ["-reported_at", "-id"]
        permissions = [
            ("view_all_claims", "可查看全区理赔"),
            ("report_claim", "可报案"),
            ("upload_claim_document", "可上传理赔材料"),
            ("accept_claim", "可受理理赔、一次性告知"),
            ("decide_claim", "可核定、拒赔、复核"),
            ("pay_claim", "可登记支付"),
            ("withdraw_claim", "可撤案"),
            ("appeal_claim", "可申请复核"),
            ("view_diagnosis", "可查看诊断"),
            ("export_claims", "可导出理赔清单"),
        ]
        constraints = [
            ExclusionConstraint(
                name="claim_no_overlapping_stays",
                expressions=[("person", RangeOperators.EQUAL), (StayRange(), RangeOperators.OVERLAPS)],
                condition=~Q(status=ClaimStatus.WITHDRAWN),
                violation_error_message="该参保对象在这段时间已有住院报案，住院时间不能重叠。",
            ),
            models.CheckConstraint(name="claim_stay_ordered",
                                   condition=Q(discharged_on__isnull=True)
                                   | Q(discharged_on__gte=models.F("admitted_on")),
                                   violation_error_message="出院日期不能早于入院日期。"),
            models.CheckConstraint(name="claim_status_valid", condition=Q(status__in=ClaimStatus.values)),
            models.CheckConstraint(name="claim_amount_not_negative",
                                   condition=Q(amount__isnull=True) | Q(amount__gte=0)),
            models.CheckConstraint(name="claim_days_payable_within_claimed",
                                   condition=Q(days_payable__isnull=True)
                                   | Q(days_payable__lte=models.F("days_claimed"))),
            models.CheckConstraint(name="claim_decided_has_amount",
                                   condition=~Q(status__in=[ClaimStatus.DECIDED, ClaimStatus.PAID])
                                   | Q(amount__isnull=False, decided_at__isnull=False)),
            models.CheckConstraint(name="claim_one_appeal", condition=Q(appeal_count__lte=1)),
        ]
        indexes = [
            models.Index(fields=["street", "status", "-reported_at"], name="claim_street_status_idx"),
            models.Index(fields=["insurer", "status", "-reported_at"], name="claim_insurer_status_idx"),
            models.Index(fields=["status", "-reported_at"], name="claim_status_reported_idx"),
            models.Index(fields=["-reported_at", "-id"], name="claim_reported_idx"),
            models.Index(fields=["person", "admitted_on"], name="claim_person_admitted_idx"),
            models.Index(fields=["street", "-reported_at"], name="claim_street_reported_idx"),
            models.Index(fields=["insurer", "-reported_at"], name="claim_insurer_reported_idx"),
            models.Index(fields=["due_on"], name="claim_due_idx", condition=Q(due_on__isnull=False)),
            models.Index(fields=["street", "due_on"], name="claim_street_due_idx", condition=Q(due_on__isnull=False)),
            models.Index(fields=["insurer", "due_on"], name="claim_insurer_due_idx",
                         condition=Q(due_on__isnull=False)),
        ]

    def __str__(self):
        return self.number


@track()
class ClaimPortion(models.Model):
    """What one policy pays for a claim: a stay crossing the year end has two portions, each
    at its own scheme year's subsidy and allowance."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="portions")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="claim_portions")
    first_day = models.DateField("首日", null=True)
    last_day = models.DateField("末日", null=True)
    days_claimed = models.PositiveSmallIntegerField("计入本年度天数")
    days_covered = models.PositiveSmallIntegerField("在保天数")
    days_payable = models.PositiveSmallIntegerField("可付天数")
    daily_subsidy = models.DecimalField("补贴标准（元/天）", max_digits=12, decimal_places=2)
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = "理赔分年度核定"
        verbose_name_plural = "理赔分年度核定"
        constraints = [
            models.UniqueConstraint(fields=["claim", "policy"], name="claimportion_one_per_policy"),
            models.CheckConstraint(name="claimportion_days_ordered", condition=Q(
                days_payable__lte=models.F("days_covered"), days_covered__lte=models.F("days_claimed"))),
            models.CheckConstraint(name="claimportion_amount_not_negative", condition=Q(amount__gte=0)),
        ]


def document_path(document, filename: str) -> str:
    """Stored under MEDIA_ROOT/claims/<claim id>/ with a random name (never the user's)."""
    import uuid

    return f"claims/{document.claim_id}/{uuid.uuid4().hex}"


@track()
class ClaimDocument(models.Model):
    """An uploaded document (image or PDF), checked by content and size, served only through
    the claim's scoped view."""

    class Kind(models.TextChoices):
        ID_CARD = "id_card", "被保险人身份证"
        DISCHARGE_SUMMARY = "discharge_summary", "出院小结或诊断证明"
        BANK_CARD = "bank_card", "收款人银行借记卡"
        POWER_OF_ATTORNEY = "power_of_attorney", "授权委托书"
        PROXY_ID = "proxy_id", "代办人身份证"
        DEATH_CERTIFICATE = "death_certificate", "死亡证明"
        HEIRSHIP = "heirship", "继承关系证明"
        OTHER = "other", "其他材料"

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField("材料类型", max_length=30, choices=Kind.choices)
    file = models.FileField("文件", upload_to=document_path, max_length=200)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=50)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(User, verbose_name="上传人", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "理赔材料"
        verbose_name_plural = "理赔材料"
        ordering = ["kind", "uploaded_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.original_name}"


class ClaimAction(models.Model):
    """The claim's timeline: who did what, when (append-only; the audit trail keeps the row
    changes, this keeps the story a user reads)."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="actions")
    at = models.DateTimeField("时间", auto_now_add=True)
    actor = models.ForeignKey(User, verbose_name="操作人", on_delete=models.PROTECT, related_name="+")
    action = models.CharField("操作", max_length=30)
    from_status = models.CharField("原状态", max_length=20, blank=True)
    to_status = models.CharField("新状态", max_length=20, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)

    class Meta:
        verbose_name = "理赔记录"
        verbose_name_plural = "理赔记录"
        ordering = ["at", "id"]
        triggers = [pgtrigger.Protect(name="claimaction_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]


@track()
class PaymentBatch(models.Model):
    """An imported payment file of the insurer (Excel: claim number, amount, date, reference)."""

    file_name = models.CharField("文件名", max_length=255)
    file_sha256 = models.CharField("文件SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(User, verbose_name="导入人", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("导入时间", auto_now_add=True)
    rows = models.PositiveIntegerField("行数", default=0)
    recorded = models.PositiveIntegerField("新登记", default=0)
    already = models.PositiveIntegerField("此前已登记", default=0)
    report = models.JSONField("核对结果", default=list)
    # The checked rows (claim number, amount, date, reference as text), kept between the check
    # and the user's confirmation; applying checks them again against the claims of that moment.
    checked_rows = models.JSONField("待登记的行", default=list)
    applied_at = models.DateTimeField("登记时间", null=True, blank=True)

    class Meta:
        verbose_name = "支付批次"
        verbose_name_plural = "支付批次"
        ordering = ["-uploaded_at"]


@track()
class Payment(models.Model):
    """The payment of a decided claim (one per claim): date, amount, bank reference."""

    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="payment")
    paid_on = models.DateField("支付日期")
    amount = models.DecimalField("支付金额（元）", max_digits=12, decimal_places=2)
    bank_reference = models.CharField("银行流水号", max_length=60)
    batch = models.ForeignKey(PaymentBatch, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="payments")
    recorded_by = models.ForeignKey(User, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "支付"
        verbose_name_plural = "支付"
        constraints = [models.CheckConstraint(name="payment_amount_positive", condition=Q(amount__gt=0))]



class ClaimTally(models.Model):
    """How many claims each (street, insurer, state) has, kept by database triggers on the
    claims table (migration 0004) in the same statement as any insert, update or delete — bulk
    and raw SQL included. Home pages and list totals read these few rows instead of counting a
    million claims."""

    street = models.ForeignKey(Street, on_delete=models.CASCADE, related_name="+")
    insurer = models.ForeignKey(Insurer, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20, choices=ClaimStatus.choices)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["street", "insurer", "status"], name="claimtally_one_row"),
            models.CheckConstraint(name="claimtally_not_negative", condition=Q(n__gte=0)),
        ]
