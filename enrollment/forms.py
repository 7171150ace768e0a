from django import forms

from .models import PersonStatus


class PersonFilterForm(forms.Form):
    """The filter bar of the persons list; values live in the URL (never a full ID number:
    the free text accepts a name or the last 4 characters of the ID number)."""

    q = forms.CharField(label="姓名或身份证号后4位", required=False, max_length=50)
    street = forms.ModelChoiceField(label="街道/乡镇", required=False, queryset=None,
                                    empty_label="全部街道/乡镇")
    status = forms.ChoiceField(label="状态", required=False,
                               choices=[("", "全部状态")] + PersonStatus.choices)

    def __init__(self, *args, streets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = streets


class UnmaskForm(forms.Form):
    """Seeing a full ID number, phone or account needs a stated reason (S10)."""

    reason = forms.CharField(label="查看事由", max_length=200, min_length=2,
                             widget=forms.TextInput(attrs={"placeholder": "例如：核对理赔材料"}))
