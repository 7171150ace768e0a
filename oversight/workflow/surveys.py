"""The survey task's action table: the officer records the answers, or that the person could
not be reached or declined. Services call `SURVEY_WORKFLOW.check` under the survey's lock.

    pending ──answer──▶ answered
        ├──unreachable──▶ unreachable
        └──decline──▶ declined
"""

from tongzhou_care.core.workflow import Action, Workflow

from ..forms.surveys import SurveyAnswerForm, SurveyOutcomeForm
from ..models.surveys import SurveyStatus as S

SURVEY_WORKFLOW = Workflow(actions=(
    Action("answer", "录入调查结果", "oversight.conduct_survey", frozenset({S.PENDING}), S.ANSWERED,
           form=SurveyAnswerForm, done="调查结果已保存。", service="survey_record"),
    Action("unreachable", "无法联系", "oversight.conduct_survey", frozenset({S.PENDING}), S.UNREACHABLE,
           form=SurveyOutcomeForm, done="已记录无法联系。", confirm="确认多次联系均未能联系上？记录后本任务结束。", service="survey_record"),
    Action("decline", "拒绝调查", "oversight.conduct_survey", frozenset({S.PENDING}), S.DECLINED,
           form=SurveyOutcomeForm, done="已记录对方拒绝调查。", confirm="确认对方拒绝接受调查？记录后本任务结束。", service="survey_record"),
), state_label=lambda status: S(status).label)
