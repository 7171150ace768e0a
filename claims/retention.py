"""The claims app's part of the retention purge (tongzhou_care/core/retention.py, docs/deploy.md
"Retention"): claim documents (files and rows) of claims closed before the cutoff are deleted;
the claim keeps its decision, payment and timeline, which gains a line saying what was deleted
and why."""

import logging
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from tongzhou_care.core.retention import BATCH, PurgeRun, RetentionKind, start_of

from .models import Claim, ClaimAction, ClaimDocument, ClaimStatus

logger = logging.getLogger("tongzhou_care.core.retention")


def closed_before(cutoff: date) -> Q:
    """Claims closed before the cutoff day: paid, withdrawn, or refused (the last refusal; an
    appeal reopens the claim). Other states are open and keep everything."""
    start = start_of(cutoff)
    return (Q(status=ClaimStatus.PAID, paid_at__lt=start) | Q(status=ClaimStatus.WITHDRAWN, withdrawn_at__lt=start)
            | Q(status=ClaimStatus.REFUSED, refused_at__lt=start))


def due_claims(cutoff: date):
    """Closed claims before the cutoff that still have documents."""
    return (Claim.objects.filter(closed_before(cutoff))
            .filter(Exists(ClaimDocument.objects.filter(claim=OuterRef("pk")))).order_by("pk"))


def _remove_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.exception("retention purge: could not delete %s", name)
    for folder in {Path(settings.MEDIA_ROOT) / Path(name).parent for name in names}:
        try:
            folder.rmdir()          # the claim's folder, once empty
        except OSError:
            pass


def _purge_claim_documents(run: PurgeRun, cutoff: date) -> int:
    deleted, seen = 0, set()
    while ids := list(due_claims(cutoff).exclude(pk__in=seen).values_list("pk", flat=True)[:BATCH]):
        seen.update(ids)
        with transaction.atomic():
            # Lock the claims and ask again: one appealed meanwhile is open and keeps its documents.
            claims = list(Claim.objects.select_for_update(no_key=True).filter(pk__in=ids)
                          .filter(closed_before(cutoff)).values_list("pk", flat=True))
            documents = ClaimDocument.objects.filter(claim_id__in=claims)
            files = list(documents.values_list("claim_id", "file"))
            per_claim: dict[int, int] = {}
            for claim_id, _ in files:
                per_claim[claim_id] = per_claim.get(claim_id, 0) + 1
            documents.delete()
            ClaimAction.objects.bulk_create(
                ClaimAction(claim_id=claim_id, actor=run.actor, action="purge_documents",
                            note=f"理赔材料 {n} 份已按保存期限（{KIND.period(run.periods)}）删除")
                for claim_id, n in per_claim.items())
            names = [name for _, name in files]
            transaction.on_commit(lambda names=names: _remove_files(names))
        deleted += len(files)
        run.step()
    return deleted


KIND = RetentionKind(
    "claim_documents", 10, "理赔材料", "份", lambda p: f"结案后保存 {p.claim_document_years} 年",
    due=lambda cutoff: ClaimDocument.objects.filter(claim__in=due_claims(cutoff)).count(),
    purge=_purge_claim_documents)
