"""Privacy (GDPR): export everything held about a person, and erase them.

A person is a contact, or a prospect of kind person. The export gathers the record's own
fields, what hangs on it (activities, notes, tasks), the offers it is on (as references),
its timeline and its audit log events. The erasure replaces the personal fields with a
placeholder ("Anonim #1a2b3c4d"), and so the account a person prospect was converted
into (its offers stay), rebuilds the search rows from the anonymised records, scrubs the
old names, e-mail and phone from timeline events, activities, notes, tasks and
the audit log, and keeps the business records (accounts, offers, their lines and totals).

This app sits above the domain apps it reads and rewrites (contacts, sales, activities,
notes, tasks, audit), as exports and dedupe do: putting it in ``contacts`` or ``sales``
would make one of them import the others.

The audit log is a hash chain (``smartcrm.audit.services``): the erased values are
rewritten in the sealed events too, and the erasure's own event lists each rewritten
sealed event with the hash of its redacted form, so ``smartcrm audit verify`` accepts the
redaction once that event is sealed in the chain, and still names any other change.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from smartcrm.activities.models import Activity
from smartcrm.audit.models import AuditEvent
from smartcrm.audit.services import audit_redact
from smartcrm.contacts.models import Contact, OfferContact
from smartcrm.core import writes
from smartcrm.core.audit import AuditAction, audit, jsonable
from smartcrm.core.choices import PartyKind, Role
from smartcrm.core.errors import NotFound, ValidationFailed
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Organization, User
from smartcrm.core.normalize import phone_e164
from smartcrm.core.permissions import membership_of, require_role
from smartcrm.core.search import search_index
from smartcrm.core.selectors import tenant_get
from smartcrm.dedupe.keys import set_matching_keys
from smartcrm.notes.models import Note
from smartcrm.sales.models import Account, Offer, Prospect, RecordEvent
from smartcrm.tasks.models import Task

PERSON_KINDS = ("contact", "prospect")
EXPORT_FORMAT = "smartcrm-personal-data/1"
# What an erased e-mail, phone or address becomes inside free text.
ERASED_TEXT = "***"
ANONYMOUS_FIRST_NAME = "Anonim"

# The fields of each kind that hold personal data, and what they become.
CONTACT_PERSONAL = ("first_name", "last_name", "email", "phone", "job_title")
# The identity fields of an account made from a person prospect, emptied with it.
ACCOUNT_PERSONAL = (
    "email",
    "phone",
    "address",
    "postal_code",
    "locality",
    "website",
    "cui",
    "trade_register",
    "description",
)
PROSPECT_PERSONAL = ("first_name", "last_name", *ACCOUNT_PERSONAL)
# Free text of the records that hang on a person, scrubbed of their names.
TEXT_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    Activity: ("subject", "description", "location", "outcome"),
    Note: ("body",),
    Task: ("title", "description"),
}

Person = Contact | Prospect


def _person(org: Organization, kind: str, record_id: RecordId, *, for_update: bool) -> Person:
    """The organisation's contact, or person prospect, with this id (else not found)."""
    queryset: models.QuerySet[Any]
    if kind == "contact":
        queryset, label = Contact.objects.for_org(org), _("Contact")
    elif kind == "prospect":
        queryset, label = Prospect.objects.for_org(org), _("Prospect")
    else:
        raise NotFound(_("Record not found."), code="not_found")
    record: Person = (
        writes.lock(queryset, record_id, label=label)
        if for_update
        else tenant_get(queryset, org=org, record_id=record_id)
    )
    if isinstance(record, Prospect) and record.kind != PartyKind.PERSON:
        raise ValidationFailed(
            _("This prospect is a company, not a person: it holds no personal data to erase."),
            field="kind",
            code="not_a_person",
        )
    return record


# --- export --------------------------------------------------------------------------------


def _values(row: models.Model, names: Iterable[str] | None = None) -> dict[str, Any]:
    """A row's fields as JSON values (a foreign key as ``<name>_id``), keys sorted."""
    fields = [
        model_field
        for model_field in row._meta.concrete_fields
        if names is None or model_field.name in names or model_field.name == "id"
    ]
    values = {
        model_field.attname: jsonable(getattr(row, model_field.attname))
        for model_field in fields
        if model_field.name != "organization"
    }
    return dict(sorted(values.items()))


