"""The sales endpoints: prospects, accounts, offers, lines, conversion, timeline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from smartcrm.activities.services import activity_create
from smartcrm.api.tests.helpers import ApiClient
from smartcrm.catalog import services as catalog
from smartcrm.contacts.services import contact_create
from smartcrm.core.tests.queries import queries_of_get
from smartcrm.notes.services import note_create
from smartcrm.sales import services
from smartcrm.sales.models import Account, Offer, OfferLine, Prospect
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory, ProspectFactory
from smartcrm.tasks.services import task_create


@pytest.fixture
def api(org, owner):
    return ApiClient(org, owner)


# --- prospects ------------------------------------------------------------------------


def test_create_prospect_returns_201_location_etag_and_normalised_fields(api, owner):
    response = api.post(
        "/api/v1/prospects",
        {"company_name": "Ţesătoria Braşov SRL", "cui": "RO18547290", "county": "BV"},
    )
    assert response.status_code == 201
    body = response.json()
    assert response["Location"] == f"/api/v1/prospects/{body['id']}"
    assert response["ETag"] == '"1"'
    assert (body["company_name"], body["cui"], body["vat_payer"]) == (
        "Țesătoria Brașov SRL",
        "18547290",
        True,
    )
    assert (body["status"], body["owner_id"], body["version"]) == ("new", str(owner.pk), 1)


def test_prospect_status_actions(api, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    url = f"/api/v1/prospects/{prospect.pk}"
    assert api.post(f"{url}/status", {"status": "in_progress"}).json()["status"] == "in_progress"
    assert api.post(f"{url}/qualify").json()["status"] == "qualified"
    no_reason = api.post(f"{url}/disqualify", {"reason": ""})
    assert (no_reason.status_code, no_reason.json()["errors"][0]["field"]) == (422, "reason")
    done = api.post(f"{url}/disqualify", {"reason": "Fără buget"})
    assert (done.status_code, done.json()["disqualify_reason"]) == (200, "Fără buget")
    illegal = api.post(f"{url}/status", {"status": "converted"})
    assert illegal.status_code == 409


def test_convert_with_offer_returns_account_offer_and_moved_counts(api, org, owner):
    prospect = ProspectFactory.create(
        org=org, user=owner, status="qualified", company_name="Vâlcea Lemn SRL"
    )
    contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Ionescu")
    response = api.post(
        f"/api/v1/prospects/{prospect.pk}/convert",
        {"offer": {"title": "Mobilier birou", "currency": "RON"}},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["account"]["name"] == "Vâlcea Lemn SRL"
    assert body["offer"]["number"].startswith("OF-")
    assert body["moved"]["contacts"] == 1
    assert body["prospect"]["status"] == "converted"
    again = api.post(f"/api/v1/prospects/{prospect.pk}/convert", {})
    assert (again.status_code, again.json()["code"]) == (409, "already_converted")
    assert Account.objects.count() == 1


def test_delete_prospect_by_sales_user_who_does_not_own_it_is_403(org, owner, sales_user):
    prospect = ProspectFactory.create(org=org, user=owner)
    response = ApiClient(org, sales_user).delete(f"/api/v1/prospects/{prospect.pk}")
    assert response.status_code == 403
    assert Prospect.objects.filter(pk=prospect.pk).exists()


def test_delete_prospect_is_204(api, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    assert api.delete(f"/api/v1/prospects/{prospect.pk}").status_code == 204
    assert not Prospect.objects.exists()


# --- handing records over: the assign right ---------------------------------------------


def _record_of(org, user, kind):
    """A prospect, an account or a draft offer owned by ``user``."""
    if kind == "prospects":
        return ProspectFactory.create(org=org, user=user)
    account = AccountFactory.create(org=org, user=user)
    if kind == "accounts":
        return account
    return OfferFactory.create(org=org, user=user, account_id=account.pk)


RECORD_KINDS = ["prospects", "accounts", "offers"]


@pytest.mark.parametrize("kind", RECORD_KINDS)
def test_a_sales_user_cannot_take_someone_elses_record_and_then_delete_it(
    org, owner, sales_user, kind
):
    record = _record_of(org, owner, kind)
    version = record.version
    url = f"/api/v1/{kind}/{record.pk}"
    ion = ApiClient(org, sales_user)

    taken = ion.patch(url, {"owner_id": str(sales_user.pk)})
    deleted = ion.delete(url)

    assert taken.status_code == 403
    assert taken["Content-Type"] == "application/problem+json"
    assert [(e["field"], e["code"]) for e in taken.json()["errors"]] == [("owner_id", "forbidden")]
    assert deleted.status_code == 403
    record.refresh_from_db()
    assert (record.owner_id, record.version) == (owner.pk, version)


@pytest.mark.parametrize("kind", RECORD_KINDS)
def test_a_sales_user_cannot_hand_someone_elses_record_to_a_third_member_or_to_nobody(
    org, owner, sales_user, manager, kind
):
    record = _record_of(org, owner, kind)
    ion = ApiClient(org, sales_user)

    to_maria = ion.patch(f"/api/v1/{kind}/{record.pk}", {"owner_id": str(manager.pk)})
    to_nobody = ion.patch(f"/api/v1/{kind}/{record.pk}", {"owner_id": None})

    assert (to_maria.status_code, to_nobody.status_code) == (403, 403)
    record.refresh_from_db()
    assert record.owner_id == owner.pk


@pytest.mark.parametrize("kind", RECORD_KINDS)
def test_a_sales_user_hands_over_their_own_record(org, owner, sales_user, kind):
    record = _record_of(org, sales_user, kind)

    response = ApiClient(org, sales_user).patch(
        f"/api/v1/{kind}/{record.pk}", {"owner_id": str(owner.pk)}
    )

    assert (response.status_code, response.json()["owner_id"]) == (200, str(owner.pk))


@pytest.mark.parametrize("kind", RECORD_KINDS)
def test_a_sales_user_edits_someone_elses_record_naming_its_current_owner(
    org, owner, sales_user, kind
):
    record = _record_of(org, owner, kind)
    field = "description"

    response = ApiClient(org, sales_user).patch(
        f"/api/v1/{kind}/{record.pk}", {"owner_id": str(owner.pk), field: "Sună luni."}
    )

    assert response.status_code == 200, response.content
    assert (response.json()["owner_id"], response.json()[field]) == (str(owner.pk), "Sună luni.")


@pytest.mark.parametrize("kind", RECORD_KINDS)
def test_a_manager_reassigns_anyones_record(org, owner, sales_user, manager, kind):
    record = _record_of(org, owner, kind)

    response = ApiClient(org, manager).patch(
        f"/api/v1/{kind}/{record.pk}", {"owner_id": str(sales_user.pk)}
    )

    assert (response.status_code, response.json()["owner_id"]) == (200, str(sales_user.pk))


# --- accounts -------------------------------------------------------------------------


def test_account_crud(api):
    created = api.post("/api/v1/accounts", {"name": "Delta Agro SRL", "county": "TL"})
    assert created.status_code == 201
    account_id = created.json()["id"]
    patched = api.patch(
        f"/api/v1/accounts/{account_id}", {"industry": "Agricultură"}, if_match=created["ETag"]
    )
    assert (patched.status_code, patched.json()["industry"], patched["ETag"]) == (
        200,
        "Agricultură",
        '"2"',
    )
    assert api.get(f"/api/v1/accounts/{account_id}").json()["county"] == "TL"
    assert api.delete(f"/api/v1/accounts/{account_id}").status_code == 204


def test_account_with_offers_cannot_be_deleted(api, org, owner):
    account = AccountFactory.create(org=org, user=owner)
    OfferFactory.create(org=org, user=owner, account_id=account.pk)
    response = api.delete(f"/api/v1/accounts/{account.pk}")
    assert (response.status_code, response.json()["code"]) == (409, "has_offers")


# --- offers and lines -----------------------------------------------------------------------


@pytest.fixture
def account(org, owner):
    return AccountFactory.create(org=org, user=owner)


def test_create_offer_with_lines_and_contacts_in_one_call(api, org, owner, account):
    contact = contact_create(org=org, user=owner, account_id=account.pk, last_name="Popa")
    product = catalog.product_create(
        org=org,
        user=owner,
        code="LIC",
        name="Licență",
        price=Decimal("100"),
        vat_rate=Decimal("21"),
    )
    response = api.post(
        "/api/v1/offers",
        {
            "account_id": str(account.pk),
            "title": "Implementare",
            "issue_date": "2026-03-02",
            "lines": [
                {"product_id": str(product.pk), "quantity": "2"},
                {
                    "name": "Instalare",
                    "quantity": "1.5",
                    "unit_price": "200.00",
                    "vat_rate": "21",
                    "discount_percent": "10",
                },
            ],
            "contact_ids": [str(contact.pk)],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    # 2 × 100 = 200.00; 1.5 × 200 − 10 % = 270.00; net 470.00, VAT 98.70
    assert (body["total_net"], body["total_vat"], body["total_gross"]) == (
        "470.00",
        "98.70",
        "568.70",
    )
    assert [line["code"] for line in body["lines"]] == ["LIC", ""]
    assert body["contact_ids"] == [str(contact.pk)]
    assert body["number"] == "OF-2026-0001"


def test_offer_with_a_contact_of_another_account_is_refused_whole(api, org, owner, account):
    elsewhere = AccountFactory.create(org=org, user=owner)
    stranger = contact_create(org=org, user=owner, account_id=elsewhere.pk, last_name="Străin")
    response = api.post(
        "/api/v1/offers",
        {"account_id": str(account.pk), "title": "X", "contact_ids": [str(stranger.pk)]},
    )
    assert (response.status_code, response.json()["errors"][0]["field"]) == (422, "contact_ids")
    assert Offer.objects.count() == 0


def test_offer_status_flow_over_the_api(api, org, owner, account):
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    services.offer_line_add(
        org=org, user=owner, offer_id=offer.pk, name="X", quantity="1", unit_price="1"
    )
    url = f"/api/v1/offers/{offer.pk}/status"
    assert api.post(url, {"status": "won"}).status_code == 409
    assert api.post(url, {"status": "sent"}).json()["status"] == "sent"
    lost = api.post(url, {"status": "lost", "closed_date": str(timezone.localdate())})
    assert (lost.status_code, lost.json()["errors"][0]["field"]) == (422, "lost_reason")
    won = api.post(url, {"status": "won", "closed_date": str(timezone.localdate())})
    assert (won.status_code, won.json()["status"], won.json()["probability"]) == (200, "won", 100)


def test_lines_add_change_remove_keep_totals(api, org, owner, account):
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    base = f"/api/v1/offers/{offer.pk}/lines"
    added = api.post(
        base, {"name": "Consultanță", "quantity": "10", "unit_price": "150", "vat_rate": "21"}
    )
    assert (added.status_code, added.json()["net_amount"]) == (201, "1500.00")
    line_url = f"{base}/{added.json()['id']}"
    changed = api.patch(line_url, {"quantity": "2"}, if_match=added["ETag"])
    assert (changed.status_code, changed.json()["gross_amount"]) == (200, "363.00")
    assert api.get(f"/api/v1/offers/{offer.pk}").json()["total_gross"] == "363.00"
    assert api.get(base).json()["items"][0]["quantity"] == "2.000"
    assert api.delete(line_url).status_code == 204
    assert api.get(f"/api/v1/offers/{offer.pk}").json()["total_gross"] == "0.00"


def test_line_of_another_offer_is_404(api, org, owner, account):
    first = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    second = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    line = services.offer_line_add(
        org=org, user=owner, offer_id=first.pk, name="X", quantity="1", unit_price="1"
    )
    assert api.get(f"/api/v1/offers/{second.pk}/lines/{line.pk}").status_code == 404
    assert api.delete(f"/api/v1/offers/{second.pk}/lines/{line.pk}").status_code == 404
    assert OfferLine.objects.filter(pk=line.pk).exists()


def test_bad_line_values_name_the_field(api, org, owner, account):
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    for body, field in [
        ({"name": "X", "quantity": "0", "unit_price": "1"}, "quantity"),
        ({"name": "X", "quantity": "abc", "unit_price": "1"}, "quantity"),
        ({"name": "X", "quantity": "1", "unit_price": "-1"}, "unit_price"),
        ({"name": "X", "quantity": "1", "unit_price": "1", "currency": "EUR"}, "currency"),
    ]:
        response = api.post(f"/api/v1/offers/{offer.pk}/lines", body)
        assert (response.status_code, response.json()["errors"][0]["field"]) == (422, field), body
    assert OfferLine.objects.count() == 0


# --- timeline ----------------------------------------------------------------------------


def test_timeline_is_newest_first_and_pages(api, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    note_create(org=org, user=owner, prospect_id=prospect.pk, body="Prima notă")
    task_create(org=org, user=owner, prospect_id=prospect.pk, title="Sună înapoi")
    activity_create(
        org=org,
        user=owner,
        prospect_id=prospect.pk,
        kind="meeting",
        subject="Întâlnire",
        start_at=timezone.now() + dt.timedelta(days=1),
    )
    first = api.get(f"/api/v1/prospects/{prospect.pk}/timeline?limit=2").json()
    assert [e["kind"] for e in first["items"]] == ["activity", "task"]
    rest = api.get(
        f"/api/v1/prospects/{prospect.pk}/timeline?limit=2&cursor={first['next_cursor']}"
    )
    assert [e["kind"] for e in rest.json()["items"]] == ["note", "event"]
    assert rest.json()["next_cursor"] is None


# --- query counts ------------------------------------------------------------------------


def _fill(org, owner, n):
    account = AccountFactory.create(org=org, user=owner)
    for i in range(n):
        prospect = ProspectFactory.create(org=org, user=owner)
        note_create(org=org, user=owner, prospect_id=prospect.pk, body=f"n{i}")
        offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
        services.offer_line_add(
            org=org, user=owner, offer_id=offer.pk, name="X", quantity="1", unit_price="1"
        )
        AccountFactory.create(org=org, user=owner)
    return account


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/prospects",
        "/api/v1/accounts",
        "/api/v1/offers",
        "/api/v1/users",
        "/api/v1/prospects?count=true",
    ],
)
def test_list_query_count_does_not_grow_with_rows(api, org, owner, url):
    _fill(org, owner, 2)
    few = queries_of_get(api, url)
    _fill(org, owner, 10)
    assert queries_of_get(api, url) == few


def test_lines_and_timeline_query_counts_do_not_grow(api, org, owner):
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)

    def grow(n):
        for i in range(n):
            services.offer_line_add(
                org=org, user=owner, offer_id=offer.pk, name="X", quantity="1", unit_price="1"
            )
            note_create(org=org, user=owner, offer_id=offer.pk, body=f"n{i}")
            task_create(org=org, user=owner, offer_id=offer.pk, title=f"t{i}")

    grow(2)
    counts = [
        queries_of_get(api, f"/api/v1/offers/{offer.pk}/lines"),
        queries_of_get(api, f"/api/v1/offers/{offer.pk}/timeline"),
        queries_of_get(api, f"/api/v1/offers/{offer.pk}"),
    ]
    grow(10)
    assert counts == [
        queries_of_get(api, f"/api/v1/offers/{offer.pk}/lines"),
        queries_of_get(api, f"/api/v1/offers/{offer.pk}/timeline"),
        queries_of_get(api, f"/api/v1/offers/{offer.pk}"),
    ]
