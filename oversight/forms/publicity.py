from django import forms

from tongzhou_care.core.forms import DatePicker

from .common import FilterForm, scheme_year_field, street_field


class PublicityFilterForm(FilterForm):
    scheme_year = scheme_year_field()
    street = street_field()
    pending = forms.BooleanField(label="只看未送达", required=False)


class PublicityBatchForm(FilterForm):
    """A street's notices as one PDF (a background job)."""

    scheme_year = scheme_year_field()
    street = forms.ModelChoiceField(label="街道/乡镇", queryset=None)
    pending_only = forms.BooleanField(label="只打印未送达的", required=False)


class DeliveryForm(forms.Form):
    """The notices handed over (or left with a neighbour, or posted): the day, and the families
    ticked in the list."""

    delivered_on = forms.DateField(label="送达日期", widget=DatePicker)
    note = forms.CharField(label="说明（可不填）", required=False, max_length=200)