def _all_rows(model: type[models.Model], org: Organization) -> models.QuerySet[Any]:
    """The organisation's rows, live and trashed: a restore must not bring an erased name
    back."""
    manager: Any = model._default_manager
    rows = manager.with_trashed() if hasattr(manager, "with_trashed") else manager.all()
    return rows.filter(organization=org)


def _attached(model: type[models.Model], org: Organization, record: Person) -> models.QuerySet[Any]:
    """The activities, notes or tasks about the person: a contact takes part in activities;
    a prospect's hang on it, or on the person account it was converted into (they moved)."""
    rows = _all_rows(model, org)
    if isinstance(record, Contact):
        return rows.filter(participants=record).distinct() if model is Activity else rows.none()
    attached = Q(prospect=record)
    if record.converted_account_id is not None:
        attached |= Q(
            account_id=record.converted_account_id,
            account__kind=PartyKind.PERSON,
            account__source_prospect=record,
        )
    return rows.filter(attached)


def _offers(org: Organization, record: Person) -> models.QuerySet[Offer]:
    offers = Offer.objects.for_org(org)
    if isinstance(record, Contact):
        return offers.filter(
            pk__in=OfferContact.objects.for_org(org).filter(contact=record).values("offer_id")
        )
    if record.converted_account_id is None:
        return offers.none()
    return offers.filter(account_id=record.converted_account_id)


def _timeline(org: Organization, record: Person) -> models.QuerySet[RecordEvent]:
    """The timeline events about the person: a prospect's own, and any event naming the
    record's id (an offer's contacts changed, an account created from the prospect)."""
    mentions = Q(data__icontains=str(record.pk))
    if isinstance(record, Prospect):
        mentions |= Q(prospect=record)
    return RecordEvent.objects.for_org(org).filter(mentions)


def _audit_events(org: Organization, kind: str, record: Person) -> models.QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(organization=org, record_kind=kind, record_id=record.pk)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@transaction.atomic
def person_export(
    *, org: Organization, user: User, kind: str, record_id: RecordId
) -> dict[str, Any]:
    """Everything the organisation holds about a person, as JSON values; the export is
    recorded in the audit log (any member who may see the record may take it)."""
    membership_of(org, user)
    record = _person(org, kind, record_id, for_update=False)
    activities = _attached(Activity, org, record).order_by("start_at", "id")
    notes = _attached(Note, org, record)
    tasks = _attached(Task, org, record)
    export = {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now().isoformat(),
        "organization": {"id": str(org.pk), "name": org.name},
        "kind": kind,
        "id": str(record.pk),
        "record": _values(record),
        "activities": [
            {**_values(activity), "participant_ids": sorted(str(pk) for pk in participant_ids)}
            for activity in activities.prefetch_related("participants")
            for participant_ids in [[contact.pk for contact in activity.participants.all()]]
        ],
        "notes": [_values(note) for note in notes.order_by("created_at", "id")],
        "tasks": [_values(task) for task in tasks.order_by("created_at", "id")],
        "offers": [
            {"id": str(offer.pk), "number": offer.number, "title": offer.title}
            for offer in _offers(org, record).order_by("number")
        ],
        "timeline": [
            {
                "id": str(event.pk),
                "at": _iso(event.created_at),
                "kind": event.kind,
                "record": "prospect"
                if event.prospect_id
                else "account"
                if event.account_id
                else "offer",
                "record_id": str(event.prospect_id or event.account_id or event.offer_id),
                "data": event.data,
            }
            for event in _timeline(org, record).order_by("created_at", "id")
        ],
        "audit_events": [
            {
                "id": str(event.pk),
                "at": _iso(event.occurred_at),
                "action": event.action,
                "actor": event.actor_email,
                "via": event.via,
                "label": event.record_label,
                "changes": event.changes,
                "data": event.data,
            }
            for event in _audit_events(org, kind, record).order_by("id")
        ],
    }
    audit(org=org, user=user, action=AuditAction.PERSONAL_DATA_EXPORTED, record=record)
    return export


