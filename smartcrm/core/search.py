"""Global search: one table of normalised text over every searchable kind of record.

Apps register their kinds from ``AppConfig.ready()`` (sales: prospect, account, offer;
contacts: contact; catalog: product), each with a ``document`` function saying what a
record shows (title, subtitle) and what finds it (terms). Services call ``search_index``
after a create or update and ``search_unindex`` before a delete, inside their transaction,
so the index never disagrees with committed data.

Text and queries are folded by ``core.text.search_key``: lower-case, diacritics removed,
cedilla and comma-below letters alike ("Ştefan", "Ștefan", "STEFAN" all give "stefan").
A query matches when it is a substring of a record's text; a phone-like query also matches
its digits alone ("0722 123" finds "0722123456"). PostgreSQL answers through a pg_trgm GIN
index on ``LIKE '%q%'``; SQLite through an FTS5 trigram table (queries of 3+ characters;
shorter ones fall back to LIKE). A common term has most rows as the trigram index's
candidates, so both the global search (``_other_hits``) and the lists (``_few_matches``)
first read the newest rows one by one, and ask that index only for a rarer term.

Lists filter by ``q`` through the same table: ``search_filter(kind, q)`` is a ``Q`` of
``pk__in`` the matching index rows, so a list's search is as fast and as diacritics-blind
as the global one. Kinds registered with ``global_search=False`` (tasks, activities,
notes) are indexed for their lists only (their rows' ``global_search`` is false).
"""

from __future__ import annotations

import base64
import json
import re
import unicodedata
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, models
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, StrIndex
from django.utils.translation import gettext as _

from smartcrm.core.errors import ValidationFailed
from smartcrm.core.models import Membership, Organization, SearchEntry
from smartcrm.core.modules import Module, module_enabled
from smartcrm.core.scopes import Scope, scope_for
from smartcrm.core.text import clean_text, search_key

# The SQLite FTS5 table over core_searchentry.text (created by migration core 0004).
SQLITE_FTS_TABLE = "core_searchentry_fts"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
BATCH_SIZE = 500
# FTS5's trigram tokenizer cannot answer a phrase shorter than one trigram.
MIN_INDEXED_LENGTH = 3

_TITLE_LENGTH = SearchEntry._meta.get_field("title").max_length or 255
# Terms are kept apart by a character no normalised query contains, so a query never
# matches across two terms (a name's end and an e-mail's start).
_TERM_SEPARATOR = "\n"
_PHONE_LIKE = re.compile(r"[0-9+\-./() ]+")
_MIN_PHONE_DIGITS = 3

# Ranks: the title is the query, the title starts with it, the query is anywhere.
RANK_EXACT, RANK_PREFIX, RANK_CONTAINS = 0, 1, 2
# The newest index rows the search reads before it asks the substring index (see _other_hits).
SEARCH_WINDOW = 2000
# Matches among them that make the search read ten times as many before the index.
WIDER_FROM = 5
# Sorts after every text that starts with a given prefix: a prefix is a range of titles.
_PAST_EVERY_SUFFIX = "\U0010ffff"
_LOWEST_ID = uuid.UUID(int=0)
_HIT_COLUMNS = ("kind", "object_id", "title", "subtitle", "title_key")


@dataclass(frozen=True)
class SearchDocument:
    """What a record shows in results (title, subtitle) and the texts that find it."""

    title: str
    subtitle: str = ""
    terms: Sequence[str] = ()


@dataclass(frozen=True)
class SearchableKind:
    """A kind of record the global search finds."""

    key: str
    model: type[models.Model]
    document: Callable[[Any], SearchDocument] = field(compare=False)
    module: str = Module.SALES
    # Relations the document reads, joined when documents are built in bulk.
    related: tuple[str, ...] = ()
    # (parent kind, foreign key on this model): records whose document shows their parent
    # (an offer shows its account's name) are re-indexed with the parent, and leave the
    # index before the parent is deleted (the database cascade bypasses the services).
    parents: tuple[tuple[str, str], ...] = ()
    # False for kinds that only their own lists search (tasks, activities, notes): the
    # global search neither finds them nor accepts them among its kinds.
    global_search: bool = True
    # The fields of this kind that the records showing it read (its name, as ``str()``
    # gives it); None: any. A write that changes none of them leaves their rows alone.
    shown_fields: tuple[str, ...] | None = None
    # The grant module whose view scope decides whom this kind's records are found for
    # (core.scopes); None: whoever searches the organisation.
    grant: str | None = None


