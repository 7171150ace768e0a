"""The claim workflow in one table: each action, the states it may start from, the state it
leads to, and the permission it needs. Services call `check_transition`; templates ask
`allowed_actions` which buttons to show. Nothing else decides what may happen to a claim.

    reported ──request_documents──▶ documents_pending ──accept──▶ accepted ──decide──▶ decided ──pay──▶ paid
        │ └────────────accept──────────────────────────────▲         │
        ├── refuse (from reported, documents_pending, accepted) ──▶ refused ──appeal (once)──▶ appealed
        │                                                                        ├─ overturn ─▶ accepted
        │                                                                        └─ uphold ──▶ refused
        └── withdraw (before a decision) ──▶ withdrawn
"""

from dataclasses import dataclass

from tongzhou_care.core.rules import RuleViolation

from .models import ClaimStatus as S


@dataclass(frozen=True)
class Transition:
    label: str                       # the button and the timeline say this
    sources: frozenset[str]
    target: str
    permission: str


BEFORE_DECISION = frozenset({S.REPORTED, S.DOCUMENTS_PENDING, S.ACCEPTED})

TRANSITIONS: dict[str, Transition] = {
    "request_documents": Transition("一次性告知补充材料", frozenset({S.REPORTED, S.DOCUMENTS_PENDING}),
                                    S.DOCUMENTS_PENDING, "claims.accept_claim"),
    "accept": Transition("受理", frozenset({S.REPORTED, S.DOCUMENTS_PENDING}), S.ACCEPTED,
                         "claims.accept_claim"),
    "decide": Transition("核定", frozenset({S.ACCEPTED}), S.DECIDED, "claims.decide_claim"),
    "pay": Transition("登记支付", frozenset({S.DECIDED}), S.PAID, "claims.pay_claim"),
    "refuse": Transition("拒赔", BEFORE_DECISION, S.REFUSED, "claims.decide_claim"),
    "appeal": Transition("申请复核", frozenset({S.REFUSED}), S.APPEALED, "claims.appeal_claim"),
    "overturn": Transition("复核改判受理", frozenset({S.APPEALED}), S.ACCEPTED, "claims.decide_claim"),
    "uphold": Transition("复核维持拒赔", frozenset({S.APPEALED}), S.REFUSED, "claims.decide_claim"),
    "withdraw": Transition("撤案", BEFORE_DECISION, S.WITHDRAWN, "claims.withdraw_claim"),
}

# Timeline words for what is not a change of state.
OTHER_ACTIONS = {"report": "报案", "upload": "上传材料", "notice_sent": "送达拒赔通知",
                 "edit": "修改报案信息"}


def check_transition(action: str, status: str, *, appeal_count: int = 0) -> Transition:
    """The transition for `action` from `status`; raises RuleViolation when the claim's state
    does not allow it (and for a second appeal: one review per claim)."""
    transition = TRANSITIONS[action]
    if status not in transition.sources:
        raise RuleViolation("transition", f"理赔当前状态为“{S(status).label}”，不能{transition.label}。")
    if action == "appeal" and appeal_count >= 1:
        raise RuleViolation("appealed_once", "每件理赔只能申请一次复核，本件已复核过。")
    return transition


# Documents may still arrive until a claim is paid or withdrawn (an appeal may need more).
CLOSED_FOR_DOCUMENTS = frozenset({S.PAID, S.WITHDRAWN})


# What an open claim waits for, as a list card says it next to the state.
WAITING_FOR = {S.REPORTED: "待保险公司受理", S.DOCUMENTS_PENDING: "待补材料", S.ACCEPTED: "待保险公司核定",
               S.DECIDED: "待保险公司支付", S.APPEALED: "待保险公司复核"}


def waiting_for(status: str) -> str:
    """What a claim in `status` waits for next ("待补材料"), or "" once nothing is pending."""
    return WAITING_FOR.get(status, "")


def may_record_discharge(user, claim) -> bool:
    """A stay reported while still in hospital gets its discharge date until the decision."""
    return claim.discharged_on is None and claim.status in BEFORE_DECISION and user.has_perm("claims.report_claim")


def may_upload(user, claim) -> bool:
    return claim.status not in CLOSED_FOR_DOCUMENTS and user.has_perm("claims.upload_claim_document")


def allowed_actions(user, claim) -> list[tuple[str, Transition]]:
    """The actions this user may take on this claim now (for the buttons on its page)."""
    actions = []
    for name, transition in TRANSITIONS.items():
        if claim.status not in transition.sources or not user.has_perm(transition.permission):
            continue
        if name == "appeal" and claim.appeal_count >= 1:
            continue
        actions.append((name, transition))
    return actions
