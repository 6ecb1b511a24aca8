"""The account pages: list, record page with its offers, dialogs, ANAF, account picker."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from django.urls import reverse

from smartcrm.contacts.services import contact_create
from smartcrm.core.services import user_set_language
from smartcrm.core.tests.queries import queries_of_get
from smartcrm.integrations.tests.conftest import ANAF_PATH, anaf_entry, anaf_json, loopback
from smartcrm.notes.services import note_create
from smartcrm.sales import services
from smartcrm.sales.models import Account
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory, ProspectFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
__all__ = ["loopback"]  # the loopback ANAF server fixture, used by name below


@pytest.fixture
def account(org, owner):
    return AccountFactory.create(
        org=org, user=owner, name="Carpați Trans SA", email="office@carpati.ro"
    )


@pytest.mark.parametrize("role", ["owner", "sales_user", "manager"])
def test_the_list_shows_the_organisations_accounts(
    client, request, org, account, other_org, other_owner, role
):
    AccountFactory.create(org=other_org, user=other_owner, name="Beta Secret SRL")
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("sales:account-list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Carpați Trans SA" in page
    assert "Beta Secret SRL" not in page


def test_an_empty_account_list_says_what_to_do(client, org, owner):
    client.force_login(owner)
    page = client.get(reverse("sales:account-list")).content.decode()
    assert "No accounts yet" in page


def test_the_account_list_filters_by_text_and_county(client, org, owner, account):
    AccountFactory.create(org=org, user=owner, name="Iași Mobila SRL", county="IS")
    client.force_login(owner)
    by_text = client.get(reverse("sales:account-list"), {"q": "carpa"}).content.decode()
    by_county = client.get(reverse("sales:account-list"), {"county": "IS"}).content.decode()
    assert "Carpați Trans SA" in by_text and "Iași Mobila SRL" not in by_text
    assert "Iași Mobila SRL" in by_county and "Carpați Trans SA" not in by_county


def test_the_account_list_query_count_does_not_grow_with_rows(client, org, owner, sales_user):
    client.force_login(owner)
    url = reverse("sales:account-list")
    for _ in range(2):
        AccountFactory.create(org=org, user=owner, owner_id=sales_user.pk)
    few = queries_of_get(client, url)
    for _ in range(18):
        AccountFactory.create(org=org, user=owner)
    assert queries_of_get(client, url) == few


@pytest.mark.parametrize("role", ["owner", "sales_user", "manager"])
def test_the_account_page_shows_the_account_and_its_offers(
    client, request, org, owner, account, role
):
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk, title="Transport")
    services.offer_line_add(
        org=org,
        user=owner,
        offer_id=offer.pk,
        name="Cursă",
        quantity="2",
        unit_price="1500",
        vat_rate="21",
    )
    member = request.getfixturevalue(role)
    user_set_language(user=member, language="ro")
    client.force_login(member)
    response = client.get(reverse("sales:account", args=[account.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Carpați Trans SA" in page
    assert offer.number in page
    assert "3.630,00\xa0lei" in page  # 2 × 1500 + 21 % VAT, Romanian format
    assert 'href="mailto:office@carpati.ro"' in page
    assert reverse("sales:timeline", args=["account", account.pk]) in page


def test_the_account_page_query_count_does_not_grow_with_offers(client, org, owner, account):
    client.force_login(owner)
    url = reverse("sales:account", args=[account.pk])
    OfferFactory.create(org=org, user=owner, account_id=account.pk)
    few = queries_of_get(client, url)
    for _ in range(6):
        OfferFactory.create(org=org, user=owner, account_id=account.pk)
        contact_create(org=org, user=owner, account_id=account.pk, last_name="Pop")
    assert queries_of_get(client, url) == few


@pytest.mark.parametrize("name", ["sales:account", "sales:account-edit", "sales:account-delete"])
def test_another_organisations_account_is_404(client, account, other_org, other_owner, name):
    client.force_login(other_owner)
    assert client.get(reverse(name, args=[account.pk])).status_code == 404


def test_another_organisations_account_timeline_is_404(client, account, other_org, other_owner):
    client.force_login(other_owner)
    url = reverse("sales:timeline", args=["account", account.pk])
    assert client.get(url).status_code == 404


def test_the_account_timeline_shows_its_notes(client, org, owner, account):
    note_create(org=org, user=owner, account_id=account.pk, body="Plătește la 30 de zile")
    client.force_login(owner)
    response = client.get(reverse("sales:timeline", args=["account", account.pk]), **HTMX)
    assert response.status_code == 200
    assert "Plătește la 30 de zile" in response.content.decode()


def test_an_unknown_timeline_kind_is_404(client, org, owner, account):
    client.force_login(owner)
    assert client.get(f"/timeline/user/{account.pk}/").status_code == 404


def test_creating_an_account(client, org, owner):
    client.force_login(owner)
    response = client.post(
        reverse("sales:account-new"),
        {"kind": "company", "name": "Dacia Service SRL", "country": "RO", "cui": "RO4264242"},
    )
    assert response.status_code == 302
    account = Account.objects.get(name="Dacia Service SRL")
    assert (account.cui, account.vat_payer, account.owner_id) == ("4264242", True, None)
    assert response["Location"] == reverse("sales:account", args=[account.pk])


def test_an_account_without_a_name_is_refused_next_to_the_field(client, org, owner):
    client.force_login(owner)
    response = client.post(
        reverse("sales:account-new"), {"kind": "company", "name": "", "country": "RO"}, **HTMX
    )
    assert response.status_code == 422
    assert 'id="id_name_error"' in response.content.decode()
    assert not Account.objects.exists()


def test_a_bad_email_is_refused_next_to_the_field(client, org, owner, account):
    client.force_login(owner)
    response = client.post(
        reverse("sales:account-edit", args=[account.pk]),
        {
            "kind": "company",
            "name": "Carpați Trans SA",
            "country": "RO",
            "email": "nu e mail",
            "version": account.version,
        },
        **HTMX,
    )
    assert response.status_code == 422
    assert 'id="id_email_error"' in response.content.decode()
    account.refresh_from_db()
    assert account.email == "office@carpati.ro"


def test_a_stale_account_edit_says_so(client, org, owner, account):
    services.account_update(org=org, user=owner, account_id=account.pk, industry="Transport")
    client.force_login(owner)
    response = client.post(
        reverse("sales:account-edit", args=[account.pk]),
        {"kind": "company", "name": "Alt Nume SA", "country": "RO", "version": 1},
        **HTMX,
    )
    assert response.status_code == 422
    assert "Someone else changed this record meanwhile" in response.content.decode()
    account.refresh_from_db()
    assert account.name == "Carpați Trans SA"


def test_deleting_an_account_with_offers_is_refused(client, org, owner, account):
    OfferFactory.create(org=org, user=owner, account_id=account.pk)
    client.force_login(owner)
    response = client.post(
        reverse("sales:account-delete", args=[account.pk]), {"version": account.version}, **HTMX
    )
    assert response.status_code == 409
    assert "has offers" in unquote(response["X-Error-Message"])
    assert Account.objects.filter(pk=account.pk).exists()


def test_deleting_an_account(client, org, owner, account):
    client.force_login(owner)
    response = client.post(
        reverse("sales:account-delete", args=[account.pk]), {"version": account.version}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("sales:account-list")
    assert not Account.objects.filter(pk=account.pk).exists()


def test_the_account_picker_finds_accounts_by_name(
    client, org, owner, account, other_org, other_owner
):
    AccountFactory.create(org=org, user=owner, name="Dacia Service SRL")
    AccountFactory.create(org=other_org, user=other_owner, name="Carpați Străini SRL")
    client.force_login(owner)
    response = client.get(reverse("sales:account-options"), {"account_q": "carpa"}, **HTMX)
    assert response.status_code == 200
    options = response.content.decode()
    assert f'value="{account.pk}"' in options
    assert "Dacia Service SRL" not in options
    assert "Carpați Străini SRL" not in options


def test_bulk_assign_accounts(client, org, owner, sales_user, account):
    client.force_login(owner)
    response = client.post(
        reverse("sales:account-bulk"),
        {"ids": [account.pk], "action": "assign", "owner_id": sales_user.pk},
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.owner_id == sales_user.pk


def test_a_sales_user_cannot_take_accounts_through_the_bulk_bar_then_delete_them(
    client, org, owner, sales_user, account
):
    client.force_login(sales_user)
    url = reverse("sales:account-bulk")

    assigned = client.post(
        url, {"ids": [account.pk], "action": "assign", "owner_id": sales_user.pk}, follow=True
    )
    deleted = client.post(url, {"ids": [account.pk], "action": "delete", "confirmed": "on"})

    assert "Only the record&#x27;s owner or a Manager may reassign it." in (
        assigned.content.decode()
    )
    assert deleted.status_code == 302
    account.refresh_from_db()
    assert (account.owner_id, account.version) == (owner.pk, 1)


def test_bulk_delete_of_accounts_is_confirmed_first(client, org, owner, account):
    client.force_login(owner)
    asked = client.post(reverse("sales:account-bulk"), {"ids": [account.pk], "action": "delete"})
    assert asked.status_code == 200
    assert "Carpați Trans SA" in asked.content.decode()
    assert Account.objects.filter(pk=account.pk).exists()
    done = client.post(
        reverse("sales:account-bulk"),
        {"ids": [account.pk], "action": "delete", "confirmed": "on"},
    )
    assert done.status_code == 302
    assert not Account.objects.exists()


def test_fill_from_anaf_on_the_account_page(client, org, owner, loopback):
    account = AccountFactory.create(org=org, user=owner, name="Cumpana", cui="RO4264242")
    loopback.answer(ANAF_PATH, anaf_json(found=[anaf_entry(4264242)]))
    client.force_login(owner)
    response = client.post(
        reverse("sales:account-fill-from-anaf", args=[account.pk]), {"version": account.version}
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.name, account.county) == ("CUMPĂNA 1993 SRL", "B")


def test_fill_from_anaf_unknown_cui_changes_nothing(client, org, owner, loopback):
    prospect = ProspectFactory.create(org=org, user=owner, company_name="Cumpana", cui="RO4264242")
    loopback.answer(ANAF_PATH, anaf_json(not_found=[4264242]))
    client.force_login(owner)
    response = client.post(
        reverse("sales:prospect-fill-from-anaf", args=[prospect.pk]),
        {"version": prospect.version},
        **HTMX,
    )
    assert response.status_code == 422
    assert "4264242" in unquote(response["X-Error-Message"])
    prospect.refresh_from_db()
    assert prospect.company_name == "Cumpana"


def test_without_javascript_a_refused_form_comes_back_as_a_page_with_422(client, org, owner):
    client.force_login(owner)
    response = client.post(reverse("sales:account-new"), {"kind": "company", "name": ""})
    assert response.status_code == 422
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "<html" in page
    assert 'id="id_name_error"' in page
