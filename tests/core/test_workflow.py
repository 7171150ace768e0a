"""The generic action table (core.workflow): permission, source state and guards decide, in
that order, and `available`/`blocked`/`check` agree with each other."""

from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied

from tongzhou_care.core.rules import RuleViolation
from tongzhou_care.core.workflow import Action, Workflow


@dataclass
class User:
    perms: set

    def has_perm(self, perm):
        return perm in self.perms


@dataclass
class Facts:
    status: str
    locked: bool = False


TABLE = Workflow(actions=(
    Action("open", "打开", "app.open", frozenset({"closed"}), "open",
           guards=(lambda user, facts: "已上锁，请先开锁。" if facts.locked else None,)),
    Action("close", "关闭", "app.close", frozenset({"open"}), "closed"),
), state_label={"open": "开", "closed": "关"}.get)


@pytest.mark.parametrize("perms, facts, available, blocked", [
    ({"app.open", "app.close"}, Facts("closed"), ["open"], []),
    ({"app.open", "app.close"}, Facts("closed", locked=True), [], ["open"]),
    ({"app.close"}, Facts("closed", locked=True), [], []),           # no permission: no hint either
    ({"app.open", "app.close"}, Facts("open"), ["close"], []),
    (set(), Facts("open"), [], []),
])
def test_available_and_blocked(perms, facts, available, blocked):
    user = User(perms)
    assert list(TABLE.available(user, facts)) == available
    assert [a.name for a, _ in TABLE.blocked(user, facts)] == blocked


def test_check_raises_what_the_page_would_not_offer():
    user = User({"app.open"})
    with pytest.raises(PermissionDenied):
        TABLE.check(user, Facts("open"), "close")
    with pytest.raises(RuleViolation, match="当前状态为“开”，不能打开"):
        TABLE.check(user, Facts("open"), "open")
    with pytest.raises(RuleViolation, match="已上锁"):
        TABLE.check(user, Facts("closed", locked=True), "open")
    assert TABLE.check(user, Facts("closed"), "open").target == "open"


def test_duplicate_names_are_refused():
    with pytest.raises(ValueError):
        Workflow(actions=(TABLE["open"], TABLE["open"]), state_label=str)


def test_forms_follow_the_available_actions():
    from django import forms

    class Reason(forms.Form):
        reason = forms.CharField()

    table = Workflow(actions=(
        Action("open", "打开", "app.open", frozenset({"closed"}), "open", form=Reason),
        Action("close", "关闭", "app.close", frozenset({"closed", "open"}), "closed"),
    ), state_label=str)
    user = User({"app.open", "app.close"})
    fresh = table.forms(user, Facts("closed"))
    assert [(name, type(form).__name__ if form else None) for name, _, form in fresh] == [
        ("open", "Reason"), ("close", None)]
    assert 'id="id_open_reason"' in str(fresh[0][2]["reason"])
    refused = Reason({"reason": ""})
    assert table.forms(user, Facts("closed"), bound=("open", refused))[0][2] is refused
    assert [name for name, _, _ in table.forms(user, Facts("open"))] == ["close"]