@dataclass(frozen=True)
class SearchHit:
    """One record found: which kind and id, what to show, and how well the title matched."""

    kind: str
    object_id: uuid.UUID
    title: str
    subtitle: str
    rank: int


_KINDS: dict[str, SearchableKind] = {}


def register_searchable(kind: SearchableKind) -> None:
    _KINDS[kind.key] = kind


def unregister_searchable(key: str) -> None:
    _KINDS.pop(key, None)


def searchable_kinds() -> list[SearchableKind]:
    return list(_KINDS.values())


def global_searchable_kinds() -> list[SearchableKind]:
    """The kinds the global search finds (not those only their lists search)."""
    return [kind for kind in _KINDS.values() if kind.global_search]


def _kind_of(record: models.Model) -> SearchableKind:
    model = record._meta.concrete_model or type(record)
    for kind in _KINDS.values():
        if kind.model is model:
            return kind
    raise LookupError(f"{model.__name__} is not a registered searchable kind.")


def _children_of(kind: SearchableKind) -> list[tuple[SearchableKind, str]]:
    return [
        (child, fk_name)
        for child in _KINDS.values()
        for parent_key, fk_name in child.parents
        if parent_key == kind.key
    ]


# --- Normalisation ---------------------------------------------------------------------


def normalize_search_text(value: str) -> str:
    """The folded form of a value or a query: ``search_key``, blanks collapsed, no controls."""
    folded = search_key(value or "")
    kept = []
    for char in folded:
        category = unicodedata.category(char)
        if category == "Cc":
            kept.append(" ")  # tabs, newlines, NUL: word breaks at most
        elif not category.startswith("C"):  # drop soft hyphens, zero-width joiners...
            kept.append(char)
    return " ".join("".join(kept).split())


def _phone_digits(value: str) -> str | None:
    """The digits of a phone-like value ("+40 722-123 456"), when they differ from it."""
    if not _PHONE_LIKE.fullmatch(value):
        return None
    digits = "".join(char for char in value if char.isascii() and char.isdigit())
    if len(digits) < _MIN_PHONE_DIGITS or digits == value:
        return None
    return digits


def _text_of(document: SearchDocument, title_key: str) -> str:
    keys: list[str] = []
    for term in (title_key, *document.terms):
        key = normalize_search_text(term)
        for variant in (key, _phone_digits(key)):
            # A term inside another one adds nothing to a substring search.
            if variant and not any(variant in kept for kept in keys):
                keys.append(variant)
    return _TERM_SEPARATOR.join(keys)


def search_entry_fields(document: SearchDocument) -> dict[str, str]:
    """The columns of an index row showing ``document`` (title, subtitle, text, title_key):
    a pure function, which a data migration may call on historical models' values."""
    title = clean_text(document.title)[:_TITLE_LENGTH]
    title_key = normalize_search_text(title)[:_TITLE_LENGTH]
    return {
        "title": title,
        "subtitle": clean_text(document.subtitle)[:_TITLE_LENGTH],
        "text": _text_of(document, title_key),
        "title_key": title_key,
    }


def _entry(kind: SearchableKind, record: models.Model) -> SearchEntry:
    return SearchEntry(
        organization_id=record.organization_id,  # type: ignore[attr-defined]  # tenant rows
        kind=kind.key,
        object_id=record.pk,
        global_search=kind.global_search,
        **search_entry_fields(kind.document(record)),
    )


# --- Writing the index -----------------------------------------------------------------


def _upsert(entries: list[SearchEntry]) -> None:
    if entries:
        SearchEntry.objects.bulk_create(
            entries,
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["kind", "object_id"],
            update_fields=["title", "subtitle", "text", "title_key", "updated_at"],
        )


