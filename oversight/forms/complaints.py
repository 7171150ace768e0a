from django import forms

from tongzhou_care.core.forms import DatePicker
from tongzhou_care.core.models import Insurer

from ..models.complaints import About, Channel, ComplaintCategory, ComplaintStatus, Satisfaction
from .common import FilterForm, street_field

RELATIONS = [("", "请选择"), ("本人", "本人"), ("配偶", "配偶"), ("亲属", "亲属"), ("邻居/朋友", "邻居/朋友"),
             ("其他", "其他")]


class ComplaintForm(forms.Form):
    channel = forms.ChoiceField(label="投诉渠道", choices=Channel.choices)
    received_on = forms.DateField(label="受理日期", widget=DatePicker)
    complainant_name = forms.CharField(label="投诉人", max_length=50)
    complainant_relation = forms.ChoiceField(label="与参保对象关系", choices=RELATIONS, required=False)
    complainant_phone = forms.CharField(label="联系电话", max_length=30, required=False)
    about = forms.ChoiceField(label="被投诉方", choices=About.choices, widget=forms.RadioSelect)
    insurer = forms.ModelChoiceField(label="被投诉的保险公司（投诉保险公司时选择）", required=False,
                                     queryset=Insurer.objects.order_by("name"), empty_label="请选择")
    street = forms.ModelChoiceField(label="所属街道/乡镇（投诉街道/乡镇时必选）", required=False, queryset=None,
                                    empty_label="请选择")
    category = forms.ChoiceField(label="投诉类别", choices=ComplaintCategory.choices)
    content = forms.CharField(label="投诉内容", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, streets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = streets


class ComplaintFilterForm(FilterForm):
    q = forms.CharField(label="编号或姓名", required=False, max_length=50)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态")] + ComplaintStatus.choices)
    about = forms.ChoiceField(label="被投诉方", required=False, choices=[("", "全部")] + About.choices)
    category = forms.ChoiceField(label="类别", required=False, choices=[("", "全部类别")] + ComplaintCategory.choices)
    street = street_field()
    overdue = forms.BooleanField(label="只看逾期未办结", required=False)
    since = forms.DateField(label="受理日期自", required=False, widget=DatePicker)
    until = forms.DateField(label="至", required=False, widget=DatePicker)


class AssignForm(forms.Form):
    handler = forms.ModelChoiceField(label="承办人", queryset=None, empty_label="请选择")

    def __init__(self, *args, handlers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handlers
        self.fields["handler"].label_from_instance = lambda u: (
            f"{u}（{u.role_label}{' · ' + u.street.name if u.street_id else ''}"
            f"{' · ' + u.insurer.name if u.insurer_id else ''}）")


class ReplyForm(forms.Form):
    reply = forms.CharField(label="答复内容", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class CloseForm(forms.Form):
    satisfaction = forms.ChoiceField(label="投诉人对办理结果的满意度", choices=Satisfaction.choices,
                                     widget=forms.RadioSelect)
    note = forms.CharField(label="回访情况（可不填）", max_length=500, required=False)
