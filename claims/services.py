"""Every write of the claims app. Each service is one transaction, checks the workflow table,
records who did it (audit context and the claim's timeline).

Lock order (docs/claims.md): the person's policies first, in id order, then the claim. The
90-day allowance belongs to the policy: deciding a claim locks its policies
(`select_for_update(no_key=True)`), reads their counters, and raises them in the same
transaction; the CHECK `policy_allowance_within_cap` holds even for a path that forgets this.
"""

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from enrollment.models import Person, PersonStatus, Policy, SchemeYear
from tongzhou_care.core.audit import audit_context
from tongzhou_care.core.models import User
from tongzhou_care.core.money import format_yuan
from tongzhou_care.core.rules import RuleViolation
from tongzhou_care.core.uploads import check_document

from .models import Claim, ClaimAction, ClaimDocument, ClaimPortion, ClaimStatus, Payment
from tongzhou_care.core.workdays import is_workday

from .rules import (
    REFUSAL_CODES,
    add_working_days,
    check_payment,
    check_reason,
    check_stay,
    claim_time_limit_passed,
    missing_documents,
    report_is_late,
    required_documents,
)
from .selectors import benefit_for
from .workflow import BEFORE_DECISION, CLOSED_FOR_DOCUMENTS, check_transition


def _record(claim: Claim, actor: User, action: str, *, from_status: str = "", note: str = "") -> None:
    ClaimAction.objects.create(claim=claim, actor=actor, action=action, from_status=from_status,
                               to_status=claim.status if from_status else "", note=note[:500])


def _lock_claim(claim_id: int) -> Claim:
    return Claim.objects.select_for_update().select_related("person").get(pk=claim_id)


# What the insurer must do next in each state: (step, the moment it started, the SLA setting).
DEADLINES = {
    ClaimStatus.REPORTED: ("accept", "reported_at", "sla_accept_days"),
    ClaimStatus.ACCEPTED: ("decide", "accepted_at", "sla_decide_days"),
    ClaimStatus.APPEALED: ("decide", "appealed_at", "sla_decide_days"),
    ClaimStatus.DECIDED: ("pay", "decided_at", "sla_pay_days"),
    ClaimStatus.REFUSED: ("refusal_notice", "refused_at", "sla_refusal_notice_days"),
}


def _set_deadline(claim: Claim, *, since=None, step: str | None = None) -> None:
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


def _move(claim: Claim, action: str, actor: User, *, note: str = "", **fields) -> Claim:
    """Apply a workflow transition (checked against the table), set the next deadline, and
    record it on the timeline."""
    transition = check_transition(action, claim.status, appeal_count=claim.appeal_count)
    before = claim.status
    claim.status = transition.target
    for name, value in fields.items():
        setattr(claim, name, value)
    claim.version += 1
    _set_deadline(claim)
    claim.save()
    _record(claim, actor, action, from_status=before, note=note)
    return claim


def _scheme_year_of(day: date) -> SchemeYear | None:
    """The scheme year whose settings (deadlines) a stay admitted on `day` follows: the one in
    force that day, or for an admission before the first scheme year, the next one."""
    return SchemeYear.objects.filter(coverage_end__gte=day).order_by("coverage_start").first()


