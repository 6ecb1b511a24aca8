"""REST API of privacy: a person's data exported, and the person erased (GDPR)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from smartcrm.api.endpoints import actor_in
from smartcrm.api.schemas import errors_for
from smartcrm.contacts.api import ContactOut
from smartcrm.privacy import services
from smartcrm.sales.api import ProspectOut

router = Router(tags=["privacy"])

READ_ERRORS = errors_for(400, 401, 404, 422, 429)
WRITE_ERRORS = errors_for(400, 401, 403, 404, 422, 429)

EXPORT_DESCRIPTION = (
    "Everything the organisation holds about the person, as one JSON document: the record's "
    "own fields, {attached}, the offers they are on (number and title), their timeline "
    "events and their audit log events. Any member who may see the record may take it; the "
    "export is recorded in the audit log."
)
ERASE_DESCRIPTION = (
    "Administrators and owners only (403 otherwise). In one transaction: the personal "
    "fields become a placeholder (first name `Anonim`, last name `#` and 8 characters of the "
    "id; e-mail, phone{extra} emptied), the search finds the person no more, and the old "
    "names, e-mail and phone are scrubbed from timeline events, activities, notes, tasks "
    "and the audit log (each sealed audit event rewritten is listed, with its new hash, in "
    "the erasure's own audit event, which `smartcrm audit verify` checks). Offers, their "
    "lines and totals, and accounts stay. Answers the anonymised record."
)


class PersonalDataOut(Schema):
    format: str = Field(description="`smartcrm-personal-data/1`")
    exported_at: dt.datetime
    organization: dict[str, Any]
    kind: str = Field(description="`contact` or `prospect`")
    id: uuid.UUID
    record: dict[str, Any] = Field(description="The record's fields, dates in ISO 8601")
    activities: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    tasks: list[dict[str, Any]]
    offers: list[dict[str, Any]] = Field(description="References: id, number, title")
    timeline: list[dict[str, Any]]
    audit_events: list[dict[str, Any]]


@router.get(
    "/contacts/{contact_id}/personal-data",
    response={200: PersonalDataOut, **READ_ERRORS},
    summary="Export a contact's personal data",
    description=EXPORT_DESCRIPTION.format(attached="the activities they take part in"),
)
def contact_personal_data(request: HttpRequest, contact_id: uuid.UUID) -> Any:
    actor = actor_in(request)
    return services.person_export(
        org=actor.org, user=actor.user, kind="contact", record_id=contact_id
    )


@router.post(
    "/contacts/{contact_id}/erase",
    response={200: ContactOut, **WRITE_ERRORS},
    summary="Erase a contact's personal data",
    description=ERASE_DESCRIPTION.format(extra=", job title"),
)
def contact_erase(request: HttpRequest, contact_id: uuid.UUID) -> Any:
    actor = actor_in(request)
    return services.person_erase(
        org=actor.org, user=actor.user, kind="contact", record_id=contact_id
    )


@router.get(
    "/prospects/{prospect_id}/personal-data",
    response={200: PersonalDataOut, **READ_ERRORS},
    summary="Export a person prospect's personal data",
    description=EXPORT_DESCRIPTION.format(attached="its activities, notes and tasks")
    + " A prospect that is a company is refused (422, field `kind`).",
)
def prospect_personal_data(request: HttpRequest, prospect_id: uuid.UUID) -> Any:
    actor = actor_in(request)
    return services.person_export(
        org=actor.org, user=actor.user, kind="prospect", record_id=prospect_id
    )


@router.post(
    "/prospects/{prospect_id}/erase",
    response={200: ProspectOut, **WRITE_ERRORS},
    summary="Erase a person prospect's personal data",
    description=ERASE_DESCRIPTION.format(
        extra=", address, website, CUI, trade register no., description"
    )
    + " A prospect that is a company is refused (422, field `kind`).",
)
def prospect_erase(request: HttpRequest, prospect_id: uuid.UUID) -> Any:
    actor = actor_in(request)
    return services.person_erase(
        org=actor.org, user=actor.user, kind="prospect", record_id=prospect_id
    )
