"""The claim workflow in one table (core.workflow): every action on a claim, its permission,
the states it starts from, the state it leads to, the guards that may still refuse it, its
form and its words. Services call `CLAIM_WORKFLOW.check` under their locks; the claim page
shows exactly `available` as buttons and `blocked` as hints. Nothing else decides what may
happen to a claim.

    reported ──request_documents──▶ documents_pending ──accept──▶ accepted ──decide──▶ decided ──pay──▶ paid
        │ └────────────accept──────────────────────────────▲         │          └─ supplement (补充核定) ─┘
        ├── refuse (from reported, documents_pending, accepted) ──▶ refused ──appeal (once)──▶ appealed
        │                                                                        ├─ overturn ─▶ accepted
        │                                                                        └─ uphold ──▶ refused
        └── withdraw (before a decision) ──▶ withdrawn
"""

from dataclasses import dataclass
from decimal import Decimal

from tongzhou_care.core.money import format_yuan
from tongzhou_care.core.workflow import Action, Workflow

from .forms import DischargeForm, DocumentsForm, PayeeForm, PaymentForm, ReasonForm, RefuseForm, SettleForm
from .models import ClaimStatus as S
from .rules import DOCUMENT_KINDS


@dataclass(frozen=True)
class ClaimFacts:
    """What the guards read about a claim, built once per page by `selectors.claim_facts` and
    again by each service under its locks."""

    status: str
    appeal_count: int
    discharged: bool
    reported_by_id: int
    missing: tuple[str, ...]              # required document kinds not provided yet
    refusal_notice_sent: bool
    payee_problem: str | None             # why the payee on record cannot be paid, or None
    nothing_payable: str | None = None    # why deciding now would pay nothing (accepted claims)
    supplement_due: Decimal | None = None  # the difference a 补充核定 would record now, or None
    unsettled_supplement: bool = False     # a 补充核定 of a paid claim not yet paid or recovered


BEFORE_DECISION = frozenset({S.REPORTED, S.DOCUMENTS_PENDING, S.ACCEPTED})
# Documents may still arrive until a claim is paid or withdrawn (an appeal may need more).
OPEN_FOR_DOCUMENTS = frozenset(S.values) - {S.PAID, S.WITHDRAWN}


def _missing_names(facts: ClaimFacts) -> str:
    return "、".join(DOCUMENT_KINDS[k] for k in facts.missing)


def _nothing_missing(user, facts: ClaimFacts) -> str | None:
    return f"材料不全：缺少{_missing_names(facts)}。请先一次性告知，材料补齐后再办理。" if facts.missing else None


def _something_missing(user, facts: ClaimFacts) -> str | None:
    return None if facts.missing else "材料已齐全，请直接受理。"


def _discharged(user, facts: ClaimFacts) -> str | None:
    return None if facts.discharged else "被保险人仍在住院，出院后才能核定。请先录入出院日期。"


def _payee_ready(user, facts: ClaimFacts) -> str | None:
    return facts.payee_problem


def _something_payable(user, facts: ClaimFacts) -> str | None:
    return facts.nothing_payable


def _not_appealed(user, facts: ClaimFacts) -> str | None:
    return "每件理赔只能申请一次复核，本件已复核过。" if facts.appeal_count >= 1 else None


def _reporter_or_commission(user, facts: ClaimFacts) -> str | None:
    if facts.reported_by_id == user.pk or user.has_perm("claims.view_all_claims"):
        return None
    return "只有报案人或区卫健委可以撤案。"


def _notice_pending(user, facts: ClaimFacts) -> str | None:
    return "拒赔通知已记录送达。" if facts.refusal_notice_sent else None


def _in_hospital(user, facts: ClaimFacts) -> str | None:
    return "出院日期已录入。" if facts.discharged else None


def _supplement_due(user, facts: ClaimFacts) -> str | None:
    return None if facts.supplement_due else "按现行合同条款和保障期间重新计算，与已核定金额一致，无需补充核定。"


def _supplement_unsettled(user, facts: ClaimFacts) -> str | None:
    return None if facts.unsettled_supplement else "没有待补付或待追回的补充核定。"


