"""Audit helpers. Row changes are recorded by PostgreSQL triggers (django-pghistory, see
docs/audit.md); services add who and why with `audit_context`. Reads of personal data,
exports and imports are recorded in AccessLog (S14) with `access_log_record`."""

import getpass
from contextlib import contextmanager

import pghistory
from pghistory import runtime as _pghistory_runtime


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
    """Attach the acting user and the service's name to every row event written inside.

    Each service gets a context of its own, carrying what the enclosing one said (the request's
    URL, the command that runs it): pghistory merges nested contexts into one row whose metadata
    the last writer sets, so a worker running jobs for many users, or a command calling several
    services, would otherwise credit every event to the last of them."""
    user_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    tracker = _pghistory_runtime._tracker
    parent = getattr(tracker, "value", None)
    metadata = {**(parent.metadata if parent is not None else {}), "user": user_id, "action": action, **extra}
    if parent is not None:
        del tracker.value
    try:
        with pghistory.context(**metadata):
            yield
    finally:
        if parent is not None:
            tracker.value = parent


def command_context(argv: list[str]):
    """The context of a management command or shell (manage.py enters it): every write it makes
    names the command and the operating-system account that ran it, so nothing is written with
    an empty context. Services inside add their user (`--user`) and name."""
    command = argv[1] if len(argv) > 1 else "help"
    try:
        os_user = getpass.getuser()
    except (KeyError, OSError):
        os_user = "unknown"
    return pghistory.context(command=command, os_user=os_user)
