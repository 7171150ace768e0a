"""The life of a claim: report, documents, payee, acceptance, decision, refusal, appeal,
withdrawal. Each service is one transaction: it takes its locks through `locks.lock_claim`
(person → scheme year → policy → claim), reads the claim again (`selectors.read_claim`), asks
the workflow table whether the actor may take the action now, writes, and records who did it
(audit context and the claim's timeline).

The 90-day allowance belongs to the policy: deciding a claim locks the person's policies,
reads their counters and raises them in the same transaction; the CHECK
`policy_allowance_within_cap` holds even for a path that forgets this.
"""

from datetime import date

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from enrollment.models import Person, PersonStatus, Policy, SchemeYear
from tongzhou_care.core.audit import audit_context
from tongzhou_care.core.models import User
from tongzhou_care.core.money import format_yuan
from tongzhou_care.core.rules import RuleViolation
from tongzhou_care.core.uploads import document_for_keeping
from tongzhou_care.core.workdays import is_workday

from ..locks import lock_claim
from ..models import Claim, ClaimAction, ClaimDocument, ClaimPortion, ClaimStatus
from ..rules import (
    DOCUMENT_KINDS,
    REFUSAL_CODES,
    SELF,
    add_working_days,
    check_reason,
    check_stay,
    claim_time_limit_passed,
    report_is_late,
)
from ..selectors import benefit_for, read_claim, report_cover_check
from ..workflow import CLAIM_WORKFLOW


def record_action(claim: Claim, actor: User, action: str, *, from_status: str = "", note: str = "") -> None:
    """A line of the claim's timeline (who did what, when)."""
    ClaimAction.objects.create(claim=claim, actor=actor, action=action, from_status=from_status,
                               to_status=claim.status if from_status else "", note=note[:500])


# What the insurer must do next in each state: (step, the moment it started, the SLA setting).
DEADLINES = {
    ClaimStatus.REPORTED: ("accept", "reported_at", "sla_accept_days"),
    ClaimStatus.ACCEPTED: ("decide", "accepted_at", "sla_decide_days"),
    ClaimStatus.APPEALED: ("decide", "appealed_at", "sla_decide_days"),
    ClaimStatus.DECIDED: ("pay", "decided_at", "sla_pay_days"),
    ClaimStatus.REFUSED: ("refusal_notice", "refused_at", "sla_refusal_notice_days"),
}


def set_deadline(claim: Claim, *, since=None, step: str | None = None) -> None:
    """The insurer's next deadline for the claim's state, in official working days; none while
    the family is to act (documents pending) or once the claim is closed. `since` and `step`
    override the state's own (the last missing document arrived: acceptance is due again)."""
    rule = DEADLINES.get(claim.status)
    if step is not None:
        rule = next(r for r in DEADLINES.values() if r[0] == step)
    if claim.status == ClaimStatus.REFUSED and claim.refusal_notice_sent_at:
        rule = None
    year = _scheme_year_of(claim.admitted_on) if rule else None
    started = since or (getattr(claim, rule[1]) if rule else None)
    if rule is None or year is None or started is None:
        claim.due_step, claim.due_on = "", None
        return
    claim.due_step = rule[0]
    claim.due_on = add_working_days(timezone.localtime(started).date(), getattr(year, rule[2]),
                                    is_workday=is_workday)


def _scheme_year_of(day: date) -> SchemeYear | None:
    """The scheme year whose settings (deadlines) a stay admitted on `day` follows: the one in
    force that day, or for an admission before the first scheme year, the next one."""
    return SchemeYear.objects.filter(coverage_end__gte=day).order_by("coverage_start").first()


def _locked(claim_id: int, action: str, actor: User, *, allowance: bool = False, today: date | None = None):
    """Lock the claim (lock order), read it again and check the action against the workflow
    table; returns (claim, policies, reading). Raises PermissionDenied or RuleViolation."""
    claim, policies = lock_claim(claim_id, allowance=allowance)
    reading = read_claim(claim, policies=policies if allowance else None, today=today)
    CLAIM_WORKFLOW.check(actor, reading.facts, action)
    return claim, policies, reading


def _move(claim: Claim, action: str, actor: User, *, note: str = "", **fields) -> Claim:
    """Apply a workflow transition (checked by the caller), set the next deadline, and record
    it on the timeline."""
    before = claim.status
    claim.status = CLAIM_WORKFLOW[action].target
    for name, value in fields.items():
        setattr(claim, name, value)
    claim.version += 1
    set_deadline(claim)
    claim.save()
    record_action(claim, actor, action, from_status=before, note=note)
    return claim


# --- Report -----------------------------------------------------------------------------------

