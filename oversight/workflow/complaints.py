"""The complaint's action table (domain.md "Oversight": 投诉). Services call
`COMPLAINT_WORKFLOW.check` under the complaint's lock; its page shows exactly `available` as
buttons and `blocked` as hints.

    recorded ──assign──▶ assigned ──reply──▶ replied ──close (with satisfaction)──▶ closed
                           └─assign (another handler)─┘
"""

from tongzhou_care.core.workflow import Action, Workflow

from ..forms.complaints import AssignForm, CloseForm, ReplyForm
from ..models.complaints import About, ComplaintStatus as S
from ..rules.complaints import ComplaintFacts, answers_for


def _party_replies(user, facts: ComplaintFacts) -> str | None:
    if answers_for(user, facts):
        return None
    party = {About.INSURER: "被投诉的保险公司", About.STREET: "被投诉的街道/乡镇专管员"}.get(facts.about, "")
    return f"由{party + '或' if party else ''}区卫健委答复这件投诉。"


COMPLAINT_WORKFLOW = Workflow(actions=(
    Action("assign", "交办", "oversight.assign_complaint", frozenset({S.RECORDED, S.ASSIGNED}), S.ASSIGNED,
           form=AssignForm, done="已交办。承办人将在首页看到这件投诉。", service="complaint_assign"),
    Action("reply", "答复", "oversight.reply_complaint", frozenset({S.ASSIGNED}), S.REPLIED,
           guards=(_party_replies,), form=ReplyForm, done="已答复。区卫健委回访投诉人后办结。", service="complaint_reply"),
    Action("close", "办结", "oversight.close_complaint", frozenset({S.REPLIED}), S.CLOSED,
           form=CloseForm, done="已办结。", confirm="办结后不能再修改。确认已回访投诉人并记录其满意度？",
           service="complaint_close"),
), state_label=lambda status: S(status).label)
