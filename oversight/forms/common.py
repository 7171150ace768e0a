"""Form pieces the oversight features share."""

from django import forms

from ..selectors.common import scheme_years_for_oversight


class FilterForm(forms.Form):
    """A filter bar whose values live in the URL; what does not parse is dropped, as in any
    search box, rather than refused (cleaned_or_empty)."""

    def __init__(self, *args, streets=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "street" in self.fields:
            if streets is None or streets.count() < 2:
                del self.fields["street"]         # one street (an officer): nothing to choose
            else:
                self.fields["street"].queryset = streets
        if "scheme_year" in self.fields:
            self.fields["scheme_year"].queryset = scheme_years_for_oversight()

    def cleaned_or_empty(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()           # a field that does not parse is left out of cleaned_data
        return dict(self.cleaned_data)


def street_field():
    return forms.ModelChoiceField(label="街道/乡镇", required=False, queryset=None, empty_label="全部街道/乡镇")


def scheme_year_field(empty_label="本保险年度"):
    return forms.ModelChoiceField(label="保险年度", required=False, queryset=None, empty_label=empty_label)
