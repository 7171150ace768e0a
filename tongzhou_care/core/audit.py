"""Audit helpers. Row changes are recorded by PostgreSQL triggers (django-pghistory, see
docs/audit.md); services add who and why with `audit_context`. Reads of personal data,
exports and imports are recorded in AccessLog (S14) with `access_log_record`."""

from contextlib import contextmanager

import pghistory


@contextmanager
def audit_context(actor, action: str, **extra):
    """Attach the acting user and the service's name to every row event written inside."""
    user_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    with pghistory.context(user=user_id, action=action, **extra):
        yield
