"""The trash on the pages: Settings → Trash lists deleted records with who deleted them,
when, and when they are purged; Restore brings them back. Trashed records are absent from
record pages, lists, search, exports, the dashboard's counts and the pipeline."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from smartcrm.activities.services import activity_create
from smartcrm.catalog.services import product_create, product_delete
from smartcrm.contacts.services import contact_create
from smartcrm.core.permissions import membership_of
from smartcrm.notes.services import note_create
from smartcrm.sales import services as sales
from smartcrm.tasks.services import task_create
from smartcrm.trash.models import TrashBatch
from smartcrm.web.dashboard import dashboard


@pytest.fixture
def browser(client, owner):
    client.force_login(owner)
    return client


def test_delete_from_the_page_moves_to_the_trash_and_restore_brings_it_back(
    browser, org, owner, settings
):
    # given a prospect with a contact
    settings.SMARTCRM_TRASH_DAYS = 30
    prospect = sales.prospect_create(org=org, user=owner, company_name="Carpați Lemn SRL")
    contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Mureșan")

    # the delete dialog says where it goes
    dialog = browser.get(reverse("sales:prospect-delete", args=[prospect.pk])).content.decode()
    assert "moves to the trash" in dialog or "coșul de gunoi" in dialog

    # when it is deleted from its page
    response = browser.post(
        reverse("sales:prospect-delete", args=[prospect.pk]), {"version": prospect.version}
    )
    assert response.status_code in (200, 302)

    # then its page is not found, and Settings → Trash lists it with who, when, and purge day
    assert browser.get(reverse("sales:prospect", args=[prospect.pk])).status_code == 404
    page = browser.get(reverse("trash:list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count('data-testid="trash-row"') == 1
    assert "Carpați Lemn SRL" in text
    assert str(owner) in text
    batch = TrashBatch.objects.get()
    purge_day = date_format(
        timezone.localtime(batch.deleted_at + dt.timedelta(days=30)), "SHORT_DATE_FORMAT"
    )
    assert purge_day in text

    # when Restore is pressed
    restored = browser.post(reverse("trash:restore", args=["prospect", prospect.pk]))

    # then it is back on its page, with its contact, and the trash is empty
    assert restored.status_code == 302
    assert browser.get(reverse("sales:prospect", args=[prospect.pk])).status_code == 200
    assert 'data-testid="trash-empty"' in browser.get(reverse("trash:list")).content.decode()


def test_a_refused_restore_says_why_and_keeps_it_in_the_trash(browser, org, owner):
    old = product_create(org=org, user=owner, code="LIC-01", name="Licență", price=Decimal(1))
    product_delete(org=org, user=owner, product_id=old.pk)
    product_create(org=org, user=owner, code="LIC-01", name="Nouă", price=Decimal(1))

    response = browser.post(reverse("trash:restore", args=["product", old.pk]), follow=True)

    assert "LIC-01" in response.content.decode()
    assert TrashBatch.objects.filter(object_id=old.pk).exists()


def test_trashed_records_pages_are_not_found(browser, org, owner):
    account = sales.account_create(org=org, user=owner, name="Delta Construct SRL")
    offer = sales.offer_create(org=org, user=owner, account_id=account.pk, title="Ofertă")
    contact = contact_create(org=org, user=owner, account_id=account.pk, last_name="Pop")
    activity = activity_create(
        org=org,
        user=owner,
        account_id=account.pk,
        kind="call",
        subject="Apel",
        start_at=timezone.now(),
    )
    note = note_create(org=org, user=owner, account_id=account.pk, body="Notă")
    task = task_create(org=org, user=owner, account_id=account.pk, title="Sarcină")
    product = product_create(org=org, user=owner, code="P-1", name="P", price=Decimal(1))
    pages = [
        ("sales:offer", offer.pk),
        ("sales:account", account.pk),
        ("contacts:contact", contact.pk),
        ("activities:activity", activity.pk),
        ("notes:note", note.pk),
        ("tasks:task", task.pk),
        ("catalog:product", product.pk),
    ]
    for name, pk in pages:
        # (a note's page is its record's, where it shows)
        assert browser.get(reverse(name, args=[pk])).status_code in (200, 302), name

    sales.offer_delete(org=org, user=owner, offer_id=offer.pk)
    sales.account_delete(org=org, user=owner, account_id=account.pk)
    product_delete(org=org, user=owner, product_id=product.pk)

    for name, pk in pages:
        assert browser.get(reverse(name, args=[pk])).status_code == 404, name


def test_trashed_records_are_absent_from_lists_search_exports_dashboard_and_pipeline(
    browser, org, owner
):
    # given two prospects and an account with a draft offer, one of each then trashed
    kept = sales.prospect_create(org=org, user=owner, company_name="Carpați Păstrat SRL")
    gone = sales.prospect_create(org=org, user=owner, company_name="Carpați Șters SRL")
    account = sales.account_create(org=org, user=owner, name="Carpați Client SRL")
    offer = sales.offer_create(org=org, user=owner, account_id=account.pk, title="Ofertă")
    sales.offer_line_add(
        org=org, user=owner, offer_id=offer.pk, name="L", quantity="1", unit_price="123"
    )
    before = dashboard(membership=membership_of(org, owner))
    assert before.prospect_counts["new"] == 2
    assert [row.count for row in before.pipeline] == [1]

    sales.prospect_delete(org=org, user=owner, prospect_id=gone.pk)
    sales.offer_delete(org=org, user=owner, offer_id=offer.pk)

    # lists, with and without q
    listing = browser.get(reverse("sales:prospect-list")).content.decode()
    assert "Carpați Păstrat SRL" in listing and "Carpați Șters SRL" not in listing
    searched = browser.get(reverse("sales:prospect-list") + "?q=carpati").content.decode()
    assert "Carpați Păstrat SRL" in searched and "Carpați Șters SRL" not in searched
    offers = browser.get(reverse("sales:offer-list")).content.decode()
    assert offer.number not in offers
    # the global search
    found = browser.get(reverse("web:search") + "?q=carpati").content.decode()
    assert "Carpați Păstrat SRL" in found and "Carpați Șters SRL" not in found
    # exports
    export = browser.get(reverse("exports:download", args=["prospects"]) + "?columns=name")
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(body))) == [["name"], ["Carpați Păstrat SRL"]]
    # the dashboard's counts and the pipeline's totals
    after = dashboard(membership=membership_of(org, owner))
    assert after.prospect_counts["new"] == 1
    assert after.pipeline == []
    board = browser.get(reverse("sales:pipeline")).content.decode()
    assert str(offer.pk) not in board
    assert kept.pk


def test_the_trash_page_speaks_romanian(browser, org, owner):
    owner.language = "ro"
    owner.save(update_fields=["language"])
    prospect = sales.prospect_create(org=org, user=owner, company_name="Brașov Lemn SRL")
    sales.prospect_delete(org=org, user=owner, prospect_id=prospect.pk)

    page = browser.get(reverse("trash:list")).content.decode()

    assert "Coș de gunoi" in page
    assert "Șters de" in page and "Ștergere definitivă la" in page and "Restaurează" in page


def test_restoring_what_is_not_in_the_trash_is_not_found(browser, org, owner):
    prospect = sales.prospect_create(org=org, user=owner, company_name="Viu SRL")
    url = reverse("trash:restore", args=["prospect", prospect.pk])
    assert browser.post(url).status_code == 404
    assert browser.post(reverse("trash:restore", args=["secrets", prospect.pk])).status_code == 404


def test_the_trash_page_pages_through_everything_and_filters_by_kind(browser, org, owner):
    # given 53 deleted prospects and one deleted product
    for n in range(53):
        prospect = sales.prospect_create(org=org, user=owner, company_name=f"Firma {n:02d} SRL")
        sales.prospect_delete(org=org, user=owner, prospect_id=prospect.pk)
    product = product_create(org=org, user=owner, code="LIC-1", name="Licență", price=Decimal("10"))
    product_delete(org=org, user=owner, product_id=product.pk)

    # when the trash page opens, then it shows the newest 50 and a "Load more"
    first = browser.get(reverse("trash:list")).content.decode()
    assert first.count('data-testid="trash-row"') == 50
    assert "Licență" in first  # the newest first
    assert "Firma 00 SRL" not in first
    cursor = first.split("cursor=")[1].split('"')[0].split("&")[0]

    # and "Load more" brings the rest, rows only
    rest = browser.get(reverse("trash:list"), {"cursor": cursor}, HTTP_HX_REQUEST="true")
    rows = rest.content.decode()
    assert rows.count('data-testid="trash-row"') == 4
    assert "Firma 00 SRL" in rows and "<html" not in rows

    # and a kind narrows it
    products = browser.get(reverse("trash:list"), {"kind": "product"}).content.decode()
    assert products.count('data-testid="trash-row"') == 1 and "Licență" in products
    none = browser.get(reverse("trash:list"), {"kind": "note"}).content.decode()
    assert 'data-testid="trash-empty"' in none
