"""The data migration that seals personal data already in a database (issue 14): each app's
migration adds the sealed and blind-index columns beside the clear ones, calls `seal_table` for
every table (its audit event table too), then drops the clear columns and renames the sealed
ones into their place. Used by migrations: keep its behaviour stable.

The rows are converted in batches of BATCH by primary key, new values sealed in as many
processes as PERSONAL_DATA_PROCESSES allows. A value met again (the same ID number in a person's
row and in each of its audit events) gets the ciphertext it got the first time, for columns
that have a blind index (their equality is visible from the index anyway): fewer seals, and a
record's history shows no change where there was none. The tables' own triggers are off
meanwhile (the migration owner may switch them off; the runtime role cannot): re-encoding a
column changes no row, so it writes no audit event, and the audit tables' append-only guard
would refuse it.
"""

import json
from dataclasses import dataclass, field

from django.conf import settings

from . import crypto
from .keys import keyring
from .sealed import NORMALISE

BATCH = 20_000


@dataclass(frozen=True)
class Index:
    column: str             # the blind index column to fill
    purpose: str
    last: int | None = None


@dataclass(frozen=True)
class Seal:
    clear: str              # the clear column read
    sealed: str | None      # the sealed column written (None: only the indexes are kept)
    purpose: str
    indexes: tuple[Index, ...] = field(default_factory=tuple)
    json: bool = False      # a jsonb column sealed as one value


def _index(ring, index: Index, value: str) -> bytes | None:
    if not value:
        return None
    value = NORMALISE.get(index.purpose, str.strip)(value)
    if index.last:
        return crypto.blind_index_cached(ring, f"{index.purpose}_last{index.last}", value[-index.last:])
    return crypto.blind_index(ring, index.purpose, value)


def _sealed(ring, spec: Seal, values: list, cache: dict, processes: int) -> list[bytes | None]:
    if spec.json:           # an empty list or object is no value: NULL
        # Django's connection reads jsonb as its text: parse it, or it would be sealed as a string.
        values = [json.loads(v) if isinstance(v, str) else v for v in values]
        return [crypto.seal_json(ring, spec.purpose, v) if v else None for v in values]
    if not spec.indexes:            # no reuse: equal diagnoses must not look equal
        sealed = iter(crypto.seal_many(ring, spec.purpose, [v for v in values if v], processes=processes))
        return [next(sealed) if v else None for v in values]
    known = cache.setdefault(spec.purpose, {})
    wanted = list(dict.fromkeys(v for v in values if v and v not in known))
    known.update(zip(wanted, crypto.seal_many(ring, spec.purpose, wanted, processes=processes)))
    return [known[v] if v else None for v in values]


def _rewrite(schema_editor, table: str, pk: str, reads: list[str], writes: list[tuple[str, str]], convert) -> int:
    """Read `reads` of every row in batches by primary key, write `writes` (column, SQL type)
    with the lists `convert(rows)` returns, triggers off."""
    quote = schema_editor.quote_name
    sets = ", ".join(f"{quote(column)} = v.c{n}" for n, (column, _) in enumerate(writes))
    arrays = ", ".join(f"%s::{kind}[]" for _, kind in writes)
    columns = ", ".join(f"c{n}" for n in range(len(writes)))
    done, last = 0, None
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {quote(table)} DISABLE TRIGGER USER")
        while True:
            cursor.execute(f"SELECT {quote(pk)}, {', '.join(map(quote, reads))} FROM {quote(table)}"
                           + (f" WHERE {quote(pk)} > %s" if last is not None else "")
                           + f" ORDER BY {quote(pk)} LIMIT {BATCH}", [last] if last is not None else [])
            rows = cursor.fetchall()
            if not rows:
                break
            ids = [r[0] for r in rows]
            cursor.execute(f"UPDATE {quote(table)} AS t SET {sets} FROM unnest(%s::bigint[], {arrays}) "
                           f"AS v(id, {columns}) WHERE t.{quote(pk)} = v.id", [ids, *convert(rows)])
            done += len(rows)
            last = ids[-1]
        cursor.execute(f"ALTER TABLE {quote(table)} ENABLE TRIGGER USER")
    return done


def seal_table(schema_editor, table: str, specs: list[Seal], *, pk: str = "id", cache: dict | None = None) -> int:
    """Fill the sealed and index columns of `table` from its clear columns; returns the rows
    converted. Pass one `cache` to the tables of one migration (a model and its events)."""
    ring, processes = keyring(), settings.PERSONAL_DATA_PROCESSES
    cache = {} if cache is None else cache

    def convert(rows):
        out, indexes = [], []
        for n, spec in enumerate(specs, start=1):
            values = [r[n] for r in rows]
            if spec.sealed:
                out.append(_sealed(ring, spec, values, cache, processes))
            indexes += [[_index(ring, index, v) for v in values] for index in spec.indexes]
        return out + indexes

    writes = ([(s.sealed, "bytea") for s in specs if s.sealed]
              + [(i.column, "bytea") for s in specs for i in s.indexes])
    return _rewrite(schema_editor, table, pk, [s.clear for s in specs], writes, convert)


def unseal_table(schema_editor, table: str, specs: list[Seal], *, pk: str = "id") -> int:
    """The way back (migrating backwards): the clear columns filled from the sealed ones."""
    ring = keyring()

    def clear(spec: Seal, value):
        if spec.json:
            return json.dumps([] if value is None else crypto.unseal_json(ring, spec.purpose, value), ensure_ascii=False)
        return "" if value is None else crypto.unseal(ring, spec.purpose, value)

    def convert(rows):
        return [[clear(spec, r[n]) for r in rows] for n, spec in enumerate(specs, start=1)]

    # A value kept only as its index does not come back: its clear column stays empty.
    specs = [s for s in specs if s.sealed]
    writes = [(s.clear, "jsonb" if s.json else "text") for s in specs]
    return _rewrite(schema_editor, table, pk, [s.sealed for s in specs], writes, convert)
