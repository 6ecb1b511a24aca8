"""Reads of duplicates: likely duplicates of one record, and duplicate groups per kind.

Two records are likely duplicates when they share a matching key (dedupe.keys: the same
normalised e-mail, the same phone in E.164, the same CUI, the same folded name) or, for the
check on create, when their names are very similar (trigram similarity >= NAME_SIMILARITY),
scored by the same Python function on both databases. The candidates come from an index,
never a scan: PostgreSQL's pg_trgm GIN index on name_key with % at the threshold
NAME_SIMILARITY (so a common word, "construct", "popescu", does not hand over a large share of
the table); SQLite's FTS5 trigram table of the global search, asked for the rows holding a
whole group of the name's trigrams (groups such that a name sharing NAME_SIMILARITY of them
holds one), then kept when their titles hold NAME_SIMILARITY of the trigrams.

Contacts are people at one prospect or account: the same e-mail or phone anywhere in the
organisation is worth a warning on create, but a group (and a merge) is always within one
prospect or account, and a similar name only counts there (two "Ion Popescu" at two
companies are two people).
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, models, transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smartcrm.contacts.models import Contact
from smartcrm.core.errors import Conflict, FieldIssue, ValidationFailed
from smartcrm.core.models import Membership, Organization
from smartcrm.core.scopes import Scope, scope_for
from smartcrm.core.search import SQLITE_FTS_TABLE
from smartcrm.dedupe.keys import similarity
from smartcrm.sales.choices import ProspectStatus
from smartcrm.sales.models import Account, Prospect

# "A very similar name": pg_trgm similarity of the folded names ("alfa solutii" and
# "alfa solutions" score 0.65; "alfa" and "alfa consult" 0.42).
NAME_SIMILARITY = 0.6
FUZZY_CANDIDATES = 30
# SQLite: index rows (newest first) the similar-name search looks at, at most: bounds a
# name whose trigram groups are common (a frequent person name) to a few milliseconds.
FUZZY_SCAN = 500
DEFAULT_CANDIDATES = 10
MAX_GROUPS = 200
# Key values looked at per key when building groups: bounds the IN lists on huge tables.
MAX_VALUES_PER_KEY = 2000

# Matching keys, in the order they are reported; the field of the form each one is about.
KEY_FIELDS: dict[str, str] = {
    "email_normalized": "email",
    "phone_e164": "phone",
    "cui": "cui",
    "name_key": "name",
}
MATCH_LABELS = {
    "email": gettext_lazy("same e-mail"),
    "phone": gettext_lazy("same phone"),
    "cui": gettext_lazy("same CUI"),
    "name": gettext_lazy("same name"),
    "similar_name": gettext_lazy("similar name"),
}


@dataclass(frozen=True)
class DedupeKind:
    """A kind of record that can have duplicates and be merged."""

    key: str
    model: type[models.Model]
    search_kind: str
    keys: tuple[str, ...]
    name_of: Callable[[Any], str]
    # The name field a similar-name warning is shown next to on a form.
    name_field: str
    # Groups and merges stay within these (contacts: one prospect or account).
    scope: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    # The grant module whose view scope says which of these records a member sees.
    grant: str = ""

    def queryset(self, org: Organization, member: Membership | None = None) -> QuerySet[Any]:
        """The records that may be duplicates; with ``member``, those their view scope
        shows (a scope of all adds nothing to the query)."""
        rows = self.model._default_manager.filter(organization=org)
        if self.model is Prospect:
            # A converted prospect is the history of its account, not a live duplicate.
            rows = rows.exclude(status=ProspectStatus.CONVERTED)
        if member is not None:
            rows = rows.visible_to(member, self.grant)  # type: ignore[attr-defined]  # a TenantQuerySet
        return rows


def _prospect_name(prospect: Prospect) -> str:
    return prospect.display_name


KINDS: dict[str, DedupeKind] = {
    "prospect": DedupeKind(
        key="prospect",
        model=Prospect,
        search_kind="prospect",
        keys=("email_normalized", "phone_e164", "cui", "name_key"),
        name_of=_prospect_name,
        name_field="company_name",
        related=("owner",),
        grant="prospects",
    ),
    "account": DedupeKind(
        key="account",
        model=Account,
        search_kind="account",
        keys=("email_normalized", "phone_e164", "cui", "name_key"),
        name_of=lambda account: account.name,
        name_field="name",
        related=("owner",),
        grant="accounts",
    ),
    "contact": DedupeKind(
        key="contact",
        model=Contact,
        search_kind="contact",
        keys=("email_normalized", "phone_e164", "name_key"),
        name_of=lambda contact: contact.full_name,
        name_field="last_name",
        scope=("prospect_id", "account_id"),
        related=("prospect", "account"),
        grant="contacts",
    ),
}


def dedupe_kind(key: str) -> DedupeKind:
    try:
        return KINDS[key]
    except KeyError:
        raise ValidationFailed(
            _("Duplicates are found among prospects, accounts and contacts."),
            field="kind",
            code="invalid_choice",
        ) from None


@dataclass(frozen=True)
class Candidate:
    """A record that looks like the one given: why (matched), and how similar the names are."""

    record: Any
    matched: tuple[str, ...]
    name_similarity: float

    @property
    def id(self) -> uuid.UUID:
        return self.record.pk

    @property
    def name(self) -> str:
        return str(self.record)


@dataclass
class DuplicateGroup:
    """Records of one kind that share a matching key (transitively)."""

    records: list[Any]
    matched: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """A stable id for the group: its oldest record's id."""
        return str(min(record.pk for record in self.records))


