from django import forms

from tongzhou_care.core.forms import DatePicker
from tongzhou_care.core.models import Insurer

from ..models.surveys import QUESTIONS, SurveyMethod, SurveyOrigin, SurveyStatus
from .common import FilterForm, scheme_year_field, street_field

SCORE_CHOICES = [(n, f"{n}分") for n in range(1, 6)]


class SurveyAnswerForm(forms.Form):
    method = forms.ChoiceField(label="调查方式", choices=SurveyMethod.choices, widget=forms.RadioSelect)
    surveyed_on = forms.DateField(label="调查日期", widget=DatePicker)
    comment = forms.CharField(label="意见建议（可不填）", max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field, question in QUESTIONS:
            self.fields[field] = forms.TypedChoiceField(label=question, choices=SCORE_CHOICES, coerce=int,
                                                        widget=forms.RadioSelect)
        self.order_fields(["method", "surveyed_on", *[f for f, _ in QUESTIONS], "comment"])

    def score_fields(self):
        return [self[field] for field, _ in QUESTIONS]

    def scores(self) -> dict:
        return {field: self.cleaned_data[field] for field, _ in QUESTIONS}


class SurveyOutcomeForm(forms.Form):
    """Unreachable or declined: when it was tried, how, and what happened."""

    surveyed_on = forms.DateField(label="联系日期", widget=DatePicker)
    method = forms.ChoiceField(label="联系方式", required=False, choices=[("", "—")] + SurveyMethod.choices)
    comment = forms.CharField(label="情况说明（可不填）", max_length=500, required=False)


class SurveyFilterForm(FilterForm):
    q = forms.CharField(label="姓名", required=False, max_length=50)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态")] + SurveyStatus.choices)
    origin = forms.ChoiceField(label="来源", required=False, choices=[("", "全部来源")] + SurveyOrigin.choices)
    street = street_field()
    scheme_year = scheme_year_field(empty_label="全部保险年度")


class SurveyFiguresFilterForm(FilterForm):
    scheme_year = scheme_year_field(empty_label="全部保险年度")
    insurer = forms.ModelChoiceField(label="保险公司", required=False, queryset=Insurer.objects.order_by("name"),
                                     empty_label="全部保险公司")
    street = street_field()
    origin = forms.ChoiceField(label="来源", required=False, choices=[("", "全部来源")] + SurveyOrigin.choices)


class SampleDrawForm(FilterForm):
    scheme_year = scheme_year_field(empty_label="请选择")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme_year"].required = True
