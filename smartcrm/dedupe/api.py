"""REST API of duplicates: duplicate groups, a record's likely duplicates, merge.

Mounted before the sales and contacts routers, so /prospects/merge and
/prospects/duplicates are not taken for /prospects/{prospect_id}.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from smartcrm.api.concurrency import if_match_version, set_etag
from smartcrm.api.endpoints import actor_in
from smartcrm.api.pagination import reject_unknown_params
from smartcrm.api.problems import PROBLEM_MEMBERS
from smartcrm.api.schemas import InputSchema, errors_for
from smartcrm.contacts.api import ContactOut
from smartcrm.dedupe import selectors, services
from smartcrm.dedupe.selectors import MAX_GROUPS, Candidate, PossibleDuplicate
from smartcrm.sales.api import AccountOut, ProspectOut

router = Router(tags=["duplicates"])

READ_ERRORS = errors_for(400, 401, 404, 429)
WRITE_ERRORS = errors_for(400, 401, 403, 404, 409, 412, 415, 422, 429)


class DuplicateRecordOut(Schema):
    id: uuid.UUID
    name: str
    email: str
    phone: str
    cui: str = Field("", description="Prospects and accounts")
    owner_id: uuid.UUID | None = None
    prospect_id: uuid.UUID | None = Field(None, description="Contacts: their prospect")
    account_id: uuid.UUID | None = Field(None, description="Contacts: their account")
    version: int
    created_at: dt.datetime


class CandidateOut(DuplicateRecordOut):
    matched: list[str] = Field(description="email, phone, cui, name or similar_name")
    name_similarity: float = Field(description="Trigram similarity of the names, 0 to 1")


class DuplicateGroupOut(Schema):
    key: str = Field(description="The id of the group's oldest record")
    matched: list[str] = Field(description="What the records share: email, phone, cui, name")
    records: list[DuplicateRecordOut]


class DuplicateGroupsOut(Schema):
    items: list[DuplicateGroupOut]


class CandidatesOut(Schema):
    items: list[CandidateOut]


class GroupParams(Schema):
    limit: int = Field(MAX_GROUPS, ge=1, le=MAX_GROUPS, description="Groups, largest first")


class MergeIn(InputSchema):
    survivor_id: uuid.UUID = Field(description="The record that stays")
    merged_ids: list[uuid.UUID] = Field(description="The records merged into it, then deleted")
    keep: dict[str, uuid.UUID] = Field(
        {},
        description="Per field, the id of the record (survivor or merged) whose value to keep; "
        "fields not named keep the survivor's value",
    )
    versions: dict[uuid.UUID, int] = Field(
        {},
        description="Optional, per record id, the version the caller's choice was made on; a "
        "record changed since is refused (412) and nothing is merged",
    )


class MergeOutBase(Schema):
    merged: list[dict[str, str]] = Field(description="Id and name of each merged record")
    moved: dict[str, int] = Field(description="Rows moved to the survivor, per kind")
    kept: dict[str, str] = Field(description="Per field, the record whose value was kept")


class ProspectMergeOut(MergeOutBase):
    survivor: ProspectOut


class AccountMergeOut(MergeOutBase):
    survivor: AccountOut


class ContactMergeOut(MergeOutBase):
    survivor: ContactOut


def record_out(record: Any) -> dict[str, Any]:
    return {
        "id": record.pk,
        "name": str(record),
        "email": record.email,
        "phone": record.phone,
        "cui": getattr(record, "cui", ""),
        "owner_id": getattr(record, "owner_id", None),
        "prospect_id": getattr(record, "prospect_id", None),
        "account_id": getattr(record, "account_id", None),
        "version": record.version,
        "created_at": record.created_at,
    }


def candidate_out(candidate: Candidate) -> dict[str, Any]:
    return {
        **record_out(candidate.record),
        "matched": list(candidate.matched),
        "name_similarity": round(candidate.name_similarity, 3),
    }


def duplicate_members(error: PossibleDuplicate) -> dict[str, Any]:
    """What the 409 of a create that looks like existing records adds: the candidates."""
    return {
        "duplicates": [candidate_out(candidate) for candidate in error.candidates],
        # Look-alikes outside the caller's view scope: whose they are, nothing of them.
        "owned_by_others": error.owners_of_others,
    }


PROBLEM_MEMBERS[PossibleDuplicate] = duplicate_members


def _groups(request: HttpRequest, kind: str, params: GroupParams) -> dict[str, Any]:
    reject_unknown_params(request, ("limit",))
    actor = actor_in(request)
    groups = selectors.duplicate_groups(
        org=actor.org, kind=kind, limit=params.limit, member=actor.membership
    )
    return {
        "items": [
            {
                "key": group.key,
                "matched": group.matched,
                "records": [record_out(r) for r in group.records],
            }
            for group in groups
        ]
    }


def _candidates(request: HttpRequest, kind: str, record_id: uuid.UUID) -> dict[str, Any]:
    reject_unknown_params(request, ())
    actor = actor_in(request)
    candidates = selectors.record_duplicates(
        org=actor.org, kind=kind, record_id=record_id, member=actor.membership
    )
    return {"items": [candidate_out(candidate) for candidate in candidates]}


def _merge(request: HttpRequest, response: HttpResponse, kind: str, payload: MergeIn) -> Any:
    actor = actor_in(request)
    merge = services.records_merge(
        org=actor.org,
        user=actor.user,
        kind=kind,
        survivor_id=payload.survivor_id,
        merged_ids=payload.merged_ids,
        keep=payload.keep,
        version=if_match_version(request),
        versions={str(record_id): version for record_id, version in payload.versions.items()},
    )
    set_etag(response, merge.survivor.version)
    return merge


MERGE_DESCRIPTION = (
    "One transaction: the survivor takes, per field named in `keep`, the value of the record "
    "given; every contact, activity, note, task, offer and offer contact of the merged records "
    "moves to it; the merged records are deleted; the merge is on the survivor's timeline. "
    "If-Match applies to the survivor. A record of another organisation is a 404."
)


@router.get(
    "/prospects/duplicates",
    response={200: DuplicateGroupsOut, **READ_ERRORS},
    summary="Duplicate prospects",
    description="Groups of open prospects sharing an e-mail, phone, CUI or name (folded: case, "
    "diacritics, punctuation, legal form and word order do not count). Largest groups first.",
)
def prospect_duplicate_groups(request: HttpRequest, params: Query[GroupParams]) -> Any:
    return _groups(request, "prospect", params)


@router.post(
    "/prospects/merge",
    response={200: ProspectMergeOut, **WRITE_ERRORS},
    summary="Merge prospects",
    description=MERGE_DESCRIPTION + " Converted prospects are not merged (409).",
)
def merge_prospects(request: HttpRequest, response: HttpResponse, payload: MergeIn) -> Any:
    return _merge(request, response, "prospect", payload)


@router.get(
    "/accounts/duplicates",
    response={200: DuplicateGroupsOut, **READ_ERRORS},
    summary="Duplicate accounts",
    description="Groups of accounts sharing an e-mail, phone, CUI or folded name.",
)
def account_duplicate_groups(request: HttpRequest, params: Query[GroupParams]) -> Any:
    return _groups(request, "account", params)


@router.post(
    "/accounts/merge",
    response={200: AccountMergeOut, **WRITE_ERRORS},
    summary="Merge accounts",
    description=MERGE_DESCRIPTION,
)
def merge_accounts(request: HttpRequest, response: HttpResponse, payload: MergeIn) -> Any:
    return _merge(request, response, "account", payload)


@router.get(
    "/contacts/duplicates",
    response={200: DuplicateGroupsOut, **READ_ERRORS},
    summary="Duplicate contacts",
    description="Groups of contacts of the same prospect or account sharing an e-mail, phone "
    "or folded name.",
)
def contact_duplicate_groups(request: HttpRequest, params: Query[GroupParams]) -> Any:
    return _groups(request, "contact", params)


@router.post(
    "/contacts/merge",
    response={200: ContactMergeOut, **WRITE_ERRORS},
    summary="Merge contacts",
    description="Contacts of the same prospect or account. " + MERGE_DESCRIPTION,
)
def merge_contacts(request: HttpRequest, response: HttpResponse, payload: MergeIn) -> Any:
    return _merge(request, response, "contact", payload)


@router.get(
    "/prospects/{prospect_id}/duplicates",
    response={200: CandidatesOut, **READ_ERRORS},
    summary="A prospect's likely duplicates",
    description="Same e-mail, phone, CUI or name, or a very similar name; best matches first.",
)
def prospect_duplicates(request: HttpRequest, prospect_id: uuid.UUID) -> Any:
    return _candidates(request, "prospect", prospect_id)


@router.get(
    "/accounts/{account_id}/duplicates",
    response={200: CandidatesOut, **READ_ERRORS},
    summary="An account's likely duplicates",
    description="Same e-mail, phone, CUI or name, or a very similar name; best matches first.",
)
def account_duplicates(request: HttpRequest, account_id: uuid.UUID) -> Any:
    return _candidates(request, "account", account_id)


@router.get(
    "/contacts/{contact_id}/duplicates",
    response={200: CandidatesOut, **READ_ERRORS},
    summary="A contact's likely duplicates",
    description="Same e-mail or phone in the organisation, or the same or a very similar name "
    "at the same prospect or account.",
)
def contact_duplicates(request: HttpRequest, contact_id: uuid.UUID) -> Any:
    return _candidates(request, "contact", contact_id)
