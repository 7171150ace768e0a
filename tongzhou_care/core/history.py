"""The change history shown on a record's page, read from the audit trail (docs/audit.md),
each value written by core.display (the one formatter of every history view). Sensitive values
are masked there too: the history is for seeing what changed, not a way around masking (S10)."""

from dataclasses import dataclass
from datetime import datetime

from pghistory.models import Events

from .display import display_value
from .models import User

HIDDEN_COLUMNS = {"id", "version", "created_at", "updated_at"}
EVENT_LABELS = {"insert": "新增", "update": "修改", "delete": "删除"}


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    kind: str
    user: str
    action: str
    changes: tuple[Change, ...]


def _system_actor(context: dict) -> str:
    """Who wrote without a user: the management command (and account) that did it."""
    if context.get("command"):
        return f"系统命令 {context['command']}（{context.get('os_user', '')}）"
    return "系统"


def history_for(user, obj, limit: int = 200) -> list[HistoryEntry]:
    """Newest first: who changed which field of `obj` from what to what. Empty for users
    without the history permission."""
    if not user.has_perm("core.view_history"):
        return []
    events = list(Events.objects.tracks(obj).order_by("-pgh_created_at", "-pgh_id")[:limit])
    by_column = {f.column: f for f in obj._meta.concrete_fields}

    # Resolve the names of referenced rows and users in one query per model.
    wanted: dict[type, set] = {}
    for e in events:
        for column, value in (e.pgh_data or {}).items():
            field = by_column.get(column)
            if field is not None and field.is_relation and value is not None:
                wanted.setdefault(field.related_model, set()).add(value)
    user_ids = {(e.pgh_context or {}).get("user") for e in events} - {None}
    related_names = {
        (model, pk): str(o) for model, pks in wanted.items()
        for pk, o in model._base_manager.in_bulk(pks).items()
    }
    users = {u.pk: str(u) for u in User.objects.filter(pk__in=user_ids)}

    entries = []
    for e in events:
        kind = e.pgh_label
        if kind == "update":
            items = [(c, old, new) for c, (old, new) in (e.pgh_diff or {}).items()]
        else:
            items = [(c, None, v) if kind == "insert" else (c, v, None)
                     for c, v in (e.pgh_data or {}).items()]
        changes = tuple(
            Change(
                field=str(by_column[c].verbose_name) if c in by_column else c,
                old=display_value(by_column.get(c), old, name=c, related_names=related_names),
                new=display_value(by_column.get(c), new, name=c, related_names=related_names),
            )
            for c, old, new in items if c not in HIDDEN_COLUMNS
        )
        if kind == "update" and not changes:
            continue  # a save that changed nothing shown here (hidden columns only)
        context = e.pgh_context or {}
        entries.append(HistoryEntry(
            at=e.pgh_created_at,
            kind=EVENT_LABELS.get(kind, kind),
            user=users.get(context.get("user"), _system_actor(context) if not context.get("user") else "已删除用户"),
            action=context.get("action", ""),
            changes=changes,
        ))
    return entries
