"""Forms of the data-check pages: parse input only."""

from django import forms

from tongzhou_care.core.forms import DatePicker
from tongzhou_care.core.models import Street

from ..models.checks import CheckFindingStatus
from ..rules.checks import CHECK_RULES


class ResolveForm(forms.Form):
    note = forms.CharField(label="核实和处理情况", max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="写明核实结果和采取的措施（如已追回多付金额、已登记死亡）。")


class DismissForm(forms.Form):
    note = forms.CharField(label="排除理由", max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text="写明为什么这不是问题（如已核实为同一家庭）。")


class ReopenForm(forms.Form):
    note = forms.CharField(label="重新打开的理由", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ResolveClearedForm(forms.Form):
    rule = forms.ChoiceField(choices=[(r.name, r.title) for r in CHECK_RULES], widget=forms.HiddenInput)
    note = forms.CharField(label="核实和处理情况", max_length=500)


class CheckFilterForm(forms.Form):
    """The finding list's filters, in the URL; what does not parse is ignored."""

    PRESENT = [("", "全部"), ("present", "最近一次核查仍发现"), ("cleared", "最近一次核查已不再发现")]

    rule = forms.ChoiceField(label="核查规则", choices=[("", "全部规则")] + [(r.name, r.title) for r in CHECK_RULES],
                             required=False)
    status = forms.ChoiceField(label="处理状态", choices=[("", "全部")] + CheckFindingStatus.choices, required=False)
    present = forms.ChoiceField(label="情况是否仍存在", choices=PRESENT, required=False)
    street = forms.ModelChoiceField(label="街道/乡镇", queryset=Street.objects.order_by("code"), required=False,
                                    empty_label="全部")
    since = forms.DateField(label="首次发现自", required=False, widget=DatePicker)
    until = forms.DateField(label="首次发现至", required=False, widget=DatePicker)
