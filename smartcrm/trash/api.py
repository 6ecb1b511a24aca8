"""REST API of the trash: what is in it, and restoring a record with what went with it.

``POST /api/v1/<records>/{id}/restore`` exists for every kind that goes to the trash
(prospects, accounts, offers, contacts, activities, notes, tasks, products): one operation
per kind, so each is documented, and joins the tenancy matrix, like any other route."""

from __future__ import annotations

import datetime as dt
import inspect
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from smartcrm.api.endpoints import actor_in, list_page
from smartcrm.api.pagination import PageParams
from smartcrm.api.schemas import Page, errors_for
from smartcrm.trash import services
from smartcrm.trash.filters import TRASH_ORDERINGS, TrashFilters
from smartcrm.trash.kinds import TrashableKind, trashable_kinds
from smartcrm.trash.models import TrashBatch
from smartcrm.trash.selectors import purge_on, trash_list

router = Router(tags=["trash"])


class TrashEntryOut(Schema):
    kind: str = Field(
        description="prospect, account, offer, contact, activity, note, task, product"
    )
    id: uuid.UUID = Field(description="The trashed record's id (restore it with this)")
    title: str
    children: dict[str, int] = Field(description="Rows deleted with it, by kind")
    owner_id: uuid.UUID | None
    deleted_by_id: uuid.UUID | None
    deleted_at: dt.datetime
    purge_at: dt.datetime = Field(description="When it is deleted for good")

    @staticmethod
    def resolve_id(batch: TrashBatch) -> uuid.UUID:
        return batch.object_id

    @staticmethod
    def resolve_purge_at(batch: TrashBatch) -> dt.datetime:
        return purge_on(batch)


@router.get(
    "/trash",
    response={200: Page[TrashEntryOut], **errors_for(400, 401, 429)},
    summary="List the trash",
    description="Deleted records that can still be restored, newest first: all of the "
    "organisation's for admins and owners, otherwise those the caller owned or deleted. "
    "Each is purged for good at `purge_at` (SMARTCRM_TRASH_DAYS after the delete).",
)
def list_trash(request: HttpRequest, filters: Query[TrashFilters], page: Query[PageParams]) -> Any:
    actor = actor_in(request)
    return list_page(
        request,
        trash_list(membership=actor.membership),
        filters=filters,
        page=page,
        orderings=TRASH_ORDERINGS,
        default="-deleted_at",
    )


class RestoredOut(Schema):
    kind: str
    id: uuid.UUID
    restored: dict[str, int] = Field(description="Rows brought back with it, by kind")


def _restore_operation(kind: TrashableKind) -> Any:
    """The restore handler of one kind, its id named as the kind's other routes name it."""
    id_name = f"{kind.key}_id"

    def restore(request: HttpRequest, **path: uuid.UUID) -> Any:
        actor = actor_in(request, kind.module)
        record, restored = services.trash_restore(
            org=actor.org, user=actor.user, kind=kind.key, record_id=path[id_name]
        )
        return {"kind": kind.key, "id": record.pk, "restored": restored}

    restore.__name__ = f"restore_{kind.key}"
    restore.__signature__ = inspect.Signature(  # type: ignore[attr-defined]  # read by ninja
        [
            inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD),
            inspect.Parameter(id_name, inspect.Parameter.KEYWORD_ONLY, annotation=uuid.UUID),
        ]
    )
    return restore


def _mount_restores() -> None:
    for kind in trashable_kinds():
        router.add_api_operation(
            f"/{kind.route}/{{{kind.key}_id}}/restore",
            ["POST"],
            _restore_operation(kind),
            response={200: RestoredOut, **errors_for(400, 401, 403, 404, 409, 429)},
            summary=f"Restore a {kind.key} from the trash",
            description=f"Brings the {kind.key} back with every row deleted with it and "
            "their links (its owner, who deleted it, or an admin). A restore that would "
            "collide with a live record (a product code taken since, a parent still in the "
            "trash) is a 409 naming the field, and restores nothing.",
            operation_id=f"restore_{kind.key}",
        )


_mount_restores()
