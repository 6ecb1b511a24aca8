"""Batched inserts: COPY on PostgreSQL (several times faster than INSERT for thousands of
rows), bulk_create elsewhere. Either way inside the caller's transaction.

Rows are read straight from the records' attributes: building a Django model object per
row (``Model.__init__``) and preparing each value through its field costs more than the
database's whole insert, so records are made with ``new`` and values that psycopg adapts
natively (text, numbers, UUIDs, dates, booleans) are passed as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
# Values psycopg adapts itself: the field's get_db_prep_save would return them unchanged.
_NATIVE = (
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.UUIDField,
    models.DecimalField,
    models.IntegerField,
    models.DateTimeField,
    models.DateField,
    models.ForeignKey,
)


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


def insert(model: type[models.Model], records: Sequence[models.Model]) -> None:
    """Insert new ``records`` (their primary keys already set, or database-generated)."""
    if not records:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        model._default_manager.using(alias).bulk_create(records, batch_size=BULK_CREATE_BATCH)
        return
    fields = _copy_fields(model)
    now = timezone.now()
    stamped = [
        field.attname
        for field in fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    prepared = [
        field for field in fields if field.attname not in stamped and not isinstance(field, _NATIVE)
    ]
    attnames = [field.attname for field in fields]
    positions = [(attnames.index(field.attname), field) for field in prepared]
    # (JSON) values adapted by their field, once per value the rows share
    memo: dict[int, Any] = {}
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    statement = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        with raw.copy(statement) as copy:
            write_row = copy.write_row
            for record in records:
                values = record.__dict__
                for attname in stamped:  # what pre_save does for auto_now(_add)
                    values[attname] = now
                row = [values[attname] for attname in attnames]
                for position, field in positions:
                    value = row[position]
                    key = id(value)
                    if key not in memo:
                        memo[key] = field.get_db_prep_save(value, connection)
                    row[position] = memo[key]
                write_row(row)
    for record in records:
        record._state.adding = False
        record._state.db = alias


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
                        "updated_at": None,
                    },
                )
            )
        return entries