# --- erasure -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scrubber:
    """Replaces a person's old values in text: their names by the placeholder name, their
    e-mail, phone and address by ERASED_TEXT, whole words only, whatever the case."""

    names: Sequence[str]
    others: Sequence[str]
    replacement: str

    def needles(self) -> list[str]:
        return [*self.names, *self.others]

    def _pattern(self) -> re.Pattern[str] | None:
        needles = sorted({n for n in self.needles() if n}, key=len, reverse=True)
        if not needles:
            return None
        alternatives = "|".join(re.escape(needle) for needle in needles)
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)

    def text(self, value: str) -> str:
        pattern = self._pattern()
        if pattern is None or not value:
            return value
        names = {name.casefold() for name in self.names}

        def replace(match: re.Match[str]) -> str:
            return self.replacement if match.group(0).casefold() in names else ERASED_TEXT

        return pattern.sub(replace, value)

    def value(self, value: Any) -> Any:
        """A JSON value with every text in it scrubbed."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {key: self.value(item) for key, item in value.items()}
        return value


def _name_forms(first: str, last: str) -> list[str]:
    return [form for form in {f"{first} {last}".strip(), f"{last} {first}".strip()} if form]


def _scrubbers(record: Person, placeholder: str) -> tuple[Scrubber, Scrubber]:
    """Two scrubbers: for text anywhere in the organisation (the full name, the e-mail, the
    phone), and for text about the person themselves (also the first and last name alone,
    the address)."""
    names = _name_forms(record.first_name, record.last_name)
    others = [record.email, record.phone, phone_e164(record.phone)]
    others = [other for other in others if other]
    anywhere = Scrubber(names=names, others=others, replacement=placeholder)
    own_names = [*names, *(name for name in (record.first_name, record.last_name) if len(name) > 2)]
    own_others = list(others)
    if isinstance(record, Prospect):
        own_others += [part for part in (record.address, record.website) if part]
    return anywhere, Scrubber(names=own_names, others=own_others, replacement=placeholder)


def _containing(fields: Iterable[str], needles: Iterable[str], *, json: bool = False) -> Q:
    """Rows whose fields contain any needle (a JSON field: also as JSON escapes it, which is
    how SQLite stores non-ASCII letters)."""
    forms: set[str] = set()
    for needle in needles:
        if needle:
            forms.add(needle)
            if json:
                forms.add(_json_escaped(needle))
    conditions = [Q(**{f"{name}__icontains": form}) for name in fields for form in forms]
    return reduce(or_, conditions, Q(pk__in=[]))


def _json_escaped(text: str) -> str:
    return json.dumps(text)[1:-1]


def _anonymise(record: Person, placeholder_last: str) -> None:
    """The record's personal fields replaced by the placeholder, or emptied."""
    personal = CONTACT_PERSONAL if isinstance(record, Contact) else PROSPECT_PERSONAL
    for name in personal:
        setattr(record, name, "")
    record.first_name = ANONYMOUS_FIRST_NAME
    record.last_name = placeholder_last
    if isinstance(record, Prospect):
        record.vat_payer = False
    set_matching_keys(record, name=f"{record.first_name} {record.last_name}")


def _person_account(org: Organization, record: Person) -> Account | None:
    """The account a person prospect was converted into (not one it was merged into): it
    carries the person's name and details, so it is anonymised with them; its offers stay."""
    if not isinstance(record, Prospect) or record.converted_account_id is None:
        return None
    account = writes.lock(_all_rows(Account, org), record.converted_account_id)
    if account.kind != PartyKind.PERSON or account.source_prospect_id != record.pk:
        return None
    return account


def _anonymise_account(account: Account, placeholder: str) -> None:
    for name in ACCOUNT_PERSONAL:
        setattr(account, name, "")
    account.name = placeholder
    account.vat_payer = False
    set_matching_keys(account, name=placeholder)
    writes.save(account)
    if getattr(account, "trash_id", None) is None:
        search_index(account)  # and its offers, which show its name


def _scrub_rows(
    queryset: models.QuerySet[Any], fields: Sequence[str], scrub: Callable[[Any], Any]
) -> list[Any]:
    """Rewrite ``fields`` of each row through ``scrub``; the rows that changed."""
    changed = []
    for row in queryset:
        updates = {}
        for name in fields:
            value = getattr(row, name)
            new = scrub(value)
            if new != value:
                updates[name] = new
                setattr(row, name, new)
        if updates:
            type(row)._base_manager.filter(pk=row.pk).update(**updates, version=F("version") + 1)
            changed.append(row)
    return changed


def _reindex(rows: Iterable[models.Model]) -> None:
    for row in rows:
        if getattr(row, "trash_id", None) is not None:
            continue  # in the trash: out of the search until restored
        try:
            search_index(row, changed=())
        except LookupError:  # a kind the search does not index
            return