class PossibleDuplicate(Conflict):
    """Creating this record would likely duplicate existing ones (HTTP 409, overridable)."""

    def __init__(
        self,
        message: str,
        *,
        candidates: list[Candidate],
        issues: list[FieldIssue],
        owners_of_others: list[str] | None = None,
    ):
        super().__init__(message, code="possible_duplicate", issues=issues)
        # The candidates the member may see; of the others, only whose they are.
        self.candidates = candidates
        self.owners_of_others = owners_of_others or []


# --- candidates of one record ------------------------------------------------------------


def _scope_filter(kind: DedupeKind, record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in kind.scope}


def _name_trigrams(name_key: str) -> list[str]:
    """The trigrams inside the words of a folded name, in order, once each: what the search
    text of a record holds of its name (the blank-padded ones of pg_trgm it may not)."""
    return list(
        dict.fromkeys(word[i : i + 3] for word in name_key.split() for i in range(len(word) - 2))
    )


def _trigram_groups(grams: list[str]) -> list[list[str]]:
    """Groups of ``grams`` such that a name holding NAME_SIMILARITY of them holds every gram
    of at least one group (it misses at most ``len - needed`` grams, one per group at worst:
    pigeonhole). Grams are dealt round-robin, so a group spans the words of the name and a
    common word alone ("construct", "popescu") fills no group."""
    needed = math.ceil(NAME_SIMILARITY * len(grams))
    count = len(grams) - needed + 1
    return [grams[start::count] for start in range(count)]


def _fts_phrase(gram: str) -> str:
    return '"' + gram.replace('"', '""') + '"'


def _similar_name_ids(kind: DedupeKind, org: Organization, name_key: str) -> QuerySet[Any] | None:
    """Ids of records whose name may be very similar (a superset, scored afterwards); at most
    FUZZY_CANDIDATES, the likeliest first, found through an index on either database."""
    table = kind.model._meta.db_table
    vendor = connections[kind.model._default_manager.db].vendor
    if vendor == "postgresql":
        # The % operator is what the GIN trigram index on name_key serves; its threshold is
        # NAME_SIMILARITY (set by _similarity_threshold), so the index hands over only the
        # very similar names, not every name sharing a common word.
        return RawSQL(  # type: ignore[return-value]
            f"SELECT id FROM {table} WHERE organization_id = %s AND name_key %% %s "
            "ORDER BY similarity(name_key, %s) DESC LIMIT %s",
            [org.pk, name_key, name_key, FUZZY_CANDIDATES],
        )
    if vendor == "sqlite":
        grams = _name_trigrams(name_key)
        if not grams:
            return None
        # The FTS5 trigram index hands over the rows holding a whole group of the name's
        # trigrams (newest first, at most FUZZY_SCAN); of those, the names (titles) holding
        # NAME_SIMILARITY of its trigrams, most first.
        expression = " OR ".join(
            "(" + " AND ".join(_fts_phrase(gram) for gram in group) + ")"
            for group in _trigram_groups(grams)
        )
        shared = " + ".join("(instr(title_key, %s) > 0)" for _ in grams)
        return RawSQL(  # type: ignore[return-value]
            f"SELECT object_id FROM (SELECT e.object_id, e.title_key FROM {SQLITE_FTS_TABLE} f "
            "CROSS JOIN core_searchentry e ON e.id = f.rowid "
            f"WHERE {SQLITE_FTS_TABLE} MATCH %s AND e.organization_id = %s AND e.kind = %s "
            f"ORDER BY f.rowid DESC LIMIT %s) WHERE {shared} >= %s "
            f"ORDER BY {shared} DESC LIMIT %s",
            [
                expression,
                org.pk.hex,
                kind.search_kind,
                FUZZY_SCAN,
                *grams,
                math.ceil(NAME_SIMILARITY * len(grams)),
                *grams,
                FUZZY_CANDIDATES,
            ],
        )
    return None


