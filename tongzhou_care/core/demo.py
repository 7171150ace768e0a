"""What the demo_data command hands each app's demonstration loader: the demo users, today, a
seed and a way to say what was loaded. An app contributes its steps through its AppConfig's
`demo_data_steps()` (a list of (title, loader)), so core names no app: the command runs the
installed apps' steps in INSTALLED_APPS order (enrollment before claims before oversight)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class DemoContext:
    users: dict                # username → User (admin, staff, insurer, finance, officer001 …)
    today: date
    seed: int
    say: Callable[[str], None]

    @property
    def officers(self) -> dict:
        """Street code → that street's demo officer."""
        return {u.street.code: u for u in self.users.values() if u.street_id}
