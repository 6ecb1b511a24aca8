"""Record pages and settings: members see their organisation's records, others get 404."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from smartcrm.contacts.services import contact_create
from smartcrm.core.services import user_set_language
from smartcrm.notes.services import note_create
from smartcrm.sales import services
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory, ProspectFactory


@pytest.fixture
def offer(org, owner):
    account = AccountFactory.create(org=org, user=owner, name="Carpați Trans SA")
    contact_create(
        org=org, user=owner, account_id=account.pk, last_name="Mureșan", email="ana@carpati.ro"
    )
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk, title="Transport")
    services.offer_line_add(
        org=org,
        user=owner,
        offer_id=offer.pk,
        name="Cursă Cluj–Brașov",
        quantity="2",
        unit_price="1500",
        vat_rate="21",
    )
    return offer


# The page of each kind (prospects and accounts moved to the sales app's pages).
PAGES = {"offer": "sales:offer", "offer-pdf": "sales:offer-pdf", "account": "sales:account"}


@pytest.mark.parametrize("name", ["offer", "account"])
def test_record_pages_show_the_record_to_members(client, owner, offer, name):
    user_set_language(user=owner, language="ro")
    client.force_login(owner)
    record_id = offer.pk if name == "offer" else offer.account_id
    response = client.get(reverse(PAGES[name], args=[record_id]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Carpați Trans SA" in page
    if name == "offer":
        assert offer.number in page
        assert "3.630,00" in page  # 2 × 1500 + 21 % VAT, Romanian format


def test_prospect_page(client, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner, company_name="Brașov Lemn SRL")
    note_create(org=org, user=owner, prospect_id=prospect.pk, body="Sună luni")
    client.force_login(owner)
    response = client.get(reverse("sales:prospect", args=[prospect.pk]))
    assert response.status_code == 200
    assert "Brașov Lemn SRL" in response.content.decode()


@pytest.mark.parametrize("name", ["offer", "account", "offer-pdf"])
def test_record_of_another_organisation_is_404(client, other_org, other_owner, offer, name):
    client.force_login(other_owner)
    record_id = offer.account_id if name == "account" else offer.pk
    assert client.get(reverse(PAGES[name], args=[record_id])).status_code == 404


def test_offer_page_query_count_does_not_grow_with_lines(client, org, owner, offer):
    client.force_login(owner)
    url = reverse("sales:offer", args=[offer.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(6):
        services.offer_line_add(
            org=org, user=owner, offer_id=offer.pk, name="X", quantity="1", unit_price="1"
        )
        note_create(org=org, user=owner, offer_id=offer.pk, body="n")
    with CaptureQueriesContext(connection) as more:
        client.get(url)
    assert len(more.captured_queries) == len(few.captured_queries)
