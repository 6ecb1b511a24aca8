"""Offer pages: the list, a new offer, the offer editor (lines, totals, status), the kanban."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from smartcrm.catalog import services as catalog
from smartcrm.contacts.services import contact_create
from smartcrm.core.services import organization_set_modules, user_set_language
from smartcrm.outreach import services as outreach
from smartcrm.sales import services
from smartcrm.sales.models import Offer, OfferLine, RecordEvent
from smartcrm.sales.services.offers import org_today
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory
from smartcrm.sales.views import pipeline

HTMX = {"HTTP_HX_REQUEST": "true"}
TODAY = dt.date.today


@pytest.fixture(autouse=True)
def _english(client):
    """Pages in English (the users have no language of their own; the browser asks)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def account(org, owner):
    return AccountFactory.create(org=org, user=owner, name="Carpați Trans SA")


@pytest.fixture
def offer(org, owner, account):
    """A draft of 2 × 1 500 RON + 21 % VAT = 3 630,00 RON."""
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk, title="Transport")
    services.offer_line_add(
        org=org, user=owner, offer_id=offer.pk, name="Cursă Cluj–Brașov", quantity="2",
        unit_price="1500", vat_rate="21",
    )  # fmt: skip
    return Offer.objects.get(pk=offer.pk)


@pytest.fixture
def line(offer):
    return offer.lines.get()


@pytest.fixture
def product(org, owner):
    return catalog.product_create(
        org=org, user=owner, code="LIC-12", name="Licență anuală", price=Decimal("1000"),
        vat_rate=Decimal("21"), unit="an",
    )  # fmt: skip


def _fresh(offer):
    return Offer.objects.get(pk=offer.pk)


def _error(response):
    return unquote(response["X-Error-Message"])


def _offers(org, user, count, **fields):
    account = AccountFactory.create(org=org, user=user)
    return [
        OfferFactory.create(org=org, user=user, account_id=account.pk, **fields)
        for _ in range(count)
    ]


def _query_count(client, url):
    client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


# --- the list --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "sales_user", "manager"])
def test_offer_list_shows_the_organisations_offers_to_every_role(
    client, request, org, owner, offer, other_org, other_owner, role
):
    foreign = AccountFactory.create(org=other_org, user=other_owner, name="Beta Secret")
    OfferFactory.create(org=other_org, user=other_owner, account_id=foreign.pk, title="Secretă")
    client.force_login(request.getfixturevalue(role))

    response = client.get(reverse("sales:offer-list"))

    assert response.status_code == 200
    page = response.content.decode()
    assert offer.number in page and "Carpați Trans SA" in page
    assert "Secretă" not in page and "Beta Secret" not in page
    assert page.count('data-testid="offer-row"') == 1


def test_offer_list_filters_by_status_and_text(client, org, owner, offer, account):
    sent = OfferFactory.create(org=org, user=owner, account_id=account.pk, title="Mentenanță")
    services.offer_line_add(org=org, user=owner, offer_id=sent.pk, name="X", quantity="1",
                            unit_price="1")  # fmt: skip
    services.offer_change_status(org=org, user=owner, offer_id=sent.pk, status="sent")
    client.force_login(owner)

    by_status = client.get(reverse("sales:offer-list"), {"status": "sent"}).content.decode()
    by_text = client.get(reverse("sales:offer-list"), {"q": "transp"}).content.decode()

    assert sent.number in by_status and offer.number not in by_status
    assert offer.number in by_text and sent.number not in by_text


