"""The import pipeline: rows → values → validated records → matched (create, update,
unchanged) or rejected → written in batches.

The same ``Importer.check`` serves the preview (nothing written) and the commit (inside
each batch's transaction, with the matched records locked), so the preview reports
exactly what the commit does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connections, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from smartcrm.core import writes
from smartcrm.core.errors import DomainError
from smartcrm.core.models import Membership, Organization, SearchEntry, User
from smartcrm.core.scopes import Scope, scope_for
from smartcrm.core.search import search_index_children
from smartcrm.imports import bulk
from smartcrm.imports.kinds import (
    FULL_NAME,
    PARENT_FIELDS,
    FastRows,
    KindSpec,
    MatchKey,
    convert,
    spec_of,
    split_full_name,
    validator_for,
)
from smartcrm.imports.models import ImportBatch, ImportRejectedRow, ImportRun
from smartcrm.imports.reading import FileShape, numbered_rows
from smartcrm.sales.choices import EventKind, ProspectStatus
from smartcrm.sales.models import Account, Prospect, RecordEvent

CREATE, UPDATE, UNCHANGED, REJECT = "create", "update", "unchanged", "reject"
MATCHING_FIELDS = ("email_normalized", "phone_e164", "name_key")


@dataclass
class Outcome:
    """What one row of the file becomes."""

    index: int  # among the data rows, from 0: where a resumed import starts again
    line: int  # in the file (the header is line 1)
    cells: list[str]
    action: str = REJECT
    record: Any = None
    changed: list[str] = field(default_factory=list)
    previous: dict[str, Any] = field(default_factory=dict)
    issues: list[dict[str, Any]] = field(default_factory=list)
    version: int = 0  # of the matched record when checked (updates and unchanged rows)


@dataclass
class Parsed:
    """A batch read: per row its outcome (to fill), values, parent cells, key, matches."""

    rows: list[tuple[Outcome, dict[str, str], dict[str, str], str, list[Any]]] = field(
        default_factory=list
    )
    wanted: set[Any] = field(default_factory=set)  # ids of the matched records


@dataclass
class Plan:
    """A checked batch ready to be written (``Importer.plan``)."""

    rows: list[tuple[int, int, list[str]]]
    outcomes: list[Outcome]
    created: list[Any]
    updated: list[Outcome]
    writes: list[bulk.Rows]


class RecordsChanged(Exception):
    """A record a planned batch matched changed (or went) since it was checked."""


@dataclass
class Counts:
    total: int = 0
    create: int = 0
    update: int = 0
    unchanged: int = 0
    rejected: int = 0

    def add(self, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            self.total += 1
            if outcome.action == CREATE:
                self.create += 1
            elif outcome.action == UPDATE:
                self.update += 1
            elif outcome.action == UNCHANGED:
                self.unchanged += 1
            else:
                self.rejected += 1

    def as_dict(self) -> dict[str, int]:
        return {
            "total": self.total,
            "create": self.create,
            "update": self.update,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


class RowRejected(Exception):
    """A row breaks a rule of the import itself (its key), beside the record's own rules."""

    def __init__(self, field_name: str | None, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.field, self.message, self.code = field_name, message, code


def json_value(value: Any) -> Any:
    """A field value as JSON keeps it: decimals as text (exact), ids as text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


class Importer:
    """One import run's file, mapping and key, and the state carried between batches."""

    def __init__(self, run: ImportRun, content: bytes, *, org: Organization, user: User) -> None:
        self.run, self.content, self.org, self.user = run, content, org, user
        self.spec: KindSpec = spec_of(run.kind)
        self.shape = FileShape(run.file_format, run.encoding, run.delimiter, list(run.headers))
        self.columns = [
            (index, run.mapping[header], header)
            for index, header in enumerate(self.shape.headers)
            if run.mapping.get(header)
        ]
        self.column_of = {target: header for _index, target, header in self.columns}
        width = len(self.shape.headers)  # rows are padded to it (numbered_rows)
        self._plain_columns: list[tuple[int, str]] | None = [
            (index, target) for index, target, _header in self.columns if index < width
        ]
        if any(target == FULL_NAME or target in PARENT_FIELDS for _i, target, _h in self.columns):
            self._plain_columns = None
        targets = {target for _index, target, _header in self.columns}
        if FULL_NAME in targets:
            targets |= {"first_name", "last_name"}
        self.mapped = frozenset(targets & set(self.spec.model_fields()))
        self.validate = validator_for(self.spec, self.mapped)
        self.key: MatchKey | None = self.spec.key_named(run.key) if run.key else None
        # canonical key → line of the first row that had it (rows are imported once)
        self.seen: dict[str, int] = {}
        self._existing: dict[str, list[Any]] | None = None
        # ids of keyed records outside the importing member's view or edit scope
        self._foreign: set[Any] = set()
        self._membership: Membership | None = None
        self._parents: dict[str, dict[str, list[tuple[Any, str]]]] = {}
        self._model_fields = self.spec.model_fields()
        self.fast: FastRows | None = None
        if self.spec.fast:
            template = self.spec.model(organization=org, created_by=user)
            if self.spec.owned:
                template.owner = user  # type: ignore[attr-defined]  # owned kinds have one
            template.pk = None  # given at write time, many at once
            self.fast = FastRows(self.spec, self.mapped, template)
            meta = self.spec.model._meta
            self._compared = [
                (name, field.attname)
                for name in self._model_fields
                if isinstance(field := meta.get_field(name), models.Field)
            ]
        self.search_rows = bulk.SearchRows()
        self.fast_rows = 0  # rows the fast check accepted (the others: the reference check)

    # --- reading -------------------------------------------------------------------------

    def rows(self) -> Iterator[tuple[int, int, list[str]]]:
        """(index among data rows, line, cells)."""
        for index, (line, cells) in enumerate(numbered_rows(self.content, self.shape)):
            yield index, line, cells

    def batches(self, size: int, start: int = 0) -> Iterator[list[tuple[int, int, list[str]]]]:
        """Rows from ``start`` in batches; the rows before it only teach the key of each
        (those already imported count as seen, so a later duplicate is still refused)."""
        rejected_lines: set[int] = set()
        if start:
            rejected_lines = set(
                ImportRejectedRow.objects.filter(run=self.run).values_list("row_number", flat=True)
            )
        batch: list[tuple[int, int, list[str]]] = []
        for index, line, cells in self.rows():
            if index < start:
                if line not in rejected_lines:
                    key = self._key_of(self._values_of(cells)[0])
                    if key:
                        self.seen.setdefault(key, line)
                continue
            batch.append((index, line, cells))
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch

    def _values_of(self, cells: list[str]) -> tuple[dict[str, str], dict[str, str]]:
        if self._plain_columns is not None:  # no full name or parent column: one pass
            return {
                target: text
                for index, target in self._plain_columns
                if (text := cells[index].strip())
            }, {}
        values: dict[str, str] = {}
        parents: dict[str, str] = {}
        for index, target, _header in self.columns:
            text = cells[index].strip() if index < len(cells) else ""
            if not text:
                continue
            if target == FULL_NAME:
                first, last = split_full_name(text)
                if first:
                    values.setdefault("first_name", first)
                values.setdefault("last_name", last)
            elif target in PARENT_FIELDS:
                parents[target] = text
            else:
                values[target] = text
        return values, parents

    def _key_of(self, values: dict[str, str]) -> str:
        if self.key is None:
            return ""
        raw = values.get(self.key.source, "")
        return self.key.canonical(raw) if raw else ""

    # --- matching ------------------------------------------------------------------------

    def membership(self) -> Membership | None:
        """The importing member (with their custom role); None once they left."""
        if self._membership is None:
            self._membership = (
                Membership.objects.filter(organization=self.org, user=self.user, is_active=True)
                .select_related("custom_role")
                .first()
            )
        return self._membership

    def _in_reach(self, rows: models.QuerySet[Any], module: str, *actions: str) -> Any:
        """``rows`` narrowed to what the member's scopes of ``actions`` in ``module`` reach,
        or None when every one of them is "all" (no narrowing, no query)."""
        member = self.membership()
        if member is None:
            return rows.none()
        if all(scope_for(member, module, action) == Scope.ALL for action in actions):
            return None
        for action in actions:
            rows = rows.visible_to(member, module, action)  # type: ignore[attr-defined]  # a TenantQuerySet
        return rows

    def existing(self) -> dict[str, list[Any]]:
        """canonical key → ids of the organisation's records having it (one query a run).

        The ids of those outside the member's view or edit scope are kept apart (one more
        query, for a narrower scope only): a row matching one is not imported."""
        if self._existing is None:
            found: dict[str, list[Any]] = {}
            if self.key is not None:
                keyed = self.spec.model._default_manager.filter(organization=self.org).exclude(
                    **{self.key.stored: ""}
                )
                rows = keyed.values_list(self.key.stored, "pk")
                canonical = self.key.canonical if self.key.name == "code" else None
                for value, pk in rows.iterator(chunk_size=5000):
                    found.setdefault(canonical(value) if canonical else value, []).append(pk)
                reachable = self._in_reach(keyed, self.spec.key, "view", "edit")
                if reachable is not None:
                    within = set(reachable.values_list("pk", flat=True).iterator(chunk_size=5000))
                    self._foreign = {pk for ids in found.values() for pk in ids} - within
            self._existing = found
        return self._existing

    def _parent_index(self, target: str) -> dict[str, list[tuple[Any, str]]]:
        """For contacts: lookup value → [(parent id, status)] for one kind of parent column."""
        if target not in self._parents:
            parent_kind, by = PARENT_FIELDS[target]
            model: type[models.Model] = Prospect if parent_kind == "prospect" else Account
            columns = {"cui": "cui", "name": "name_key", "email": "email_normalized", "id": "pk"}
            status = "status" if model is Prospect else "pk"
            index: dict[str, list[tuple[Any, str]]] = {}
            parents = model._default_manager.filter(organization=self.org)
            # A contact goes only on a record the member sees; another is not found.
            visible = self._in_reach(parents, f"{parent_kind}s", "view")
            rows = (parents if visible is None else visible).values_list(columns[by], "pk", status)
            for value, pk, state in rows.iterator(chunk_size=5000):
                if value:
                    index.setdefault(str(value), []).append((pk, str(state)))
            self._parents[target] = index
        return self._parents[target]

    def _resolve_parent(self, parents: dict[str, str]) -> dict[str, Any]:
        from smartcrm.dedupe.keys import email_key, name_key
        from smartcrm.imports.kinds import _cui_key

        canonical: dict[str, Callable[[str], str]] = {
            "cui": _cui_key,
            "name": name_key,
            "email": email_key,
            "id": lambda text: text.strip().lower(),
        }
        found: list[tuple[str, Any]] = []
        for target, text in parents.items():
            parent_kind, by = PARENT_FIELDS[target]
            matches = self._parent_index(target).get(canonical[by](text), [])
            if len(matches) > 1:
                raise RowRejected(
                    target,
                    _("Several records have this %(what)s; use another column to tell them apart.")
                    % {"what": by},
                    "ambiguous",
                )
            if not matches:
                raise RowRejected(
                    target,
                    _("No %(parent)s with this %(what)s.") % {"parent": parent_kind, "what": by},
                    "not_found",
                )
            pk, state = matches[0]
            if parent_kind == "prospect" and state == ProspectStatus.CONVERTED:
                raise RowRejected(
                    target,
                    _("This prospect was converted; work on its account instead."),
                    "prospect_converted",
                )
            found.append((parent_kind, pk))
        kinds = {kind for kind, _pk in found}
        if len({pk for _kind, pk in found}) > 1 or len(kinds) > 1:
            raise RowRejected(
                next(iter(parents)),
                _("The columns name different records; a contact belongs to exactly one."),
                "ambiguous",
            )
        if not found:
            raise RowRejected(
                "account_name",
                _("Say which account or prospect the contact belongs to."),
                "required",
            )
        parent_kind, pk = found[0]
        return {f"{parent_kind}_id": pk}

    # --- checking ------------------------------------------------------------------------

    def _issue(self, field_name: str | None, message: str, code: str) -> dict[str, Any]:
        column = self.column_of.get(field_name or "", "")
        if not column and field_name in ("first_name", "last_name"):
            column = self.column_of.get(FULL_NAME, "")
        return {"field": field_name, "column": column, "message": message, "code": code}

    def check(self, rows: list[tuple[int, int, list[str]]], *, lock: bool) -> list[Outcome]:
        """Every row of a batch validated and matched; with ``lock`` the records to update
        are locked first (the commit), so what is compared is what will be overwritten."""
        parsed = self.parse(rows)
        return self.check_parsed(parsed, self.current(parsed, lock=lock))

    def preload(self) -> None:
        """Read what the checks look up (records by key, contacts' parents) beforehand, so
        that ``parse`` and ``check_parsed`` need no query and can run beside the writes."""
        self.existing()
        for target in PARENT_FIELDS:
            if target in self.column_of:
                self._parent_index(target)

    def parse(self, rows: list[tuple[int, int, list[str]]]) -> Parsed:
        """The cells of a batch as values, with their key and the records it matches."""
        parsed = Parsed()
        existing = self.existing()
        for index, line, cells in rows:
            values, parents = self._values_of(cells)
            key = self._key_of(values)
            matches = existing.get(key, []) if key else []
            if len(matches) == 1 and matches[0] not in self._foreign:
                parsed.wanted.add(matches[0])
            parsed.rows.append((Outcome(index, line, cells), values, parents, key, matches))
        return parsed

    def current(self, parsed: Parsed, *, lock: bool) -> dict[Any, Any]:
        """The stored records the batch's rows match (locked with ``lock``)."""
        current: dict[Any, Any] = {}
        if not parsed.wanted:
            return current
        queryset = self.spec.model._default_manager.filter(
            organization=self.org, pk__in=parsed.wanted
        )
        if lock:
            queryset = queryset.select_for_update()
        if self.fast is not None:
            # tuples made records directly: Model.__init__ per row costs more than the query
            fast = self.fast
            rows_found = queryset.values_list(*fast.concrete_attnames)
            for values in rows_found:
                record = fast.from_db(values, rows_found.db)
                current[record.pk] = record
        else:
            current = {record.pk: record for record in queryset}
        return current

    def check_parsed(self, parsed: Parsed, current: dict[Any, Any]) -> list[Outcome]:
        """The parsed rows checked against the records they match (no query)."""
        outcomes = []
        for outcome, values, parents, key, matches in parsed.rows:
            try:
                self._check_row(outcome, values, parents, key, matches, current)
            except RowRejected as rejected:
                outcome.action = REJECT
                outcome.issues = [self._issue(rejected.field, rejected.message, rejected.code)]
            except DomainError as error:
                outcome.action = REJECT
                outcome.issues = [
                    self._issue(issue.field, issue.message, issue.code) for issue in error.issues
                ]
            if outcome.action != REJECT and key:
                self.seen[key] = outcome.line
            if outcome.action in (UPDATE, UNCHANGED):
                outcome.version = outcome.record.version
            outcomes.append(outcome)
        return outcomes

    def _typed(self, values: dict[str, str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The cells as values; a cell that is not one is an issue (and left out, so the
        rest of the row is still checked and every problem reported at once)."""
        typed: dict[str, Any] = {}
        issues = []
        for name, text in values.items():
            try:
                typed[name] = convert(self.spec.model, name, text)
            except ValueError as error:
                issues.append(self._issue(name, str(error), "invalid"))
        return typed, issues

    def _check_row(
        self,
        outcome: Outcome,
        values: dict[str, str],
        parents: dict[str, str],
        key: str,
        matches: list[Any],
        current: dict[Any, Any],
    ) -> None:
        if self.key is not None:
            if not key:
                raise RowRejected(
                    self.key.source,
                    _("Records are matched by %(key)s; this row has none (or not a valid one).")
                    % {"key": self.key.label},
                    "required",
                )
            if key in self.seen:
                raise RowRejected(
                    self.key.source,
                    _("Same %(key)s as row %(row)s; a record is imported once.")
                    % {"key": self.key.label, "row": self.seen[key]},
                    "duplicate_row",
                )
            if any(match in self._foreign for match in matches):
                # Neither touched nor shown: that it exists, and is not theirs, is all.
                raise RowRejected(
                    self.key.source,
                    _(
                        "A record with this %(key)s already exists and is someone else's; "
                        "the row was not imported."
                    )
                    % {"key": self.key.label},
                    "not_yours",
                )
            if len(matches) > 1:
                raise RowRejected(
                    self.key.source,
                    _("%(count)s records already have this %(key)s; merge them first.")
                    % {"count": len(matches), "key": self.key.label},
                    "ambiguous",
                )
        record = current.get(matches[0]) if matches else None
        if self.fast is not None and self._fast_row(outcome, values, parents, record):
            return
        typed, cell_issues = self._typed(values)
        try:
            if record is None:
                # no match, or matched when the run started and deleted since: created
                self._check_create(outcome, typed, parents)
            else:
                self._check_update(outcome, record, typed)
        except (RowRejected, DomainError) as error:
            if not cell_issues:
                raise
            found = (
                [(error.field, error.message, error.code)]
                if isinstance(error, RowRejected)
                else [(i.field, i.message, i.code) for i in error.issues]
            )
            bad_cells = {issue["field"] for issue in cell_issues}
            cell_issues += [self._issue(*issue) for issue in found if issue[0] not in bad_cells]
        if cell_issues:
            outcome.action, outcome.record, outcome.issues = REJECT, None, cell_issues

    def _fast_row(
        self, outcome: Outcome, values: dict[str, str], parents: dict[str, str], record: Any
    ) -> bool:
        """The row checked by FastRows; False leaves it to the reference check (which
        gives the reasons), having changed nothing."""
        fast = self.fast
        assert fast is not None
        cells = fast.cells_of(values)
        if cells is None:
            return False
        attnames = fast.attnames
        if record is None:
            if self.spec.key == "contacts":
                try:
                    cells.update(self._resolve_parent(parents))
                except RowRejected:
                    return False
            for name, attname in attnames.items():
                if attname not in cells and not fast.defaults_ok[name]:
                    return False
            created = fast.new_record({**fast.template, **cells})
            if "kind" not in values:
                self.spec.extra_defaults(created)
            if not fast.finish(created):
                return False
            outcome.action, outcome.record = CREATE, created
            self.fast_rows += 1
            return True
        if isinstance(record, Prospect) and record.status == ProspectStatus.CONVERTED:
            return False
        stored = record.__dict__
        for name, attname in attnames.items():
            if attname not in cells and not fast.value_ok(name, stored[attname]):
                return False
        before = dict(stored)
        stored.update(cells)
        if not fast.finish(record):
            record.__dict__ = before  # the record stays as stored
            return False
        changed = [name for name, attname in self._compared if stored[attname] != before[attname]]
        outcome.record = record
        self.fast_rows += 1
        if not changed:
            outcome.action = UNCHANGED
            return True
        outcome.action, outcome.changed = UPDATE, changed
        outcome.previous = {
            name: json_value(before[attname]) for name, attname in self._compared if name in changed
        }
        return True

    def _check_create(self, outcome: Outcome, typed: dict[str, Any], parents: dict[str, str]):
        spec = self.spec
        record = spec.model(organization=self.org, created_by=self.user)
        if spec.owned:
            record.owner = self.user  # type: ignore[attr-defined]  # owned kinds have one
        writes.apply_changes(record, typed, allowed=self._model_fields)
        if "kind" not in typed:
            spec.extra_defaults(record)
        if spec.key == "contacts":
            for name, value in self._resolve_parent(parents).items():
                setattr(record, name, value)
        self.validate(record)
        outcome.action, outcome.record = CREATE, record

    def _check_update(self, outcome: Outcome, record: Any, typed: dict[str, Any]) -> None:
        if isinstance(record, Prospect) and record.status == ProspectStatus.CONVERTED:
            raise RowRejected(
                self.key.source if self.key else None,
                _("This prospect was converted; edit its account instead."),
                "prospect_converted",
            )
        names = [*self._model_fields, *MATCHING_FIELDS]
        attnames = {
            name: record._meta.get_field(name).attname for name in names if _has_field(record, name)
        }
        before = {name: getattr(record, attname) for name, attname in attnames.items()}
        writes.apply_changes(record, typed, allowed=self._model_fields)
        try:
            self.validate(record)
        except DomainError:
            for name, attname in attnames.items():  # the record stays as stored
                setattr(record, attname, before[name])
            raise
        changed = [
            name
            for name in self._model_fields
            if name in attnames and getattr(record, attnames[name]) != before[name]
        ]
        outcome.record = record
        if not changed:
            outcome.action = UNCHANGED
            return
        outcome.action, outcome.changed = UPDATE, changed
        outcome.previous = {name: json_value(before[name]) for name in changed}

    # --- writing -------------------------------------------------------------------------

    def plan(self, rows: list[tuple[int, int, list[str]]], outcomes: list[Outcome]) -> Plan:
        """What a checked batch writes, made ready without a query: keys, versions, the
        inserts and updates (on PostgreSQL as COPY text) of records, search rows and
        timeline events."""
        spec, now = self.spec, timezone.now()
        created = [o.record for o in outcomes if o.action == CREATE]
        updated = [o for o in outcomes if o.action == UPDATE]
        bulk.assign_ids(created)
        for outcome in updated:
            outcome.record.version = outcome.version + 1
            outcome.record.updated_at = now
        fields: set[str] = {"version", "updated_at"}
        for outcome in updated:
            fields.update(outcome.changed)
        if spec.matching_name is not None:
            fields.update(MATCHING_FIELDS)
        writes = [
            bulk.prepare(spec.model, created),
            bulk.prepare(spec.model, [o.record for o in updated], update=sorted(fields)),
        ]
        if not spec.search_needs_parents:
            searched = [*created, *(o.record for o in updated)]
            writes.append(bulk.prepare(SearchEntry, self.search_rows.entries(searched)))
        if spec.events:
            writes.append(bulk.prepare(RecordEvent, self._events(created, updated)))
        return Plan(rows, outcomes, created, updated, writes)

    def commit(self, plan: Plan) -> tuple[list[str], dict[str, Any]]:
        """Write a planned batch (inside the caller's transaction): the records it matched
        are locked and must still be as checked (else ``RecordsChanged``), then inserts,
        updates, the search index and the timeline. Returns what the undo needs."""
        spec = self.spec
        checked = {o.record.pk: o.version for o in plan.outcomes if o.action in (UPDATE, UNCHANGED)}
        if checked:
            stored = dict(
                spec.model._default_manager.filter(pk__in=checked)
                .select_for_update()
                .values_list("pk", "version")
            )
            if stored != checked:
                raise RecordsChanged()
        if plan.updated:  # their search rows are written anew with the batch's
            SearchEntry.objects.filter(
                kind=self.search_rows.kind_key(spec.model),
                object_id__in=[o.record.pk for o in plan.updated],
            ).delete()
        for rows in plan.writes:
            bulk.send(rows)
        previous = {
            str(outcome.record.pk): {"version": outcome.record.version, "fields": outcome.previous}
            for outcome in plan.updated
        }
        if spec.search_needs_parents:
            searched = [*plan.created, *(o.record for o in plan.updated)]
            self._attach_parents(searched)
            bulk.insert(SearchEntry, self.search_rows.entries(searched))
        search_index_children([o.record for o in plan.updated])
        return [str(record.pk) for record in plan.created], previous

    def _attach_parents(self, records: list[Any]) -> None:
        """Contacts show their account or prospect in the search: read them at once."""
        for name, model in (("account", Account), ("prospect", Prospect)):
            ids = {getattr(r, f"{name}_id") for r in records} - {None}
            found = model._default_manager.in_bulk(ids) if ids else {}
            for record in records:
                parent_id = getattr(record, f"{name}_id")
                if parent_id is not None:
                    setattr(record, name, found[parent_id])

    def _events(self, created: list[Any], updated: list[Outcome]) -> list[Any]:
        parent = "prospect_id" if self.spec.model is Prospect else "account_id"
        data = {"import_id": str(self.run.pk)}
        base = {
            "id": None,
            "organization_id": self.org.pk,
            "created_by_id": self.user.pk,
            "created_at": None,
            "updated_at": None,
            "version": 1,
            "prospect_id": None,
            "account_id": None,
            "offer_id": None,
        }
        events = [
            bulk.new(
                RecordEvent, {**base, "kind": EventKind.CREATED, "data": data, parent: record.pk}
            )
            for record in created
        ]
        events += [
            bulk.new(
                RecordEvent,
                {
                    **base,
                    "kind": EventKind.UPDATED,
                    "data": {**data, "fields": outcome.changed},
                    parent: outcome.record.pk,
                },
            )
            for outcome in updated
        ]
        bulk.assign_ids(events)
        return events

    def rejected_rows(self, outcomes: list[Outcome]) -> list[ImportRejectedRow]:
        return [
            ImportRejectedRow(run=self.run, row_number=o.line, values=o.cells, errors=o.issues)
            for o in outcomes
            if o.action == REJECT
        ]


def _has_field(record: Any, name: str) -> bool:
    try:
        record._meta.get_field(name)
    except Exception:  # FieldDoesNotExist
        return False
    return True


def write_batch(importer: Importer, rows: list[tuple[int, int, list[str]]]) -> Counts:
    """Check (records locked) and write one batch, in the caller's transaction."""
    return commit_batch(importer, importer.plan(rows, importer.check(rows, lock=True)))


def commit_batch(importer: Importer, plan: Plan) -> Counts:
    """Write a planned batch (in the caller's transaction); record it for the undo."""
    counts = Counts()
    counts.add(plan.outcomes)
    created_ids, previous = importer.commit(plan)
    ImportBatch.objects.create(
        run=importer.run,
        first_row=plan.rows[0][0],
        last_row=plan.rows[-1][0],
        created_ids=created_ids,
        previous=json.loads(json.dumps(previous)),
    )
    ImportRejectedRow.objects.bulk_create(importer.rejected_rows(plan.outcomes), batch_size=500)
    return counts


def planned_batches(importer: Importer, size: int, start: int = 0) -> Iterator[Plan]:
    """The batches from ``start``, each checked and planned while the one before it is
    being written: this thread reads (the file, the matched records) and writes; a second
    one checks and plans, which is pure computation, so the database's work on a batch
    and Python's on the next overlap. The matched records are read without a lock, so
    ``Importer.commit`` refuses a batch whose records changed since (``RecordsChanged``).
    """
    importer.preload()
    language, zone = translation.get_language(), timezone.get_current_timezone()

    def checked_and_planned(rows: list[tuple[int, int, list[str]]], parsed: Parsed, current):
        with translation.override(language), timezone.override(zone):
            return importer.plan(rows, importer.check_parsed(parsed, current))

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-check") as checker:
        try:
            ready: Plan | None = None
            for rows in importer.batches(size, start):
                parsed = importer.parse(rows)
                current = importer.current(parsed, lock=False)
                planning = checker.submit(checked_and_planned, rows, parsed, current)
                if ready is not None:
                    yield ready  # written by the caller while the next batch is planned
                ready = planning.result()
            if ready is not None:
                yield ready
        finally:
            # a table CHECK is evaluated by the database (products): the checking thread's
            # own connection, if it opened one, goes with it
            checker.submit(connections.close_all)


def dry_run(
    importer: Importer, batch_size: int, on_batch: Callable[[int], None] | None = None
) -> tuple[Counts, list[ImportRejectedRow]]:
    """Every row checked, nothing written; ``on_batch`` hears how many rows are checked."""
    counts = Counts()
    rejected: list[ImportRejectedRow] = []
    for rows in importer.batches(batch_size):
        outcomes = importer.check(rows, lock=False)
        counts.add(outcomes)
        rejected.extend(importer.rejected_rows(outcomes))
        if on_batch is not None:
            on_batch(counts.total)
    return counts, rejected


def store_rejected(run: ImportRun, rejected: list[ImportRejectedRow]) -> None:
    with transaction.atomic():
        ImportRejectedRow.objects.filter(run=run).delete()
        ImportRejectedRow.objects.bulk_create(rejected, batch_size=1000)