def _payee_from_insured(person: Person, data: dict) -> dict:
    """The payee fields of a report: as typed, or else the insured's own name, bank and debit
    account (while alive; a deceased insured's account is never filled in: the heirs are paid)."""
    payee = {f: (data.get(f) or "").strip() for f in ("payee_name", "payee_relation", "payee_id_number",
                                                        "payee_bank", "payee_account")}
    if person.status == PersonStatus.DECEASED:
        return payee
    if not payee["payee_name"] or payee["payee_name"] == person.name:
        payee["payee_name"], payee["payee_relation"] = person.name, SELF
        payee["payee_bank"] = payee["payee_bank"] or person.bank_name
        payee["payee_account"] = payee["payee_account"] or person.bank_account
    return payee


@transaction.atomic
def claim_report(*, person: Person, data: dict, actor: User, today: date | None = None,
                 reported_at=None) -> Claim:
    """Record a stay for a family (报案) and return the claim. Raises RuleViolation for what is
    not a hospital stay, impossible dates, a stay none of whose counted days is covered (with
    the reason), a stay overlapping one already reported, or a report after the time limit. A
    late report is flagged, never refused. `reported_at` records a report taken earlier on
    paper (补录); default now. A form submitted twice (same `report_token`) returns the claim
    the first submission created."""
    today = today or timezone.localdate()
    token = data.get("report_token")
    if token:
        earlier = Claim.objects.filter(report_token=token).first()
        if earlier is not None:
            return earlier
    admitted, discharged = data["admitted_on"], data.get("discharged_on")
    check_stay(admission_type=data.get("admission_type", "inpatient"), admitted=admitted,
               discharged=discharged, today=today)
    # The same engine as the decision says whether any counted day is covered (a stay that
    # began before the cover is reported: the decision pays the covered days).
    year = report_cover_check(person, admitted=admitted, discharged=discharged, today=today)
    late = report_is_late(discharged=discharged, reported_on=today, deadline_days=year.report_deadline_days)
    if claim_time_limit_passed(discharged=discharged, reported_on=today, years=year.claim_time_limit_years):
        raise RuleViolation("time_limit", f"出院已超过{year.claim_time_limit_years}年的理赔时效，不能报案。")
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('claims_claim_number_seq')")
        sequence = cursor.fetchone()[0]
    claim = Claim(
        number=f"LP{today:%Y}{sequence:07d}", person=person, street_id=person.street_id,
        insurer_id=year.insurer_id, reported_at=reported_at or timezone.now(), reported_by=actor,
        late_report=late, proxy_filing=data.get("proxy_filing", False), report_token=token or None,
        **{f: data.get(f, "") for f in ("hospital", "cause", "diagnosis", "reporter_name",
                                        "reporter_relation", "reporter_phone")},
        **_payee_from_insured(person, data),
        admitted_on=admitted, discharged_on=discharged,
    )
    set_deadline(claim)
    with audit_context(actor, "claim_report"):
        claim.full_clean(exclude=["person", "street", "insurer", "reported_by"], validate_constraints=False)
        try:
            with transaction.atomic():
                claim.save()
        except IntegrityError as error:
            if token and Claim.objects.filter(report_token=token).exists():
                return Claim.objects.get(report_token=token)      # the same form, submitted at once twice
            if "claim_no_overlapping_stays" in str(error):
                raise RuleViolation("overlap", "该参保对象在这段时间已有住院报案，住院时间不能重叠。"
                                    "请在已有的报案中修改出院日期。") from None
            raise
        record_action(claim, actor, "report", note="逾期报案（不影响受理）" if late else "")
    return claim


@transaction.atomic
def claim_update_stay(*, claim_id: int, version: int, discharged_on: date, actor: User,
                      today: date | None = None) -> Claim:
    """Enter the discharge date of a person who was still in hospital at report; raises
    RuleViolation for a stale page, an impossible date or an overlap."""
    today = today or timezone.localdate()
    claim, _, _ = _locked(claim_id, "discharge", actor)
    if claim.version != version:
        raise RuleViolation("stale", "该理赔在您打开页面后已被他人修改，请刷新后重试。")
    check_stay(admission_type="inpatient", admitted=claim.admitted_on, discharged=discharged_on, today=today)
    with audit_context(actor, "claim_update_stay"):
        claim.discharged_on = discharged_on
        claim.version += 1
        try:
            with transaction.atomic():
                claim.save(update_fields=["discharged_on", "version", "updated_at"])
        except IntegrityError:
            raise RuleViolation("overlap", "出院日期使本次住院与另一次住院报案重叠。") from None
        record_action(claim, actor, "discharge", note=f"出院日期：{discharged_on:%Y-%m-%d}")
    return claim


# --- Documents and payee ----------------------------------------------------------------------