@contextmanager
def _similarity_threshold(kind: DedupeKind) -> Iterator[None]:
    """On PostgreSQL, pg_trgm's % means "similarity >= NAME_SIMILARITY" until the end of the
    transaction (SET LOCAL; one is begun if none is open): its default 0.3 hands over a
    large share of the table on a common word, to be scored and dropped one by one. The
    setting never outlives the transaction, so a pooled connection keeps its own."""
    alias = kind.model._default_manager.db
    connection = connections[alias]
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(NAME_SIMILARITY)]
        )
        yield


def duplicate_candidates(
    *,
    org: Organization,
    kind: str,
    record: Any,
    limit: int = DEFAULT_CANDIDATES,
    member: Membership | None = None,
) -> list[Candidate]:
    """Existing records of ``org`` that look like ``record`` (saved or not): the same
    e-mail, phone, CUI or folded name, or a very similar name. Best matches first; at most
    three queries whatever the table size (PostgreSQL: the threshold, the keys, the similar
    names; SQLite: the keys, the similar names), each served by an index. With ``member``,
    only those their view scope shows."""
    spec = dedupe_kind(kind)
    rows = spec.queryset(org, member)
    if not record._state.adding:
        rows = rows.exclude(pk=record.pk)
    scope = _scope_filter(spec, record)
    exact = Q()
    for key in spec.keys:
        value = getattr(record, key, "")
        if not value:
            continue
        # A shared name only counts within the scope (contacts: the same prospect/account).
        exact |= Q(**{key: value}, **scope) if key == "name_key" else Q(**{key: value})
    name_key = getattr(record, "name_key", "")

    def candidate(row: Any) -> Candidate:
        matched = tuple(
            KEY_FIELDS[key]
            for key in spec.keys
            if getattr(record, key, "")
            and getattr(row, key) == getattr(record, key)
            and (key != "name_key" or all(getattr(row, n) == v for n, v in scope.items()))
        )
        return Candidate(
            record=row,
            matched=matched or ("similar_name",),
            name_similarity=similarity(row.name_key, name_key),
        )

    candidates: list[Candidate] = []
    if exact:
        rows_found = rows.filter(exact).select_related(*spec.related).order_by("created_at")
        candidates = [candidate(row) for row in rows_found[:limit]]
    # A similar name ranks after a record matching two keys or the whole name: when `limit`
    # of those are found (a frequent name), no similar name could make the list.
    ahead = sum(1 for c in candidates if len(c.matched) > 1 or c.name_similarity >= 1)
    similar = _similar_name_ids(spec, org, name_key) if name_key and ahead < limit else None
    if similar is not None:
        with _similarity_threshold(spec):
            for row in (
                rows.filter(pk__in=similar, **scope)
                .exclude(pk__in=[c.id for c in candidates])
                .select_related(*spec.related)
            ):
                if similarity(row.name_key, name_key) >= NAME_SIMILARITY:
                    candidates.append(candidate(row))
    candidates.sort(key=lambda c: (-len(c.matched), -c.name_similarity, str(c.record.pk)))
    return candidates[:limit]


def _visible_ids(
    spec: DedupeKind, member: Membership | None, candidates: list[Candidate]
) -> set[Any]:
    """The ids of the candidates the member's view scope shows (no query for a scope of all)."""
    ids = {c.id for c in candidates}
    if member is None or scope_for(member, spec.grant, "view") == Scope.ALL:
        return ids
    return set(
        spec.model._default_manager.filter(pk__in=ids)
        .visible_to(member, spec.grant)  # type: ignore[attr-defined]  # a TenantQuerySet
        .values_list("pk", flat=True)
    )


def _owner_name(record: Any) -> str:
    """Whose a record is: its owner's name (a contact's: its record's owner's)."""
    holder = record
    if not hasattr(record, "owner_id"):
        holder = record.account or record.prospect
    owner = getattr(holder, "owner", None)
    return str(owner) if owner is not None else str(_("someone else"))


