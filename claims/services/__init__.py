"""Every write of the claims app (docs/claims.md): the claim's life, payments and
supplementary decisions. Callers use `from claims import services; services.claim_decide(...)`."""

from .claim import (  # noqa: F401
    claim_accept,
    claim_appeal,
    claim_decide,
    claim_mark_notice_sent,
    claim_overturn,
    claim_refuse,
    claim_report,
    claim_request_documents,
    claim_set_payee,
    claim_update_stay,
    claim_uphold,
    claim_upload_documents,
    claim_withdraw,
)
from .payments import (  # noqa: F401
    payment_batch_apply,
    payment_batch_check,
    payment_batch_queue,
    payment_record,
)
from .supplements import claim_supplement, supplement_settle  # noqa: F401
