from django import template

from ..rules import CATEGORY_LABELS

register = template.Library()

FIELD_LABELS = {"name": "姓名", "sex": "性别", "birth_date": "出生日期", "street_code": "街道/乡镇",
                "community": "社区/村", "category": "扶助类别", "assistance_start": "开始享受扶助日期",
                "address": "住址", "phone": "联系电话", "status": "状态", "spouse_id_number": "配偶身份证号"}


@register.filter
def roster_field(name: str) -> str:
    return FIELD_LABELS.get(name, name)


@register.filter
def category_label(code: str) -> str:
    return CATEGORY_LABELS.get(code, code)
