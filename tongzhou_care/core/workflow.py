"""Action tables: for each kind of record that moves through states (a claim, a complaint, an
inspection finding ...), one table says, for every action, the permission it needs, the states
it starts from, the state it leads to, the guards that may still refuse it, the form it takes
and the words shown around it. Services call `Workflow.check` before they write; pages ask
`Workflow.available` which buttons to show and `Workflow.blocked` which hints to give. So a
button shows exactly when the service would accept the action, and nothing else decides it.

A guard is a function `(user, facts) -> str | None`: the refusal in Chinese, or None. `facts`
is whatever the table's guards read (a small dataclass the app builds from the database, once
per page and again under the service's locks); it has at least a `status`.
"""

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from django.core.exceptions import PermissionDenied

from .rules import RuleViolation

Guard = Callable[[Any, Any], "str | None"]


@dataclass(frozen=True)
class Action:
    name: str
    label: str                           # the button, the timeline and messages say this
    permission: str                      # the Django permission the user needs
    sources: frozenset[str]              # the states the action may start from
    target: str | None = None            # the state it leads to; None: the state stays
    guards: tuple[Guard, ...] = ()       # each may still refuse, with its reason
    form: type | None = None             # the form the action takes; None: a plain button
    done: str = ""                       # the message after it succeeded
    confirm: str = ""                    # the question asked before an irreversible step
    service: str = ""                    # the name of the service function that carries it out
    hint: bool = True                    # say on the page why a guard refuses it (False where the
                                         # refusal only means "does not apply", e.g. already done)


@dataclass(frozen=True)
class Workflow:
    """One table of actions for one kind of record; `state_label` names a state in Chinese."""

    actions: tuple[Action, ...]
    state_label: Callable[[str], str]
    by_name: dict[str, Action] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        names = [a.name for a in self.actions]
        if len(set(names)) != len(names):
            raise ValueError("duplicate action in a workflow table")
        object.__setattr__(self, "by_name", {a.name: a for a in self.actions})

    def __getitem__(self, name: str) -> Action:
        return self.by_name[name]

    def __iter__(self):
        return iter(self.actions)

    def refusal(self, user, facts, name: str) -> tuple[str, str] | None:
        """Why `user` may not take action `name` on the record now, as (code, Chinese message),
        or None when they may. Codes: "permission", "transition", or "guard"."""
        action = self.by_name[name]
        if not user.has_perm(action.permission):
            return "permission", f"您没有“{action.label}”的权限。"
        if facts.status not in action.sources:
            return "transition", f"当前状态为“{self.state_label(facts.status)}”，不能{action.label}。"
        for guard in action.guards:
            message = guard(user, facts)
            if message:
                return "guard", message
        return None

    def check(self, user, facts, name: str) -> Action:
        """The action, when `user` may take it now; raises PermissionDenied without the
        permission and RuleViolation (code = the action's name) when the state or a guard
        refuses it."""
        refused = self.refusal(user, facts, name)
        if refused is None:
            return self.by_name[name]
        code, message = refused
        if code == "permission":
            raise PermissionDenied(message)
        raise RuleViolation(name, message)

    def available(self, user, facts, names: Iterable[str] | None = None) -> dict[str, Action]:
        """The actions `user` may take now, by name, in table order (the buttons to show)."""
        wanted = set(names) if names is not None else None
        return {a.name: a for a in self.actions
                if (wanted is None or a.name in wanted) and self.refusal(user, facts, a.name) is None}

    def forms(self, user, facts, *, bound: tuple[str, Any] | None = None) -> list[tuple[str, Action, Any]]:
        """(name, action, form) for each action `user` may take now, in table order: a new form
        per action that takes one (each with its own field ids), or the `bound` (name, form)
        re-shown as the user filled it in."""
        out = []
        for name, action in self.available(user, facts).items():
            if bound is not None and bound[0] == name:
                form = bound[1]
            else:
                form = action.form(auto_id=f"id_{name}_%s") if action.form else None
            out.append((name, action, form))
        return out

    def blocked(self, user, facts) -> list[tuple[Action, str]]:
        """Actions the user holds the permission for and the state allows, but a guard refuses
        now, with the reason (shown as a hint instead of a button: what must happen first)."""
        out = []
        for action in self.actions:
            refused = self.refusal(user, facts, action.name)
            if refused is not None and refused[0] == "guard" and action.hint:
                out.append((action, refused[1]))
        return out
