"""The organisation's contacts list and a contact's page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from smartcrm.contacts.services import contact_create
from smartcrm.sales.tests.factories import AccountFactory, ProspectFactory


@pytest.fixture
def contact(org, owner):
    account = AccountFactory.create(org=org, user=owner, name="Carpați Trans SA")
    return contact_create(
        org=org,
        user=owner,
        account_id=account.pk,
        first_name="Ana",
        last_name="Mureșan",
        email="ana@carpati.ro",
        job_title="Director",
    )


@pytest.mark.parametrize("role", ["owner", "sales_user", "manager"])
def test_the_list_shows_every_contact_with_its_parent(
    client, request, org, owner, contact, other_org, other_owner, role
):
    prospect = ProspectFactory.create(org=org, user=owner, company_name="Brașov Lemn SRL")
    contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Ionescu")
    foreign = AccountFactory.create(org=other_org, user=other_owner)
    contact_create(org=other_org, user=other_owner, account_id=foreign.pk, last_name="Străinul")
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("contacts:contact-list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ana Mureșan" in page and "Carpați Trans SA" in page
    assert "Ionescu" in page and "Brașov Lemn SRL" in page
    assert "Străinul" not in page


def test_an_empty_contact_list_says_what_to_do(client, org, owner):
    client.force_login(owner)
    page = client.get(reverse("contacts:contact-list")).content.decode()
    assert "No contacts yet" in page


def test_the_contact_list_searches_by_text(client, org, owner, contact):
    account = AccountFactory.create(org=org, user=owner)
    contact_create(org=org, user=owner, account_id=account.pk, last_name="Popa")
    client.force_login(owner)
    page = client.get(reverse("contacts:contact-list"), {"q": "carpati.ro"}).content.decode()
    assert "Mureșan" in page
    assert "Popa" not in page


def _queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_the_contact_list_query_count_does_not_grow_with_rows(client, org, owner):
    client.force_login(owner)
    account = AccountFactory.create(org=org, user=owner)
    prospect = ProspectFactory.create(org=org, user=owner)
    contact_create(org=org, user=owner, account_id=account.pk, last_name="A")
    contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="B")
    few = _queries(client, reverse("contacts:contact-list"))
    for number in range(9):
        contact_create(org=org, user=owner, account_id=account.pk, last_name=f"C{number}")
        contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name=f"D{number}")
    assert _queries(client, reverse("contacts:contact-list")) == few


def test_the_contact_page(client, org, owner, contact):
    client.force_login(owner)
    response = client.get(reverse("contacts:contact", args=[contact.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ana Mureșan" in page
    assert 'href="mailto:ana@carpati.ro"' in page
    assert reverse("sales:account", args=[contact.account_id]) in page


def test_another_organisations_contact_is_404(client, contact, other_org, other_owner):
    client.force_login(other_owner)
    assert client.get(reverse("contacts:contact", args=[contact.pk])).status_code == 404