@transaction.atomic
def claim_upload_documents(*, claim_id: int, documents: list[tuple[str, object]], actor: User) -> list[ClaimDocument]:
    """Store several documents at once, each with its kind, after checking every file's real
    type and size (S16); all or none. Returns the stored documents; raises RuleViolation naming
    the file that was refused."""
    # Photos are converted and reduced (seconds for a handful) before any row is locked.
    checked = []
    for kind, uploaded in documents:
        if kind not in ClaimDocument.Kind.values:
            raise RuleViolation("kind", "请选择材料类型。")
        try:
            checked.append((kind, document_for_keeping(uploaded)))
        except RuleViolation as violation:
            raise RuleViolation(violation.code, f"“{uploaded.name}”：{violation.message}") from None
    claim, _, before = _locked(claim_id, "upload", actor)
    stored = []
    try:
        with audit_context(actor, "claim_upload_documents"):
            for kind, kept in checked:
                document = ClaimDocument(claim=claim, kind=kind, original_name=kept.name[:200],
                                         content_type=kept.content_type, size=kept.size, sha256=kept.sha256,
                                         uploaded_by=actor)
                document.file.save("upload", kept.file, save=False)
                stored.append(document)
                document.full_clean(exclude=["file"])
                document.save()
            kinds = "、".join(dict.fromkeys(ClaimDocument.Kind(kind).label for kind, *_ in checked))
            record_action(claim, actor, "upload", note=f"{len(checked)} 个文件：{kinds}")
            if claim.status == ClaimStatus.DOCUMENTS_PENDING and before.missing and not read_claim(claim).missing:
                # The file is complete: from now the insurer's acceptance deadline runs again.
                set_deadline(claim, since=timezone.now(), step="accept")
                claim.save(update_fields=["due_step", "due_on", "updated_at"])
    except BaseException:
        for document in stored:
            document.file.delete(save=False)      # nothing left behind on the error path (S20)
        raise
    return stored


@transaction.atomic
def claim_set_payee(*, claim_id: int, payee_name: str, payee_relation: str, payee_id_number: str = "",
                    payee_bank: str = "", payee_account: str = "", actor: User,
                    today: date | None = None) -> Claim:
    """Record who receives the money (the insured, or an heir once the insured has died) and
    return the claim; an empty account keeps the one on record. Raises RuleViolation when the
    payee could not be paid (checks.check_payee: the same rule the decision and payment use)."""
    from enrollment.rules import parse_id_number

    from ..rules import check_payee

    today = today or timezone.localdate()
    claim, _, _ = _locked(claim_id, "payee", actor, today=today)
    payee_account = payee_account.strip() or claim.payee_account
    payee_id_number = payee_id_number.strip()
    if payee_id_number:
        payee_id_number = parse_id_number(payee_id_number, today=today).value
    person = claim.person
    check_payee(name=payee_name, relation=payee_relation, id_number=payee_id_number, account=payee_account,
                insured_name=person.name, insured_account=person.bank_account,
                insured_deceased=person.status == PersonStatus.DECEASED, today=today)
    with audit_context(actor, "claim_set_payee"):
        claim.payee_name, claim.payee_relation = payee_name.strip(), payee_relation
        claim.payee_id_number, claim.payee_bank = payee_id_number, payee_bank.strip()
        claim.payee_account = payee_account
        claim.version += 1
        claim.full_clean(exclude=["person", "street", "insurer", "reported_by"], validate_constraints=False)
        claim.save(update_fields=["payee_name", "payee_relation", "payee_id_number", "payee_bank",
                                  "payee_account", "version", "updated_at"])
        record_action(claim, actor, "payee", note=f"{claim.payee_name}（{payee_relation}），账号尾号 {payee_account[-4:]}")
    return claim


# --- The insurer's steps ----------------------------------------------------------------------

@transaction.atomic
def claim_request_documents(*, claim_id: int, actor: User) -> tuple[Claim, tuple[str, ...]]:
    """List every missing document at once (一次性告知) and return the claim and that list.
    Raises RuleViolation when nothing is missing (then the claim should be accepted)."""
    claim, _, reading = _locked(claim_id, "request_documents", actor)
    with audit_context(actor, "claim_request_documents"):
        _move(claim, "request_documents", actor, documents_requested_at=claim.documents_requested_at or timezone.now(),
              note="需补充：" + "、".join(DOCUMENT_KINDS[k] for k in reading.missing))
    return claim, reading.missing


@transaction.atomic
def claim_accept(*, claim_id: int, actor: User) -> Claim:
    """Accept a claim whose documents are complete; raises RuleViolation naming what is
    missing otherwise."""
    claim, _, _ = _locked(claim_id, "accept", actor)
    with audit_context(actor, "claim_accept"):
        return _move(claim, "accept", actor, accepted_at=timezone.now())


