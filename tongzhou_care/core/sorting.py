"""Lists a clerk can sort: the column keys a list accepts in its URL (`?sort=name`,
`?sort=-name` for descending) and the ORDER BY each stands for. An unknown key falls back to
the list's default, as a search box ignores what it cannot read. Names sort in pinyin order
(enrollment.models.PINYIN, an ICU collation)."""

from django.db.models import F
from django.db.models.expressions import BaseExpression, OrderBy


def _descending(term):
    if isinstance(term, str):
        return term[1:] if term.startswith("-") else f"-{term}"
    if isinstance(term, OrderBy):
        return OrderBy(term.expression, descending=not term.descending)
    if isinstance(term, BaseExpression):
        return term.desc()
    return F(term).desc()


class Sorting:
    """The sortable columns of one list: key → ORDER BY terms (a unique last term keeps pages
    stable), and the default key."""

    def __init__(self, columns: dict[str, tuple], default: str):
        self.columns, self.default = columns, default

    def read(self, value: str | None) -> str:
        """The sort the URL asks for, as a valid key ("name" or "-name")."""
        value = (value or "").strip()
        column = value[1:] if value.startswith("-") else value
        return value if column in self.columns else self.default

    def order(self, key: str) -> list:
        terms = self.columns[key.lstrip("-")]
        return [_descending(t) for t in terms] if key.startswith("-") else list(terms)
