"""Privacy over the API: GET .../personal-data, POST .../erase for contacts and person
prospects."""

from __future__ import annotations

import pytest

from smartcrm.api.tests.helpers import ApiClient
from smartcrm.contacts.models import Contact
from smartcrm.privacy.tests.test_services import a_contact_on_an_offer, a_person_prospect
from smartcrm.sales import services as sales

pytestmark = pytest.mark.django_db


def test_get_personal_data_of_a_contact(org, owner, sales_user):
    contact, offer = a_contact_on_an_offer(org, owner)

    response = ApiClient(org, sales_user).get(f"/api/v1/contacts/{contact.pk}/personal-data")

    assert response.status_code == 200
    body = response.json()
    assert body["record"]["email"] == "mirela.stefanescu@example.ro"
    assert body["offers"] == [{"id": str(offer.pk), "number": offer.number, "title": offer.title}]


def test_post_erase_answers_the_anonymised_contact(org, owner):
    contact, _ = a_contact_on_an_offer(org, owner)
    api = ApiClient(org, owner)

    response = api.post(f"/api/v1/contacts/{contact.pk}/erase")

    assert response.status_code == 200
    body = response.json()
    assert (body["first_name"], body["last_name"], body["email"], body["phone"]) == (
        "Anonim",
        "#" + contact.pk.hex[-8:],
        "",
        "",
    )
    assert api.get("/api/v1/contacts?q=Ștefănescu").json()["items"] == []
    assert api.get("/api/v1/search?q=Ștefănescu").json()["items"] == []


def test_a_sales_user_may_not_erase(org, owner, sales_user):
    contact, _ = a_contact_on_an_offer(org, owner)

    response = ApiClient(org, sales_user).post(f"/api/v1/contacts/{contact.pk}/erase")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert Contact.objects.get(pk=contact.pk).last_name == "Ștefănescu"


def test_another_organisation_gets_404(org, owner, other_org, other_owner):
    contact, _ = a_contact_on_an_offer(org, owner)
    api = ApiClient(other_org, other_owner)

    assert api.get(f"/api/v1/contacts/{contact.pk}/personal-data").status_code == 404
    assert api.post(f"/api/v1/contacts/{contact.pk}/erase").status_code == 404
    assert Contact.objects.get(pk=contact.pk).last_name == "Ștefănescu"


def test_a_person_prospect_is_exported_and_erased(org, owner):
    prospect = a_person_prospect(org, owner)
    api = ApiClient(org, owner)

    exported = api.get(f"/api/v1/prospects/{prospect.pk}/personal-data")
    erased = api.post(f"/api/v1/prospects/{prospect.pk}/erase")

    assert exported.status_code == 200
    assert exported.json()["record"]["address"] == "Str. Lungă 12"
    assert erased.status_code == 200
    assert (erased.json()["first_name"], erased.json()["address"]) == ("Anonim", "")
    assert api.get("/api/v1/prospects?q=Ștefănescu").json()["items"] == []


def test_a_company_prospect_is_refused_naming_the_kind(org, owner):
    prospect = sales.prospect_create(org=org, user=owner, company_name="Carpați Tur SRL")

    response = ApiClient(org, owner).post(f"/api/v1/prospects/{prospect.pk}/erase")

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == ["kind"]
