from django import template

from ..rules import CATEGORY_LABELS, gaps_text

register = template.Library()

FIELD_LABELS = {"name": "姓名", "sex": "性别", "birth_date": "出生日期", "street_code": "街道/乡镇",
                "community": "社区/村", "category": "扶助类别", "assistance_start": "开始享受扶助日期",
                "address": "住址", "phone": "联系电话", "bank_name": "开户银行", "bank_account": "银行账号",
                "status": "状态", "status_date": "死亡/减员日期", "spouse_id_number": "配偶身份证号"}


@register.filter
def roster_field(name: str) -> str:
    return FIELD_LABELS.get(name, name)


@register.filter
def category_label(code: str) -> str:
    return CATEGORY_LABELS.get(code, code)


@register.simple_tag
def choice_field(form, prefix: str, row_id, field: str = ""):
    """The bound field of RosterChoicesForm for one row ("take", row, "phone" → take_<row>_phone),
    or None when the row has no such choice."""
    name = f"{prefix}_{row_id}_{field}" if field else f"{prefix}_{row_id}"
    return form[name] if form is not None and name in form.fields else None


@register.filter
def lookup(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def cover_gaps(policy) -> str:
    """"（其中 2026-05-02 至 2026-06-10 未在保）" for a policy covered again after a removal by
    mistake, "" otherwise."""
    return gaps_text(policy.cover)
