"""Read paths of the core app: the figures on each role's home page, background jobs."""

from datetime import date

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from enrollment.selectors import person_counts_by_street

from .access import streets_of
from .models import BackgroundJob, Role


def home_figures(user, today: date) -> dict:
    """What a user's home page shows: persons per street they may see, with totals; claims by
    state; the claims overdue with the insurer; what waits on the officer (the claims that
    still lack a document, listed)."""
    from claims.models import ClaimStatus
    from claims.selectors import claim_counts, claims_awaiting_documents, overdue_claims

    rows = person_counts_by_street(user) if user.has_perm("core.view_statistics") else []
    totals = {key: sum(r[key] for r in rows) for key in ("active", "deceased", "removed")}
    claims = None
    if user.has_perm("claims.view_claim"):
        counts = claim_counts(user)
        claims = {"counts": [(ClaimStatus(s).label, s, n) for s, n in counts.items()],
                  "waiting_documents": counts[ClaimStatus.DOCUMENTS_PENDING],
                  "overdue": overdue_claims(user, today).count()}
        if user.role == Role.STREET_OFFICER and user.has_perm("claims.upload_claim_document"):
            claims["awaiting_documents"] = claims_awaiting_documents(user)
    return {
        "claims": claims,
        "role": user.role,
        "is_officer": user.role == Role.STREET_OFFICER,
        "street": user.street if user.role == Role.STREET_OFFICER else None,
        "streets": rows,
        "totals": totals,
        "street_count": streets_of(user).count(),
    }


def jobs_visible_to(user) -> QuerySet[BackgroundJob]:
    """A user's own background jobs; nobody sees another's (their results carry personal data)."""
    if not user.is_authenticated:
        return BackgroundJob.objects.none()
    return BackgroundJob.objects.filter(created_by=user)


def job_for_user_or_404(user, job_id) -> BackgroundJob:
    return get_object_or_404(jobs_visible_to(user), pk=job_id)
