from django import forms

from tongzhou_care.core.forms import DatePicker

from ..selectors.training import training_attendee_choices
from .common import FilterForm, scheme_year_field


def _attendee_label(user) -> str:
    where = user.street.name if user.street_id else (user.insurer.name if user.insurer_id else "")
    return f"{user}（{user.role_label}{' · ' + where if where else ''}）"


class TrainingSessionForm(forms.Form):
    held_on = forms.DateField(label="培训日期", widget=DatePicker)
    topic = forms.CharField(label="培训主题", max_length=200)
    trainer = forms.CharField(label="授课人", max_length=100)
    location = forms.CharField(label="地点", max_length=200, required=False)
    note = forms.CharField(label="备注", max_length=500, required=False)
    attendees = forms.ModelMultipleChoiceField(label="参训人员", queryset=None, widget=forms.CheckboxSelectMultiple)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = training_attendee_choices()
        self.fields["attendees"].label_from_instance = _attendee_label


class TrainingFilterForm(FilterForm):
    scheme_year = scheme_year_field()
