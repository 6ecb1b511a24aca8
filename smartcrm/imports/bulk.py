"""Batched inserts: COPY on PostgreSQL (several times faster than INSERT for thousands of
rows), bulk_create elsewhere. Either way inside the caller's transaction.

Rows are read straight from the records' attributes: building a Django model object per
row (``Model.__init__``) and preparing each value through its field costs more than the
database's whole insert, so records are made with ``new``, and ``prepare`` writes their
values out as COPY text itself (text, keys, numbers, dates, booleans converted directly;
other values through their field, once per value object). ``prepare`` is pure
computation, so the import runs it beside the database's work on the previous batch and
``send`` only streams the text.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, models, router
from django.db.models.base import ModelState
from django.utils import timezone

from smartcrm.core.ids import uuid7_many
from smartcrm.core.models import SearchEntry
from smartcrm.core.search import (
    _TERM_SEPARATOR,
    _TITLE_LENGTH,
    _kind_of,
    _phone_digits,
    normalize_search_text,
)
from smartcrm.core.text import clean_text

BULK_CREATE_BATCH = 500
# COPY's text format: NULL, and the four characters a value must escape.
_NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
# Rows sent to the server in chunks of this many (one write each).
_COPY_CHUNK = 1000


def new(model: type[models.Model], values: dict[str, Any]) -> Any:
    """A record of ``model`` from its attribute values (attnames), without __init__."""
    record = model.__new__(model)
    record.__dict__.update(values)
    record._state = ModelState()
    return record


def assign_ids(records: Sequence[models.Model]) -> None:
    """Give UUIDv7 keys, many at once, to the records that have none yet."""
    missing = [record for record in records if record.pk is None]
    for record, pk in zip(missing, uuid7_many(len(missing)), strict=True):
        record.pk = pk


def _copy_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key and isinstance(field, models.AutoField | models.BigAutoField))
        and not getattr(field, "generated", False)
    ]


def copy_text(value: str) -> str:
    """A text value as COPY's text format writes it."""
    if value.isprintable() and "\\" not in value:  # no tab, newline, CR or backslash
        return value
    return value.translate(_ESCAPES)


def _last_remembered(convert: Callable[[Any], str]) -> Callable[[Any], str]:
    """``convert``, or NULL, remembering the last value: the rows of a batch share their
    organisation, creator, time stamps (the same objects), which are converted once."""
    last: list[Any] = [None, _NULL]

    def text(value: Any) -> str:
        if value is last[0]:
            return last[1]
        last[0], last[1] = value, convert(value)
        return last[1]

    return text


def _as_copy_text(field: models.Field[Any, Any], alias: str) -> Callable[[Any], str]:
    """How one column's value becomes COPY text: plain conversions for the types every
    record holds (text, keys, numbers, dates, booleans), the field's own preparation
    (remembered per value object: the rows of a batch share them) for the others."""
    kind = field.target_field if field.is_relation else field  # type: ignore[attr-defined]

    if isinstance(kind, models.CharField | models.TextField) and not field.is_relation:
        return lambda value: _NULL if value is None else copy_text(value)
    if isinstance(kind, models.BooleanField):
        return lambda value: _NULL if value is None else ("t" if value else "f")
    if isinstance(kind, models.UUIDField | models.IntegerField | models.DecimalField):
        return _last_remembered(str)
    if isinstance(kind, models.DateField):  # dates and date-times: ISO 8601, with the zone
        return _last_remembered(lambda value: value.isoformat())
    memo: dict[int, str] = {}

    def prepared(value: Any) -> str:
        key = id(value)
        text = memo.get(key)
        if text is None:
            if value is None:
                text = _NULL
            elif isinstance(field, models.JSONField):
                text = copy_text(json.dumps(value, cls=field.encoder))
            else:
                db_value = field.get_db_prep_save(value, connections[alias])
                text = _NULL if db_value is None else copy_text(str(db_value))
            memo[key] = text
        return text

    return prepared


@dataclass
class Rows:
    """Records of one model made ready to insert, or with ``update`` to update those
    fields of: on PostgreSQL already written out as COPY text (pure computation, so it
    can be done beside the database's work)."""

    model: type[models.Model]
    records: Sequence[models.Model]
    alias: str
    update: list[models.Field[Any, Any]] | None = None
    before: str = ""  # SQL run before the COPY, and after it
    statement: str = ""
    after: str = ""
    chunks: list[bytes] = field(default_factory=list)


_temporary_tables = itertools.count()


