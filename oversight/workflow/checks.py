"""The data-check finding's action table. A run of the checks moves findings too (a resolved
finding whose condition is found again is reopened, oversight/services/checks.py); what people
do is here.

    open ──resolve (note)──▶ resolved ──(found again by a run)──▶ open
      └───dismiss (reason)──▶ dismissed
    resolved / dismissed ──reopen (reason)──▶ open
"""

from dataclasses import dataclass

from tongzhou_care.core.workflow import Action, Workflow

from ..forms.checks import DismissForm, ReopenForm, ResolveForm
from ..models.checks import CheckFindingStatus as S


@dataclass(frozen=True)
class CheckFindingFacts:
    status: str


HANDLE = "oversight.handle_checkfinding"

CHECK_FINDING_WORKFLOW = Workflow(actions=(
    Action("resolve", "核实处理", HANDLE, frozenset({S.OPEN}), S.RESOLVED, form=ResolveForm,
           done="已记录核实处理情况。如以后的核查再次发现该情况，将自动重新打开。", service="check_finding_resolve"),
    Action("dismiss", "排除", HANDLE, frozenset({S.OPEN}), S.DISMISSED, form=DismissForm,
           done="已排除。以后的核查不再把它列为待处理。", confirm="确认排除？排除表示经核实这不是问题，以后的核查不再提示。",
           service="check_finding_dismiss"),
    Action("reopen", "重新打开", HANDLE, frozenset({S.RESOLVED, S.DISMISSED}), S.OPEN, form=ReopenForm,
           done="已重新打开。", service="check_finding_reopen"),
), state_label=lambda status: S(status).label)