@transaction.atomic
def person_erase(*, org: Organization, user: User, kind: str, record_id: RecordId) -> Person:
    """Erase a person (administrators and owners: a compliance act): their personal fields
    anonymised, the search rows rebuilt, the old values scrubbed from timeline events,
    activities, notes, tasks and the audit log; business records stay. Recorded in the
    audit log with the sealed events it redacted."""
    require_role(org, user, Role.ADMIN)
    record = _person(org, kind, record_id, for_update=True)
    placeholder_last = "#" + record.pk.hex[-8:]
    placeholder = f"{ANONYMOUS_FIRST_NAME} {placeholder_last}"
    anywhere, own = _scrubbers(record, placeholder)

    # The record and its search rows (a prospect's contacts show its name: rewritten too).
    before = {name: getattr(record, name) for name in ("first_name", "last_name")}
    _anonymise(record, placeholder_last)
    if isinstance(record, Prospect):
        record.company_name = own.text(record.company_name)
        record.disqualify_reason = own.text(record.disqualify_reason)
    writes.save(record)
    search_index(record)
    about_them: list[Any] = []  # their ids: these records' own audit events name them too
    account = _person_account(org, record)
    if account is not None:
        _anonymise_account(account, placeholder)
        about_them.append(account.pk)

    # Timeline events: the person's own, and any other that names them.
    own_events = _timeline(org, record)
    timeline = _scrub_rows(own_events, ["data"], own.value)
    timeline += _scrub_rows(
        RecordEvent.objects.for_org(org)
        .exclude(pk__in=own_events.values("pk"))
        .filter(_containing(["data"], anywhere.needles(), json=True)),
        ["data"],
        anywhere.value,
    )

    # Activities, notes, tasks: those about the person, and any other text naming them.
    texts = 0
    for model, fields in TEXT_FIELDS.items():
        rows = _all_rows(model, org)
        mine = _attached(model, org, record)
        about_them += list(mine.values_list("pk", flat=True))
        changed = _scrub_rows(mine, fields, own.text)
        changed += _scrub_rows(
            rows.exclude(pk__in=mine.values("pk")).filter(_containing(fields, anywhere.needles())),
            fields,
            anywhere.text,
        )
        _reindex(changed)
        texts += len(changed)

    # The audit log: the person's own events lose their personal values; any other event
    # naming them is scrubbed like any text.
    personal = CONTACT_PERSONAL if kind == "contact" else PROSPECT_PERSONAL

    def scrub_own(event: AuditEvent) -> bool:
        original = (event.record_label, event.changes, event.data)
        event.record_label = placeholder
        if isinstance(event.changes, dict):
            event.changes = {
                name: [ERASED_TEXT if value else value for value in pair]
                if name in personal and isinstance(pair, list)
                else own.value(pair)
                for name, pair in event.changes.items()
            }
        event.data = own.value(event.data)
        return (event.record_label, event.changes, event.data) != original

    def scrub_with(scrubber: Scrubber) -> Callable[[AuditEvent], bool]:
        def scrub(event: AuditEvent) -> bool:
            original = (event.record_label, event.changes, event.data)
            event.record_label = scrubber.text(event.record_label)
            event.changes = scrubber.value(event.changes)
            event.data = scrubber.value(event.data)
            return (event.record_label, event.changes, event.data) != original

        return scrub

    own_audit = _audit_events(org, kind, record)
    redacted = audit_redact(org=org, events=own_audit.order_by("id"), scrub=scrub_own)
    related = AuditEvent.objects.filter(organization=org, record_id__in=about_them)
    redacted |= audit_redact(org=org, events=related.order_by("id"), scrub=scrub_with(own))
    others = (
        AuditEvent.objects.filter(organization=org)
        .exclude(pk__in=own_audit.values("pk"))
        .exclude(record_id__in=about_them)
        .filter(
            _containing(["record_label"], anywhere.needles())
            | _containing(["changes", "data"], anywhere.needles(), json=True)
        )
        .order_by("id")
    )
    redacted |= audit_redact(org=org, events=others, scrub=scrub_with(anywhere))

    audit(
        org=org,
        user=user,
        action=AuditAction.ERASED,
        record=record,
        label=placeholder,
        changes={
            name: [ERASED_TEXT if value else "", getattr(record, name)]
            for name, value in before.items()
        },
        redacted=redacted,
        timeline_events=len(timeline),
        texts=texts,
    )
    return record
