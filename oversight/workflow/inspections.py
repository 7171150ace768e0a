"""The inspection finding's action table: who may report, accept, return or cancel, from
which states, with which form and words. Services call `FINDING_WORKFLOW.check` under their
lock; the finding page shows exactly `available` as buttons and `blocked` as hints.

    open ──report──▶ reported ──accept──▶ accepted
      ▲                 │
      │              return (reason, new deadline)
      │                 ▼
      └──────────── returned ──report──▶ reported …
    open / returned ──cancel (reason)──▶ cancelled
"""

from tongzhou_care.core.models import Role
from tongzhou_care.core.workflow import Action, Workflow

from ..forms.inspections import CancelForm, RectificationForm, ReturnForm, AcceptForm
from ..models.inspections import AWAITING_PARTY, FindingStatus as S, Party
from ..rules.inspections import FindingFacts


def is_responsible(user, facts: FindingFacts) -> bool:
    """The user works for the party the finding is addressed to."""
    if facts.responsible == Party.STREET:
        return user.role == Role.STREET_OFFICER and user.street_id == facts.street_id
    return user.role == Role.INSURER_STAFF and user.insurer_id == facts.insurer_id


def _only_the_responsible_party(user, facts: FindingFacts) -> str | None:
    if not is_responsible(user, facts):
        return "只有该问题的责任单位可以报送整改情况。"
    return None


ANSWER = "oversight.answer_inspectionfinding"
REVIEW = "oversight.review_rectification"

FINDING_WORKFLOW = Workflow(actions=(
    Action("report", "报送整改情况", ANSWER, frozenset(AWAITING_PARTY), S.REPORTED,
           guards=(_only_the_responsible_party,), form=RectificationForm, done="整改情况已报送。区卫健委验收或退回后，结果会显示在本页。",
           service="finding_report"),
    Action("accept", "验收通过", REVIEW, frozenset({S.REPORTED}), S.ACCEPTED, form=AcceptForm,
           done="已验收，该问题整改完毕。", confirm="确认验收通过？验收后该问题办结。",
           service="finding_accept"),
    Action("return", "退回整改", REVIEW, frozenset({S.REPORTED}), S.RETURNED, form=ReturnForm,
           done="已退回责任单位重新整改。", confirm="确认退回整改？责任单位将看到退回理由和新的整改期限。",
           service="finding_return"),
    Action("cancel", "撤销问题", REVIEW, frozenset(AWAITING_PARTY), S.CANCELLED, form=CancelForm,
           done="该问题已撤销。", confirm="确认撤销该问题？撤销后责任单位无需整改。",
           service="finding_cancel"),
), state_label=lambda status: S(status).label)
