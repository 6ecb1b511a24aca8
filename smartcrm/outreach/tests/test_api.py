"""REST API of outreach: /offers/{id}/send, /offers/{id}/link, /offers/{id}/email-draft."""

from __future__ import annotations

import pytest
from django.test import Client

from smartcrm.activities.models import Activity
from smartcrm.api.tests.helpers import ApiClient
from smartcrm.outreach.models import OfferLink
from smartcrm.outreach.tests.conftest import LINE
from smartcrm.sales import services as sales
from smartcrm.sales.models import Offer
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory

PROBLEM = "application/problem+json"


@pytest.fixture
def api(org, owner) -> ApiClient:
    return ApiClient(org, owner)


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body: dict = response.json()
    return body


def test_send_answers_the_sent_offer_with_its_link(api, offer, buyer, smtp_inbox, settings):
    response = api.post(
        f"/api/v1/offers/{offer.pk}/send",
        {"contact_ids": [str(buyer.pk)]},
        **{"If-Match": f'"{offer.version}"'},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"]) == (str(offer.pk), "sent")
    assert body["sent_at"] is not None
    assert body["lines"][0]["name"] == LINE["name"]
    assert body["link"]["url"].startswith(f"{settings.SMARTCRM_PUBLIC_URL}/o/")
    assert body["email"]["to"] == ["stefan.muresan@carpati.ro"]
    assert body["email"]["cc"] == ["ana.popescu@example.ro"]
    assert body["email"]["activity_id"] == str(Activity.objects.get(offer=offer).pk)
    assert response["ETag"] == f'"{Offer.objects.get(pk=offer.pk).version}"'
    assert len(smtp_inbox.envelopes) == 1


def test_send_with_a_failing_smtp_server_is_a_409_and_changes_nothing(
    api, offer, buyer, smtp_refusing
):
    response = api.post(f"/api/v1/offers/{offer.pk}/send", {"contact_ids": [str(buyer.pk)]})

    problem = _problem(response, 409)
    assert problem["code"] == "email_failed"
    assert Offer.objects.get(pk=offer.pk).status == "draft"
    assert Activity.objects.count() == 0
    assert OfferLink.objects.count() == 0


def test_send_names_the_contacts_field(api, offer, smtp_inbox):
    response = api.post(f"/api/v1/offers/{offer.pk}/send", {"contact_ids": []})

    problem = _problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == ["contact_ids"]


def test_send_with_a_stale_version_is_a_412(api, offer, buyer, smtp_inbox):
    response = api.post(
        f"/api/v1/offers/{offer.pk}/send",
        {"contact_ids": [str(buyer.pk)]},
        **{"If-Match": f'"{offer.version + 5}"'},
    )

    _problem(response, 412)
    assert smtp_inbox.envelopes == []


def test_another_organisations_offer_is_not_found(api, buyer, other_org, other_owner, smtp_inbox):
    foreign_account = AccountFactory.create(org=other_org, user=other_owner)
    foreign = OfferFactory.create(
        org=other_org, user=other_owner, account_id=foreign_account.pk, lines=[LINE]
    )

    for method, path, body in [
        ("post", f"/api/v1/offers/{foreign.pk}/send", {"contact_ids": [str(buyer.pk)]}),
        ("post", f"/api/v1/offers/{foreign.pk}/link", None),
        ("get", f"/api/v1/offers/{foreign.pk}/link", None),
        ("delete", f"/api/v1/offers/{foreign.pk}/link", None),
        ("get", f"/api/v1/offers/{foreign.pk}/email-draft", None),
    ]:
        response = api.call(method.upper(), path, body if body is not None else None)
        assert response.status_code == 404, (method, path, response.content)
    assert smtp_inbox.envelopes == []
    assert Offer.objects.get(pk=foreign.pk).status == "draft"


def test_email_draft_shows_subject_and_body(api, offer):
    response = api.get(f"/api/v1/offers/{offer.pk}/email-draft")

    assert response.status_code == 200
    body = response.json()
    assert body["subject"].startswith(f"Oferta {offer.number}")
    assert "{link}" in body["body"]


def test_link_create_read_and_revoke(api, org, owner, offer, settings):
    sales.offer_change_status(org=org, user=owner, offer_id=offer.pk, status="sent")

    created = api.post(f"/api/v1/offers/{offer.pk}/link")
    assert created.status_code == 201, created.content
    url = created.json()["url"]
    state = api.get(f"/api/v1/offers/{offer.pk}/link").json()
    assert (state["decision"], state["expired"]) == (None, False)
    assert state["expires_at"] == created.json()["expires_at"]

    revoked = api.delete(f"/api/v1/offers/{offer.pk}/link")

    assert revoked.status_code == 204
    assert Client().get(url.removeprefix(settings.SMARTCRM_PUBLIC_URL)).status_code == 410
    assert _problem(api.get(f"/api/v1/offers/{offer.pk}/link"), 404)["code"] == "no_link"
    assert _problem(api.delete(f"/api/v1/offers/{offer.pk}/link"), 404)["code"] == "no_link"


def test_a_draft_offer_gets_no_link_409(api, offer):
    problem = _problem(api.post(f"/api/v1/offers/{offer.pk}/link"), 409)

    assert problem["code"] == "offer_not_sent"


def test_the_endpoints_need_a_token(client, offer):
    for method, path in [
        ("post", f"/api/v1/offers/{offer.pk}/send"),
        ("post", f"/api/v1/offers/{offer.pk}/link"),
        ("delete", f"/api/v1/offers/{offer.pk}/link"),
        ("get", f"/api/v1/offers/{offer.pk}/link"),
        ("get", f"/api/v1/offers/{offer.pk}/email-draft"),
    ]:
        response = getattr(client, method)(path, content_type="application/json")
        assert response.status_code == 401, (method, path)