def refuse_likely_duplicates(
    *, org: Organization, kind: str, record: Any, member: Membership | None = None
) -> None:
    """Raise PossibleDuplicate naming the fields that match, when ``record`` (about to be
    created) looks like existing records; the caller may override and create it anyway.

    With ``member``, a look-alike outside their view scope is told only as "a similar
    record owned by <its owner>": neither its name nor its id."""
    candidates = duplicate_candidates(org=org, kind=kind, record=record)
    if not candidates:
        return
    spec = KINDS[kind]
    visible = _visible_ids(spec, member, candidates)
    shown: dict[Any, str] = {
        c.id: c.name
        if c.id in visible
        else _("a similar record owned by %(owner)s") % {"owner": _owner_name(c.record)}
        for c in candidates
    }
    issues: list[FieldIssue] = []
    for reason in dict.fromkeys(reason for c in candidates for reason in c.matched):
        names = ", ".join(shown[c.id] for c in candidates if reason in c.matched)
        form_field = spec.name_field if reason in ("name", "similar_name") else reason
        issues.append(
            FieldIssue(
                form_field,
                _("Possible duplicate (%(reason)s): %(names)s.")
                % {"reason": MATCH_LABELS[reason], "names": names},
                "possible_duplicate",
            )
        )
    others = [_owner_name(c.record) for c in candidates if c.id not in visible]
    if len(others) == len(candidates):
        message = _(
            "A similar record exists, owned by %(owners)s. Ask them, or confirm that you "
            "want a new one."
        ) % {"owners": ", ".join(dict.fromkeys(others))}
    else:
        message = _(
            "This looks like a record you already have: %(names)s. Open it, merge, or "
            "confirm that you want a new one."
        ) % {"names": ", ".join(shown[c.id] for c in candidates)}
    raise PossibleDuplicate(
        message,
        candidates=[c for c in candidates if c.id in visible],
        issues=issues,
        owners_of_others=others,
    )


def record_duplicates(
    *, org: Organization, kind: str, record_id: Any, member: Membership | None = None
) -> list[Candidate]:
    """Likely duplicates of an existing record (404 when it is not the organisation's, or,
    with ``member``, not in their view scope; so are the duplicates they do not see)."""
    from smartcrm.core.selectors import tenant_get

    spec = dedupe_kind(kind)
    source = spec.model._default_manager.all()
    if member is not None:
        source = source.visible_to(member, spec.grant)  # type: ignore[attr-defined]  # a TenantQuerySet
    record = tenant_get(source, org=org, record_id=record_id)
    return duplicate_candidates(org=org, kind=kind, record=record, member=member)


# --- groups ------------------------------------------------------------------------------


def _duplicated_values(
    spec: DedupeKind, org: Organization, key: str, member: Membership | None
) -> list[tuple[Any, ...]]:
    """(scope..., value) of each key value that more than one record has."""
    columns = (*spec.scope, key)
    return list(
        spec.queryset(org, member)
        .exclude(**{key: ""})
        .values_list(*columns)
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by(*columns)
        .values_list(*columns)[:MAX_VALUES_PER_KEY]
    )


def duplicate_groups(
    *, org: Organization, kind: str, limit: int = MAX_GROUPS, member: Membership | None = None
) -> list[DuplicateGroup]:
    """Groups of likely duplicate records of one kind: records sharing a matching key, joined
    transitively (A and B share an e-mail, B and C a phone: one group). Largest groups first,
    then by name. One query per key and one for the records, whatever the number of groups.

    With ``member``, only the records their view scope shows take part: a group is of
    records they see, joined through records they see."""
    spec = dedupe_kind(kind)
    wanted: dict[str, set[tuple[Any, ...]]] = {}
    condition = Q()
    for key in spec.keys:
        values = _duplicated_values(spec, org, key, member)
        if not values:
            continue
        wanted[key] = set(values)
        condition |= Q(**{f"{key}__in": {value[-1] for value in values}})
    if not condition:
        return []
    rows = list(
        spec.queryset(org, member)
        .filter(condition)
        .select_related(*spec.related)
        .order_by("created_at")
    )
    parent: dict[Any, Any] = {row.pk: row.pk for row in rows}

    def root(pk: Any) -> Any:
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    reasons: dict[Any, set[str]] = defaultdict(set)
    first_with: dict[tuple[Any, ...], Any] = {}
    for row in rows:
        for key, shared in wanted.items():
            signature = (*(getattr(row, name) for name in spec.scope), getattr(row, key))
            if signature not in shared:
                continue
            marker = (key, *signature)
            if marker in first_with:
                a, b = root(first_with[marker]), root(row.pk)
                if a != b:
                    parent[b] = a
                    reasons[a] |= reasons.pop(b, set())
                reasons[root(row.pk)].add(KEY_FIELDS[key])
            else:
                first_with[marker] = row.pk
    members: dict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        members[root(row.pk)].append(row)
    groups = [
        DuplicateGroup(
            records=group,
            matched=[name for name in KEY_FIELDS.values() if name in reasons.get(pk, set())],
        )
        for pk, group in members.items()
        if len(group) > 1
    ]
    groups.sort(key=lambda g: (-len(g.records), spec.name_of(g.records[0]).casefold(), g.key))
    return groups[:limit]


def group_of(groups: Iterable[DuplicateGroup], record_id: Any) -> DuplicateGroup | None:
    return next((g for g in groups if any(str(r.pk) == str(record_id) for r in g.records)), None)
