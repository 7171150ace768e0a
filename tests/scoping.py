"""How the street-scoping crawl (test_scoping.py) makes an object of a given street for each
kind of id a URL can take. A URL whose id kwarg is missing here fails the crawl: add an entry
when you add an id-taking URL (name the kwarg after its model, e.g. `claim_id`)."""

from collections.abc import Callable
from dataclasses import dataclass

from tests.factories import PersonFactory
from tongzhou_care.core.models import Street


@dataclass
class Planted:
    """An object planted in one street, and the strings that must never leak out of it."""

    pk: int
    secrets: tuple[str, ...]


def _person(street: Street) -> Planted:
    p = PersonFactory(street=street, name="泄露" + street.name[:2] + "测")
    return Planted(p.pk, (p.name, p.id_number, p.id_number[-8:], p.phone))


ID_KWARGS: dict[str, Callable[[Street], Planted]] = {
    "person_id": _person,
}
