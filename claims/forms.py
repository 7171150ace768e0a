from django import forms

from tongzhou_care.core.forms import DatePicker, PhoneField

from tongzhou_care.core.uploads import DOCUMENT_MAX_BYTES

from .models import Cause, ClaimDocument
from .rules import ADMISSION_TYPES, HEIR_RELATIONS, REFUSAL_CODES, SELF

PAYEE_RELATIONS = [(SELF, SELF)] + [(r, r) for r in HEIR_RELATIONS]
RELATIONS = [("本人", "本人"), ("配偶", "配偶"), ("亲属", "亲属"), ("专管员", "街道/乡镇专管员"), ("其他", "其他")]


class ClaimReportForm(forms.Form):
    admission_type = forms.ChoiceField(label="就诊类型", choices=list(ADMISSION_TYPES.items()),
                                       help_text="门诊留观、家庭病床和挂床不属于住院，不能报案。")
    hospital = forms.CharField(label="医院", max_length=100)
    admitted_on = forms.DateField(label="入院日期（病房）", widget=DatePicker)
    still_in_hospital = forms.BooleanField(label="仍在住院", required=False)
    discharged_on = forms.DateField(label="出院日期", required=False, widget=DatePicker)
    cause = forms.ChoiceField(label="住院原因", choices=Cause.choices)
    diagnosis = forms.CharField(label="诊断", max_length=200)
    reporter_name = forms.CharField(label="报案人", max_length=50)
    reporter_relation = forms.ChoiceField(label="与被保险人关系", choices=RELATIONS)
    reporter_phone = PhoneField(label="报案人电话")
    proxy_filing = forms.BooleanField(label="由他人代办（需授权委托书和代办人身份证）", required=False)
    payee_name = forms.CharField(label="收款人", max_length=50, required=False)
    payee_relation = forms.ChoiceField(label="收款人与被保险人关系", required=False,
                                       choices=[("", "—")] + PAYEE_RELATIONS)
    payee_id_number = forms.CharField(label="收款人身份证号（继承人填写）", max_length=18, required=False)
    payee_bank = forms.CharField(label="开户银行", max_length=100, required=False)
    payee_account = forms.CharField(label="收款账号（借记卡）", max_length=40, required=False,
                                    widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    # One token per form shown: a second submission of the same form finds the claim it made.
    report_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, account_tail: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if account_tail:
            # The account on record is never put in the page in full (S10): left empty, it is used.
            self.fields["payee_account"].help_text = f"留空则使用登记的本人账户（尾号 {account_tail}）。"

    def clean(self):
        data = super().clean()
        if not data.get("still_in_hospital") and not data.get("discharged_on"):
            self.add_error("discharged_on", "请填写出院日期，或勾选“仍在住院”。")
        if data.get("still_in_hospital"):
            data["discharged_on"] = None
        return data


class DischargeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    discharged_on = forms.DateField(label="出院日期", widget=DatePicker)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe): cleans to a list."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


# One upload request carries at most this many files (each at most DOCUMENT_MAX_BYTES).
DOCUMENTS_PER_UPLOAD = 10
# What the file pickers offer: the photos phones make (HEIC is converted on the server) and PDFs.
DOCUMENT_ACCEPT = "image/jpeg,image/png,image/heic,image/heif,.heic,.heif,application/pdf"


class DocumentsForm(forms.Form):
    """Several documents in one go, each with its kind: one file box per kind of document (the
    ones still missing first), each taking several files (pages, photos)."""

    def __init__(self, *args, missing: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        kinds = [k for k in ClaimDocument.Kind.values if k in missing] + [
            k for k in ClaimDocument.Kind.values if k not in missing]
        # (kind, label, missing) in the boxes' order: the phone's photo list offers the same kinds.
        self.kinds = [(kind, ClaimDocument.Kind(kind).label, kind in missing) for kind in kinds]
        for kind in kinds:
            self.fields[f"file_{kind}"] = MultipleFileField(
                label=ClaimDocument.Kind(kind).label + ("（缺）" if kind in missing else ""), required=False)
            self.fields[f"file_{kind}"].widget.attrs.update({"accept": DOCUMENT_ACCEPT, "data-kind": kind})

    def clean(self):
        data = super().clean()
        documents = [(name.removeprefix("file_"), f) for name, files in data.items()
                     if name.startswith("file_") for f in files or []]
        if not documents:
            raise forms.ValidationError("请至少选择一个文件。")
        if len(documents) > DOCUMENTS_PER_UPLOAD:
            raise forms.ValidationError(f"一次最多上传 {DOCUMENTS_PER_UPLOAD} 个文件，请分几次上传。")
        data["documents"] = documents
        return data

    def arguments(self) -> dict:
        return {"documents": self.cleaned_data["documents"]}


DOCUMENT_HELP = (f"JPG、PNG、HEIC（苹果手机照片，自动转换）或 PDF，每个文件不超过 {DOCUMENT_MAX_BYTES // 2**20} MB，"
                 f"一次最多 {DOCUMENTS_PER_UPLOAD} 个文件")


class PayeeForm(forms.Form):
    """Who receives the money: the insured while alive; an heir once the insured has died."""

    payee_name = forms.CharField(label="收款人姓名", max_length=50)
    payee_relation = forms.ChoiceField(label="与被保险人关系", choices=PAYEE_RELATIONS)
    payee_id_number = forms.CharField(label="收款人身份证号（继承人必填）", max_length=18, required=False)
    payee_bank = forms.CharField(label="开户银行", max_length=100, required=False)
    payee_account = forms.CharField(label="收款账号（借记卡）", max_length=40, required=False)

    def __init__(self, *args, account_tail: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if account_tail:
            # The account on record is never put in the page in full (S10): left empty, it stays.
            self.fields["payee_account"].help_text = f"现登记账号尾号 {account_tail}；不变更可留空。"


class RefuseForm(forms.Form):
    code = forms.ChoiceField(label="拒赔原因", choices=[("", "请选择")] + list(REFUSAL_CODES.items()))
    explanation = forms.CharField(label="具体说明（写入拒赔通知书）", max_length=500,
                                  widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label="支付日期", widget=DatePicker)
    amount = forms.DecimalField(label="支付金额（元）", max_digits=12, decimal_places=2, min_value=0)
    bank_reference = forms.CharField(label="银行流水号", max_length=60)


class SettleForm(forms.Form):
    """The payment of a supplementary decision's difference, or the recovery of an overpayment."""

    settled_on = forms.DateField(label="补付或追回日期", widget=DatePicker)
    bank_reference = forms.CharField(label="银行流水号", max_length=60)


class PaymentFileForm(forms.Form):
    file = forms.FileField(label="保险公司支付明细（Excel：理赔编号、支付金额、支付日期、银行流水号）")
