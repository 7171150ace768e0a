from django import forms

from tongzhou_care.core.forms import DatePicker, PhoneField
from tongzhou_care.core.masking import mask_bank_account, mask_id_number, mask_phone

from .models import EVALUATION_WEIGHTS, Category, Person, PersonStatus, SchemeYear, default_categories
from .rules import PREMIUM_CEILING, SUBSIDY_FLOOR


class PersonFilterForm(forms.Form):
    """The filter bar of the persons list; values live in the URL (never a full ID number:
    the free text accepts a name or the last 4 characters of the ID number)."""

    q = forms.CharField(label="姓名或身份证号后4位", required=False, max_length=50)
    street = forms.ModelChoiceField(label="街道/乡镇", required=False, queryset=None,
                                    empty_label="全部街道/乡镇")
    status = forms.ChoiceField(label="状态", required=False,
                               choices=[("", "全部状态")] + PersonStatus.choices)
    category = forms.ChoiceField(label="扶助类别", required=False,
                                 choices=[("", "全部类别")] + Category.choices)
    year = forms.ModelChoiceField(label="参保年度", required=False, queryset=None,
                                  empty_label="不限")

    def __init__(self, *args, streets, scheme_years, **kwargs):
        super().__init__(*args, **kwargs)
        if streets.exists():
            self.fields["street"].queryset = streets
        else:
            del self.fields["street"]      # one street (an officer): nothing to choose
        self.fields["year"].queryset = scheme_years
        if not scheme_years.exists():
            del self.fields["year"]        # officers see cover on each person's page


class PersonLookupForm(forms.Form):
    """Find a person to act for (report a stay, log a visit): a name or the last 4 of the ID
    number in the URL; a full ID number only by POST (S12: never in a URL)."""

    q = forms.CharField(label="姓名、身份证号后4位或完整身份证号", max_length=18, min_length=1)


class UnmaskForm(forms.Form):
    """Seeing a full ID number, phone or account needs a stated reason (S10)."""

    reason = forms.CharField(label="查看事由", max_length=200, min_length=2,
                             widget=forms.TextInput(attrs={"placeholder": "例如：核对理赔材料"}))


class ReasonForm(UnmaskForm):
    """A full (unmasked) export states its purpose, like an unmask (S10, S14)."""

    reason = forms.CharField(label="导出事由", max_length=200, min_length=2,
                             widget=forms.TextInput(attrs={"placeholder": "例如：年度核对"}))


class RosterUploadForm(forms.Form):
    file = forms.FileField(label="花名册文件", error_messages={
        "empty": "文件为空，请检查后重新上传。", "required": "请选择要上传的花名册文件。"}, help_text="支持 .xlsx、.xls、.csv（UTF-8 或 GBK），不超过 50 MB。"
                           "文件上方的标题行和末尾的合计行会自动忽略。")
    roster_year = forms.IntegerField(label="花名册年度", min_value=2000, max_value=2100)


class RosterApplyForm(forms.Form):
    """What the user confirms after the preview: each kind of change separately."""

    apply_new = forms.BooleanField(label="新增参保对象", required=False)
    apply_changed = forms.BooleanField(label="更新变更的信息", required=False)
    apply_death = forms.BooleanField(label="登记死亡", required=False)
    apply_removal = forms.BooleanField(label="登记减员", required=False)
    apply_missing = forms.BooleanField(label="对名册中缺失的人员做减员", required=False)
    removal_date = forms.DateField(label="减员日期", required=False, widget=DatePicker)
    removal_reason = forms.CharField(label="减员原因", required=False, max_length=200)
    skip_errors = forms.BooleanField(label="忽略错误行，只导入其余有效行", required=False)

    def kinds(self) -> set[str]:
        return {kind for kind in ("new", "changed", "death", "removal", "missing")
                if self.cleaned_data.get(f"apply_{kind}")}


