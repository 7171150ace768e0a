"""Model fields for personal data at rest (core/crypto.py does the cryptography).

`SealedField` keeps a text column SM4-GCM-sealed (bytea) in the database and clear in Python:
`person.id_number` reads and assigns as text, forms and templates see text, `values_list`
returns text. A value read from the database is an `Unsealed` string that remembers the bytes
it came from, so saving a row without changing it writes the same bytes again: no new
ciphertext, no audit noise, no cost. Only assigned (new or changed) values are sealed.
A blank value is NULL. The column may only be tested for NULL: any other lookup raises,
because comparing ciphertexts finds nothing; look values up by their blind index.

`BlindIndexField` sits beside it: the HMAC-SM3 of the (normalised) value, or of its last four
characters, computed whenever the row is saved. Lookups, the unique constraint on the ID
number, and SQL that compares accounts or ID numbers use these. A `SealedModel` writes a
field's indexes with it through `save(update_fields=…)`, `QuerySet.update()` and
`bulk_update()`; raw SQL must write both (`sealed_bytes`, `blind_index_of`).

pghistory copies the fields into the audit event tables, so the events hold the same sealed
bytes and indexes, never the clear value. Each sealed column carries the database comment
"SM4-GCM sealed <purpose>", which the re-sealing function of a key rotation checks.
"""

import functools

from django import forms
from django.apps import apps
from django.core.exceptions import FieldError
from django.db import models

from . import crypto
from .keys import keyring

SEALED_COMMENT = "SM4-GCM sealed"
INDEX_COMMENT = "HMAC-SM3 blind index"


def _digits_and_letters(value: str) -> str:
    return "".join(ch for ch in value if not ch.isspace() and ch != "-").upper()


# How a value is written before it is hashed, per purpose: an account typed with spaces, an ID
# number with a lower-case x, a landline with a dash are the same value.
NORMALISE = {
    "id_number": lambda v: v.strip().upper(),
    "bank_account": _digits_and_letters,
    "phone": _digits_and_letters,
}


def blind_index_of(purpose: str, value: str, *, last: int | None = None) -> bytes | None:
    """The blind index a BlindIndexField stores for `value` (None for a blank value)."""
    if not value:
        return None
    value = NORMALISE.get(purpose, str.strip)(str(value))
    if last:
        return crypto.blind_index_cached(keyring(), f"{purpose}_last{last}", value[-last:])
    return crypto.blind_index(keyring(), purpose, value)


def blind_indexes_of(purpose: str, values, *, last: int | None = None) -> list[bytes | None]:
    """`blind_index_of` for many values (None for each blank one): a roster's ID numbers."""
    normalise = NORMALISE.get(purpose, str.strip)
    ring = keyring()
    if last:
        return [crypto.blind_index_cached(ring, f"{purpose}_last{last}", normalise(str(v))[-last:]) if v else None
                for v in values]
    hashes = iter(crypto.blind_index_batch(ring, purpose, [normalise(str(v)) for v in values if v]))
    return [next(hashes) if v else None for v in values]


def sealed_batch(purpose: str, values) -> list[bytes | None]:
    """`sealed_bytes` for many values, new ones sealed in one batch (crypto.seal_batch), in
    this process: the web and worker processes do not fork helpers (threads, signal handlers);
    only the migration's conversion spreads over processes (crypto.seal_many)."""
    values = list(values)
    fresh = [str(v) for v in values if v and not (isinstance(v, Unsealed) and v.purpose == purpose)]
    sealed = iter(crypto.seal_batch(keyring(), purpose, fresh))
    return [None if not v else v.sealed if isinstance(v, Unsealed) and v.purpose == purpose else next(sealed)
            for v in values]


class IndexMemo(dict):
    """value → blind index of one purpose, computed once per value (in batches by `prime`):
    a roster import compares and stages each ID number and phone of the file once."""

    def __init__(self, purpose: str):
        super().__init__()
        self.purpose = purpose

    def prime(self, values) -> None:
        fresh = list(dict.fromkeys(v for v in values if v and v not in self))
        self.update(zip(fresh, blind_indexes_of(self.purpose, fresh)))

    def __missing__(self, value):
        index = self[value] = blind_index_of(self.purpose, value)
        return index


class SealedValue:
    """A sealed value read without opening it (a person's phone in a roster comparison): true
    when there is one, equal to a text with the same blind index, opened only by str() (to be
    shown, masked). Opening 100,000 phones to compare them would cost ~1 s; hashing the file's
    side ~0.25 s."""

    __slots__ = ("purpose", "sealed", "index", "memo")

    def __init__(self, purpose: str, sealed, index, memo: IndexMemo | None = None):
        self.purpose, self.memo = purpose, memo
        self.sealed = None if sealed is None else bytes(sealed)
        self.index = None if index is None else bytes(index)

    def __bool__(self):
        return self.sealed is not None

    def __eq__(self, other):
        if isinstance(other, SealedValue):
            return self.index == other.index
        if isinstance(other, str):
            if not other:
                return self.sealed is None
            return self.index == (self.memo[other] if self.memo is not None else blind_index_of(self.purpose, other))
        return NotImplemented

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self):
        return hash(self.index)

    def __str__(self):
        return unsealed(self.purpose, self.sealed)

    def __repr__(self):
        return f"SealedValue({self.purpose}{'' if self.sealed else ', empty'})"


