"""The Privacy menu of contact and person prospect pages: the export download, the erasure's
dialog and what it does."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from smartcrm.contacts.models import Contact
from smartcrm.privacy.tests.test_services import a_contact_on_an_offer, a_person_prospect
from smartcrm.sales import services as sales

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_contact_page_offers_the_privacy_menu_in_romanian(client, org, owner):
    contact, _ = a_contact_on_an_offer(org, owner)
    owner.language = "ro"
    owner.save(update_fields=["language"])
    client.force_login(owner)

    page = client.get(reverse("contacts:contact", args=[contact.pk])).content.decode()
    dialog = client.get(reverse("privacy:contact-erase", args=[contact.pk]), **HTMX)

    assert "Confidențialitate" in page
    assert "Exportă datele personale (JSON)" in page
    assert "Șterge datele acestei persoane…" in page
    assert dialog.status_code == 200
    assert "Ștergi datele lui Mirela Ștefănescu?" in dialog.content.decode()
    assert "Ofertele, liniile și totalurile lor" in dialog.content.decode()


def test_the_export_is_a_json_file(client, org, owner, sales_user):
    contact, _ = a_contact_on_an_offer(org, owner)
    client.force_login(sales_user)

    response = client.get(reverse("privacy:contact-personal-data", args=[contact.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        f'attachment; filename="personal-data-contact-{contact.pk}.json"'
    )
    assert json.loads(response.content)["record"]["last_name"] == "Ștefănescu"


def test_erasing_from_the_page_leaves_the_search_and_list_empty(client, org, owner):
    contact, _ = a_contact_on_an_offer(org, owner)
    client.force_login(owner)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    before = client.get(reverse("web:search"), {"q": "Ștefănescu"}).content.decode()
    assert str(contact.pk) in before

    response = client.post(reverse("privacy:contact-erase", args=[contact.pk]), **HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("contacts:contact", args=[contact.pk])
    assert Contact.objects.get(pk=contact.pk).first_name == "Anonim"
    listed = client.get(reverse("contacts:contact-list"), {"q": "Ștefănescu"}).content.decode()
    assert 'data-testid="contact-row"' not in listed
    found = client.get(reverse("web:search"), {"q": "Ștefănescu"}).content.decode()
    assert str(contact.pk) not in found
    listed = client.get(reverse("contacts:contact-list"), {"q": "Anonim"}).content.decode()
    assert listed.count('data-testid="contact-row"') == 1


def test_a_sales_user_sees_no_erase_and_is_refused(client, org, owner, sales_user):
    contact, _ = a_contact_on_an_offer(org, owner)
    client.force_login(sales_user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    page = client.get(reverse("contacts:contact", args=[contact.pk])).content.decode()
    response = client.post(reverse("privacy:contact-erase", args=[contact.pk]), **HTMX)

    assert 'data-testid="export-personal-data"' in page
    assert 'data-testid="erase-person"' not in page
    assert response.status_code == 403
    assert Contact.objects.get(pk=contact.pk).last_name == "Ștefănescu"


def test_only_a_person_prospect_has_the_privacy_menu(client, org, owner):
    person = a_person_prospect(org, owner)
    company = sales.prospect_create(org=org, user=owner, company_name="Carpați Tur SRL")
    client.force_login(owner)

    person_page = client.get(reverse("sales:prospect", args=[person.pk])).content.decode()
    company_page = client.get(reverse("sales:prospect", args=[company.pk])).content.decode()

    assert 'data-testid="privacy-menu"' in person_page
    assert 'data-testid="privacy-menu"' not in company_page


def test_another_organisations_person_is_not_found(client, org, owner, other_org, other_owner):
    contact, _ = a_contact_on_an_offer(org, owner)
    client.force_login(other_owner)

    export_url = reverse("privacy:contact-personal-data", args=[contact.pk])
    erase_url = reverse("privacy:contact-erase", args=[contact.pk])
    assert client.get(export_url).status_code == 404
    assert client.post(erase_url).status_code == 404


def test_the_erase_dialog_is_a_page_of_its_own_without_javascript(client, org, owner):
    prospect = a_person_prospect(org, owner)
    client.force_login(owner)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    response = client.get(reverse("privacy:prospect-erase", args=[prospect.pk]))
    erased = client.post(reverse("privacy:prospect-erase", args=[prospect.pk]))

    assert response.status_code == 200
    assert 'data-testid="erase-form"' in response.content.decode()
    assert "Erase Mirela Ștefănescu?" in response.content.decode()
    assert erased.status_code == 302
    assert erased["Location"] == reverse("sales:prospect", args=[prospect.pk])
