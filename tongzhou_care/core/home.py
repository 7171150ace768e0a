"""The home page's panels (dashboards). Core owns the page and its frame; each app contributes
the panels whose figures it owns, from its own `home.py` imported by its AppConfig.ready
(enrollment: persons insured; claims: field tasks, claims by month, the insurer's work queue,
open claims, premium against claims paid; oversight: the year's money and loss ratio, SLAs, the
street table, service and supervision). So core never imports the apps above it, and an app
that is not installed shows nothing.

Why a registry rather than a home view in the highest app: the page belongs to every role and
every app; a registry keeps each figure with the app that computes it (and its selector and
template), and the page is the same loop for every role. Which panels a role sees is the
panels' `roles`; what a user may read inside one is decided by the scoped selectors as
everywhere (S8)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from .models import Role

COMMISSION = (Role.COMMISSION_ADMIN, Role.COMMISSION_STAFF)


@dataclass
class HomeRequest:
    """One home page being built: the user, today, and values the panels share (the scheme
    year in force is read once, whoever asks first)."""

    user: object
    today: date
    _memo: dict = field(default_factory=dict)

    def memo(self, key: str, compute: Callable[[], object]):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


@dataclass(frozen=True)
class HomePanel:
    key: str
    order: int                                   # place on the page (smaller first)
    roles: tuple[str, ...]                       # the roles whose home page shows it
    template: str
    figures: Callable[[HomeRequest], dict | None]  # None: nothing to show this user now


PANELS: dict[str, HomePanel] = {}


def home_panel(key: str, *, order: int, roles, template: str):
    """Register `figures(home) -> dict | None` as a home panel rendered with `template`."""
    def register(figures):
        PANELS[key] = HomePanel(key, order, tuple(roles), template, figures)
        return figures
    return register


@dataclass(frozen=True)
class ShownPanel:
    key: str
    template: str
    figures: dict


def home_panels(user, today: date) -> list[ShownPanel]:
    """The panels of the user's home page, in order, each with its figures."""
    home = HomeRequest(user, today)
    shown = []
    for panel in sorted(PANELS.values(), key=lambda p: (p.order, p.key)):
        if user.role not in panel.roles:
            continue
        figures = panel.figures(home)
        if figures is not None:
            shown.append(ShownPanel(panel.key, panel.template, figures))
    return shown