class Unsealed(str):
    """Clear text read from a sealed column, carrying the sealed bytes it was read from (and
    their purpose: bytes sealed as a phone do not open as an account)."""

    sealed: bytes
    purpose: str

    def __reduce__(self):        # pickles (and copies) as the plain text it is
        return (str, (str(self),))


def unsealed(purpose: str, sealed) -> str:
    """The clear text of sealed bytes read by raw SQL ("" for NULL)."""
    if sealed is None:
        return ""
    sealed = bytes(sealed)
    text = Unsealed(crypto.unseal(keyring(), purpose, sealed))
    text.sealed, text.purpose = sealed, purpose
    return text


def sealed_bytes(purpose: str, value) -> bytes | None:
    """What a SealedField of `purpose` stores for `value`: the bytes an Unsealed came from, or
    the text sealed now; None for blank. For raw SQL and COPY."""
    if value is None or value == "":
        return None
    if isinstance(value, Unsealed) and value.purpose == purpose:
        return value.sealed
    return crypto.seal(keyring(), purpose, str(value))


class SealedField(models.Field):
    """Text kept SM4-GCM-sealed in a bytea column; clear in Python."""

    description = "SM4-GCM sealed text"
    empty_strings_allowed = True

    def __init__(self, *args, purpose: str, **kwargs):
        self.purpose = purpose
        kwargs["null"] = True                      # a blank value is NULL
        kwargs.setdefault("db_comment", f"{SEALED_COMMENT} {purpose}")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("null", None)
        if kwargs.get("db_comment") == f"{SEALED_COMMENT} {self.purpose}":
            kwargs.pop("db_comment")
        kwargs["purpose"] = self.purpose
        return name, path, args, kwargs

    def db_type(self, connection):
        return "bytea"

    def from_db_value(self, value, expression, connection):
        return unsealed(self.purpose, value)

    def to_python(self, value):
        if value is None:
            return ""
        return value if isinstance(value, str) else str(value)

    def get_prep_value(self, value):
        return sealed_bytes(self.purpose, value)

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        return None if value is None else connection.Database.Binary(value)

    def value_to_string(self, obj):
        return str(self.value_from_object(obj) or "")

    def get_lookup(self, lookup_name):
        if lookup_name in ("exact", "in") and _exact_index(self) is not None:
            return SealedExact if lookup_name == "exact" else SealedIn
        if lookup_name != "isnull":
            raise FieldError(f"{self.name} is sealed: look it up by its blind index, not by '{lookup_name}'")
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name):
        raise FieldError(f"{self.name} is sealed: no '{lookup_name}' on its ciphertext")

    def formfield(self, **kwargs):
        return forms.CharField(label=self.verbose_name, required=not self.blank, max_length=self.max_length,
                               help_text=self.help_text, empty_value="", **kwargs)

    def get_default(self):
        return ""


def _exact_index(field: SealedField):
    """The blind index field of the whole value of a sealed field, if it has one."""
    model = getattr(field, "model", None)
    if model is None:
        return None
    return next((i for i in _indexes_of(model).get(field.name, ()) if not i.last), None)


class SealedExact(models.Lookup):
    """`id_number=…` (also across relations: `person__id_number=…`) compares the blind index
    column with the value's index: exact lookups work on sealed fields, through the index."""

    lookup_name = "exact"

    def get_prep_lookup(self):
        return self.rhs            # never sealed: hashed in as_sql

    def _index_column(self, compiler, connection):
        from django.db.models.expressions import Col

        if not isinstance(self.lhs, Col):
            raise FieldError(f"{self.lhs} is sealed: only a column can be looked up by its blind index")
        index = _exact_index(self.lhs.target)
        return compiler.compile(Col(self.lhs.alias, index, output_field=index)), index

    def _hash(self, index, value):
        if not isinstance(value, str):
            raise FieldError(f"{index.source} is sealed: look it up by a value, not an expression")
        return blind_index_of(index.purpose, value)

    def as_sql(self, compiler, connection):
        (sql, params), index = self._index_column(compiler, connection)
        return f"{sql} = %s", [*params, self._hash(index, self.rhs)]


class SealedIn(SealedExact):
    lookup_name = "in"

    def as_sql(self, compiler, connection):
        (sql, params), index = self._index_column(compiler, connection)
        hashes = [self._hash(index, str(v)) for v in self.rhs if v]
        return f"{sql} = ANY(%s::bytea[])", [*params, hashes]


class SealedJSONField(SealedField):
    """A JSON value (a roster row's original cells) sealed as one."""

    description = "SM4-GCM sealed JSON"

    def from_db_value(self, value, expression, connection):
        return None if value is None else crypto.unseal_json(keyring(), self.purpose, bytes(value))

    def to_python(self, value):
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        return crypto.seal_json(keyring(), self.purpose, value)

    def formfield(self, **kwargs):
        return None

    def get_default(self):
        return None