def prepare(
    model: type[models.Model], records: Sequence[models.Model], update: Iterable[str] = ()
) -> Rows:
    """New ``records`` (their primary keys already set, or database-generated), or stored
    ones whose fields named in ``update`` are to be written, ready to go."""
    alias = router.db_for_write(model)
    meta = model._meta
    changed = [meta.get_field(name) for name in update]
    rows = Rows(model, records, alias, [meta.pk, *changed] if changed else None)  # type: ignore[list-item]
    if not records or connections[alias].vendor != "postgresql":
        return rows
    fields = rows.update or _copy_fields(model)
    now = timezone.now()
    stamped = [
        field.attname
        for field in fields
        if not rows.update
        and (getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))
    ]
    columns = [(field.attname, _as_copy_text(field, alias)) for field in fields]
    quote = connections[alias].ops.quote_name
    names = ", ".join(quote(str(field.column)) for field in fields)
    target = quote(meta.db_table)
    if rows.update:
        # into a temporary table of the same columns, then one UPDATE ... FROM
        temporary = quote(f"smartcrm_update_{next(_temporary_tables)}")
        rows.before = (
            f"CREATE TEMPORARY TABLE {temporary} ON COMMIT DROP AS "
            f"SELECT {names} FROM {target} WITH NO DATA"
        )
        rows.statement = f"COPY {temporary} ({names}) FROM STDIN"
        rows.after = (
            f"UPDATE {target} AS stored SET "
            + ", ".join(
                f"{quote(str(f.column))} = new.{quote(str(f.column))}" for f in rows.update[1:]
            )
            + f" FROM {temporary} AS new WHERE stored.{quote(str(meta.pk.column))}"
            f" = new.{quote(str(meta.pk.column))}"
        )
    else:
        rows.statement = f"COPY {target} ({names}) FROM STDIN"
    for start in range(0, len(records), _COPY_CHUNK):
        lines = []
        for record in records[start : start + _COPY_CHUNK]:
            values = record.__dict__
            for attname in stamped:  # what pre_save does for auto_now(_add)
                values[attname] = now
            lines.append("\t".join([text(values[name]) for name, text in columns]))
        lines.append("")
        rows.chunks.append("\n".join(lines).encode())
    return rows


def send(rows: Rows) -> None:
    """Write prepared rows (inside the caller's transaction)."""
    if not rows.records:
        return
    connection = connections[rows.alias]
    if not rows.statement:
        if rows.update:
            _update_many(rows, connection)
        else:
            manager = rows.model._default_manager.using(rows.alias)
            manager.bulk_create(rows.records, batch_size=BULK_CREATE_BATCH)
        return
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        if rows.before:
            raw.execute(rows.before)
        with raw.copy(rows.statement) as copy:
            for chunk in rows.chunks:
                copy.write(chunk)
        if rows.after:
            raw.execute(rows.after)
    for record in rows.records:
        record._state.adding = False
        record._state.db = rows.alias


def _update_many(rows: Rows, connection: Any) -> None:
    """The update elsewhere: one statement, executed for every record."""
    assert rows.update is not None
    quote = connection.ops.quote_name
    pk, *changed = rows.update
    statement = (
        f"UPDATE {quote(rows.model._meta.db_table)} SET "
        + ", ".join(f"{quote(str(f.column))} = %s" for f in changed)
        + f" WHERE {quote(str(pk.column))} = %s"
    )
    ordered = [*changed, pk]
    params = [
        [f.get_db_prep_save(getattr(record, f.attname), connection) for f in ordered]
        for record in rows.records
    ]
    with connection.cursor() as cursor:
        cursor.executemany(statement, params)


def insert(model: type[models.Model], records: Sequence[models.Model]) -> None:
    """Insert new ``records`` (their primary keys already set, or database-generated)."""
    send(prepare(model, records))


# --- search rows ---------------------------------------------------------------------------

_ASCII_CONTROLS = {code: " " for code in (*range(32), 127)}


class SearchRows:
    """The index rows of new records, as ``core.search.search_entries_for`` makes them
    (the tests compare the two), with the folding of repeated texts (names, localities)
    remembered and ASCII text (e-mails, phones, CUIs, websites) folded directly."""

    CACHE_SIZE = 100_000

    def __init__(self) -> None:
        self._folded: dict[str, tuple[str, str | None]] = {}
        self._clean: dict[str, str] = {}

    def _fold(self, term: str) -> tuple[str, str | None]:
        found = self._folded.get(term)
        if found is None:
            if term.isascii():
                # search_key is casefold (lower for ASCII); controls become blanks
                key = " ".join(term.lower().translate(_ASCII_CONTROLS).split())
            else:
                key = normalize_search_text(term)
            found = (key, _phone_digits(key))
            if len(self._folded) >= self.CACHE_SIZE:
                self._folded.clear()
            self._folded[term] = found
        return found

    def _cleaned(self, text: str) -> str:
        found = self._clean.get(text)
        if found is None:
            found = clean_text(text)[:_TITLE_LENGTH]
            if len(self._clean) >= self.CACHE_SIZE:
                self._clean.clear()
            self._clean[text] = found
        return found

    @staticmethod
    def kind_key(model: type[models.Model]) -> str:
        """The search kind of a model's records."""
        return _kind_of(model.__new__(model)).key

    def entries(self, records: Iterable[models.Model]) -> list[SearchEntry]:
        entries = []
        kind = None
        for record in records:
            kind = kind or _kind_of(record)
            document = kind.document(record)
            title = self._cleaned(document.title)
            title_key = self._fold(title)[0][:_TITLE_LENGTH]
            keys: list[str] = []
            for term in (title_key, *document.terms):
                for variant in self._fold(term):
                    # A term inside another one adds nothing to a substring search.
                    if variant and not any(variant in kept for kept in keys):
                        keys.append(variant)
            entries.append(
                new(
                    SearchEntry,
                    {
                        "id": None,
                        "organization_id": record.organization_id,  # type: ignore[attr-defined]  # tenant rows
                        "kind": kind.key,
                        "object_id": record.pk,
                        "title": title,
                        "subtitle": self._cleaned(document.subtitle),
                        "text": _TERM_SEPARATOR.join(keys),
                        "title_key": title_key,
                        "global_search": kind.global_search,
                        "updated_at": None,
                    },
                )
            )
        return entries