class RosterChoicesForm(forms.Form):
    """The clerk's choices on one page of a preview's rows: for a changed row, which contact
    and bank changes to take (ticked: take); for a death or removal the file gives no date
    for, the date, or leaving it out of this import. Field names carry the row id."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        from .rules import CONTACT_FIELDS

        self.rows = list(rows)
        for row in self.rows:
            choice = getattr(row, "choice", None)
            declined = set(choice.declined) if choice else set()
            for field in CONTACT_FIELDS:
                if row.kind == "changed" and field in row.changes:
                    self.fields[f"take_{row.pk}_{field}"] = forms.BooleanField(
                        required=False, initial=field not in declined, label="采用")
            if row.kind in ("death", "removal"):
                if row.event_date is None:
                    self.fields[f"date_{row.pk}"] = forms.DateField(
                        required=False, widget=DatePicker, label=f"{row.get_kind_display()}日期",
                        initial=choice.event_date if choice else None)
                self.fields[f"leave_{row.pk}"] = forms.BooleanField(
                    required=False, initial=bool(choice and choice.leave), label="暂不处理")

    def choices(self):
        from .services import RowChoice
        from .rules import CONTACT_FIELDS

        data = self.cleaned_data
        return [RowChoice(
            row_id=row.pk,
            declined=tuple(f for f in CONTACT_FIELDS if f"take_{row.pk}_{f}" in self.fields
                           and not data.get(f"take_{row.pk}_{f}")),
            event_date=data.get(f"date_{row.pk}"),
            leave=bool(data.get(f"leave_{row.pk}")),
        ) for row in self.rows if row.kind == "changed" and any(k.startswith(f"take_{row.pk}_") for k in self.fields)
            or row.kind in ("death", "removal")]


MASKED_ON_EDIT = {"id_number": mask_id_number, "phone": mask_phone, "bank_account": mask_bank_account}
CLEARABLE = ("phone", "bank_account")       # optional numbers; an ID number is never empty


class PersonEditForm(forms.ModelForm):
    """The fields a user may edit (services.persons.editable_fields) and the version read."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    phone = PhoneField(label="联系电话", required=False)

    class Meta:
        model = Person
        fields = ["phone", "address", "name", "id_number", "street", "community", "category",
                  "assistance_start", "status", "status_date", "removal_reason", "bank_name",
                  "bank_account"]
        widgets = {"assistance_start": DatePicker, "status_date": DatePicker}

    def __init__(self, *args, editable: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name != "version" and name not in editable:
                del self.fields[name]
        self.fields["version"].initial = self.instance.version
        # S10: the form never carries a stored ID number, phone or account to the browser (that
        # would bypass the logged unmask); it shows the masked value and an empty box that
        # changes the field only when something is typed into it.
        for name, mask in MASKED_ON_EDIT.items():
            if name not in self.fields:
                continue
            self.initial[name] = ""
            field = self.fields[name]
            field.required = False
            stored = getattr(self.instance, name)
            if stored:
                field.widget.attrs["placeholder"] = mask(stored)
                field.help_text = f"当前为 {mask(stored)}（不显示完整号码）；留空则不修改，填写则替换。"
                if name in CLEARABLE:
                    # An empty box keeps the number, so removing a wrong one needs its own tick.
                    self.fields[f"clear_{name}"] = forms.BooleanField(
                        label=f"清空{field.label}（号码有误且无正确号码时）", required=False)
        for name in [n for n in self.fields if n.startswith("clear_")]:
            # Each tick right after the box it clears.
            order = [n for n in self.fields if n != name]
            order.insert(order.index(name.removeprefix("clear_")) + 1, name)
            self.order_fields(order)

    def _post_clean(self):
        # Validation of the whole person happens in the service, against the locked row.
        pass

    def changes(self) -> dict:
        changes = {name: self.cleaned_data[name] for name in self.changed_data
                   if name != "version" and not name.startswith("clear_")}
        for name in CLEARABLE:
            if self.cleaned_data.get(f"clear_{name}"):
                changes[name] = ""
        return changes


class SchemeYearForm(forms.ModelForm):
    """The scheme year's contract and settings; the coverage end defaults to one year on."""

    eligible_categories = forms.MultipleChoiceField(
        label="参保扶助类别", choices=Category.choices, widget=forms.CheckboxSelectMultiple,
        initial=default_categories,
        help_text="默认只含独生子女死亡特别扶助；按2022年市通知可增加伤残特扶。")
    amendment_date = forms.DateField(label="合同变更生效日期", required=False, widget=DatePicker)
    amendment_reason = forms.CharField(label="合同变更原因", required=False, max_length=300)

    class Meta:
        model = SchemeYear
        fields = ["name", "insurer", "contract_number", "tender_date", "coverage_start", "coverage_end",
                  "premium_per_person", "daily_subsidy", "day_cap", "day_counting", "year_crossing",
                  "proration", "eligible_categories", "report_deadline_days", "claim_time_limit_years",
                  "sla_accept_days", "sla_decide_days", "sla_pay_days", "sla_refusal_notice_days",
                  "complaint_deadline_days", "survey_sample_percent", "survey_sample_minimum",
                  *EVALUATION_WEIGHTS, "complaint_rate_zero_score", "target_loss_ratio"]
        widgets = {f: DatePicker for f in ("tender_date", "coverage_start", "coverage_end")}
        help_texts = {"coverage_end": "留空则为开始日期后一年减一天。",
                      "premium_per_person": f"中标价格，不超过{PREMIUM_CEILING:.0f}元。",
                      "daily_subsidy": f"不少于{SUBSIDY_FLOOR:.0f}元/天。"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coverage_end"].required = False
        if not (self.instance.pk and self.instance.money_locked_at):
            del self.fields["amendment_date"], self.fields["amendment_reason"]

    @property
    def evaluation_fields(self):
        """The insurer evaluation's weights and the premium recommendation's settings."""
        return [self[name] for name in (*EVALUATION_WEIGHTS, "complaint_rate_zero_score", "target_loss_ratio")]

    def clean(self):
        data = super().clean()
        if data.get("coverage_start") and not data.get("coverage_end"):
            from .rules import default_coverage_end
            data["coverage_end"] = default_coverage_end(data["coverage_start"])
            self.instance.coverage_end = data["coverage_end"]
        return data

    def _post_clean(self):
        # Build the instance without validating it here: the service validates (rules, then
        # full_clean) and turns each violation into a message.
        from django.forms.models import construct_instance

        self.instance = construct_instance(self, self.instance, self._meta.fields)


class CertificateBatchForm(forms.Form):
    street = forms.ModelChoiceField(label="范围", queryset=None, required=False,
                                    empty_label="全部街道/乡镇（全年度）")

    def __init__(self, *args, streets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = streets


class PolicyFilterForm(forms.Form):
    q = forms.CharField(label="姓名、身份证号后4位或保单号", required=False, max_length=50)
    street = forms.ModelChoiceField(label="街道/乡镇", required=False, queryset=None,
                                    empty_label="全部街道/乡镇")
    state = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")])

    def __init__(self, *args, streets, **kwargs):
        from .selectors import POLICY_STATES

        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = streets
        self.fields["state"].choices = [("", "全部")] + [(k, label) for k, (label, _) in POLICY_STATES.items()]


