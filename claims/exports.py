"""Claim printouts (PDF, A4, CJK fonts): the application form for signature, the one-time
notice of missing documents, the decision notice with the calculation, the refusal notice.
Data in, PDF out; the caller fetched what is passed."""

from django.utils import timezone

from tongzhou_care.core.masking import mask_bank_account, mask_id_number, mask_phone
from tongzhou_care.core.money import yuan_in_words
from tongzhou_care.core.pdf import render_pdf

from .rules import DOCUMENT_KINDS, REFUSAL_CODES

TEMPLATES = {"notice": "claims/pdf/notice.html", "application": "claims/pdf/application.html",
             "decision": "claims/pdf/decision.html", "refusal": "claims/pdf/refusal.html"}


def write_claim_pdf(target, kind: str, claim, *, missing, portions, show_diagnosis: bool) -> None:
    """Render one printout of the claim to `target`; the diagnosis only for roles that may
    see it (S10), phones and accounts masked."""
    render_pdf(TEMPLATES[kind], {
        "show_diagnosis": show_diagnosis, "masked_phone": mask_phone(claim.reporter_phone),
        "claim": claim, "person": claim.person, "today": timezone.localdate(),
        "masked_id": mask_id_number(claim.person.id_number),
        "masked_account": mask_bank_account(claim.payee_account),
        "missing": [DOCUMENT_KINDS[k] for k in missing], "portions": portions,
        "amount_in_words": yuan_in_words(claim.amount) if claim.amount is not None else "",
        "refusal_label": REFUSAL_CODES.get(claim.refusal_code, ""),
    }, target)