def _batches(records: QuerySet[Any], related: Iterable[str]) -> Iterator[list[Any]]:
    """The records in primary-key order, BATCH_SIZE at a time (keyset, not OFFSET)."""
    ordered = records.select_related(*related).order_by("pk")
    last_pk = None
    while True:
        page = ordered if last_pk is None else ordered.filter(pk__gt=last_pk)
        batch = list(page[:BATCH_SIZE])
        if batch:
            yield batch
        if len(batch) < BATCH_SIZE:
            return
        last_pk = batch[-1].pk


def _index_records(kind: SearchableKind, records: QuerySet[Any]) -> int:
    indexed = 0
    for batch in _batches(records, kind.related):
        _upsert([_entry(kind, record) for record in batch])
        indexed += len(batch)
    return indexed


def _children(child: SearchableKind, fk_name: str, record: models.Model) -> QuerySet[Any]:
    return child.model._default_manager.filter(
        organization_id=record.organization_id,  # type: ignore[attr-defined]  # tenant rows
        **{fk_name: record},
    )


def search_index(record: models.Model, *, changed: Collection[str] | None = None) -> None:
    """Write (or rewrite) the index row of ``record``, and of the records that show it.

    ``changed`` names the fields the write changed (None: not known): the records that show
    this one are rewritten only when a field they read (``shown_fields``) is among them. A
    new record passes ``changed=()``: nothing shows it yet."""
    kind = _kind_of(record)
    _upsert([_entry(kind, record)])
    if changed is not None and (
        not changed or (kind.shown_fields is not None and not set(changed) & set(kind.shown_fields))
    ):
        return
    for child, fk_name in _children_of(kind):
        _index_records(child, _children(child, fk_name, record))


def search_unindex(record: models.Model) -> None:
    """Remove ``record`` from the index, with the records its deletion cascades to.

    Call it before deleting: afterwards the cascaded rows can no longer be found."""
    kind = _kind_of(record)
    for child, fk_name in _children_of(kind):
        SearchEntry.objects.filter(
            organization_id=record.organization_id,  # type: ignore[attr-defined]  # tenant rows
            kind=child.key,
            object_id__in=_children(child, fk_name, record).values("pk"),
        ).delete()
    SearchEntry.objects.filter(kind=kind.key, object_id=record.pk).delete()


def search_entries_for(records: Sequence[models.Model]) -> list[SearchEntry]:
    """The index rows of many new records of one kind, unsaved: a bulk writer (the importer)
    inserts them with the records, in the same transaction."""
    if not records:
        return []
    kind = _kind_of(records[0])
    return [_entry(kind, record) for record in records]


def search_index_many(records: Sequence[models.Model]) -> None:
    """``search_index`` for many records of one kind: their rows in a few upserts, and the
    rows of the records that show them (a prospect's contacts) rewritten once."""
    if not records:
        return
    kind = _kind_of(records[0])
    _upsert([_entry(kind, record) for record in records])
    search_index_children(records)


def search_index_children(records: Sequence[models.Model]) -> None:
    """Rewrite the rows of the records that show these (a prospect's contacts)."""
    if not records:
        return
    ids = [record.pk for record in records]
    for child, fk_name in _children_of(_kind_of(records[0])):
        _index_records(child, child.model._default_manager.filter(**{f"{fk_name}__in": ids}))


def search_unindex_many(model: type[models.Model], ids: Sequence[Any]) -> None:
    """``search_unindex`` for many records of one model (call before deleting them)."""
    kind = next((k for k in _KINDS.values() if k.model is model), None)
    if kind is None or not ids:
        return
    for start in range(0, len(ids), BATCH_SIZE * 4):
        chunk = list(ids[start : start + BATCH_SIZE * 4])
        for child, fk_name in _children_of(kind):
            SearchEntry.objects.filter(
                kind=child.key,
                object_id__in=child.model._default_manager.filter(
                    **{f"{fk_name}__in": chunk}
                ).values("pk"),
            ).delete()
        SearchEntry.objects.filter(kind=kind.key, object_id__in=chunk).delete()


