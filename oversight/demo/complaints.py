"""Demonstration complaints in every state, through the real services: new, assigned to the
insurer and to a street, answered, closed satisfied, closed late and dissatisfied, and overdue."""

from datetime import date, timedelta

from enrollment.models import Person, PersonStatus

from ..models.complaints import About
from ..services.complaints import complaint_assign, complaint_close, complaint_record, complaint_reply

CASES = (
    # (days ago, channel, about, category, content, steps: assign / reply / close satisfaction)
    (1, "phone", About.INSURER, "claim_speed", "出院两周了还没接到受理通知，家属着急。", ()),
    (4, "hotline_12345", About.INSURER, "documents", "保险公司要求再开一份诊断证明，老人行动不便。", ("assign",)),
    (9, "visit", About.STREET, "attitude", "专管员电话里态度不耐烦。", ("assign", "reply")),
    (12, "letter", About.INSURER, "amount", "核定天数比住院天数少两天，不理解。", ("assign", "reply", "satisfied")),
    (40, "online", About.INSURER, "claim_speed", "核定后一个多月才到账。", ("assign", "reply", "dissatisfied")),
    (30, "phone", About.COMMISSION, "other", "希望增加门诊护理补贴。", ("assign", "reply", "basically")),
    (35, "hotline_12345", About.STREET, "other", "社区没有通知我们宣传告知的内容。", ()),
    (28, "phone", About.INSURER, "documents", "一次性告知后又要求补充材料。", ("assign",)),
)


def load(users: dict, today: date) -> int:
    """Returns how many complaints were recorded."""
    staff, insurer = users["staff"], users["insurer"]
    persons = list(Person.objects.filter(status=PersonStatus.ACTIVE).select_related("street").order_by("-pk")[:len(CASES)])
    for (days_ago, channel, about, category, content, steps), person in zip(CASES, persons):
        officer = users[f"officer{person.street.code[6:9]}"]
        received_on = today - timedelta(days=days_ago)
        # Officers take most complaints from the families; the commission those on the hotline.
        recorder = staff if channel == "hotline_12345" or about == About.COMMISSION else officer
        complaint = complaint_record(actor=recorder, channel=channel, complainant_name=f"{person.name}家属",
                                     complainant_relation="亲属", complainant_phone="13800138000",
                                     person=person, about=about, insurer=insurer.insurer if about == About.INSURER else None,
                                     street=person.street, category=category, received_on=received_on,
                                     content=content, today=today)
        handler = {About.INSURER: insurer, About.STREET: officer}.get(about, staff)
        if "assign" in steps:
            complaint_assign(complaint_id=complaint.pk, handler_id=handler.pk, actor=staff)
        if "reply" in steps:
            complaint_reply(complaint_id=complaint.pk, actor=handler,
                            reply="已核实情况并向投诉人说明，相关人员已整改。")
        satisfaction = next((s for s in steps if s not in ("assign", "reply")), None)
        if satisfaction:
            late = satisfaction == "dissatisfied"
            complaint_close(complaint_id=complaint.pk, satisfaction=satisfaction, actor=staff,
                            note="已电话回访投诉人。", today=complaint.due_on + timedelta(days=3) if late else today)
    return len(CASES)
