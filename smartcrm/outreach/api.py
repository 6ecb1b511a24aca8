"""REST API of outreach: e-mail an offer to its client, and manage the client's link."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from pydantic import Field

from smartcrm.api.concurrency import if_match_version, set_etag
from smartcrm.api.endpoints import actor_in, no_content
from smartcrm.api.schemas import InputSchema, errors_for
from smartcrm.core.errors import NotFound
from smartcrm.core.selectors import tenant_get
from smartcrm.outreach import selectors, services
from smartcrm.outreach.choices import LinkDecision
from smartcrm.sales.api import OfferDetailOut, OfferOut
from smartcrm.sales.models import Offer

router = Router(tags=["outreach"])

READ_ERRORS = errors_for(400, 401, 404, 429)
WRITE_ERRORS = errors_for(400, 401, 403, 404, 409, 412, 415, 422, 429)


class SendIn(InputSchema):
    contact_ids: list[uuid.UUID] = Field(
        description="Contacts of the offer's account, each with an e-mail address"
    )
    subject: str | None = Field(
        None, max_length=200, description="Defaults to the template in the offer's language"
    )
    body: str | None = Field(
        None,
        description="Defaults to the template in the offer's language. `{link}` is replaced "
        "by the client's link; without it, the link is added at the end.",
    )


class LinkOut(Schema):
    url: str = Field(description="The client's page; shown once, only its hash is kept")
    expires_at: dt.datetime


class SentEmailOut(Schema):
    subject: str
    to: list[str]
    cc: list[str]
    activity_id: uuid.UUID | None = Field(description="The e-mail activity logged on the offer")


class OfferSentOut(OfferDetailOut):
    link: LinkOut
    email: SentEmailOut


class EmailDraftOut(Schema):
    subject: str
    body: str = Field(description="`{link}` stands for the client link made when sending")


class LinkStateOut(Schema):
    expires_at: dt.datetime
    created_at: dt.datetime
    decision: LinkDecision | None = Field(description="accepted, declined, or null")
    decided_at: dt.datetime | None
    decided_by_name: str
    decision_note: str = Field(description="The client's note (accepted) or reason (declined)")
    expired: bool


def _offer_detail(offer: Offer) -> dict[str, Any]:
    lines = list(offer.lines.order_by("position", "created_at"))
    contact_ids = list(
        offer.offer_contacts.order_by("created_at").values_list("contact_id", flat=True)
    )
    return {**OfferOut.from_orm(offer).model_dump(), "lines": lines, "contact_ids": contact_ids}


@router.get(
    "/offers/{offer_id}/email-draft",
    response={200: EmailDraftOut, **READ_ERRORS},
    summary="The e-mail an offer would be sent with",
    description="Subject and message from the templates, in the offer's language, to edit "
    "before POST /offers/{offer_id}/send.",
)
def get_email_draft(request: HttpRequest, offer_id: uuid.UUID) -> Any:
    actor = actor_in(request)
    return services.offer_email_draft(org=actor.org, user=actor.user, offer_id=offer_id)


@router.post(
    "/offers/{offer_id}/send",
    response={200: OfferSentOut, **WRITE_ERRORS},
    summary="E-mail an offer to the client",
    description="To the chosen contacts (the owner in CC), with the PDF attached and a new "
    "client link (the previous one stops working). A draft becomes `sent`; an `email` activity "
    "is logged. If the mail server refuses, the answer is a 409 `email_failed` and nothing "
    "changed. If-Match applies to the offer.",
)
def send_offer(
    request: HttpRequest, response: HttpResponse, offer_id: uuid.UUID, payload: SendIn
) -> Any:
    actor = actor_in(request)
    result = services.offer_send(
        org=actor.org,
        user=actor.user,
        offer_id=offer_id,
        contact_ids=payload.contact_ids,
        subject=payload.subject,
        body=payload.body,
        version=if_match_version(request),
    )
    set_etag(response, result.offer.version)
    return {
        **_offer_detail(result.offer),
        "link": {"url": result.url, "expires_at": result.link.expires_at},
        "email": {
            "subject": result.subject,
            "to": result.recipients,
            "cc": result.cc,
            "activity_id": result.activity.pk if result.activity else None,
        },
    }


@router.get(
    "/offers/{offer_id}/link",
    response={200: LinkStateOut, **READ_ERRORS},
    summary="The offer's client link",
    description="Its expiry and the client's decision, if any (the URL itself is not kept). "
    "404 when the offer has no live link.",
)
def get_link(request: HttpRequest, offer_id: uuid.UUID) -> Any:
    actor = actor_in(request)
    offer = tenant_get(Offer, org=actor.org, record_id=offer_id)
    link = selectors.active_link_of(org=actor.org, offer=offer)
    if link is None:
        raise NotFound("This offer has no client link.", code="no_link")
    return {
        "expires_at": link.expires_at,
        "created_at": link.created_at,
        "decision": link.decision or None,
        "decided_at": link.decided_at,
        "decided_by_name": link.decided_by_name,
        "decision_note": link.decision_note,
        "expired": link.is_expired,
    }


@router.post(
    "/offers/{offer_id}/link",
    response={201: LinkOut, **WRITE_ERRORS},
    summary="Create or renew the client link",
    description="For a sent offer (or one in negotiation): a new link, valid "
    "SMARTCRM_OFFER_LINK_DAYS days; the previous one stops working. The URL is shown only "
    "here. If-Match applies to the offer.",
)
def create_link(request: HttpRequest, offer_id: uuid.UUID) -> Any:
    actor = actor_in(request)
    created = services.offer_link_create(
        org=actor.org, user=actor.user, offer_id=offer_id, version=if_match_version(request)
    )
    return Status(201, {"url": created.url, "expires_at": created.link.expires_at})


@router.delete(
    "/offers/{offer_id}/link",
    response={204: None, **WRITE_ERRORS},
    summary="Withdraw the client link",
    description="The client then sees a “withdrawn” page; 404 when there is no live link.",
)
def revoke_link(request: HttpRequest, offer_id: uuid.UUID) -> Any:
    actor = actor_in(request)
    services.offer_link_revoke(org=actor.org, user=actor.user, offer_id=offer_id)
    return no_content()