@transaction.atomic
def claim_report(*, person: Person, data: dict, actor: User, today: date | None = None,
                 reported_at=None) -> Claim:
    """Record a stay for a family (报案) and return the claim. Raises RuleViolation for what is
    not a hospital stay, impossible dates, a stay without a single day of cover, or a stay
    overlapping one already reported. A late report is flagged, never refused.
    `reported_at` records a report taken earlier on paper (补录); default now."""
    today = today or timezone.localdate()
    admitted, discharged = data["admitted_on"], data.get("discharged_on")
    check_stay(admission_type=data.get("admission_type", "inpatient"), admitted=admitted,
               discharged=discharged, today=today)
    # A stay that began before the cover did (added mid-year, or admitted in December before
    # the first scheme year) is reported: the decision pays the days inside cover. Only a stay
    # with no day of cover at all is refused here.
    policy = (Policy.objects.filter(person=person, cover_start__lte=discharged or today, cover_end__gte=admitted)
              .filter(cover_end__gte=F("cover_start"))   # an end before the start: never covered
              .select_related("scheme_year").order_by("cover_start").first())
    if policy is None:
        stay_text = f"{admitted:%Y-%m-%d} 至 {discharged:%Y-%m-%d}" if discharged else f"自 {admitted:%Y-%m-%d} 起"
        raise RuleViolation("not_insured", f"{person.name}在住院期间（{stay_text}）没有一天在保障期间内，不能报案。"
                            "年中新增对象自通知保险公司的次日起保障；已死亡或减员的对象保障已终止。")
    year = policy.scheme_year
    late = report_is_late(discharged=discharged, reported_on=today, deadline_days=year.report_deadline_days)
    if claim_time_limit_passed(discharged=discharged, reported_on=today, years=year.claim_time_limit_years):
        raise RuleViolation("time_limit", f"出院已超过{year.claim_time_limit_years}年的理赔时效，不能报案。")
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('claims_claim_number_seq')")
        sequence = cursor.fetchone()[0]
    if not data.get("payee_account") and data.get("payee_name", person.name) == person.name:
        data = {**data, "payee_account": person.bank_account,
                "payee_bank": data.get("payee_bank") or person.bank_name}
    claim = Claim(
        number=f"LP{today:%Y}{sequence:07d}", person=person, street_id=person.street_id,
        insurer_id=year.insurer_id, reported_at=reported_at or timezone.now(), reported_by=actor,
        late_report=late,
        proxy_filing=data.get("proxy_filing", False),
        **{f: data.get(f, "") for f in ("hospital", "cause", "diagnosis", "reporter_name",
                                        "reporter_relation", "reporter_phone", "payee_name",
                                        "payee_bank", "payee_account")},
        admitted_on=admitted, discharged_on=discharged,
    )
    _set_deadline(claim)
    with audit_context(actor, "claim_report"):
        claim.full_clean(exclude=["person", "street", "insurer", "reported_by"], validate_constraints=False)
        try:
            with transaction.atomic():
                claim.save()
        except IntegrityError as error:
            if "claim_no_overlapping_stays" in str(error):
                raise RuleViolation("overlap", "该参保对象在这段时间已有住院报案，住院时间不能重叠。"
                                    "请在已有的报案中修改出院日期。") from None
            raise
        _record(claim, actor, "report", note="逾期报案（不影响受理）" if late else "")
    return claim


@transaction.atomic
def claim_update_stay(*, claim_id: int, version: int, discharged_on: date, actor: User,
                      today: date | None = None) -> Claim:
    """Enter the discharge date of a person who was still in hospital at report."""
    today = today or timezone.localdate()
    claim = _lock_claim(claim_id)
    if claim.version != version:
        raise RuleViolation("stale", "该理赔在您打开页面后已被他人修改，请刷新后重试。")
    if claim.status not in BEFORE_DECISION:
        raise RuleViolation("transition", "已核定或结案的理赔不能再修改住院日期。")
    check_stay(admission_type="inpatient", admitted=claim.admitted_on, discharged=discharged_on, today=today)
    with audit_context(actor, "claim_update_stay"):
        claim.discharged_on = discharged_on
        claim.version += 1
        try:
            with transaction.atomic():
                claim.save(update_fields=["discharged_on", "version", "updated_at"])
        except IntegrityError:
            raise RuleViolation("overlap", "出院日期使本次住院与另一次住院报案重叠。") from None
        _record(claim, actor, "edit", note=f"出院日期：{discharged_on:%Y-%m-%d}")
    return claim


