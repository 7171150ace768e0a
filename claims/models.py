"""Claims (理赔): one hospital stay of one insured person, its documents, its decision split
over the policies it touches, its payment, and its timeline."""

from datetime import timedelta

import pgtrigger
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, DateTimeRangeField, RangeOperators
from django.db import models
from django.db.models import Case, ExpressionWrapper, F, Func, Q, Value, When
from django.db.models.functions import Cast

from enrollment.models import Person, Policy
from tongzhou_care.core.audit import track
from tongzhou_care.core.models import Insurer, Street, User
from tongzhou_care.core.sealed import BlindIndexField, SealedField, SealedModel


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
    """The days a stay occupies, half-open: [admission, discharge), a same-day stay [d, d + 1).
    The no-overlap constraint used it until a same-day stay followed by a readmission that
    same day had to be allowed (StaySpan); migration 0001 still refers to it."""

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


class StaySpan(Func):
    """The time a stay occupies, for the no-overlap constraint (S21, issue 11): a stay runs from
    noon of its admission day to the morning of its discharge day, and a same-day stay takes
    the hours between (08:00–12:00). So a readmission on the discharge day does not overlap,
    a same-day stay fits between a discharge and a readmission on that same day, and a stay
    still in hospital runs open-ended; any real overlap of days is refused. (Which days are
    paid is the benefit engine's business: a day counted by two stays is paid once.)"""

    function = "TSRANGE"
    output_field = DateTimeRangeField()
    MORNING, NOON = timedelta(hours=8), timedelta(hours=12)

    def __init__(self):
        def at(day: str, hours: timedelta):
            return ExpressionWrapper(F(day) + Value(hours), output_field=models.DateTimeField())

        same_day = Q(discharged_on=F("admitted_on"))
        start = Case(When(same_day, then=at("admitted_on", self.MORNING)), default=at("admitted_on", self.NOON),
                     output_field=models.DateTimeField())
        end = Case(When(discharged_on__isnull=True, then=Value(None)),
                   When(same_day, then=at("admitted_on", self.NOON)),
                   default=at("discharged_on", self.MORNING), output_field=models.DateTimeField())
        super().__init__(start, end, Value("[)"))