CLAIM_WORKFLOW = Workflow(state_label=lambda status: S(status).label, actions=(
    Action("request_documents", "一次性告知补充材料", "claims.accept_claim",
           frozenset({S.REPORTED, S.DOCUMENTS_PENDING}), S.DOCUMENTS_PENDING, guards=(_something_missing,),
           done="已一次性告知需补充的材料。", service="claim_request_documents"),
    Action("accept", "受理", "claims.accept_claim", frozenset({S.REPORTED, S.DOCUMENTS_PENDING}), S.ACCEPTED,
           guards=(_nothing_missing,), done="已受理。", service="claim_accept"),
    Action("decide", "核定", "claims.decide_claim", frozenset({S.ACCEPTED}), S.DECIDED,
           guards=(_discharged, _nothing_missing, _payee_ready, _something_payable),
           done="已核定。", confirm="确认核定 {days} 天，金额 {amount} 元？", service="claim_decide"),
    Action("pay", "登记支付", "claims.pay_claim", frozenset({S.DECIDED}), S.PAID,
           guards=(_nothing_missing, _payee_ready), form=PaymentForm, done="已登记支付。",
           confirm="确认登记支付 {typed} 元至 {payee}（账号尾号 {account_tail}）？", service="payment_record"),
    Action("refuse", "拒赔", "claims.decide_claim", BEFORE_DECISION, S.REFUSED, form=RefuseForm,
           done="已拒赔，请在时限内送达拒赔通知书。",
           confirm="确认拒赔？所选原因和说明将写入拒赔通知书，须在规定时限内送达。", service="claim_refuse"),
    Action("notice_sent", "记录拒赔通知已送达", "claims.decide_claim", frozenset({S.REFUSED}),
           guards=(_notice_pending,), done="已记录拒赔通知送达。", confirm="确认拒赔通知书已送达申请人？",
           service="claim_mark_notice_sent", hint=False),
    Action("appeal", "申请复核", "claims.appeal_claim", frozenset({S.REFUSED}), S.APPEALED,
           guards=(_not_appealed,), form=ReasonForm, done="已申请复核。",
           confirm="每件理赔只能申请一次复核。确认提交复核申请？", service="claim_appeal"),
    Action("overturn", "复核改判受理", "claims.decide_claim", frozenset({S.APPEALED}), S.ACCEPTED,
           form=ReasonForm, done="复核改判，理赔已重新受理。", confirm="确认改判，重新受理这件理赔？",
           service="claim_overturn"),
    Action("uphold", "复核维持拒赔", "claims.decide_claim", frozenset({S.APPEALED}), S.REFUSED,
           form=RefuseForm, done="复核维持拒赔。",
           confirm="确认维持拒赔？所选原因和说明将写入拒赔通知书。", service="claim_uphold"),
    Action("withdraw", "撤案", "claims.withdraw_claim", BEFORE_DECISION, S.WITHDRAWN,
           guards=(_reporter_or_commission,), form=ReasonForm, done="已撤案。",
           confirm="撤案后这件理赔不再办理。确认撤案？", service="claim_withdraw"),
    Action("discharge", "录入出院日期", "claims.report_claim", BEFORE_DECISION, guards=(_in_hospital,),
           form=DischargeForm, done="已录入出院日期。", service="claim_update_stay", hint=False),
    Action("upload", "上传材料", "claims.upload_claim_document", OPEN_FOR_DOCUMENTS, form=DocumentsForm,
           done="材料已上传。", service="claim_upload_documents"),
    Action("payee", "登记收款人", "claims.set_payee", BEFORE_DECISION | {S.DECIDED}, form=PayeeForm,
           done="收款人已登记。", service="claim_set_payee"),
    Action("supplement", "补充核定", "claims.decide_claim", frozenset({S.DECIDED, S.PAID}),
           guards=(_supplement_due,), done="已补充核定。", confirm="确认补充核定：{difference}？",
           service="claim_supplement", hint=False),
    Action("settle_supplement", "登记补付或追回", "claims.pay_claim", frozenset({S.PAID}),
           guards=(_supplement_unsettled,), form=SettleForm, done="已登记补付或追回。",
           confirm="确认登记：{difference}？", service="supplement_settle", hint=False),
))

# What the timeline says where it differs from the button ("edit" is the discharge date as
# recorded before the table named it).
TIMELINE_WORDS = {"report": "报案", "edit": "录入出院日期", "notice_sent": "送达拒赔通知",
                  "purge_documents": "按保存期限删除材料"}


def action_word(name: str) -> str:
    """What the claim's timeline calls an action."""
    if name in TIMELINE_WORDS:
        return TIMELINE_WORDS[name]
    return CLAIM_WORKFLOW[name].label if name in CLAIM_WORKFLOW.by_name else name


def supplement_words(difference: Decimal) -> str:
    """补付 X 元 for a difference owed to the family, 应追回 X 元 for an overpayment."""
    return f"补付 {format_yuan(difference)} 元" if difference > 0 else f"应追回 {format_yuan(-difference)} 元"


@dataclass(frozen=True)
class Printout:
    label: str
    states: frozenset[str]           # the states in which the document exists


PRINTOUTS = {
    "application": Printout("理赔申请书", frozenset(S.values)),
    "notice": Printout("一次性告知书", BEFORE_DECISION),
    "decision": Printout("核定通知书", frozenset({S.DECIDED, S.PAID})),
    "supplement": Printout("补充核定通知书", frozenset({S.DECIDED, S.PAID})),
    "refusal": Printout("拒赔通知书", frozenset({S.REFUSED})),
}


# What an open claim waits for, as a list card says it next to the state.
WAITING_FOR = {S.REPORTED: "待保险公司受理", S.DOCUMENTS_PENDING: "待补材料", S.ACCEPTED: "待保险公司核定",
               S.DECIDED: "待保险公司支付", S.APPEALED: "待保险公司复核"}


def waiting_for(status: str) -> str:
    """What a claim in `status` waits for next ("待补材料"), or "" once nothing is pending."""
    return WAITING_FOR.get(status, "")


def printouts(facts: ClaimFacts, *, supplements: int) -> dict[str, Printout]:
    """The printouts the claim has now: the one-time notice only while documents are missing,
    the supplementary notice only once there is a supplementary decision."""
    out = {}
    for kind, printout in PRINTOUTS.items():
        if facts.status not in printout.states:
            continue
        if (kind == "notice" and not facts.missing) or (kind == "supplement" and not supplements):
            continue
        out[kind] = printout
    return out
