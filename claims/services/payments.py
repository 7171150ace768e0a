"""Payments: one at a time on the claim page, or the insurer's payment file in two steps
(checked, then confirmed). Both pay exactly what the family is owed now (the decided amount
plus any supplementary decision) to the payee on record, checked by the workflow table."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from enrollment.models import PersonStatus

from tongzhou_care.core.audit import audit_context
from tongzhou_care.core.models import User
from tongzhou_care.core.money import format_yuan
from tongzhou_care.core.rules import RuleViolation

from ..models import Claim, ClaimStatus, Payment
from ..rules import check_payee, check_payment
from .claim import _locked, _move


@transaction.atomic
def payment_record(*, claim_id: int, paid_on: date, amount: Decimal, bank_reference: str, actor: User,
                   batch=None, today: date | None = None) -> Payment:
    """Record the payment of a decided claim to its payee; the amount must be what the family is
    owed to the fen (the decided amount plus supplements). Raises RuleViolation, also when the
    payee could not be paid (a deceased insured: heirs, death certificate and heirship proof)."""
    today = today or timezone.localdate()
    claim, _, reading = _locked(claim_id, "pay", actor, today=today)
    check_payment(decided_amount=reading.entitled, amount=amount, paid_on=paid_on, today=today)
    if not bank_reference.strip():
        raise RuleViolation("reference", "请填写银行流水号。")
    with audit_context(actor, "payment_record"):
        payment = Payment.objects.create(claim=claim, paid_on=paid_on, amount=amount,
                                         bank_reference=bank_reference.strip(), batch=batch, recorded_by=actor)
        # A supplementary decision made before the payment is paid with it.
        claim.supplements.filter(settled_at__isnull=True).update(
            settled_on=paid_on, bank_reference=bank_reference.strip(), settled_at=timezone.now(), settled_by=actor)
        _move(claim, "pay", actor, paid_at=timezone.now(),
              note=f"{paid_on:%Y-%m-%d} 支付 {format_yuan(amount)} 元至 {claim.payee_name} 账号尾号 "
                   f"{claim.payee_account[-4:]}，流水号 {bank_reference.strip()}")
        from oversight.services.surveys import survey_task_for_paid_claim  # the officer's follow-up survey
        survey_task_for_paid_claim(claim=claim, actor=actor)
    return payment



# --- The insurer's payment files --------------------------------------------------------------

PAYMENT_COLUMNS = {
    "number": ("理赔编号", "理赔号", "案件号", "赔案号"),
    "amount": ("支付金额", "金额", "赔付金额", "付款金额"),
    "paid_on": ("支付日期", "日期", "付款日期", "赔付日期"),
    "reference": ("银行流水号", "流水号", "交易流水号", "银行交易号"),
}


def _is_claim_number(cell) -> bool:
    """Whatever fills the claim number cell is a data row, except a total or signature line."""
    from enrollment.roster_files import _END_MARKERS, _SUBTOTAL
    from enrollment.rules import clean_name

    text = clean_name(cell) if isinstance(cell, str) else str(cell or "")
    return bool(text) and not text.startswith(_END_MARKERS + (_SUBTOTAL,))


def _read_payment_rows(path) -> list[tuple[int, dict]]:
    """(row number, {number, amount, paid_on, reference}) of a payment file, read by the same
    table reader as a roster (safety checks, header under title lines, total and signature
    lines end the table, subtotals skipped, CSV formulas refused); raises RosterFileError."""
    from enrollment.roster_files import map_header, normalise_header, open_table

    aliases = {normalise_header(a): field for field, names in PAYMENT_COLUMNS.items() for a in names}
    table = open_table(path, map_columns=lambda cells: map_header(cells, aliases), is_header=lambda m: len(m) == len(PAYMENT_COLUMNS),
                       key="number", is_key=_is_claim_number,
                       not_found="未找到表头，或缺少列：前30行中没有同时含“" + "”“".join(
                           names[0] for names in PAYMENT_COLUMNS.values()) + "”的行。")
    return [(number, values) for number, values, _ in table.rows]


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
        check_payee(name=claim.payee_name, relation=claim.payee_relation, id_number=claim.payee_id_number,
                    account=claim.payee_account, insured_name=claim.person.name,
                    insured_account=claim.person.bank_account,
                    insured_deceased=claim.person.status == PersonStatus.DECEASED, today=today)
        check_payment(decided_amount=claim.amount + claim.supplemented, amount=amount, paid_on=paid_on, today=today)
    except RuleViolation as violation:
        raise RuleViolation(violation.code, f"{number}：{violation.message}") from None
    return claim, paid_on, amount, reference, False


def _check_payment_rows(rows: list[tuple[int, dict]], actor: User, today: date,
                        progress=None) -> tuple[list, list]:
    """(report, checked) for the rows of a payment file: every row checked against the claims
    the actor may see, a claim paid at most once per file; progress(rows done) now and then."""
    from enrollment.rules import clean_text

    from ..selectors import claims_visible_to

    numbers = [clean_text(v["number"]).upper() for _, v in rows]
    claims = {c.number: c for c in claims_visible_to(actor).filter(number__in=set(numbers)).select_related("payment")
              .annotate(supplemented=Coalesce(Sum("supplements__amount_difference"), Decimal("0.00")))}
    first_row = {}
    report, checked = [], []
    for done, ((number, values), claim_number) in enumerate(zip(rows, numbers)):
        if progress and done % 500 == 0:
            progress(done)
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


def payment_batch_queue(*, chunks, file_name: str, actor: User):
    """Queue the check of a large payment file as a background job and return the job (the
    file is in the job's folder before the job is committed)."""
    from tongzhou_care.core.jobs import job_defer, job_folder

    with transaction.atomic():
        job = job_defer(kind="payment_check", title=f"支付明细核对 {file_name}", actor=actor,
                        params={"file_name": file_name})
        with (job_folder(job) / PAYMENT_UPLOAD).open("wb") as out:
            for chunk in chunks:
                out.write(chunk)
    return job


PAYMENT_UPLOAD = "payment-upload"


def payment_batch_check(*, path, file_name: str, actor: User, today: date | None = None, progress=None):
    """Check every row of an insurer's payment file against the decided claims and keep the
    result as a PaymentBatch awaiting confirmation (nothing is paid yet). Raises RosterFileError
    for a file that cannot be read safely. progress(total, done), when given, hears how far."""
    from enrollment.services.roster import file_sha256

    from ..models import PaymentBatch

    today = today or timezone.localdate()
    rows = _read_payment_rows(path)
    if progress:
        progress(len(rows), 0)
    report, checked = _check_payment_rows(rows, actor, today,
                                          progress=(lambda done: progress(len(rows), done)) if progress else None)
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
    from ..models import PaymentBatch

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