@track()
class Claim(SealedModel):
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
    # Personal data at rest (core/sealed.py): sealed, with blind indexes for exact comparison.
    diagnosis = SealedField("诊断", max_length=200, purpose="diagnosis")
    reporter_name = models.CharField("报案人", max_length=50)
    reporter_relation = models.CharField("与被保险人关系", max_length=20)
    reporter_phone = SealedField("报案人电话", max_length=30, purpose="phone")
    reporter_phone_hash = BlindIndexField(source="reporter_phone", purpose="phone")
    proxy_filing = models.BooleanField("他人代办", default=False)
    # The payee (domain.md "Facts that change after a decision"): the insured while alive;
    # once the insured has died, an heir (relation and ID number required).
    payee_name = models.CharField("收款人", max_length=50, blank=True)
    payee_relation = models.CharField("收款人与被保险人关系", max_length=20, blank=True)
    payee_id_number = SealedField("收款人身份证号", max_length=18, blank=True, purpose="id_number")
    payee_id_number_hash = BlindIndexField(source="payee_id_number", purpose="id_number")
    payee_bank = models.CharField("开户银行", max_length=100, blank=True)
    payee_account = SealedField("收款账号", max_length=40, blank=True, purpose="bank_account")
    payee_account_hash = BlindIndexField(source="payee_account", purpose="bank_account")
    # The report form's one-time token: a second submission of the same form lands on the
    # claim the first one created instead of reporting the stay twice.
    report_token = models.UUIDField("报案表单标识", null=True, blank=True, unique=True, editable=False)
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
            ("set_payee", "可登记收款人"),
        ]
        constraints = [
            ExclusionConstraint(
                name="claim_no_overlapping_stays",
                expressions=[("person", RangeOperators.EQUAL), (StaySpan(), RangeOperators.OVERLAPS)],
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
            # The list's sorts (selectors.CLAIM_SORTING) that the indexes above do not serve, for
            # all claims and for one street's (an officer's, walked without the other streets').
            models.Index(fields=["admitted_on", "id"], name="claim_admitted_idx"),
            models.Index(fields=["discharged_on", "id"], name="claim_discharged_idx"),
            models.Index(fields=["amount", "id"], name="claim_amount_idx"),
            models.Index(fields=["status", "-reported_at", "-id"], name="claim_status_sort_idx"),
            models.Index(fields=["street", "number"], name="claim_street_number_idx"),
            models.Index(fields=["street", "admitted_on", "id"], name="claim_street_admitted_idx"),
            models.Index(fields=["street", "discharged_on", "id"], name="claim_street_discharged_idx"),
            models.Index(fields=["street", "amount", "id"], name="claim_street_amount_idx"),
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



@track()
class Supplement(models.Model):
    """A supplementary decision (补充核定) on a decided claim whose amount changed under facts
    learnt later (a contract amendment in force on its days, a death or removal recorded with
    an earlier date): the claim's own decision is never rewritten; this records the difference
    (positive: paid to the family; negative: overpaid, to be recovered), its trace and its
    settlement. The family's entitlement is the claim's amount plus its supplements."""

    class Cause(models.TextChoices):
        AMENDMENT = "amendment", "合同变更"
        LATE_FACT = "late_fact", "身故或减员日期更正"
        OTHER = "other", "其他"

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="supplements")
    sequence = models.PositiveSmallIntegerField("序号")
    cause = models.CharField("原因", max_length=20, choices=Cause.choices)
    note = models.CharField("说明", max_length=500)
    days_difference = models.SmallIntegerField("天数差额")
    amount_difference = models.DecimalField("金额差额（元）", max_digits=12, decimal_places=2)
    calculation = models.JSONField("重新计算过程", default=list)
    decided_at = models.DateTimeField("补充核定时间")
    decided_by = models.ForeignKey(User, verbose_name="补充核定人", on_delete=models.PROTECT, related_name="+")
    # Settled: the difference paid (补付) or the overpayment recovered (追回); on a claim not
    # paid yet, the claim's payment settles it.
    settled_on = models.DateField("补付/追回日期", null=True, blank=True)
    bank_reference = models.CharField("银行流水号", max_length=60, blank=True)
    settled_at = models.DateTimeField("登记时间", null=True, blank=True)
    settled_by = models.ForeignKey(User, verbose_name="登记人", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = "补充核定"
        verbose_name_plural = "补充核定"
        ordering = ["claim", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "sequence"], name="supplement_sequence_unique"),
            models.CheckConstraint(name="supplement_difference_not_zero", condition=~Q(amount_difference=0)),
            models.CheckConstraint(name="supplement_settled_together", condition=Q(
                settled_on__isnull=True, settled_at__isnull=True, settled_by__isnull=True)
                | Q(settled_on__isnull=False, settled_at__isnull=False, settled_by__isnull=False)),
            models.CheckConstraint(name="supplement_cause_valid", condition=Q(cause__in=["amendment", "late_fact", "other"])),
        ]

    def __str__(self):
        return f"{self.claim.number}-补{self.sequence}"

    @property
    def number(self) -> str:
        return f"{self.claim.number}-B{self.sequence}"


@track()
class SupplementPortion(models.Model):
    """What a supplementary decision changes on one policy: the paid days it adds or gives
    back to the allowance, and the amount. A claim's portion plus these is what that policy
    pays for the stay now."""

    supplement = models.ForeignKey(Supplement, on_delete=models.PROTECT, related_name="portions")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="supplement_portions")
    days_difference = models.SmallIntegerField("天数差额")
    amount_difference = models.DecimalField("金额差额（元）", max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = "补充核定分年度"
        verbose_name_plural = "补充核定分年度"
        constraints = [models.UniqueConstraint(fields=["supplement", "policy"], name="supplementportion_one_per_policy")]


# The tallies (counts kept true by database triggers, one table each) live in claims/tallies.py.
from .tallies import (  # noqa: E402,F401
    ClaimDayTally,
    ClaimPaymentMismatch,
    ClaimStepTally,
    ClaimTally,
    ClaimYearTally,
    MoneyTally,
    PaidTally,
    PolicyDaysTally,
)
