"""Audit helpers. Row changes are recorded by PostgreSQL triggers (django-pghistory, see
docs/audit.md); services add who and why with `audit_context`. Reads of personal data,
exports and imports are recorded in AccessLog (S14) with `access_log_record`."""

from contextlib import contextmanager

import pghistory


def track(**kwargs):
    """The audit decorator of every domain model: inserts, updates and deletes, recorded by
    statement-level triggers (one trigger run per SQL statement, reading PostgreSQL's
    transition tables), so a 100,000-row import costs one extra INSERT, not 100,000.

    Updates are recorded without pghistory's "did anything change" condition: at statement
    level it joins the old and new transition tables, which have no statistics, and
    PostgreSQL plans that join as a nested loop (measured: 75 s for 11,770 rows). Services
    only update rows that change; a no-op save shows as an event with no changes, which the
    history page leaves out."""
    return pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(condition=None),
                           pghistory.DeleteEvent(), level=pghistory.Statement, **kwargs)


@contextmanager
def audit_context(actor, action: str, **extra):
    """Attach the acting user and the service's name to every row event written inside."""
    user_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    with pghistory.context(user=user_id, action=action, **extra):
        yield
