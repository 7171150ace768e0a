from collections.abc import Iterable

from django.utils import timezone

from tongzhou_care.core.xlsx import Column, write_table

from ..models.complaints import About, Channel, ComplaintCategory, ComplaintStatus, Satisfaction
from ..rules.complaints import closed_in_time

COMPLAINT_COLUMNS = [
    Column("编号", 10), Column("受理日期", 12, "date"), Column("渠道", 10), Column("投诉人", 10),
    Column("关系", 8), Column("涉及的参保对象", 12), Column("被投诉方", 10), Column("保险公司", 20),
    Column("街道/乡镇", 12), Column("类别", 10), Column("投诉内容", 40), Column("办理期限", 12, "date"),
    Column("状态", 8), Column("承办人", 16), Column("答复内容", 40), Column("答复日期", 12, "date"),
    Column("满意度", 10), Column("办结日期", 12, "date"), Column("按期办结", 10),
]
_LABELS = {"channel": dict(Channel.choices), "about": dict(About.choices),
           "category": dict(ComplaintCategory.choices), "status": dict(ComplaintStatus.choices),
           "satisfaction": dict(Satisfaction.choices)}


def write_complaints(out, values: Iterable[tuple]) -> int:
    """The complaint list (selectors COMPLAINT_VALUES; no phone numbers); returns the rows."""
    def rows():
        for (pk, received_on, channel, name, relation, person, about, insurer, street, category, content, due_on,
             status, handler, reply, replied_at, satisfaction, closed_on) in values:
            in_time = closed_in_time(closed_on=closed_on, due_on=due_on)
            yield [f"TS{pk:06d}", received_on, _LABELS["channel"].get(channel), name, relation, person or "",
                   _LABELS["about"].get(about), insurer or "", street or "", _LABELS["category"].get(category),
                   content, due_on, _LABELS["status"].get(status), handler or "", reply,
                   timezone.localtime(replied_at).date() if replied_at else None,
                   _LABELS["satisfaction"].get(satisfaction, ""), closed_on,
                   "" if in_time is None else ("是" if in_time else "否（逾期）")]

    return write_table(out, COMPLAINT_COLUMNS, rows(), sheet_name="投诉清单")