def search_reindex_all(org: Organization | None = None) -> dict[str, int]:
    """Rebuild the index of one organisation (or all): upsert every record in batches, then
    drop rows whose record is gone. Returns the records indexed per kind."""
    scope: dict[str, Any] = {} if org is None else {"organization": org}
    SearchEntry.objects.filter(**scope).exclude(kind__in=list(_KINDS)).delete()
    indexed: dict[str, int] = {}
    for kind in searchable_kinds():
        records = kind.model._default_manager.filter(**scope)
        indexed[kind.key] = _index_records(kind, records)
        SearchEntry.objects.filter(kind=kind.key, **scope).exclude(
            object_id__in=records.values("pk")
        ).delete()
    return indexed


# --- Reading: the selector -------------------------------------------------------------


def _fts_phrase(needle: str) -> str:
    """An FTS5 string literal: everything between double quotes is literal text."""
    return '"' + needle.replace('"', '""') + '"'


def _matching(needles: list[str], vendor: str) -> Q:
    if vendor == "sqlite" and all(len(needle) >= MIN_INDEXED_LENGTH for needle in needles):
        expression = " OR ".join(_fts_phrase(needle) for needle in needles)
        return Q(
            id__in=RawSQL(
                f"SELECT rowid FROM {SQLITE_FTS_TABLE} WHERE {SQLITE_FTS_TABLE} MATCH %s",
                [expression],
            )
        )
    # PostgreSQL: LIKE '%q%', which the pg_trgm GIN index serves. SQLite: short queries.
    condition = Q()
    for needle in needles:
        condition |= Q(text__contains=needle)
    return condition


def _needles(needle: str) -> list[str]:
    """The folded query, and the digits of a phone-like one ("0722 123" finds "0722123")."""
    digits = _phone_digits(needle)
    return [needle, digits] if digits else [needle]


def search_matching_ids(
    kind: str, q: str | None, *, org: Organization | None = None
) -> QuerySet[SearchEntry, uuid.UUID] | None:
    """The ids of the records of ``kind`` whose text contains ``q`` (folded like the global
    search: "carpati" finds "Carpați", "Ştefan" finds "Ștefan"), as a subquery for
    ``pk__in``; None when ``q`` holds nothing to look for (no filter).

    ``org`` narrows the index rows to one organisation; a list may leave it out, its
    queryset being the organisation's already (ids are unique across organisations)."""
    if kind not in _KINDS:
        raise LookupError(f"{kind} is not a registered searchable kind.")
    if not normalize_search_text(q or ""):
        return None
    return _matching_entries([kind], q, org).values_list("object_id", flat=True)


# A list's ``q`` matching at most this many records is answered from their ids; beyond it the
# database walks the list's own order and probes the index (a common term fills a page fast).
FEW_MATCHES = 1000


@dataclass(frozen=True)
class ListSearch:
    """A list's ``q``: the condition on its rows, and whether the term is common (found
    COMMON_IN_WINDOW times among the newest rows). A common term's matches are many: the
    newest-first list meets them at once, a list in another order walks its order only
    until it has a page (api.pagination), since they may all lie far from its start."""

    condition: Q
    common: bool
    # The same rows, told apart one by one (each row's index entry read and its text
    # searched): for a walk that reads a few thousand rows at most.
    probe: Q


def list_search(
    kind: str,
    q: str | None,
    *,
    org: Organization | None = None,
    field: str = "pk",
    also: Sequence[tuple[str, str]] = (),
) -> ListSearch | None:
    """A list's ``q``: ``field`` (the record's id, or a foreign key to a record of ``kind``)
    among the records of ``kind`` that ``q`` finds, or any of the ``also`` pairs (kind,
    field) (an offer found by its account's name); None when ``q`` holds nothing to look
    for. Combines with any other filter and with keyset pages.

    One query tells which: a common term (COMMON_IN_WINDOW matches among the newest
    SEARCH_WINDOW index rows of those kinds) filters by a subquery; otherwise the same
    query reads the matching ids, FEW_MATCHES at most, and a rare term filters by them (a
    planner that expects matches everywhere would walk the whole list's order looking for
    them); one with more by the subquery."""
    targets = [(kind, field), *also]
    matches = {key: search_matching_ids(key, q, org=org) for key, _field in targets}
    if any(ids is None for ids in matches.values()):
        return None
    common, found = _few_matches(list(matches), q, org)
    needles = _needles(normalize_search_text(q or ""))
    condition, probe = Q(), Q()
    for key, target in targets:
        if found is not None:
            ids = [object_id for found_kind, object_id in found if found_kind == key]
            condition |= Q(**{f"{target}__in": ids})
        else:
            condition |= Q(**{f"{target}__in": matches[key]})
        entry = SearchEntry.objects.filter(kind=key, object_id=OuterRef(target))
        probe |= Q(Exists(_containing_any(entry, needles)))
    return ListSearch(condition=condition, common=common, probe=probe)


