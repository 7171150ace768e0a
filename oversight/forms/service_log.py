from django import forms

from tongzhou_care.core.forms import DatePicker

from ..models.service_log import ServiceKind
from .common import FilterForm, scheme_year_field, street_field


class ServiceEntryForm(forms.Form):
    """The two-click entry on the person and claim pages: the kind (preset) and 登记; the date
    defaults to today, the note is optional."""

    kind = forms.ChoiceField(label="服务方式", choices=ServiceKind.choices, initial=ServiceKind.PHONE_FOLLOW_UP)
    served_on = forms.DateField(label="服务日期", widget=DatePicker)
    note = forms.CharField(label="服务内容（可不填）", required=False, max_length=500)
    claim = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ServiceLogFilterForm(FilterForm):
    q = forms.CharField(label="姓名", required=False, max_length=50)
    street = street_field()
    kind = forms.ChoiceField(label="服务方式", required=False, choices=[("", "全部方式")] + ServiceKind.choices)
    since = forms.DateField(label="服务日期自", required=False, widget=DatePicker)
    until = forms.DateField(label="至", required=False, widget=DatePicker)


class NotContactedFilterForm(FilterForm):
    scheme_year = scheme_year_field()
    street = street_field()
    q = forms.CharField(label="姓名", required=False, max_length=50)