def test_offer_list_names_a_filter_it_cannot_apply_instead_of_failing(client, owner, offer):
    client.force_login(owner)
    response = client.get(reverse("sales:offer-list"), {"status": "closed", "issued_after": "x"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ignored the filter “issued_after”" in page
    assert "Ignored the filter “status”" in page
    assert offer.number in page


def test_offer_list_query_count_does_not_grow_with_rows(client, org, owner):
    client.force_login(owner)
    url = reverse("sales:offer-list")
    _offers(org, owner, 2)
    few = _query_count(client, url)
    _offers(org, owner, 18)
    assert Offer.objects.count() == 20
    assert _query_count(client, url) == few


def test_offer_list_load_more_renders_only_the_next_rows(client, org, owner, monkeypatch):
    offers = _offers(org, owner, 3)
    client.force_login(owner)
    monkeypatch.setattr("smartcrm.sales.views.offers.PAGE_SIZE", 2)

    first = client.get(reverse("sales:offer-list"), {"ordering": "number"})
    assert first.content.decode().count('data-testid="offer-row"') == 2
    cursor = first.context["page"].next_cursor
    more = client.get(reverse("sales:offer-list"), {"ordering": "number", "cursor": cursor}, **HTMX)

    rows = more.content.decode()
    assert "<html" not in rows
    assert rows.count('data-testid="offer-row"') == 1
    assert offers[2].number in rows


def test_bulk_owner_gives_the_chosen_offers_another_owner(
    client, org, owner, sales_user, offer, account
):
    other = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    client.force_login(owner)

    response = client.post(
        reverse("sales:offer-bulk-owner"),
        {"ids": [str(offer.pk), str(other.pk)], "owner_id": str(sales_user.pk)},
    )

    assert response.status_code == 302
    assert {o.owner_id for o in Offer.objects.filter(pk__in=[offer.pk, other.pk])} == {
        sales_user.pk
    }
    assert _fresh(offer).version == offer.version + 1
    assert RecordEvent.objects.filter(offer=offer, kind="updated").count() == 1


def test_bulk_owner_with_an_offer_of_another_organisation_changes_nothing(
    client, org, owner, sales_user, offer, other_org, other_owner
):
    foreign = _offers(other_org, other_owner, 1)[0]
    client.force_login(owner)

    response = client.post(
        reverse("sales:offer-bulk-owner"),
        {"ids": [str(offer.pk), str(foreign.pk)], "owner_id": str(sales_user.pk)},
        follow=True,
    )

    assert response.status_code == 200
    assert "Some of these offers do not exist." in response.content.decode()
    assert _fresh(offer).owner_id == owner.pk
    assert Offer.objects.get(pk=foreign.pk).owner_id == other_owner.pk


def test_bulk_owner_refuses_a_non_member_as_owner(client, org, owner, offer, other_owner):
    client.force_login(owner)
    response = client.post(
        reverse("sales:offer-bulk-owner"),
        {"ids": [str(offer.pk)], "owner_id": str(other_owner.pk)},
        follow=True,
    )
    assert "Choose the new owner." in response.content.decode()
    assert _fresh(offer).owner_id == owner.pk


def test_a_sales_user_cannot_take_offers_through_the_bulk_bar_then_delete_them(
    client, org, owner, sales_user, offer
):
    client.force_login(sales_user)

    assigned = client.post(
        reverse("sales:offer-bulk-owner"),
        {"ids": [str(offer.pk)], "owner_id": str(sales_user.pk)},
        follow=True,
    )
    deleted = client.post(reverse("sales:offer-delete", args=[offer.pk]), {}, **HTMX)

    assert "Only the record&#x27;s owner or a Manager may reassign it." in (
        assigned.content.decode()
    )
    assert deleted.status_code == 403
    assert (_fresh(offer).owner_id, _fresh(offer).version) == (owner.pk, offer.version)


# --- a new offer -----------------------------------------------------------------------


def test_new_offer_page_preselects_the_account(client, owner, account):
    client.force_login(owner)
    response = client.get(reverse("sales:offer-new"), {"account": str(account.pk)})
    assert response.status_code == 200
    assert f'<option value="{account.pk}" selected>Carpați Trans SA</option>' in (
        response.content.decode()
    )


def test_new_offer_is_created_and_opens_its_page(client, org, owner, account):
    client.force_login(owner)
    response = client.post(
        reverse("sales:offer-new"),
        {"account_id": str(account.pk), "title": "Flotă 2027", "currency": "RON",
         "language": "ro", "priority": "high", "owner_id": str(owner.pk)},
    )  # fmt: skip
    offer = Offer.objects.get(title="Flotă 2027")
    assert response.status_code == 302
    assert response["Location"] == reverse("sales:offer", args=[offer.pk])
    assert (offer.account_id, offer.priority, offer.status) == (account.pk, "high", "draft")
    assert offer.valid_until == offer.issue_date + dt.timedelta(days=30)


def test_new_offer_without_a_title_says_so_next_to_the_field(client, owner, account):
    client.force_login(owner)
    response = client.post(
        reverse("sales:offer-new"),
        {"account_id": str(account.pk), "title": "", "currency": "RON", "language": "ro",
         "priority": "medium"},
    )  # fmt: skip
    assert response.status_code == 422
    assert response.context["form"].errors["title"] == ["This field is required."]
    assert 'id="id_title_error"' in response.content.decode()
    assert Offer.objects.count() == 0


def test_new_offer_for_an_account_of_another_organisation_is_refused(
    client, org, owner, other_org, other_owner
):
    foreign = AccountFactory.create(org=other_org, user=other_owner)
    client.force_login(owner)
    response = client.post(
        reverse("sales:offer-new"),
        {"account_id": str(foreign.pk), "title": "X", "currency": "RON", "language": "ro",
         "priority": "medium"},
    )  # fmt: skip
    assert response.status_code == 422
    assert response.context["form"].errors["account_id"] == ["No account with this id."]
    assert Offer.objects.count() == 0


def test_new_offer_valid_until_before_issue_date_is_refused_at_the_field(client, owner, account):
    client.force_login(owner)
    response = client.post(
        reverse("sales:offer-new"),
        {"account_id": str(account.pk), "title": "X", "currency": "RON", "language": "ro",
         "priority": "medium", "issue_date": "2026-03-10", "valid_until": "2026-03-01"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "valid_until" in response.context["form"].errors
    assert Offer.objects.count() == 0


def test_account_options_narrow_to_what_was_typed(client, org, owner, account):
    AccountFactory.create(org=org, user=owner, name="Delta Construct")
    client.force_login(owner)
    response = client.get(reverse("sales:offer-account-options"), {"account_q": "carp"}, **HTMX)
    options = response.content.decode()
    assert "Carpați Trans SA" in options and "Delta Construct" not in options


# --- the offer page --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "sales_user"])
def test_offer_page_shows_header_lines_and_totals(client, request, offer, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("sales:offer", args=[offer.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert offer.number in page and "Carpați Trans SA" in page and "Cursă Cluj–Brașov" in page
    assert 'data-testid="offer-total-net">3,000.00\xa0RON<' in page
    assert 'data-testid="offer-total-vat">630.00\xa0RON<' in page
    assert 'data-testid="offer-total-gross">3,630.00\xa0RON<' in page


def test_offer_page_in_romanian_writes_money_the_romanian_way(client, owner, offer):
    user_set_language(user=owner, language="ro")
    client.force_login(owner)
    page = client.get(reverse("sales:offer", args=[offer.pk])).content.decode()
    assert 'data-testid="offer-total-gross">3.630,00\xa0lei<' in page


@pytest.mark.parametrize(
    "name", ["offer", "offer-pdf", "offer-edit", "offer-send", "offer-status", "offer-lines"]
)
def test_offer_pages_of_another_organisation_are_404(client, other_owner, other_org, offer, name):
    client.force_login(other_owner)
    assert client.get(reverse(f"sales:{name}", args=[offer.pk])).status_code == 404


def test_offer_page_anonymous_goes_to_login(client, offer):
    response = client.get(reverse("sales:offer", args=[offer.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_offer_page_query_count_does_not_grow_with_lines(client, org, owner, offer):
    client.force_login(owner)
    url = reverse("sales:offer", args=[offer.pk])
    few = _query_count(client, url)
    for _ in range(18):
        services.offer_line_add(org=org, user=owner, offer_id=offer.pk, name="X", quantity="1",
                                unit_price="1")  # fmt: skip
    assert _query_count(client, url) == few


def test_offer_page_pdf_is_a_pdf(client, owner, offer):
    client.force_login(owner)
    response = client.get(reverse("sales:offer-pdf", args=[offer.pk]), {"download": "1"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{offer.number}.pdf"'
    assert response.content.startswith(b"%PDF")


def test_edit_offer_in_the_dialog_saves_and_reloads_the_page(client, owner, sales_user, offer):
    client.force_login(owner)
    form = client.get(reverse("sales:offer-edit", args=[offer.pk]), **HTMX)
    assert form.status_code == 200 and 'id="dialog-title"' in form.content.decode()

    response = client.post(
        reverse("sales:offer-edit", args=[offer.pk]),
        {"title": "Transport 2027", "currency": "RON", "language": "ro", "priority": "low",
         "owner_id": str(sales_user.pk), "issue_date": offer.issue_date.isoformat(),
         "probability": "40", "version": offer.version, "dialog": "1"},
        **HTMX,
    )  # fmt: skip

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("sales:offer", args=[offer.pk])
    saved = _fresh(offer)
    assert (saved.title, saved.owner_id, saved.probability) == ("Transport 2027", sales_user.pk, 40)


def test_edit_offer_with_a_stale_version_keeps_the_input_and_changes_nothing(
    client, org, owner, offer
):
    services.offer_update(org=org, user=owner, offer_id=offer.pk, title="Changed meanwhile")
    client.force_login(owner)
    response = client.post(
        reverse("sales:offer-edit", args=[offer.pk]),
        {"title": "Mine", "currency": "RON", "language": "ro", "priority": "low",
         "version": offer.version, "dialog": "1"},
        **HTMX,
    )  # fmt: skip
    assert response.status_code == 422
    page = response.content.decode()
    assert "Someone else changed this record meanwhile." in page
    assert 'value="Mine"' in page
    assert _fresh(offer).title == "Changed meanwhile"


def test_edit_offer_with_a_bad_probability_names_the_field(client, owner, offer):
    client.force_login(owner)
    response = client.post(
        reverse("sales:offer-edit", args=[offer.pk]),
        {"title": "T", "currency": "RON", "language": "ro", "priority": "low",
         "probability": "150", "version": offer.version},
        **HTMX,
    )  # fmt: skip
    assert response.status_code == 422
    assert "probability" in response.context["form"].errors
    assert _fresh(offer).probability == offer.probability


# --- status ----------------------------------------------------------------------------


def test_mark_sent_with_one_click(client, owner, offer):
    client.force_login(owner)
    response = client.post(
        reverse("sales:offer-status", args=[offer.pk]),
        {"status": "sent", "version": offer.version},
        **HTMX,
    )
    assert response.status_code == 200
    assert _fresh(offer).status == "sent"


def test_an_illegal_move_is_refused_with_the_services_message(client, owner, offer):
    client.force_login(owner)
    response = client.post(
        reverse("sales:offer-status", args=[offer.pk]), {"status": "negotiation"}, **HTMX
    )
    assert response.status_code == 409
    assert _error(response) == "An offer cannot go from “Draft” to “Negotiation”."
    assert _fresh(offer).status == "draft"


def test_lost_without_a_reason_is_asked_for_next_to_the_field(client, org, owner, offer):
    services.offer_change_status(org=org, user=owner, offer_id=offer.pk, status="sent")
    client.force_login(owner)
    dialog = client.get(reverse("sales:offer-status", args=[offer.pk]), {"status": "lost"}, **HTMX)
    assert 'name="lost_reason"' in dialog.content.decode()

    response = client.post(
        reverse("sales:offer-status", args=[offer.pk]),
        {"status": "lost", "closed_date": TODAY().isoformat(), "lost_reason": " ", "dialog": "1"},
        **HTMX,
    )

    assert response.status_code == 422
    assert response.context["form"].errors["lost_reason"] == ["Say why the offer was lost."]
    assert _fresh(offer).status == "sent"


def test_lost_with_a_date_and_reason_closes_the_offer(client, org, owner, offer):
    services.offer_change_status(org=org, user=owner, offer_id=offer.pk, status="sent")
    client.force_login(owner)
    response = client.post(
        reverse("sales:offer-status", args=[offer.pk]),
        {"status": "lost", "closed_date": TODAY().isoformat(), "lost_reason": "Preț prea mare",
         "dialog": "1", "next": reverse("sales:pipeline")},
        **HTMX,
    )  # fmt: skip
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("sales:pipeline")
    closed = _fresh(offer)
    assert (closed.status, closed.lost_reason, closed.closed_date) == (
        "lost",
        "Preț prea mare",
        TODAY(),
    )


def test_won_in_the_future_is_refused_at_the_date(client, org, owner, offer):
    services.offer_change_status(org=org, user=owner, offer_id=offer.pk, status="sent")
    client.force_login(owner)
    tomorrow = TODAY() + dt.timedelta(days=2)
    response = client.post(
        reverse("sales:offer-status", args=[offer.pk]),
        {"status": "won", "closed_date": tomorrow.isoformat(), "dialog": "1"},
        **HTMX,
    )
    assert response.status_code == 422
    assert response.context["form"].errors["closed_date"] == [
        "The closing date cannot be in the future."
    ]
    assert _fresh(offer).status == "sent"


def test_a_closed_offer_page_has_no_editor(client, org, owner, offer):
    services.offer_change_status(org=org, user=owner, offer_id=offer.pk, status="sent")
    services.offer_change_status(
        org=org, user=owner, offer_id=offer.pk, status="won", closed_date=TODAY()
    )
    client.force_login(owner)
    page = client.get(reverse("sales:offer", args=[offer.pk])).content.decode()
    assert 'id="product-search"' not in page
    assert reverse("sales:offer-line-update", args=[offer.lines.get().pk]) not in page


def test_delete_a_draft_offer(client, owner, offer):
    client.force_login(owner)
    response = client.post(
        reverse("sales:offer-delete", args=[offer.pk]), {"version": offer.version}, **HTMX
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("sales:offer-list")
    assert not Offer.objects.filter(pk=offer.pk).exists()


def test_a_sent_offer_cannot_be_deleted(client, org, owner, offer):
    services.offer_change_status(org=org, user=owner, offer_id=offer.pk, status="sent")
    client.force_login(owner)
    response = client.post(reverse("sales:offer-delete", args=[offer.pk]), **HTMX)
    assert response.status_code == 409
    assert _error(response) == "Only a draft offer can be deleted; mark this one lost instead."
    assert Offer.objects.filter(pk=offer.pk).exists()


# --- lines -----------------------------------------------------------------------------


def test_add_a_free_line_closes_the_dialog_and_shows_new_totals(client, owner, offer):
    client.force_login(owner)
    dialog = client.get(reverse("sales:offer-line-add", args=[offer.pk]), **HTMX)
    assert dialog.status_code == 200

    response = client.post(
        reverse("sales:offer-line-add", args=[offer.pk]),
        {"name": "Asigurare marfă", "unit": "buc", "quantity": "1,5", "unit_price": "200",
         "currency": "RON", "discount_percent": "10", "vat_rate": "21", "dialog": "1"},
        **HTMX,
    )  # fmt: skip

    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {"closeDialog": True}
    assert response["HX-Retarget"] == "#offer-lines"
    added = OfferLine.objects.get(name="Asigurare marfă")
    assert (added.quantity, added.net_amount, added.gross_amount) == (
        Decimal("1.500"),
        Decimal("270.00"),
        Decimal("326.70"),
    )
    assert 'data-testid="offer-total-gross">3,956.70\xa0RON<' in response.content.decode()
    assert _fresh(offer).total_gross == Decimal("3956.70")


def test_a_free_line_with_a_quantity_that_is_not_a_number_changes_nothing(client, owner, offer):
    client.force_login(owner)
    response = client.post(
        reverse("sales:offer-line-add", args=[offer.pk]),
        {"name": "X", "unit": "buc", "quantity": "doi", "unit_price": "1.234,50",
         "currency": "RON", "vat_rate": "21", "dialog": "1"},
        **HTMX,
    )  # fmt: skip
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert errors["quantity"] == ["Enter a number, like 12,5."]
    assert errors["unit_price"] == ["Enter a number, like 12,5."]
    assert 'value="doi"' in response.content.decode()
    assert offer.lines.count() == 1


def test_a_free_line_in_a_currency_without_a_rate_names_the_currency(client, owner, offer):
    client.force_login(owner)
    response = client.post(
        reverse("sales:offer-line-add", args=[offer.pk]),
        {"name": "X", "unit": "buc", "quantity": "1", "unit_price": "10", "currency": "EUR",
         "vat_rate": "21", "dialog": "1"},
        **HTMX,
    )  # fmt: skip
    assert response.status_code == 422
    assert (
        response.context["form"]
        .errors["currency"][0]
        .startswith("There is no EUR exchange rate on or before")
    )
    assert offer.lines.count() == 1


def test_pick_a_catalogue_product_adds_it_at_its_price(client, owner, offer, product):
    client.force_login(owner)
    hits = client.get(reverse("catalog:product-search"), {"q": "lic"}, **HTMX)
    assert f'name="product_id" value="{product.pk}"' in hits.content.decode()

    response = client.post(
        reverse("sales:offer-line-add-product", args=[offer.pk]),
        {"product_id": str(product.pk)},
        **HTMX,
    )

    assert response.status_code == 200
    added = offer.lines.get(product=product)
    assert (added.code, added.unit, added.quantity, added.gross_amount) == (
        "LIC-12",
        "an",
        Decimal("1.000"),
        Decimal("1210.00"),
    )
    page = response.content.decode()
    assert 'data-testid="offer-total-gross">4,840.00\xa0RON<' in page
    assert 'id="header-total-gross" hx-swap-oob="true"' in page


def test_a_product_priced_in_euro_is_converted_at_the_days_rate(client, org, owner, offer):
    catalog.exchange_rate_set(
        org=org, user=owner, currency="EUR", date=offer.issue_date, rate=Decimal("5.0812")
    )
    euro = catalog.product_create(
        org=org, user=owner, code="SRV-EU", name="Consultanță", price=Decimal("100"),
        currency="EUR", kind="service",
    )  # fmt: skip
    client.force_login(owner)
    client.post(
        reverse("sales:offer-line-add-product", args=[offer.pk]),
        {"product_id": str(euro.pk), "quantity": "2"},
        **HTMX,
    )
    added = offer.lines.get(product=euro)
    assert (added.exchange_rate, added.unit_price, added.net_amount) == (
        Decimal("5.081200"),
        Decimal("508.1200"),
        Decimal("1016.24"),
    )


def test_a_product_of_another_organisation_cannot_be_added(
    client, owner, offer, other_org, other_owner
):
    foreign = catalog.product_create(
        org=other_org, user=other_owner, code="X", name="X", price=Decimal("1")
    )
    client.force_login(owner)
    response = client.post(
        reverse("sales:offer-line-add-product", args=[offer.pk]),
        {"product_id": str(foreign.pk)},
        **HTMX,
    )
    assert response.status_code == 422
    assert _error(response) == "No product with this id."
    assert offer.lines.count() == 1


def test_edit_a_line_inline_updates_the_totals(client, owner, offer, line):
    client.force_login(owner)
    prefix = f"line-{line.pk}"
    response = client.post(
        reverse("sales:offer-line-update", args=[line.pk]),
        {f"{prefix}-quantity": "3", f"{prefix}-unit_price": "1500", f"{prefix}-discount_percent":
         "0", f"{prefix}-vat_rate": "21", f"{prefix}-version": line.version},
        **HTMX,
    )  # fmt: skip
    assert response.status_code == 200
    assert 'data-testid="offer-total-gross">5,445.00\xa0RON<' in response.content.decode()
    assert _fresh(offer).total_gross == Decimal("5445.00")


def test_a_discount_over_100_is_refused_next_to_it_and_changes_nothing(client, owner, offer, line):
    client.force_login(owner)
    prefix = f"line-{line.pk}"
    response = client.post(
        reverse("sales:offer-line-update", args=[line.pk]),
        {f"{prefix}-quantity": "2", f"{prefix}-unit_price": "1500", f"{prefix}-discount_percent":
         "150", f"{prefix}-vat_rate": "21", f"{prefix}-version": line.version},
        **HTMX,
    )  # fmt: skip
    assert response.status_code == 422
    page = response.content.decode()
    assert f'id="id_{prefix}-discount_percent_error"' in page
    assert 'value="150"' in page
    assert OfferLine.objects.get(pk=line.pk).discount_percent == Decimal("0.00")
    assert _fresh(offer).total_gross == Decimal("3630.00")


def test_a_stale_line_edit_is_refused_with_a_message(client, org, owner, offer, line):
    services.offer_line_update(org=org, user=owner, line_id=line.pk, quantity="5")
    client.force_login(owner)
    prefix = f"line-{line.pk}"
    response = client.post(
        reverse("sales:offer-line-update", args=[line.pk]),
        {f"{prefix}-quantity": "1", f"{prefix}-unit_price": "1", f"{prefix}-discount_percent":
         "0", f"{prefix}-vat_rate": "21", f"{prefix}-version": line.version},
        **HTMX,
    )  # fmt: skip
    assert response.status_code == 409
    assert _error(response).startswith("Someone else changed this record meanwhile.")
    assert OfferLine.objects.get(pk=line.pk).quantity == Decimal("5.000")


def test_delete_a_line(client, owner, offer, line):
    client.force_login(owner)
    response = client.post(
        reverse("sales:offer-line-delete", args=[line.pk]), {"version": line.version}, **HTMX
    )
    assert response.status_code == 200
    assert 'data-testid="no-lines"' in response.content.decode()
    assert _fresh(offer).total_gross == Decimal("0.00")


def test_lines_of_another_organisation_are_404(client, other_owner, other_org, line):
    client.force_login(other_owner)
    assert client.post(reverse("sales:offer-line-update", args=[line.pk])).status_code == 404
    assert client.post(reverse("sales:offer-line-delete", args=[line.pk])).status_code == 404
    assert OfferLine.objects.filter(pk=line.pk).exists()


# --- sending and the client link ---------------------------------------------------------


def test_send_dialog_lists_the_account_contacts_with_an_email(client, org, owner, offer, account):
    contact_create(org=org, user=owner, account_id=account.pk, last_name="Mureșan",
                   email="ana@carpati.ro")  # fmt: skip
    contact_create(org=org, user=owner, account_id=account.pk, last_name="Fără E-mail")
    client.force_login(owner)
    response = client.get(reverse("sales:offer-send", args=[offer.pk]), **HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert "ana@carpati.ro" in page and "Fără E-mail" not in page


def test_send_without_a_recipient_is_refused_at_the_field(client, owner, offer):
    client.force_login(owner)
    response = client.post(reverse("sales:offer-send", args=[offer.pk]), {"subject": "x"}, **HTMX)
    assert response.status_code == 422
    assert response.context["form"].errors["contact_ids"] == ["This field is required."]
    assert _fresh(offer).status == "draft"


def test_new_client_link_is_shown_once_and_can_be_withdrawn(client, org, owner, offer):
    services.offer_change_status(org=org, user=owner, offer_id=offer.pk, status="sent")
    client.force_login(owner)

    created = client.post(
        reverse("sales:offer-link", args=[offer.pk]), {"action": "create"}, follow=True
    )
    assert "/o/" in created.content.decode()
    assert offer.client_links.filter(revoked_at__isnull=True).count() == 1

    client.post(reverse("sales:offer-link", args=[offer.pk]), {"action": "revoke"})
    assert offer.client_links.filter(revoked_at__isnull=True).count() == 0


def test_a_draft_gets_no_client_link(client, owner, offer):
    client.force_login(owner)
    response = client.post(
        reverse("sales:offer-link", args=[offer.pk]), {"action": "create"}, **HTMX
    )
    assert response.status_code == 409
    assert _error(response) == "Only a sent offer (or one in negotiation) gets a client link."
    assert not offer.client_links.exists()


def test_client_link_of_another_organisation_is_404(client, other_owner, other_org, offer):
    client.force_login(other_owner)
    response = client.post(reverse("sales:offer-link", args=[offer.pk]), {"action": "create"})
    assert response.status_code == 404
    assert not outreach.OfferLink.objects.exists()


# --- the pipeline ----------------------------------------------------------------------


def test_pipeline_shows_every_status_column_and_totals_per_currency(client, org, owner, offer):
    client.force_login(owner)
    response = client.get(reverse("sales:pipeline"))
    assert response.status_code == 200
    page = response.content.decode()
    for status in ("draft", "sent", "negotiation", "won", "lost"):
        assert f'data-testid="kanban-column-{status}"' in page
    assert f'data-testid="kanban-card" data-offer-id="{offer.pk}"' in page
    draft = page.split('data-testid="kanban-column-draft"')[1].split("kanban-column-sent")[0]
    assert "3,000.00\xa0RON" in draft


def test_pipeline_hides_offers_of_other_organisations(client, owner, offer, other_org, other_owner):
    foreign = _offers(other_org, other_owner, 1)[0]
    client.force_login(owner)
    page = client.get(reverse("sales:pipeline")).content.decode()
    assert str(foreign.pk) not in page


def test_pipeline_query_count_does_not_grow_with_offers(client, org, owner):
    client.force_login(owner)
    url = reverse("sales:pipeline")
    _offers(org, owner, 2)
    few = _query_count(client, url)
    _offers(org, owner, 18)
    assert _query_count(client, url) == few


def _card_ids(html):
    return re.findall(r'data-testid="kanban-card" data-offer-id="([0-9a-f-]+)"', html)


def _more_url(html):
    """The "Load more" button's address, or None when the column has no more."""
    found = re.search(r'hx-get="([^"]+part=cards[^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_pipeline_column_shows_its_first_cards_then_loads_the_rest(client, org, owner, monkeypatch):
    monkeypatch.setattr(pipeline, "CARDS_PER_COLUMN", 3)
    today = org_today(org)
    dated = [
        _offers(org, owner, 1, expected_close_date=today + dt.timedelta(days=days))[0]
        for days in (5, 1, 3, 1)
    ]
    undated = _offers(org, owner, 2)
    expected = [dated[1], dated[3]]
    expected.sort(key=lambda offer: offer.pk)
    expected += [dated[2], dated[0], *sorted(undated, key=lambda offer: offer.pk)]
    client.force_login(owner)
    page = client.get(reverse("sales:pipeline")).content.decode()
    draft = page.split('data-testid="kanban-column-draft"')[1].split("kanban-column-sent")[0]
    assert _card_ids(draft) == [str(offer.pk) for offer in expected[:3]]
    assert '<span class="badge text-bg-light" data-testid="kanban-count">6</span>' in draft
    more = _more_url(draft)

    shown = []
    while more:
        response = client.get(more, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        html = response.content.decode()
        shown += _card_ids(html)
        assert 'id="more-draft" hx-swap-oob="outerHTML"' in html
        more = _more_url(html)
    assert shown == [str(offer.pk) for offer in expected[3:]]


def test_pipeline_closed_column_shows_the_latest_closed_first(client, org, owner, monkeypatch):
    monkeypatch.setattr(pipeline, "CARDS_PER_COLUMN", 1)
    today = org_today(org)
    old, recent, too_old = _offers(org, owner, 3)
    for offer, days in ((old, 30), (recent, 2), (too_old, 200)):
        Offer.objects.filter(pk=offer.pk).update(
            status="won", closed_date=today - dt.timedelta(days=days)
        )
    client.force_login(owner)
    page = client.get(reverse("sales:pipeline")).content.decode()
    won = page.split('data-testid="kanban-column-won"')[1].split("kanban-column-lost")[0]
    assert _card_ids(won) == [str(recent.pk)]
    assert 'data-testid="kanban-count">2</span>' in won
    html = client.get(_more_url(won), HTTP_HX_REQUEST="true").content.decode()
    assert _card_ids(html) == [str(old.pk)]
    assert "part=cards" not in html


@pytest.mark.parametrize(
    "query",
    ["status=draft&after=nonsense", "status=nope&after=2026-01-01.{}", "after=2026-01-01.{}"],
)
def test_pipeline_more_cards_with_a_bad_cursor_is_a_clear_400(client, owner, offer, query):
    client.force_login(owner)
    url = reverse("sales:pipeline") + "?part=cards&" + query.format(offer.pk)
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_pipeline_more_cards_never_shows_another_organisations_offers(
    client, org, owner, other_org, other_owner
):
    foreign = _offers(other_org, other_owner, 3)
    client.force_login(owner)
    url = (
        reverse("sales:pipeline")
        + "?part=cards&status=draft&after=2000-01-01."
        + str(uuid.UUID(int=0))
    )
    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert not any(str(offer.pk) in html for offer in foreign)


def test_dropping_a_card_on_the_next_column_changes_its_status(client, org, owner, offer):
    services.offer_change_status(org=org, user=owner, offer_id=offer.pk, status="sent")
    client.force_login(owner)
    response = client.post(
        reverse("sales:pipeline-move", args=[offer.pk]),
        {"status": "negotiation", "version": _fresh(offer).version},
    )
    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert _fresh(offer).status == "negotiation"


def test_an_illegal_drop_is_refused_and_nothing_changes(client, owner, offer):
    client.force_login(owner)
    response = client.post(reverse("sales:pipeline-move", args=[offer.pk]), {"status": "won"})
    assert response.status_code == 409
    assert response.json() == {
        "ok": False,
        "message": "An offer cannot go from “Draft” to “Won”.",
        "field": "status",
    }
    assert _fresh(offer).status == "draft"


def test_a_drop_on_lost_without_the_details_is_refused(client, org, owner, offer):
    services.offer_change_status(org=org, user=owner, offer_id=offer.pk, status="sent")
    client.force_login(owner)
    response = client.post(reverse("sales:pipeline-move", args=[offer.pk]), {"status": "lost"})
    assert response.status_code == 422
    assert response.json()["field"] == "closed_date"
    assert _fresh(offer).status == "sent"


def test_moving_an_offer_of_another_organisation_is_404(client, other_owner, other_org, offer):
    client.force_login(other_owner)
    response = client.post(reverse("sales:pipeline-move", args=[offer.pk]), {"status": "sent"})
    assert response.status_code == 404
    assert _fresh(offer).status == "draft"


def test_offer_page_without_the_catalogue_has_no_product_picker(client, org, owner, offer):
    organization_set_modules(org=org, user=owner, enabled=["activities", "notes", "tasks"])
    client.force_login(owner)
    page = client.get(reverse("sales:offer", args=[offer.pk])).content.decode()
    assert 'id="product-search"' not in page
