"""The what-if of next year's premium (动态调整): another daily subsidy, day cap or target loss
ratio, within the plan's bounds; in the URL, so a what-if can be bookmarked and shared."""

from decimal import Decimal

from django import forms

from enrollment.rules import DAY_CAP_CEILING, SUBSIDY_FLOOR


class WhatIfForm(forms.Form):
    subsidy = forms.DecimalField(label="住院护理补贴（元/天）", required=False, max_digits=8, decimal_places=2,
                                 min_value=SUBSIDY_FLOOR, help_text=f"不少于{SUBSIDY_FLOOR:.0f}元/天。")
    cap = forms.IntegerField(label="每年累计理赔天数上限", required=False, min_value=1, max_value=DAY_CAP_CEILING)
    target = forms.DecimalField(label="目标赔付率（%）", required=False, max_digits=5, decimal_places=2,
                                min_value=Decimal("1"), max_value=Decimal("100"))

    def __init__(self, *args, scheme_year, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subsidy"].widget.attrs["placeholder"] = f"{scheme_year.daily_subsidy}"
        self.fields["cap"].widget.attrs["placeholder"] = f"{scheme_year.day_cap}"
        self.fields["target"].widget.attrs["placeholder"] = f"{scheme_year.target_loss_ratio}"
