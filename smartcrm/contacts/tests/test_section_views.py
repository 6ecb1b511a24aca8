"""The contacts section of record pages and its dialogs (add, change, delete; offer contacts)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from smartcrm.contacts import services
from smartcrm.contacts.models import Contact, OfferContact
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory, ProspectFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def _contact(org, user, **fields):
    fields.setdefault("last_name", "Popescu")
    return services.contact_create(org=org, user=user, **fields)


@pytest.mark.django_db
def test_section_lists_the_prospects_contacts_primary_first(client, org, owner, sales_user):
    prospect = ProspectFactory.create(org=org, user=owner)
    _contact(org, owner, prospect_id=prospect.pk, first_name="Ion", last_name="Albu")
    _contact(
        org,
        owner,
        prospect_id=prospect.pk,
        first_name="Ștefan",
        last_name="Zamfir",
        is_primary=True,
        phone="0722 123 456",
    )
    client.force_login(sales_user)

    response = client.get(reverse("contacts:section", args=["prospect", prospect.pk]), **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Ștefan Zamfir") < html.index("Ion Albu")
    assert 'data-testid="primary-contact"' in html
    assert "tel:0722 123 456" in html
    assert reverse("contacts:contact-create", args=["prospect", prospect.pk]) in html


@pytest.mark.django_db
def test_section_of_another_organisations_record_is_404(client, org, owner, other_org, other_owner):
    foreign = ProspectFactory.create(org=other_org, user=other_owner)
    client.force_login(owner)

    response = client.get(reverse("contacts:section", args=["prospect", foreign.pk]))

    assert response.status_code == 404


@pytest.mark.django_db
def test_section_of_an_unknown_kind_is_404(client, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    client.force_login(owner)

    response = client.get(reverse("contacts:section", args=["invoice", prospect.pk]))

    assert response.status_code == 404


@pytest.mark.django_db
def test_section_query_count_does_not_grow_with_contacts(client, org, owner):
    account = AccountFactory.create(org=org, user=owner)
    url = reverse("contacts:section", args=["account", account.pk])
    client.force_login(owner)
    for n in range(2):
        _contact(org, owner, account_id=account.pk, last_name=f"Ionescu{n}")
    with CaptureQueriesContext(connection) as two:
        assert client.get(url, **HTMX).status_code == 200
    for n in range(2, 20):
        _contact(org, owner, account_id=account.pk, last_name=f"Ionescu{n}")
    with CaptureQueriesContext(connection) as twenty:
        response = client.get(url, **HTMX)

    assert response.content.decode().count('data-testid="contact-row"') == 20
    assert len(twenty) == len(two)


@pytest.mark.django_db
def test_add_contact_dialog_creates_it_and_tells_the_page(client, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    url = reverse("contacts:contact-create", args=["prospect", prospect.pk])
    client.force_login(owner)

    form = client.get(url, **HTMX)
    response = client.post(
        url,
        {"first_name": "Ana", "last_name": "Mureșan", "email": "ana@client.ro", "phone": ""},
        **HTMX,
    )

    assert form.status_code == 200
    assert 'id="dialog-title"' in form.content.decode()
    assert response.status_code == 204
    assert json.loads(response["HX-Trigger"]) == {"closeDialog": True, "contacts-changed": True}
    contact = Contact.objects.get(prospect=prospect)
    assert (contact.first_name, contact.last_name, contact.email) == (
        "Ana",
        "Mureșan",
        "ana@client.ro",
    )


@pytest.mark.django_db
def test_add_contact_with_a_bad_email_shows_the_error_next_to_the_field(client, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    url = reverse("contacts:contact-create", args=["prospect", prospect.pk])
    client.force_login(owner)

    response = client.post(url, {"last_name": "Mureșan", "email": "not-an-email"}, **HTMX)

    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_email_error"' in html
    assert 'value="Mureșan"' in html  # what was typed is kept
    assert not Contact.objects.filter(prospect=prospect).exists()


@pytest.mark.django_db
def test_add_contact_without_a_last_name_is_refused(client, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    client.force_login(owner)

    response = client.post(
        reverse("contacts:contact-create", args=["prospect", prospect.pk]),
        {"first_name": "Ana"},
        **HTMX,
    )

    assert response.status_code == 422
    assert 'id="id_last_name_error"' in response.content.decode()
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_a_likely_duplicate_is_refused_until_the_user_confirms(client, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    _contact(org, owner, prospect_id=prospect.pk, last_name="Pop", email="ion@client.ro")
    url = reverse("contacts:contact-create", args=["prospect", prospect.pk])
    client.force_login(owner)

    refused = client.post(url, {"last_name": "Popa", "email": "ion@client.ro"}, **HTMX)
    confirmed = client.post(
        url, {"last_name": "Popa", "email": "ion@client.ro", "allow_duplicate": "on"}, **HTMX
    )

    assert refused.status_code == 422
    assert 'name="allow_duplicate"' in refused.content.decode()
    assert confirmed.status_code == 204
    assert Contact.objects.filter(prospect=prospect).count() == 2


@pytest.mark.django_db
def test_create_contact_on_another_organisations_record_is_404(
    client, org, owner, other_org, other_owner
):
    foreign = AccountFactory.create(org=other_org, user=other_owner)
    client.force_login(owner)

    response = client.post(
        reverse("contacts:contact-create", args=["account", foreign.pk]),
        {"last_name": "Intrus"},
        **HTMX,
    )

    assert response.status_code == 404
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_edit_contact_with_a_stale_version_keeps_the_input_and_says_so(client, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    contact = _contact(org, owner, prospect_id=prospect.pk, last_name="Vechi")
    url = reverse("contacts:contact-edit", args=[contact.pk])
    client.force_login(owner)
    services.contact_update(
        org=org, user=owner, contact_id=contact.pk, job_title="Director"
    )  # someone else, meanwhile

    response = client.post(url, {"last_name": "Nou", "version": contact.version}, **HTMX)

    assert response.status_code == 422
    html = response.content.decode()
    assert "Someone else changed this record meanwhile" in html
    assert 'value="Nou"' in html
    contact.refresh_from_db()
    assert contact.last_name == "Vechi"


@pytest.mark.django_db
def test_edit_contact_saves_and_tells_the_page(client, org, owner):
    account = AccountFactory.create(org=org, user=owner)
    contact = _contact(org, owner, account_id=account.pk, last_name="Vechi")
    url = reverse("contacts:contact-edit", args=[contact.pk])
    client.force_login(owner)

    form = client.get(url, **HTMX)
    response = client.post(
        url, {"last_name": "Nou", "is_primary": "on", "version": contact.version}, **HTMX
    )

    assert 'value="Vechi"' in form.content.decode()
    assert response.status_code == 204
    contact.refresh_from_db()
    assert (contact.last_name, contact.is_primary) == ("Nou", True)


@pytest.mark.django_db
def test_edit_another_organisations_contact_is_404(client, org, owner, other_org, other_owner):
    foreign_account = AccountFactory.create(org=other_org, user=other_owner)
    foreign = _contact(other_org, other_owner, account_id=foreign_account.pk)
    client.force_login(owner)

    assert client.get(reverse("contacts:contact-edit", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("contacts:contact-delete", args=[foreign.pk])).status_code == 404
    assert Contact.objects.filter(pk=foreign.pk).exists()


@pytest.mark.django_db
def test_delete_contact_removes_it(client, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    contact = _contact(org, owner, prospect_id=prospect.pk)
    client.force_login(owner)

    response = client.post(
        reverse("contacts:contact-delete", args=[contact.pk]), {"version": contact.version}, **HTMX
    )

    assert response.status_code == 204
    assert json.loads(response["HX-Trigger"]) == {"contacts-changed": True}
    assert not Contact.objects.filter(pk=contact.pk).exists()


@pytest.mark.django_db
def test_a_sales_user_cannot_delete_a_contact_of_someone_elses_record(
    client, org, owner, sales_user
):
    prospect = ProspectFactory.create(org=org, user=owner)
    contact = _contact(org, owner, prospect_id=prospect.pk)
    client.force_login(sales_user)

    response = client.post(
        reverse("contacts:contact-delete", args=[contact.pk]), {"version": contact.version}, **HTMX
    )

    assert response.status_code == 403
    assert "Only the record" in response.content.decode()
    assert Contact.objects.filter(pk=contact.pk).exists()


@pytest.mark.django_db
def test_add_dialog_without_javascript_is_a_page_and_redirects_back(client, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    url = reverse("contacts:contact-create", args=["prospect", prospect.pk])
    client.force_login(owner)

    page = client.get(url)
    response = client.post(url, {"last_name": "Fără JS", "next": "/elsewhere/?a=1"})

    assert page.status_code == 200
    assert "<h1" in page.content.decode()
    assert response.status_code == 302
    assert response["Location"] == "/elsewhere/?a=1"


@pytest.mark.django_db
def test_offer_section_adds_and_removes_account_contacts(client, org, owner):
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    ana = _contact(org, owner, account_id=account.pk, first_name="Ana", last_name="Pop")
    _contact(org, owner, account_id=account.pk, first_name="Dan", last_name="Vlad")
    client.force_login(owner)
    section_url = reverse("contacts:section", args=["offer", offer.pk])

    before = client.get(section_url, **HTMX).content.decode()
    added = client.post(
        reverse("contacts:offer-contact-add", args=[offer.pk]), {"contact_id": ana.pk}, **HTMX
    )
    chosen = list(OfferContact.objects.filter(offer=offer).values_list("contact_id", flat=True))
    removed = client.post(
        reverse("contacts:offer-contact-remove", args=[offer.pk]), {"contact_id": ana.pk}, **HTMX
    )

    assert 'data-testid="offer-contact-choice"' in before
    assert before.count('data-testid="contact-row"') == 0
    assert added.status_code == 204
    assert chosen == [ana.pk]
    assert removed.status_code == 204
    assert not OfferContact.objects.filter(offer=offer).exists()


@pytest.mark.django_db
def test_offer_contact_from_another_account_is_refused(client, org, owner):
    account = AccountFactory.create(org=org, user=owner)
    other_account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    stranger = _contact(org, owner, account_id=other_account.pk)
    client.force_login(owner)

    response = client.post(
        reverse("contacts:offer-contact-add", args=[offer.pk]), {"contact_id": stranger.pk}, **HTMX
    )

    assert response.status_code == 400
    assert "X-Error-Message" in response
    assert not OfferContact.objects.filter(offer=offer).exists()


@pytest.mark.django_db
def test_offer_contact_with_a_malformed_id_is_a_clear_error(client, org, owner):
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    client.force_login(owner)

    response = client.post(
        reverse("contacts:offer-contact-add", args=[offer.pk]), {"contact_id": "x"}, **HTMX
    )

    assert response.status_code == 400
    assert "contact" in response["X-Error-Message"]
