"""The data migration that seals personal data already in a database (issue 14): each app's
migration adds the sealed and blind-index columns beside the clear ones, calls `seal_table` for
every table (its audit event table too), then drops the clear columns and renames the sealed
ones into their place. Used by migrations: keep its behaviour stable.

The rows are converted in batches of BATCH by primary key, the values sealed in as many
processes as PERSONAL_DATA_PROCESSES allows. The tables' own triggers are off meanwhile (the
migration owner may switch them off; the runtime role cannot): re-encoding a column is no
change of any row, so it writes no audit event, and the audit tables' append-only guard would
refuse it.
"""

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
    sealed: str             # the sealed column written
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


def _sealed(ring, spec: Seal, values: list, processes: int) -> list[bytes | None]:
    if spec.json:
        return [None if v is None else crypto.seal_json(ring, spec.purpose, v) for v in values]
    present = [i for i, v in enumerate(values) if v]
    sealed = crypto.seal_many(ring, spec.purpose, [values[i] for i in present], processes=processes)
    out: list[bytes | None] = [None] * len(values)
    for i, s in zip(present, sealed):
        out[i] = s
    return out


def seal_table(schema_editor, table: str, specs: list[Seal], *, pk: str = "id") -> int:
    """Fill the sealed and index columns of `table` from its clear columns; returns the rows
    converted."""
    ring = keyring()
    processes = settings.PERSONAL_DATA_PROCESSES
    quote = schema_editor.quote_name
    reads = ", ".join(quote(s.clear) for s in specs)
    targets = [(s.sealed, "bytea") for s in specs] + [(i.column, "bytea") for s in specs for i in s.indexes]
    sets = ", ".join(f"{quote(column)} = v.c{n}" for n, (column, _) in enumerate(targets))
    arrays = ", ".join(f"%s::{kind}[]" for _, kind in targets)
    columns = ", ".join(f"c{n}" for n in range(len(targets)))
    done, last = 0, None
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {quote(table)} DISABLE TRIGGER USER")
        while True:
            cursor.execute(f"SELECT {quote(pk)}, {reads} FROM {quote(table)}"
                           + (f" WHERE {quote(pk)} > %s" if last is not None else "")
                           + f" ORDER BY {quote(pk)} LIMIT {BATCH}", [last] if last is not None else [])
            rows = cursor.fetchall()
            if not rows:
                break
            ids = [r[0] for r in rows]
            sealed_columns, index_columns = [], []
            for n, spec in enumerate(specs, start=1):
                values = [r[n] for r in rows]
                sealed_columns.append(_sealed(ring, spec, values, processes))
                index_columns += [[_index(ring, index, v) for v in values] for index in spec.indexes]
            cursor.execute(f"UPDATE {quote(table)} AS t SET {sets} FROM unnest(%s::bigint[], {arrays}) "
                           f"AS v(id, {columns}) WHERE t.{quote(pk)} = v.id", [ids, *sealed_columns, *index_columns])
            done += len(rows)
            last = ids[-1]
        cursor.execute(f"ALTER TABLE {quote(table)} ENABLE TRIGGER USER")
    return done


def unseal_table(schema_editor, table: str, specs: list[Seal], *, pk: str = "id") -> int:
    """The way back (migrating backwards): the clear columns filled from the sealed ones."""
    ring = keyring()
    quote = schema_editor.quote_name
    reads = ", ".join(quote(s.sealed) for s in specs)
    sets = ", ".join(f"{quote(s.clear)} = v.c{n}" for n, s in enumerate(specs))
    arrays = ", ".join("%s::jsonb[]" if s.json else "%s::text[]" for s in specs)
    columns = ", ".join(f"c{n}" for n in range(len(specs)))
    done, last = 0, None
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {quote(table)} DISABLE TRIGGER USER")
        while True:
            cursor.execute(f"SELECT {quote(pk)}, {reads} FROM {quote(table)}"
                           + (f" WHERE {quote(pk)} > %s" if last is not None else "")
                           + f" ORDER BY {quote(pk)} LIMIT {BATCH}", [last] if last is not None else [])
            rows = cursor.fetchall()
            if not rows:
                break
            ids = [r[0] for r in rows]
            clear = []
            for n, spec in enumerate(specs, start=1):
                if spec.json:
                    import json

                    clear.append([json.dumps(crypto.unseal_json(ring, spec.purpose, r[n]) if r[n] is not None else [],
                                             ensure_ascii=False) for r in rows])
                else:
                    clear.append(["" if r[n] is None else crypto.unseal(ring, spec.purpose, r[n]) for r in rows])
            cursor.execute(f"UPDATE {quote(table)} AS t SET {sets} FROM unnest(%s::bigint[], {arrays}) "
                           f"AS v(id, {columns}) WHERE t.{quote(pk)} = v.id", [ids, *clear])
            done += len(rows)
            last = ids[-1]
        cursor.execute(f"ALTER TABLE {quote(table)} ENABLE TRIGGER USER")
    return done