class BlindIndexField(models.BinaryField):
    """The HMAC-SM3 blind index of the SealedField named `source` (or of its last `last`
    characters), computed when the row is saved."""

    description = "HMAC-SM3 blind index"

    def __init__(self, *args, source: str, purpose: str, last: int | None = None, **kwargs):
        self.source, self.purpose, self.last = source, purpose, last
        kwargs["null"] = True
        kwargs["editable"] = False
        kwargs.setdefault("db_comment", f"{INDEX_COMMENT} {purpose}" + (f" last {last}" if last else ""))
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for key in ("null", "editable"):
            kwargs.pop(key, None)
        if kwargs.get("db_comment") == f"{INDEX_COMMENT} {self.purpose}" + (f" last {self.last}" if self.last else ""):
            kwargs.pop("db_comment")
        kwargs.update(source=self.source, purpose=self.purpose)
        if self.last:
            kwargs["last"] = self.last
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        return None if value is None else bytes(value)

    def pre_save(self, model_instance, add):
        # Computed at every save (~2 µs): cheaper than knowing whether the value changed.
        value = getattr(model_instance, self.source)
        index = blind_index_of(self.purpose, value, last=self.last)
        setattr(model_instance, self.attname, index)
        return index


@functools.cache
def _indexes_of(model) -> dict[str, tuple["BlindIndexField", ...]]:
    """Sealed field name → its blind index fields, for `model`."""
    found: dict[str, list] = {}
    for field in model._meta.concrete_fields:
        if isinstance(field, BlindIndexField):
            found.setdefault(field.source, []).append(field)
    return {source: tuple(fields) for source, fields in found.items()}


class SealedQuerySet(models.QuerySet):
    """`update()` and `bulk_update()` of a sealed field write its blind indexes too;
    `matching(id_number=…)` finds rows by the blind index of a sealed field's value."""

    def matching(self, **values):
        """Rows whose sealed fields hold these values (exact, normalised as the index is)."""
        filters = {}
        for name, value in values.items():
            index = next((i for i in _indexes_of(self.model).get(name, ()) if not i.last), None)
            if index is None:
                raise FieldError(f"{name} has no blind index to look it up by")
            filters[index.name] = blind_index_of(index.purpose, value)
        return self.filter(**filters)

    def update(self, **kwargs):
        for name, value in list(kwargs.items()):
            for index in _indexes_of(self.model).get(name, ()):
                if index.name in kwargs:
                    continue
                if value is not None and not isinstance(value, str):
                    raise FieldError(f"{name} is sealed: update it with a value, not an expression, "
                                     f"or set {index.name} too")
                kwargs[index.name] = blind_index_of(index.purpose, value or "", last=index.last)
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, batch_size=None):
        objs, fields = list(objs), list(fields)
        for name in list(fields):
            for index in _indexes_of(self.model).get(name, ()):
                for obj in objs:
                    setattr(obj, index.attname, index.pre_save(obj, False))
                if index.name not in fields:
                    fields.append(index.name)
        return super().bulk_update(objs, fields, batch_size=batch_size)


class SealedModel(models.Model):
    """A model with sealed fields: saving, updating or bulk-updating a sealed field writes its
    blind indexes too."""

    objects = SealedQuerySet.as_manager()

    class Meta:
        abstract = True

    def refresh_blind_indexes(self) -> None:
        """Compute the blind indexes from the sealed fields' current values (save does it too)."""
        for indexes in _indexes_of(type(self)).values():
            for index in indexes:
                index.pre_save(self, False)

    def full_clean(self, *args, **kwargs):
        # Unique constraints on a blind index are validated against the value being saved.
        self.refresh_blind_indexes()
        super().full_clean(*args, **kwargs)

    def save(self, *args, update_fields=None, **kwargs):
        if update_fields is not None:
            indexes = _indexes_of(type(self))
            update_fields = set(update_fields)
            update_fields |= {index.name for source in list(update_fields) for index in indexes.get(source, ())}
        super().save(*args, update_fields=update_fields, **kwargs)


def sealed_columns():
    """(model, field) for every sealed column of every model, audit event models included."""
    return [(model, field) for model in apps.get_models() if model._meta.managed and not model._meta.proxy
            for field in model._meta.concrete_fields if isinstance(field, SealedField)]


def unsealed_from_json(field: SealedField, value) -> str:
    """A sealed column's value as the audit trail's JSON holds it (bytea as '\\x…' hex, from
    pghistory's row_to_json) in clear text; "" for NULL."""
    if value in (None, ""):
        return ""
    if isinstance(value, str) and value.startswith("\\x"):
        value = bytes.fromhex(value[2:])
    if isinstance(field, SealedJSONField):
        return crypto.unseal_json(keyring(), field.purpose, bytes(value))
    return unsealed(field.purpose, value)
