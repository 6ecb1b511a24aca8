"""The Duplicates pages and the merge screen; the export download of the web lists."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from smartcrm.contacts import services as contacts
from smartcrm.contacts.models import Contact
from smartcrm.sales import services as sales
from smartcrm.sales.models import Prospect


@pytest.fixture
def browser(owner):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(owner)
    return client


def test_duplicates_page_lists_the_groups_with_a_merge_link(
    browser, org, owner, django_assert_max_num_queries
):
    a = sales.prospect_create(org=org, user=owner, company_name="Alfa SRL", email="x@alfa.ro")
    b = sales.prospect_create(org=org, user=owner, company_name="Alfa Soluții", email="X@alfa.ro")
    sales.prospect_create(org=org, user=owner, company_name="Beta")
    with django_assert_max_num_queries(20):
        response = browser.get(reverse("dedupe:groups", args=["prospects"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Alfa SRL" in page and "Alfa Soluții" in page and "Beta" not in page
    assert f"ids={a.pk}&amp;ids={b.pk}" in page


def test_merge_screen_merges_with_the_chosen_values(browser, org, owner):
    keep = sales.prospect_create(org=org, user=owner, company_name="Alfa SRL", phone="")
    other = sales.prospect_create(
        org=org, user=owner, company_name="ALFA S.R.L.", phone="0722123456"
    )
    contacts.contact_create(org=org, user=owner, prospect_id=other.pk, last_name="Pop")
    url = reverse("dedupe:merge", args=["prospects"])
    shown = browser.get(f"{url}?ids={keep.pk}&ids={other.pk}")
    assert shown.status_code == 200
    assert "0722123456" in shown.content.decode()
    response = browser.post(
        url,
        {
            "ids": [str(keep.pk), str(other.pk)],
            "survivor": str(keep.pk),
            "keep_company_name": str(keep.pk),
            "keep_phone": str(other.pk),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("sales:prospect", kwargs={"prospect_id": keep.pk})
    survivor = Prospect.objects.get()
    assert (survivor.pk, survivor.company_name, survivor.phone) == (
        keep.pk,
        "Alfa SRL",
        "0722123456",
    )
    assert Contact.objects.get().prospect_id == keep.pk


def test_merge_screen_refuses_values_changed_since_they_were_shown(browser, org, owner):
    keep = sales.prospect_create(org=org, user=owner, company_name="Alfa SRL", vat_payer=True)
    other = sales.prospect_create(org=org, user=owner, company_name="ALFA S.R.L.")
    url = reverse("dedupe:merge", args=["prospects"])
    shown = browser.get(f"{url}?ids={keep.pk}&ids={other.pk}").content.decode()
    # yes/no, not True and a dash
    assert ">yes</label>" in shown and ">no</label>" in shown and ">True<" not in shown
    versions = [f"{keep.pk}:{keep.version}", f"{other.pk}:{other.version}"]
    # meanwhile someone gives the other one a phone number
    sales.prospect_update(org=org, user=owner, prospect_id=other.pk, phone="0722123456")
    response = browser.post(
        url,
        {
            "ids": [str(keep.pk), str(other.pk)],
            "versions": versions,
            "survivor": str(keep.pk),
            "keep_company_name": str(keep.pk),
        },
    )
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    assert Prospect.objects.count() == 2
    # the page now shows the new value, and its versions: merging goes through
    assert "0722123456" in response.content.decode()
    fresh = [f"{p.pk}:{p.version}" for p in Prospect.objects.order_by("created_at")]
    response = browser.post(
        url,
        {"ids": [str(keep.pk), str(other.pk)], "versions": fresh, "survivor": str(keep.pk)},
    )
    assert response.status_code == 302 and Prospect.objects.count() == 1


def test_merge_screen_of_another_organisations_records_is_404(
    browser, org, owner, other_org, other_owner
):
    mine = sales.prospect_create(org=org, user=owner, company_name="Alfa SRL")
    theirs = sales.prospect_create(org=other_org, user=other_owner, company_name="Alfa SRL")
    url = reverse("dedupe:merge", args=["prospects"])
    assert browser.get(f"{url}?ids={mine.pk}&ids={theirs.pk}").status_code == 404
    response = browser.post(url, {"ids": [str(mine.pk), str(theirs.pk)], "survivor": str(mine.pk)})
    assert response.status_code == 404
    assert Prospect.objects.count() == 2
    assert browser.get(reverse("dedupe:groups", args=["offers"])).status_code == 404


def test_web_export_downloads_the_filtered_list(browser, org, owner):
    sales.prospect_create(org=org, user=owner, company_name="Alfa SRL", status="qualified")
    sales.prospect_create(org=org, user=owner, company_name="Beta SRL")
    url = reverse("exports:download", args=["prospects"])
    response = browser.get(f"{url}?status=qualified&saved=&columns=name,status")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(body))) == [["name", "status"], ["Alfa SRL", "Qualified"]]
    bad = browser.get(f"{url}?status=nope")
    assert bad.status_code == 400 and "status" in bad.content.decode()
    assert browser.get(reverse("exports:download", args=["secrets"])).status_code == 404