def documents_status(claim: Claim, provided: set[str] | None = None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(required kinds, missing kinds) for the claim as it stands: a proxy filing needs the
    power of attorney, a deceased insured the death certificate and proof of heirship.
    `provided`: the kinds on file, when the caller has them already (read otherwise)."""
    required = required_documents(proxy_filing=claim.proxy_filing,
                                  insured_deceased=claim.person.status == PersonStatus.DECEASED)
    if provided is None:
        provided = set(claim.documents.values_list("kind", flat=True))
    return required, missing_documents(required=required, provided=provided)


@transaction.atomic
def claim_upload_document(*, claim_id: int, kind: str, uploaded, actor: User) -> ClaimDocument:
    """Store one document after checking its real type and size (S16). Raises RuleViolation."""
    claim = _lock_claim(claim_id)
    if claim.status in CLOSED_FOR_DOCUMENTS:
        raise RuleViolation("closed", "已结案的理赔不能再上传材料。")
    content_type, sha256 = check_document(uploaded)
    document = ClaimDocument(claim=claim, kind=kind, original_name=uploaded.name[:200],
                             content_type=content_type, size=uploaded.size, sha256=sha256, uploaded_by=actor)
    document.file.save("upload", uploaded, save=False)
    try:
        with audit_context(actor, "claim_upload_document"):
            document.full_clean(exclude=["file"])
            document.save()
            _record(claim, actor, "upload", note=ClaimDocument.Kind(kind).label)
            if claim.status == ClaimStatus.DOCUMENTS_PENDING and not documents_status(claim)[1]:
                # The file is complete: from now the insurer's acceptance deadline runs again.
                _set_deadline(claim, since=timezone.now(), step="accept")
                claim.save(update_fields=["due_step", "due_on", "updated_at"])
    except BaseException:
        document.file.delete(save=False)   # nothing left behind on the error path (S20)
        raise
    return document


@transaction.atomic
def claim_request_documents(*, claim_id: int, actor: User) -> tuple[Claim, tuple[str, ...]]:
    """List every missing document at once (一次性告知) and return the claim and that list.
    Raises RuleViolation when nothing is missing (then the claim should be accepted)."""
    claim = _lock_claim(claim_id)
    _, missing = documents_status(claim)
    if not missing:
        raise RuleViolation("nothing_missing", "材料已齐全，请直接受理。")
    from .rules import DOCUMENT_KINDS
    with audit_context(actor, "claim_request_documents"):
        _move(claim, "request_documents", actor, documents_requested_at=claim.documents_requested_at or timezone.now(),
              note="需补充：" + "、".join(DOCUMENT_KINDS[k] for k in missing))
    return claim, missing


@transaction.atomic
def claim_accept(*, claim_id: int, actor: User) -> Claim:
    """Accept a claim whose documents are complete; raises RuleViolation naming what is
    missing otherwise, or when the person is still in hospital."""
    claim = _lock_claim(claim_id)
    _, missing = documents_status(claim)
    if missing:
        from .rules import DOCUMENT_KINDS
        raise RuleViolation("documents", "材料不全，不能受理：缺少" + "、".join(DOCUMENT_KINDS[k] for k in missing)
                            + "。请先一次性告知。")
    with audit_context(actor, "claim_accept"):
        return _move(claim, "accept", actor, accepted_at=timezone.now())


@transaction.atomic
def claim_decide(*, claim_id: int, actor: User) -> Claim:
    """Decide an accepted claim (核定): days claimed → inside cover → within the remaining
    allowance → amount, per policy, consuming the allowance. Raises RuleViolation when the
    person is still in hospital or nothing is payable (refuse with a reason instead)."""
    person_id = Claim.objects.values_list("person_id", flat=True).get(pk=claim_id)
    # Lock order (docs/architecture.md): scheme years, then the person's policies, in id order,
    # then the claim — the order enrollment's services take them in too.
    list(SchemeYear.objects.select_for_update(no_key=True)
         .filter(policies__person_id=person_id).order_by("pk").values_list("pk", flat=True))
    policies = list(Policy.objects.select_for_update(no_key=True).filter(person_id=person_id)
                    .select_related("scheme_year").order_by("pk"))
    claim = _lock_claim(claim_id)
    check_transition("decide", claim.status)
    if claim.discharged_on is None:
        raise RuleViolation("still_in_hospital", "被保险人仍在住院，出院后才能核定。请先录入出院日期。")
    calculation = benefit_for(claim, policies)
    if calculation.days_payable == 0:
        raise RuleViolation("nothing_payable", "按计算没有可给付的天数（" + "；".join(calculation.trace[-2:])
                            + "）。请以相应原因拒赔。")
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


@transaction.atomic
def claim_refuse(*, claim_id: int, code: str, explanation: str, actor: User) -> Claim:
    """Refuse a claim with a coded reason and an explanation (拒赔); the refusal notice is due
    within the scheme year's working days. Raises RuleViolation."""
    if code not in REFUSAL_CODES:
        raise RuleViolation("refusal_code", "请选择拒赔原因。")
    explanation = check_reason(explanation, code="explanation", what="拒赔的具体理由，这将写入拒赔通知书")
    claim = _lock_claim(claim_id)
    action = "uphold" if claim.status == ClaimStatus.APPEALED else "refuse"
    with audit_context(actor, f"claim_{action}"):
        return _move(claim, action, actor, refused_at=timezone.now(), refusal_code=code,
                     refusal_explanation=explanation, refusal_notice_sent_at=None,
                     note=f"{REFUSAL_CODES[code]}：{explanation}")


@transaction.atomic
def claim_mark_notice_sent(*, claim_id: int, actor: User) -> Claim:
    """Record that the refusal notice reached the family."""
    claim = _lock_claim(claim_id)
    if claim.status != ClaimStatus.REFUSED:
        raise RuleViolation("transition", "只有已拒赔的理赔需要送达拒赔通知。")
    with audit_context(actor, "claim_mark_notice_sent"):
        claim.refusal_notice_sent_at = timezone.now()
        _set_deadline(claim)
        claim.save(update_fields=["refusal_notice_sent_at", "due_step", "due_on", "updated_at"])
        _record(claim, actor, "notice_sent")
    return claim


@transaction.atomic
def claim_withdraw(*, claim_id: int, reason: str, actor: User) -> Claim:
    """Withdraw a claim before its decision (撤案): the reporter, or the commission."""
    claim = _lock_claim(claim_id)
    if claim.reported_by_id != actor.pk and not actor.has_perm("claims.view_all_claims"):
        raise RuleViolation("not_reporter", "只有报案人或区卫健委可以撤案。")
    with audit_context(actor, "claim_withdraw"):
        return _move(claim, "withdraw", actor, withdrawn_at=timezone.now(), note=reason.strip())


@transaction.atomic
def claim_appeal(*, claim_id: int, reason: str, actor: User) -> Claim:
    """Ask once for a review of a refusal (复核)."""
    reason = check_reason(reason, code="reason", what="申请复核的理由")
    claim = _lock_claim(claim_id)
    with audit_context(actor, "claim_appeal"):
        return _move(claim, "appeal", actor, appealed_at=timezone.now(), appeal_reason=reason,
                     appeal_count=claim.appeal_count + 1, note=reason)


@transaction.atomic
def claim_overturn(*, claim_id: int, note: str, actor: User) -> Claim:
    """Overturn a refusal on review: the claim is accepted again and decided as usual."""
    claim = _lock_claim(claim_id)
    with audit_context(actor, "claim_overturn"):
        return _move(claim, "overturn", actor, accepted_at=timezone.now(), refusal_code="",
                     refusal_explanation="", note=note.strip())


@transaction.atomic
def payment_record(*, claim_id: int, paid_on: date, amount: Decimal, bank_reference: str, actor: User,
                   batch=None, today: date | None = None) -> Payment:
    """Record the payment of a decided claim; the amount must be the decided amount to the fen.
    Raises RuleViolation."""
    today = today or timezone.localdate()
    claim = _lock_claim(claim_id)
    check_transition("pay", claim.status)
    check_payment(decided_amount=claim.amount, amount=amount, paid_on=paid_on, today=today)
    if not bank_reference.strip():
        raise RuleViolation("reference", "请填写银行流水号。")
    with audit_context(actor, "payment_record"):
        payment = Payment.objects.create(claim=claim, paid_on=paid_on, amount=amount,
                                         bank_reference=bank_reference.strip(), batch=batch, recorded_by=actor)
        _move(claim, "pay", actor, paid_at=timezone.now(),
              note=f"{paid_on:%Y-%m-%d} 支付 {format_yuan(amount)} 元，流水号 {bank_reference.strip()}")
    return payment



# --- The insurer's payment files --------------------------------------------------------------

PAYMENT_COLUMNS = {
    "number": ("理赔编号", "理赔号", "案件号", "赔案号"),
    "amount": ("支付金额", "金额", "赔付金额", "付款金额"),
    "paid_on": ("支付日期", "日期", "付款日期", "赔付日期"),
    "reference": ("银行流水号", "流水号", "交易流水号", "银行交易号"),
}


def _read_payment_rows(path) -> list[tuple[int, dict]]:
    """(row number, {number, amount, paid_on, reference}) of a payment file, after the same
    safety checks as a roster; raises RosterFileError with a Chinese message."""
    from enrollment.roster_files import HEADER_SEARCH_ROWS, LIMITS, RosterFileError, normalise_header, safe_rows

    aliases = {normalise_header(a): field for field, names in PAYMENT_COLUMNS.items() for a in names}
    _, rows = safe_rows(path)
    columns = {}
    for number, cells in rows:
        columns = {aliases[normalise_header(c)]: i for i, c in enumerate(cells) if normalise_header(c) in aliases}
        if len(columns) == len(PAYMENT_COLUMNS) or number >= HEADER_SEARCH_ROWS:
            break
    missing = [PAYMENT_COLUMNS[f][0] for f in PAYMENT_COLUMNS if f not in columns]
    if missing:
        raise RosterFileError("未找到表头，或缺少列：" + "、".join(missing) + "。")
    out = []
    for number, cells in rows:
        if len(out) >= LIMITS.max_rows:
            raise RosterFileError(f"数据超过 {LIMITS.max_rows:,} 行的上限，请分批导入。")
        cells = list(cells) + [""] * (max(columns.values()) + 1 - len(cells))
        out.append((number, {f: cells[i] for f, i in columns.items()}))
    return out


def _check_payment_row(values: dict, claims: dict, today: date):
    """(claim, paid_on, amount, reference, already) or raises RuleViolation for the row."""
    from enrollment.rules import clean_text, parse_date_value

    number = clean_text(values["number"]).upper()
    claim = claims.get(number)
    if claim is None:
        raise RuleViolation("claim", f"理赔编号“{number}”不存在")
    try:
        amount = Decimal(clean_text(values["amount"]).replace(",", ""))
        if not amount.is_finite():
            raise ArithmeticError
    except ArithmeticError:
        raise RuleViolation("amount", f"金额“{clean_text(values['amount'])}”不是数字") from None
    paid_on = parse_date_value(values["paid_on"], field="支付日期")
    reference = clean_text(values["reference"])
    if paid_on is None or not reference:
        raise RuleViolation("missing", "支付日期和银行流水号不能为空")
    if claim.status == ClaimStatus.PAID:
        payment = claim.payment
        if (payment.amount, payment.paid_on, payment.bank_reference) == (amount, paid_on, reference):
            return claim, paid_on, amount, reference, True
        raise RuleViolation("paid", f"{number}已登记过另一笔支付（{payment.paid_on:%Y-%m-%d}，{format_yuan(payment.amount)} 元）")
    if claim.status != ClaimStatus.DECIDED:
        raise RuleViolation("status", f"{number}的状态为“{claim.get_status_display()}”，不能登记支付")
    try:
        check_payment(decided_amount=claim.amount, amount=amount, paid_on=paid_on, today=today)
    except RuleViolation as violation:
        raise RuleViolation(violation.code, f"{number}：{violation.message}") from None
    return claim, paid_on, amount, reference, False


def _check_payment_rows(rows: list[tuple[int, dict]], actor: User, today: date) -> tuple[list, list]:
    """(report, checked) for the rows of a payment file: every row checked against the claims
    the actor may see, a claim paid at most once per file."""
    from enrollment.rules import clean_text

    from .selectors import claims_visible_to

    numbers = [clean_text(v["number"]).upper() for _, v in rows]
    claims = {c.number: c for c in claims_visible_to(actor).filter(number__in=set(numbers)).select_related("payment")}
    first_row = {}
    report, checked = [], []
    for (number, values), claim_number in zip(rows, numbers):
        try:
            if claim_number in first_row:
                raise RuleViolation("repeated", f"{claim_number}在第{first_row[claim_number]}行已出现，一件理赔只支付一次")
            first_row[claim_number] = number
            claim, paid_on, amount, reference, already = _check_payment_row(values, claims, today)
        except RuleViolation as violation:
            report.append({"row": number, "result": "error", "message": violation.message})
            continue
        checked.append((number, claim, paid_on, amount, reference, already))
        report.append({"row": number, "result": "already" if already else "ok", "claim": claim.number,
                       "amount": f"{amount:.2f}",
                       "message": "此前已登记，未重复登记" if already else f"匹配，{format_yuan(amount)} 元"})
    return report, checked


def payment_batch_check(*, path, file_name: str, actor: User, today: date | None = None):
    """Check every row of an insurer's payment file against the decided claims and keep the
    result as a PaymentBatch awaiting confirmation (nothing is paid yet). Raises RosterFileError
    for a file that cannot be read safely."""
    from enrollment.services.roster import file_sha256

    from .models import PaymentBatch

    today = today or timezone.localdate()
    rows = _read_payment_rows(path)
    report, checked = _check_payment_rows(rows, actor, today)
    with audit_context(actor, "payment_batch_check"):
        return PaymentBatch.objects.create(
            file_name=file_name[:255], file_sha256=file_sha256(path), uploaded_by=actor, rows=len(rows),
            report=report,
            checked_rows=[] if any(r["result"] == "error" for r in report) else [
                [number, {"number": claim.number, "amount": str(amount), "paid_on": paid_on.isoformat(),
                          "reference": reference}]
                for number, claim, paid_on, amount, reference, _ in checked])


@transaction.atomic
def payment_batch_apply(*, batch_id: int, actor: User, today: date | None = None):
    """Record the payments of a checked batch in one transaction, after checking its rows again
    (a claim may have been paid or changed since). Returns the batch; raises RuleViolation when
    it has errors, was applied already, or a row no longer passes (nothing recorded then)."""
    from .models import PaymentBatch

    today = today or timezone.localdate()
    batch = PaymentBatch.objects.select_for_update().get(pk=batch_id, uploaded_by=actor)
    if batch.applied_at is not None:
        raise RuleViolation("applied", f"这份支付明细已于 {timezone.localtime(batch.applied_at):%Y-%m-%d %H:%M} 登记。")
    if not batch.checked_rows:
        raise RuleViolation("errors", "这份支付明细有错误行，不能登记。请更正后重新上传。")
    report, checked = _check_payment_rows([tuple(row) for row in batch.checked_rows], actor, today)
    if any(r["result"] == "error" for r in report):
        raise RuleViolation("changed", "核对之后理赔状态有变化：" + "；".join(
            r["message"] for r in report if r["result"] == "error") + "。请重新上传核对。")
    with audit_context(actor, "payment_batch_apply"):
        recorded = 0
        for _, claim, paid_on, amount, reference, already in checked:
            if not already:
                payment_record(claim_id=claim.pk, paid_on=paid_on, amount=amount, bank_reference=reference,
                               actor=actor, batch=batch, today=today)
                recorded += 1
        batch.recorded, batch.already, batch.applied_at = recorded, len(checked) - recorded, timezone.now()
        batch.save(update_fields=["recorded", "already", "applied_at"])
    return batch
