"""Forms of the inspection pages: parse input only; rules and writes are the services'."""

from django import forms

from tongzhou_care.core.forms import DatePicker
from tongzhou_care.core.models import Insurer, Street
from tongzhou_care.core.uploads import DOCUMENT_MAX_BYTES

from ..models.inspections import InspectionScope, Party
from ..rules.inspections import DEFAULT_DEADLINE_DAYS, MAX_DEADLINE_DAYS

# Evidence files one rectification report may carry.
MAX_EVIDENCE_FILES = 10


class _PartyForm(forms.Form):
    """A street or an insurer, chosen by kind; the other choice is ignored."""

    party_fields = ("target", "street", "insurer")

    def clean(self):
        data = super().clean()
        kind, street, insurer = (data.get(f) for f in self.party_fields)
        if kind == Party.STREET:
            if street is None:
                self.add_error(self.party_fields[1], "请选择街道/乡镇。")
            data[self.party_fields[2]] = None
        elif kind == Party.INSURER:
            if insurer is None:
                self.add_error(self.party_fields[2], "请选择保险公司。")
            data[self.party_fields[1]] = None
        return data


class InspectionForm(_PartyForm):
    inspected_on = forms.DateField(label="巡查日期", widget=DatePicker)
    target = forms.ChoiceField(label="巡查对象", choices=Party.choices, widget=forms.RadioSelect)
    street = forms.ModelChoiceField(label="被巡查街道/乡镇", queryset=Street.objects.order_by("code"),
                                    required=False, empty_label="请选择", help_text="巡查对象为街道/乡镇时选择")
    insurer = forms.ModelChoiceField(label="被巡查保险公司", queryset=Insurer.objects.order_by("name"),
                                     required=False, empty_label="请选择", help_text="巡查对象为保险公司时选择")
    scopes = forms.MultipleChoiceField(label="巡查内容", choices=InspectionScope.choices,
                                       widget=forms.CheckboxSelectMultiple)
    inspectors = forms.CharField(label="巡查人员", max_length=200, help_text="多人用顿号分隔，如：王明、李华")
    place = forms.CharField(label="巡查地点", max_length=200, required=False)
    summary = forms.CharField(label="巡查情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class FindingForm(_PartyForm):
    party_fields = ("responsible", "responsible_street", "responsible_insurer")

    scope = forms.ChoiceField(label="问题类别", choices=InspectionScope.choices)
    description = forms.CharField(label="问题描述", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    requirement = forms.CharField(label="整改要求", max_length=1000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    responsible = forms.ChoiceField(label="责任单位", choices=Party.choices, widget=forms.RadioSelect)
    responsible_street = forms.ModelChoiceField(label="责任街道/乡镇", queryset=Street.objects.order_by("code"),
                                                required=False, empty_label="请选择", help_text="责任单位为街道/乡镇时选择")
    responsible_insurer = forms.ModelChoiceField(label="责任保险公司", queryset=Insurer.objects.order_by("name"),
                                                 required=False, empty_label="请选择", help_text="责任单位为保险公司时选择")
    deadline_days = forms.IntegerField(label="整改期限（工作日）", min_value=1, max_value=MAX_DEADLINE_DAYS,
                                       initial=DEFAULT_DEADLINE_DAYS,
                                       help_text="按法定工作日计算（节假日和调休按国家安排），自提出之日的次日起算。")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleaned to a list (each file's content is checked by the
    service, core.uploads.check_document)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if not files and self.required:
            raise forms.ValidationError("请至少上传一份整改佐证材料。", code="required")
        if len(files) > MAX_EVIDENCE_FILES:
            raise forms.ValidationError(f"一次最多上传 {MAX_EVIDENCE_FILES} 个文件。", code="too_many")
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class RectificationForm(forms.Form):
    text = forms.CharField(label="整改情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                           help_text="写明采取的措施、完成时间和效果。")
    files = MultipleFileField(
        label=f"整改佐证材料（JPG、PNG 或 PDF，每个不超过 {DOCUMENT_MAX_BYTES // 2**20} MB，可多选）")


class AcceptForm(forms.Form):
    note = forms.CharField(label="验收意见", max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回理由", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    deadline_days = forms.IntegerField(label="重新整改期限（工作日）", min_value=1, max_value=MAX_DEADLINE_DAYS,
                                       initial=5)


class CancelForm(forms.Form):
    reason = forms.CharField(label="撤销理由", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class FindingFilterForm(forms.Form):
    """The finding list's filters (in the URL, so a list can be bookmarked); what does not
    parse is ignored."""

    STATES = [("", "全部"), ("pending", "未办结"), ("overdue", "已逾期")] + [
        (value, label) for value, label in (("open", "待整改"), ("reported", "待验收"), ("returned", "退回整改"),
                                            ("accepted", "已验收"), ("cancelled", "已撤销"))]

    state = forms.ChoiceField(label="状态", choices=STATES, required=False)
    street = forms.ModelChoiceField(label="责任街道/乡镇", queryset=Street.objects.order_by("code"),
                                    required=False, empty_label="全部")
    party = forms.ChoiceField(label="责任单位类型", choices=[("", "全部")] + Party.choices, required=False)