def search_filter(
    kind: str,
    q: str | None,
    *,
    org: Organization | None = None,
    field: str = "pk",
    also: Sequence[tuple[str, str]] = (),
) -> Q:
    """``list_search``'s condition alone; an empty ``Q`` when ``q`` holds nothing."""
    found = list_search(kind, q, org=org, field=field, also=also)
    return found.condition if found is not None else Q()


# Matches among the newest SEARCH_WINDOW rows of a list's kinds that make its term common.
COMMON_IN_WINDOW = 20


def _few_matches(
    kinds: list[str], q: str | None, org: Organization | None
) -> tuple[bool, list[tuple[str, uuid.UUID]] | None]:
    """Whether ``q`` is common among the index rows of ``kinds``, and their (kind, id)
    matching it when they are at most FEW_MATCHES (None for more, or for a common term), in
    one query.

    The newest SEARCH_WINDOW rows of each kind are read first, row by row, until
    COMMON_IN_WINDOW of them match: a few milliseconds, where the substring index would
    return most of its rows as candidates for a common term (tens of milliseconds, hundreds
    for "constructii" among 1.8 million). Only when they do not is the index asked (the
    database skips that branch otherwise)."""
    connection = connections[SearchEntry.objects.db]
    position = "strpos" if connection.vendor == "postgresql" else "instr"
    needles = _needles(normalize_search_text(q or ""))
    contains = " OR ".join(f"{position}(newest.text, %s) > 0" for _needle in needles)
    windows: list[str] = []
    params: list[Any] = []
    for kind in kinds:
        entries = SearchEntry.objects.filter(kind=kind)
        if org is not None:
            entries = entries.filter(organization=org)
        newest = entries.order_by("-object_id").values("text")[:SEARCH_WINDOW]
        newest_sql, newest_params = newest.query.sql_with_params()
        windows.append(
            f"SELECT * FROM (SELECT 1 AS found FROM ({newest_sql}) newest "
            f"WHERE {contains} LIMIT {COMMON_IN_WINDOW}) window_{len(windows)}"
        )
        params += [*newest_params, *needles]
    matching_sql, matching_params = _matching_entries(kinds, q, org)[
        : FEW_MATCHES + 1
    ].query.sql_with_params()
    sql = (
        f"WITH common AS MATERIALIZED ({' UNION ALL '.join(windows)}) "
        f"SELECT NULL, NULL WHERE (SELECT count(*) FROM common) >= {COMMON_IN_WINDOW} "
        f"UNION ALL SELECT * FROM ({matching_sql}) matching "
        f"WHERE (SELECT count(*) FROM common) < {COMMON_IN_WINDOW}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *matching_params])
        rows = cursor.fetchall()
    if rows and rows[0][0] is None:
        return True, None
    if len(rows) > FEW_MATCHES:
        return False, None
    return False, [(found_kind, uuid.UUID(str(object_id))) for found_kind, object_id in rows]


def _matching_entries(
    kinds: list[str], q: str | None, org: Organization | None
) -> QuerySet[SearchEntry, tuple[str, uuid.UUID]]:
    """(kind, object id) of the index rows of ``kinds`` whose text contains ``q``.

    One condition per kind, so PostgreSQL answers each from that kind's own index
    (core.search_indexes) and combines them."""
    entries = SearchEntry.objects.all()
    if org is not None:
        entries = entries.filter(organization=org)
    needles = _needles(normalize_search_text(q or ""))
    matching = _matching(needles, connections[entries.db].vendor)
    condition = Q()
    for kind in kinds:
        condition |= Q(kind=kind) & matching
    return entries.filter(condition).values_list("kind", "object_id")


def _wanted_kinds(org: Organization, kinds: Iterable[str] | None) -> list[str]:
    known = {kind.key for kind in global_searchable_kinds()}
    keys = list(dict.fromkeys(kinds)) if kinds else [key for key in _KINDS if key in known]
    unknown = [key for key in keys if key not in known]
    if unknown:
        raise ValidationFailed(
            _("Unknown kind of record: %(kinds)s.") % {"kinds": ", ".join(map(str, unknown))},
            field="kinds",
            code="invalid_choice",
        )
    # A switched-off module's records are not found, as everywhere else.
    return [key for key in keys if module_enabled(org, _KINDS[key].module)]


def _in_view_scope(member: Membership | None, kinds: list[str]) -> tuple[list[str], Q]:
    """The kinds the member may find at all (a view scope of none drops its kind), and the
    condition keeping the index rows of the records their view scope shows: none for a
    scope of all (no SQL at all), else a semi-join on that kind's visible ids."""
    if member is None:
        return kinds, Q()
    found: list[str] = []
    narrowed = Q()
    everything: list[str] = []
    for key in kinds:
        grant = _KINDS[key].grant
        scope = Scope.ALL if grant is None else scope_for(member, grant, "view")
        if scope == Scope.NONE:
            continue
        found.append(key)
        if scope == Scope.ALL:
            everything.append(key)
            continue
        assert grant is not None
        visible = (
            _KINDS[key]
            .model._default_manager.filter(organization_id=member.organization_id)
            .visible_to(member, grant)  # type: ignore[attr-defined]  # a TenantQuerySet
            .values("pk")
        )
        narrowed |= Q(kind=key, object_id__in=visible)
    if not narrowed:
        return found, Q()
    if everything:
        narrowed |= Q(kind__in=everything)
    return found, narrowed


Position = tuple[int, str, uuid.UUID, str]


def _encode_cursor(position: Position) -> str:
    rank, title_key, object_id, kind = position
    raw = json.dumps([rank, title_key, str(object_id), kind], ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> Position:
    invalid = ValidationFailed(
        _("This cursor is not valid; start again from the first page."),
        field="cursor",
        code="invalid_cursor",
    )
    if not isinstance(cursor, str) or len(cursor) > 2000:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        rank, title_key, object_id, kind = json.loads(raw.decode())
        position = (rank, title_key, uuid.UUID(object_id), kind)
    except (ValueError, TypeError, AttributeError):
        raise invalid from None
    if (
        type(rank) is not int
        or rank not in (RANK_EXACT, RANK_PREFIX, RANK_CONTAINS)
        or not isinstance(title_key, str)
        or not isinstance(kind, str)
        or "\x00" in title_key + kind
    ):
        raise invalid
    return position


def _title_starts_with(needle: str) -> Q:
    """Titles starting with ``needle``, as a range an index on the title walks in order (the
    column compares byte by byte on both databases: ``COLLATE "C"`` on PostgreSQL)."""
    return Q(title_key__gte=needle, title_key__lt=needle + _PAST_EVERY_SUFFIX)


def _containing_any(entries: QuerySet[SearchEntry], needles: list[str]) -> QuerySet[SearchEntry]:
    """Rows whose text contains one of ``needles``, checked in each row (no index): for the
    few rows of a window, where probing the substring index would cost more than reading."""
    positions = {
        f"_at_{number}": StrIndex("text", Value(needle)) for number, needle in enumerate(needles)
    }
    condition = Q()
    for name in positions:
        condition |= Q(**{f"{name}__gt": 0})
    return entries.annotate(**positions).filter(condition)


def _titled_hits(
    entries: QuerySet[SearchEntry], needle: str, position: Position | None, count: int
) -> list[tuple[Any, ...]]:
    """The hits whose title is the query or starts with it, in title order (the exact title
    sorts first), from the index on (organisation, title)."""
    entries = entries.filter(_title_starts_with(needle))
    if position is not None:
        _rank, title_key, object_id, kind = position
        entries = entries.filter(
            Q(title_key__gt=title_key)
            | Q(title_key=title_key, object_id__gt=object_id)
            | Q(title_key=title_key, object_id=object_id, kind__gt=kind)
        )
    return list(
        entries.order_by("title_key", "object_id", "kind").values_list(*_HIT_COLUMNS)[:count]
    )


def _other_hits(
    entries: QuerySet[SearchEntry],
    needles: list[str],
    position: Position | None,
    count: int,
) -> list[tuple[Any, ...]]:
    """The hits that contain the query elsewhere, newest record first.

    The newest SEARCH_WINDOW rows are read first, in order, until the page is full: a
    common term ("popescu") fills it from them, and since every older row sorts after them,
    that page is exact. A term found a few times there (WIDER_FROM) reads ten times as many
    rows next; a rarer term is answered by the substring index, whose candidates are then
    few."""
    if position is not None:
        _rank, _title_key, object_id, kind = position
        # The bound alone is what an index walks from; the pair breaks a tie on the id.
        entries = entries.filter(object_id__lte=object_id).filter(
            Q(object_id__lt=object_id) | Q(object_id=object_id, kind__lt=kind)
        )
    others = entries.exclude(_title_starts_with(needles[0])).order_by("-object_id", "-kind")
    # The oldest id of the window, from the index alone; then a walk of the index from the
    # newest row down to it, stopping at the page's last hit.
    for size in (SEARCH_WINDOW, SEARCH_WINDOW * 10):
        oldest = entries.order_by("-object_id").values("object_id")[size - 1 : size]
        window = others.filter(object_id__gte=Coalesce(Subquery(oldest), Value(_LOWEST_ID)))
        rows = list(_containing_any(window, needles).values_list(*_HIT_COLUMNS)[:count])
        if len(rows) == count:
            return rows
        if len(rows) < WIDER_FROM:
            break
    vendor = connections[entries.db].vendor
    return list(others.filter(_matching(needles, vendor)).values_list(*_HIT_COLUMNS)[:count])


def search(
    *,
    org: Organization,
    q: str,
    kinds: Iterable[str] | None = None,
    limit: int = DEFAULT_LIMIT,
    after: str | None = None,
    member: Membership | None = None,
) -> tuple[list[SearchHit], str | None]:
    """Records of ``org`` whose text contains ``q``: the exact title first, then the titles
    starting with it (by title), then the rest, newest first; ties by id and kind. With
    ``member``, only the records their view scope of each kind's module shows.

    Returns one page of hits and the cursor of the next page (None on the last page), in at
    most four queries whatever the hits: the titles, the newest rows (once more, ten times
    as many, for a term found a few times among them), then the index.
    """
    needle = normalize_search_text(q or "")
    position = _decode_cursor(after) if after else None
    wanted, in_scope = _in_view_scope(member, _wanted_kinds(org, kinds))
    if not needle or not wanted:
        return [], None
    limit = max(1, min(int(limit), MAX_LIMIT))
    entries = SearchEntry.objects.filter(organization=org, kind__in=wanted, global_search=True)
    if in_scope:
        entries = entries.filter(in_scope)

    rows: list[tuple[Any, ...]] = []
    if position is None or position[0] != RANK_CONTAINS:
        rows = _titled_hits(entries, needle, position, limit + 1)
    if len(rows) <= limit:
        others_after = position if position and position[0] == RANK_CONTAINS else None
        rows += _other_hits(entries, _needles(needle), others_after, limit + 1 - len(rows))

    def rank_of(title_key: str) -> int:
        if title_key == needle:
            return RANK_EXACT
        return RANK_PREFIX if title_key.startswith(needle) else RANK_CONTAINS

    hits = [
        SearchHit(
            kind=kind, object_id=object_id, title=title, subtitle=subtitle, rank=rank_of(title_key)
        )
        for kind, object_id, title, subtitle, title_key in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        last = hits[-1]
        title_key = "" if last.rank == RANK_CONTAINS else rows[limit - 1][4]
        next_cursor = _encode_cursor((last.rank, title_key, last.object_id, last.kind))
    return hits, next_cursor