@transaction.atomic
def claim_decide(*, claim_id: int, actor: User, today: date | None = None) -> Claim:
    """Decide an accepted claim (核定): days claimed → inside cover → within the remaining
    allowance → amount, per policy, consuming the allowance. Raises RuleViolation while the
    person is in hospital, documents are missing, the payee could not be paid (a deceased
    insured's heirs), or nothing is payable (saying why: the allowance used up, no covered day)."""
    claim, policies, reading = _locked(claim_id, "decide", actor, allowance=True, today=today)
    calculation = reading.preview
    by_id = {p.pk: p for p in policies}
    with audit_context(actor, "claim_decide"):
        for portion in calculation.portions:
            ClaimPortion.objects.create(
                claim=claim, policy=by_id[portion.policy_id], first_day=portion.first_day,
                last_day=portion.last_day, days_claimed=portion.days_claimed,
                days_covered=portion.days_covered, days_payable=portion.days_payable,
                daily_subsidy=portion.daily_subsidy, amount=portion.amount)
            if portion.days_payable:
                Policy.objects.filter(pk=portion.policy_id).update(days_used=F("days_used") + portion.days_payable)
        SchemeYear.objects.filter(pk__in={by_id[p.policy_id].scheme_year_id for p in calculation.portions},
                                  money_locked_at__isnull=True).update(money_locked_at=timezone.now())
        _move(claim, "decide", actor, decided_at=timezone.now(), days_claimed=calculation.days_claimed,
              days_payable=calculation.days_payable, amount=calculation.amount,
              calculation=list(calculation.trace),
              note=f"核定 {calculation.days_payable} 天，金额 {format_yuan(calculation.amount)} 元")
    return claim


def _refuse(action: str, claim_id: int, code: str, explanation: str, actor: User) -> Claim:
    if code not in REFUSAL_CODES:
        raise RuleViolation("refusal_code", "请选择拒赔原因。")
    explanation = check_reason(explanation, code="explanation", what="拒赔的具体理由，这将写入拒赔通知书")
    claim, _, _ = _locked(claim_id, action, actor)
    with audit_context(actor, f"claim_{action}"):
        return _move(claim, action, actor, refused_at=timezone.now(), refusal_code=code,
                     refusal_explanation=explanation, refusal_notice_sent_at=None,
                     note=f"{REFUSAL_CODES[code]}：{explanation}")


@transaction.atomic
def claim_refuse(*, claim_id: int, code: str, explanation: str, actor: User) -> Claim:
    """Refuse a claim before its decision with a coded reason and an explanation (拒赔); the
    refusal notice is due within the scheme year's working days. Raises RuleViolation."""
    return _refuse("refuse", claim_id, code, explanation, actor)


@transaction.atomic
def claim_uphold(*, claim_id: int, code: str, explanation: str, actor: User) -> Claim:
    """Uphold a refusal on review (复核维持拒赔), with the reason written into the new notice.
    Raises RuleViolation."""
    return _refuse("uphold", claim_id, code, explanation, actor)


@transaction.atomic
def claim_mark_notice_sent(*, claim_id: int, actor: User) -> Claim:
    """Record that the refusal notice reached the family."""
    claim, _, _ = _locked(claim_id, "notice_sent", actor)
    with audit_context(actor, "claim_mark_notice_sent"):
        claim.refusal_notice_sent_at = timezone.now()
        set_deadline(claim)
        claim.save(update_fields=["refusal_notice_sent_at", "due_step", "due_on", "updated_at"])
        record_action(claim, actor, "notice_sent")
    return claim


@transaction.atomic
def claim_withdraw(*, claim_id: int, reason: str, actor: User) -> Claim:
    """Withdraw a claim before its decision (撤案): the reporter, or the commission."""
    claim, _, _ = _locked(claim_id, "withdraw", actor)
    with audit_context(actor, "claim_withdraw"):
        return _move(claim, "withdraw", actor, withdrawn_at=timezone.now(), note=reason.strip())


@transaction.atomic
def claim_appeal(*, claim_id: int, reason: str, actor: User) -> Claim:
    """Ask once for a review of a refusal (复核)."""
    reason = check_reason(reason, code="reason", what="申请复核的理由")
    claim, _, _ = _locked(claim_id, "appeal", actor)
    with audit_context(actor, "claim_appeal"):
        return _move(claim, "appeal", actor, appealed_at=timezone.now(), appeal_reason=reason,
                     appeal_count=claim.appeal_count + 1, note=reason)


@transaction.atomic
def claim_overturn(*, claim_id: int, reason: str, actor: User) -> Claim:
    """Overturn a refusal on review: the claim is accepted again and decided as usual."""
    claim, _, _ = _locked(claim_id, "overturn", actor)
    with audit_context(actor, "claim_overturn"):
        return _move(claim, "overturn", actor, accepted_at=timezone.now(), refusal_code="",
                     refusal_explanation="", note=reason.strip())
