"""Claim printouts (PDF, A4, CJK fonts): the application form for signature, the one-time
notice of missing documents, the decision notice with the calculation, the refusal notice.
Data in, PDF out; the caller fetched what is passed. And the claims list as Excel."""

from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone

from tongzhou_care.core.masking import mask_bank_account, mask_id_number, mask_phone
from tongzhou_care.core.money import yuan_in_words
from tongzhou_care.core.pdf import render_pdf
from tongzhou_care.core.xlsx import Column, write_table

from .models import ClaimStatus
from .rules import DOCUMENT_KINDS, REFUSAL_CODES

def write_claim_pdf(target, kind: str, claim, *, missing, portions, supplements, show_diagnosis: bool) -> None:
    """Render one printout of the claim to `target` (claims/pdf/<kind>.html); the diagnosis
    only for roles that may see it (S10), phones and accounts masked; a deceased insured's
    notices are addressed to the heirs."""
    entitled = (claim.amount or Decimal("0.00")) + sum((s.amount_difference for s in supplements), Decimal("0.00"))
    render_pdf(f"claims/pdf/{kind}.html", {
        "show_diagnosis": show_diagnosis, "masked_phone": mask_phone(claim.reporter_phone),
        "claim": claim, "person": claim.person, "today": timezone.localdate(),
        "masked_id": mask_id_number(claim.person.id_number),
        "masked_account": mask_bank_account(claim.payee_account),
        "missing": [DOCUMENT_KINDS[k] for k in missing], "portions": portions,
        "amount_in_words": yuan_in_words(claim.amount) if claim.amount is not None else "",
        "refusal_label": REFUSAL_CODES.get(claim.refusal_code, ""),
        "supplements": supplements, "entitled": entitled, "entitled_in_words": yuan_in_words(entitled),
    }, target)


CLAIM_LIST_COLUMNS = [
    Column("理赔编号", 16), Column("被保险人", 10), Column("公民身份号码", 22), Column("街道/乡镇", 14),
    Column("医院", 24), Column("入院日期", 12, "date"), Column("出院日期", 12, "date"), Column("状态", 10),
    Column("可付天数", 10, "number"), Column("金额（元）", 14, "money"), Column("报案日期", 12, "date"),
]
# What the export reads per claim, in one query, in the order of CLAIM_LIST_COLUMNS.
CLAIM_LIST_VALUES = ("number", "person__name", "person__id_number", "street__name", "hospital", "admitted_on",
                     "discharged_on", "status", "days_payable", "amount", "reported_at")


def write_claim_list(out, values: Iterable[tuple]) -> int:
    """The claims list as one sheet (ID numbers masked, S10); returns the number of rows."""
    def rows():
        for (number, name, id_number, street, hospital, admitted, discharged, status, days, amount,
             reported_at) in values:
            yield [number, name, mask_id_number(id_number), street, hospital, admitted, discharged,
                   ClaimStatus(status).label, days, amount, timezone.localtime(reported_at).date()]

    return write_table(out, CLAIM_LIST_COLUMNS, rows(), sheet_name="理赔清单")
