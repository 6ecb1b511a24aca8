"""The prospect pages: list, record page, create/edit dialog, status moves, conversion."""

from __future__ import annotations

from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from smartcrm.contacts.services import contact_create
from smartcrm.notes.services import note_create
from smartcrm.sales import services
from smartcrm.sales.choices import EventKind, ProspectStatus
from smartcrm.sales.models import Account, Offer, Prospect, RecordEvent
from smartcrm.sales.tests.factories import AccountFactory, ProspectFactory, qualified_prospect
from smartcrm.web.lists import PAGE_SIZE

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def prospect(org, owner):
    return ProspectFactory.create(
        org=org, user=owner, company_name="Brașov Lemn SRL", phone="0722 123 456"
    )


# --- list -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "sales_user", "manager"])
def test_the_list_shows_the_organisations_prospects_to_every_role(
    client, request, org, owner, prospect, other_org, other_owner, role
):
    ProspectFactory.create(org=other_org, user=other_owner, company_name="Beta Secret SRL")
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("sales:prospect-list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Brașov Lemn SRL" in page
    assert "Beta Secret SRL" not in page
    assert 'data-testid="prospect-row"' in page


def test_the_list_needs_a_login(client):
    response = client.get(reverse("sales:prospect-list"))
    assert response.status_code == 302


def test_an_empty_list_says_what_to_do(client, org, owner):
    client.force_login(owner)
    page = client.get(reverse("sales:prospect-list")).content.decode()
    assert "No prospects yet" in page
    assert reverse("sales:prospect-new") in page


def test_filters_narrow_the_list(client, org, owner, sales_user):
    ProspectFactory.create(org=org, user=owner, company_name="Cluj Soft SRL", county="CJ")
    ProspectFactory.create(
        org=org, user=owner, company_name="Iași Mobila SRL", county="IS", owner_id=sales_user.pk
    )
    client.force_login(owner)
    by_county = client.get(reverse("sales:prospect-list"), {"county": "IS"}).content.decode()
    by_owner = client.get(
        reverse("sales:prospect-list"), {"owner_id": str(owner.pk)}
    ).content.decode()
    by_text = client.get(reverse("sales:prospect-list"), {"q": "mobila"}).content.decode()
    assert "Iași Mobila SRL" in by_county and "Cluj Soft SRL" not in by_county
    assert "Cluj Soft SRL" in by_owner and "Iași Mobila SRL" not in by_owner
    assert "Iași Mobila SRL" in by_text and "Cluj Soft SRL" not in by_text


def test_the_creation_date_filter_takes_days_from_the_date_picker(client, org, owner, prospect):
    client.force_login(owner)
    # the day the organisation saw it created (the picker's days are its local days)
    today = prospect.created_at.astimezone(ZoneInfo(org.time_zone)).date().isoformat()
    same_day = client.get(
        reverse("sales:prospect-list"), {"created_after": today, "created_before": today}
    )
    later = client.get(reverse("sales:prospect-list"), {"created_after": "2999-01-01"})
    assert "Brașov Lemn SRL" in same_day.content.decode()
    assert "Brașov Lemn SRL" not in later.content.decode()


def test_a_bad_filter_value_is_named_and_ignored(client, org, owner, prospect):
    client.force_login(owner)
    response = client.get(reverse("sales:prospect-list"), {"status": "maybe", "county": "ZZ"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ignored the filter “county”" in page
    assert "Ignored the filter “status”" in page
    assert "Brașov Lemn SRL" in page


def test_sorting_by_an_unknown_column_falls_back_and_says_so(client, org, owner, prospect):
    client.force_login(owner)
    response = client.get(reverse("sales:prospect-list"), {"ordering": "password"})
    assert response.status_code == 200
    assert "Cannot sort by" in response.content.decode()


def test_sorting_by_company_name(client, org, owner):
    for name in ("Zeta SRL", "Alfa SRL", "Mega SRL"):
        ProspectFactory.create(org=org, user=owner, company_name=name)
    client.force_login(owner)
    page = client.get(reverse("sales:prospect-list"), {"ordering": "company_name"}).content
    text = page.decode()
    assert text.index("Alfa SRL") < text.index("Mega SRL") < text.index("Zeta SRL")


def test_load_more_renders_only_the_next_rows(client, org, owner):
    for number in range(PAGE_SIZE + 1):
        ProspectFactory.create(org=org, user=owner, company_name=f"Firma {number:02} SRL")
    client.force_login(owner)
    first = client.get(reverse("sales:prospect-list"))
    cursor = first.context["page"].next_cursor
    more = client.get(reverse("sales:prospect-list"), {"cursor": cursor}, **HTMX)
    assert first.content.decode().count('data-testid="prospect-row"') == PAGE_SIZE
    assert more.status_code == 200
    rows = more.content.decode()
    assert rows.count('data-testid="prospect-row"') == 1
    assert "<html" not in rows
    assert "Firma 00 SRL" in rows  # the oldest comes last (newest first)
    assert "Load more" not in rows


def test_filtering_with_htmx_answers_only_the_results(client, org, owner, prospect):
    client.force_login(owner)
    response = client.get(
        reverse("sales:prospect-list"), {"q": "brașov"}, HTTP_HX_TARGET="list-results", **HTMX
    )
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert "Brașov Lemn SRL" in response.content.decode()


def _list_queries(client, url):
    client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_the_list_query_count_does_not_grow_with_rows(client, org, owner, sales_user):
    client.force_login(owner)
    url = reverse("sales:prospect-list")
    for _ in range(2):
        ProspectFactory.create(org=org, user=owner, owner_id=sales_user.pk)
    few = _list_queries(client, url)
    for _ in range(18):
        ProspectFactory.create(org=org, user=owner, owner_id=owner.pk)
    many = _list_queries(client, url)
    assert many == few


# --- bulk actions ------------------------------------------------------------------------


def test_bulk_assign_gives_the_selected_prospects_to_a_member(
    client, org, owner, sales_user, prospect
):
    other = ProspectFactory.create(org=org, user=owner)
    untouched = ProspectFactory.create(org=org, user=owner)
    client.force_login(owner)
    response = client.post(
        reverse("sales:prospect-bulk"),
        {"ids": [prospect.pk, other.pk], "action": "assign", "owner_id": sales_user.pk},
    )
    assert response.status_code == 302
    owners = dict(Prospect.objects.values_list("pk", "owner_id"))
    assert owners[prospect.pk] == owners[other.pk] == sales_user.pk
    assert owners[untouched.pk] == owner.pk


def test_bulk_delete_asks_for_confirmation_first(client, org, owner, prospect):
    client.force_login(owner)
    response = client.post(
        reverse("sales:prospect-bulk"), {"ids": [prospect.pk], "action": "delete"}
    )
    assert response.status_code == 200
    assert 'data-testid="bulk-delete-confirm"' in response.content.decode()
    assert Prospect.objects.filter(pk=prospect.pk).exists()
    confirmed = client.post(
        reverse("sales:prospect-bulk"),
        {"ids": [prospect.pk], "action": "delete", "confirmed": "on"},
    )
    assert confirmed.status_code == 302
    assert not Prospect.objects.filter(pk=prospect.pk).exists()


def test_bulk_action_on_another_organisations_prospect_changes_nothing(
    client, org, owner, prospect, other_org, other_owner
):
    theirs = ProspectFactory.create(org=other_org, user=other_owner)
    client.force_login(owner)
    response = client.post(
        reverse("sales:prospect-bulk"),
        {"ids": [prospect.pk, theirs.pk], "action": "status", "status": "in_progress"},
        **HTMX,
    )
    assert response.status_code == 404
    assert "not found" in unquote(response["X-Error-Message"])
    assert Prospect.objects.get(pk=prospect.pk).status == ProspectStatus.NEW
    assert Prospect.objects.get(pk=theirs.pk).status == ProspectStatus.NEW


def test_bulk_disqualify_without_a_reason_is_refused(client, org, owner, prospect):
    client.force_login(owner)
    response = client.post(
        reverse("sales:prospect-bulk"),
        {"ids": [prospect.pk], "action": "status", "status": "disqualified", "next": "/prospects/"},
    )
    assert response.status_code == 302
    assert Prospect.objects.get(pk=prospect.pk).status == ProspectStatus.NEW
    page = client.get(response["Location"]).content.decode()
    assert "Say why the prospects are disqualified." in page


def test_a_sales_user_cannot_take_prospects_through_the_bulk_bar_then_delete_them(
    client, org, owner, sales_user, prospect
):
    client.force_login(sales_user)
    url = reverse("sales:prospect-bulk")

    assigned = client.post(
        url, {"ids": [prospect.pk], "action": "assign", "owner_id": sales_user.pk}, **HTMX
    )
    deleted = client.post(
        url, {"ids": [prospect.pk], "action": "delete", "confirmed": "on"}, **HTMX
    )

    assert assigned.status_code == 403
    assert unquote(assigned["X-Error-Message"]) == (
        "Only the record's owner or a Manager may reassign it."
    )
    assert deleted.status_code == 403
    prospect.refresh_from_db()
    assert (prospect.owner_id, prospect.version) == (owner.pk, 1)


def test_a_sales_user_cannot_take_a_prospect_in_the_edit_dialog(
    client, org, owner, sales_user, prospect
):
    # the owner field of a colleague's prospect is shown, not sent: a posted owner is
    # ignored and the rest saves (the service would refuse it: see the API's tests)
    client.force_login(sales_user)
    response = client.post(
        reverse("sales:prospect-edit", args=[prospect.pk]),
        {
            "kind": "company",
            "company_name": "Brașov Lemn SRL",
            "priority": "medium",
            "country": "RO",
            "version": prospect.version,
            "owner_id": str(sales_user.pk),
        },
        **HTMX,
    )
    assert response.status_code == 200
    prospect.refresh_from_db()
    assert (prospect.owner_id, prospect.company_name) == (owner.pk, "Brașov Lemn SRL")


# --- record page -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "sales_user", "manager"])
def test_the_record_page_shows_the_prospect(client, request, org, owner, prospect, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("sales:prospect", args=[prospect.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Brașov Lemn SRL" in page
    assert 'href="tel:0722 123 456"' in page
    assert reverse("sales:timeline", args=["prospect", prospect.pk]) in page
    assert reverse("sales:prospect-edit", args=[prospect.pk]) in page


@pytest.mark.parametrize(
    "name",
    [
        "sales:prospect",
        "sales:prospect-edit",
        "sales:prospect-disqualify",
        "sales:prospect-convert",
        "sales:prospect-delete",
    ],
)
def test_another_organisations_prospect_is_404(client, org, prospect, other_org, other_owner, name):
    client.force_login(other_owner)
    assert client.get(reverse(name, args=[prospect.pk])).status_code == 404


def test_another_organisations_timeline_is_404(client, prospect, other_org, other_owner):
    client.force_login(other_owner)
    url = reverse("sales:timeline", args=["prospect", prospect.pk])
    assert client.get(url).status_code == 404


def test_the_timeline_shows_notes_and_events_newest_first(client, org, owner, prospect):
    note_create(org=org, user=owner, prospect_id=prospect.pk, body="Sună luni dimineață")
    services.prospect_qualify(org=org, user=owner, prospect_id=prospect.pk)
    client.force_login(owner)
    response = client.get(reverse("sales:timeline", args=["prospect", prospect.pk]), **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("Qualified") < page.index("Sună luni dimineață") < page.index("Created")


def test_the_timeline_query_count_does_not_grow_with_entries(client, org, owner, prospect):
    client.force_login(owner)
    url = reverse("sales:timeline", args=["prospect", prospect.pk])
    note_create(org=org, user=owner, prospect_id=prospect.pk, body="una")
    few = _list_queries(client, url)
    for number in range(15):
        note_create(org=org, user=owner, prospect_id=prospect.pk, body=f"notă {number}")
    many = _list_queries(client, url)
    assert many == few


def test_the_record_page_query_count_does_not_grow_with_children(client, org, owner, prospect):
    client.force_login(owner)
    url = reverse("sales:prospect", args=[prospect.pk])
    few = _list_queries(client, url)
    for number in range(5):
        contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name=f"Pop{number}")
        note_create(org=org, user=owner, prospect_id=prospect.pk, body="n")
    many = _list_queries(client, url)
    assert many == few


# --- create and edit ----------------------------------------------------------------------


def test_the_new_prospect_dialog_opens_in_the_dialog_for_htmx(client, org, owner):
    client.force_login(owner)
    dialog = client.get(reverse("sales:prospect-new"), **HTMX)
    page = client.get(reverse("sales:prospect-new"))
    assert dialog.status_code == page.status_code == 200
    assert 'id="dialog-title"' in dialog.content.decode()
    assert "<html" not in dialog.content.decode()
    assert "<html" in page.content.decode()


def test_creating_a_prospect_goes_to_its_page(client, org, owner):
    client.force_login(owner)
    response = client.post(
        reverse("sales:prospect-new"),
        {
            "kind": "company",
            "company_name": "Timișoara Metal SRL",
            "priority": "high",
            "status": "new",
            "country": "RO",
            "owner_id": str(owner.pk),
        },
        **HTMX,
    )
    assert response.status_code == 200
    prospect = Prospect.objects.get(company_name="Timișoara Metal SRL")
    assert response["HX-Redirect"] == reverse("sales:prospect", args=[prospect.pk])
    assert (prospect.priority, prospect.owner_id, prospect.organization_id) == (
        "high",
        owner.pk,
        org.pk,
    )


def test_a_company_without_a_name_is_refused_next_to_the_field(client, org, owner):
    client.force_login(owner)
    response = client.post(
        reverse("sales:prospect-new"),
        {
            "kind": "company",
            "company_name": "",
            "priority": "medium",
            "status": "new",
            "country": "RO",
            "phone": "0744 000 111",
        },
        **HTMX,
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_company_name_error"' in page
    assert "A company needs its name." in page
    assert 'value="0744 000 111"' in page  # what the user typed is kept
    assert not Prospect.objects.exists()


def test_an_invalid_cui_is_refused_next_to_the_field(client, org, owner):
    client.force_login(owner)
    response = client.post(
        reverse("sales:prospect-new"),
        {
            "kind": "company",
            "company_name": "X SRL",
            "cui": "12345678",
            "priority": "medium",
            "status": "new",
            "country": "RO",
        },
        **HTMX,
    )
    assert response.status_code == 422
    assert 'id="id_cui_error"' in response.content.decode()
    assert not Prospect.objects.exists()


def test_an_owner_from_another_organisation_is_refused(client, org, owner, other_owner):
    client.force_login(owner)
    response = client.post(
        reverse("sales:prospect-new"),
        {
            "kind": "company",
            "company_name": "X SRL",
            "priority": "medium",
            "status": "new",
            "country": "RO",
            "owner_id": str(other_owner.pk),
        },
        **HTMX,
    )
    assert response.status_code == 422
    assert 'id="id_owner_id_error"' in response.content.decode()
    assert not Prospect.objects.exists()


def test_a_likely_duplicate_is_shown_and_can_be_saved_anyway(client, org, owner, prospect):
    client.force_login(owner)
    data = {
        "kind": "company",
        "company_name": "Brașov Lemn SRL",
        "priority": "medium",
        "status": "new",
        "country": "RO",
    }
    refused = client.post(reverse("sales:prospect-new"), data, **HTMX)
    assert refused.status_code == 422
    assert 'data-testid="possible-duplicates"' in refused.content.decode()
    assert Prospect.objects.count() == 1
    saved = client.post(reverse("sales:prospect-new"), {**data, "allow_duplicate": "on"}, **HTMX)
    assert saved.status_code == 200
    assert Prospect.objects.count() == 2


def test_editing_saves_the_changes(client, org, owner, prospect):
    client.force_login(owner)
    response = client.post(
        reverse("sales:prospect-edit", args=[prospect.pk]),
        {
            "kind": "company",
            "company_name": "Brașov Lemn Nou SRL",
            "priority": "low",
            "country": "RO",
            "version": prospect.version,
            "owner_id": str(owner.pk),
        },
    )
    assert response.status_code == 302
    prospect.refresh_from_db()
    assert (prospect.company_name, prospect.priority, prospect.version) == (
        "Brașov Lemn Nou SRL",
        "low",
        2,
    )


def test_a_stale_edit_says_so_and_keeps_the_input(client, org, owner, prospect):
    services.prospect_update(org=org, user=owner, prospect_id=prospect.pk, priority="high")
    client.force_login(owner)
    response = client.post(
        reverse("sales:prospect-edit", args=[prospect.pk]),
        {
            "kind": "company",
            "company_name": "Numele Meu SRL",
            "priority": "low",
            "country": "RO",
            "version": 1,
        },
        **HTMX,
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Someone else changed this record meanwhile" in page
    assert 'value="Numele Meu SRL"' in page
    prospect.refresh_from_db()
    assert (prospect.company_name, prospect.priority) == ("Brașov Lemn SRL", "high")


# --- status moves, disqualify, convert, delete -------------------------------------------


def test_qualify_moves_the_prospect(client, org, owner, prospect):
    client.force_login(owner)
    response = client.post(
        reverse("sales:prospect-status", args=[prospect.pk]),
        {"status": "qualified", "version": prospect.version},
    )
    assert response.status_code == 302
    assert Prospect.objects.get(pk=prospect.pk).status == ProspectStatus.QUALIFIED


def test_an_illegal_move_is_refused_with_a_message(client, org, owner, prospect):
    client.force_login(owner)
    response = client.post(
        reverse("sales:prospect-status", args=[prospect.pk]), {"status": "converted"}, **HTMX
    )
    assert response.status_code == 409
    assert Prospect.objects.get(pk=prospect.pk).status == ProspectStatus.NEW


def test_disqualify_needs_a_reason(client, org, owner, prospect):
    client.force_login(owner)
    url = reverse("sales:prospect-disqualify", args=[prospect.pk])
    empty = client.post(url, {"reason": "  ", "version": prospect.version}, **HTMX)
    assert empty.status_code == 422
    assert 'id="id_reason_error"' in empty.content.decode()
    assert Prospect.objects.get(pk=prospect.pk).status == ProspectStatus.NEW
    given = client.post(url, {"reason": "Nu are buget", "version": prospect.version}, **HTMX)
    assert given.status_code == 200
    prospect.refresh_from_db()
    assert (prospect.status, prospect.disqualify_reason) == ("disqualified", "Nu are buget")


def test_the_convert_dialog_shows_what_moves(client, org, owner):
    prospect = qualified_prospect(org, owner, company_name="Cluj Soft SRL")
    contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Pop")
    contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Ionescu")
    note_create(org=org, user=owner, prospect_id=prospect.pk, body="n")
    client.force_login(owner)
    response = client.get(reverse("sales:prospect-convert", args=[prospect.pk]), **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'Contacts: <strong data-testid="moves-count">2</strong>' in page
    assert 'Notes: <strong data-testid="moves-count">1</strong>' in page


def test_converting_to_a_new_account_with_a_first_offer(client, org, owner):
    prospect = qualified_prospect(org, owner, company_name="Cluj Soft SRL")
    contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Pop")
    client.force_login(owner)
    response = client.post(
        reverse("sales:prospect-convert", args=[prospect.pk]),
        {
            "target": "new",
            "create_offer": "on",
            "offer_title": "Licențe 2027",
            "version": prospect.version,
        },
        **HTMX,
    )
    assert response.status_code == 200
    account = Account.objects.get(name="Cluj Soft SRL")
    offer = Offer.objects.get(account=account)
    assert offer.title == "Licențe 2027"
    assert account.contacts.count() == 1
    assert response["HX-Redirect"] in {
        reverse("sales:account", args=[account.pk]),
        f"/offers/{offer.pk}/",
    }
    assert Prospect.objects.get(pk=prospect.pk).status == ProspectStatus.CONVERTED


def test_converting_into_an_existing_account_merges(client, org, owner):
    prospect = qualified_prospect(org, owner, company_name="Cluj Soft SRL", phone="0264 000 000")
    account = AccountFactory.create(org=org, user=owner, name="Cluj Soft Grup SA")
    client.force_login(owner)
    response = client.post(
        reverse("sales:prospect-convert", args=[prospect.pk]),
        {"target": "existing", "account_id": str(account.pk), "version": prospect.version},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("sales:account", args=[account.pk])
    account.refresh_from_db()
    assert account.phone == "0264 000 000"
    assert Account.objects.count() == 1


def test_merging_needs_an_account(client, org, owner):
    prospect = qualified_prospect(org, owner)
    client.force_login(owner)
    response = client.post(
        reverse("sales:prospect-convert", args=[prospect.pk]),
        {"target": "existing", "version": prospect.version},
        **HTMX,
    )
    assert response.status_code == 422
    assert 'id="id_account_id_error"' in response.content.decode()
    assert not Account.objects.exists()


def test_merging_into_another_organisations_account_is_refused(
    client, org, owner, other_org, other_owner
):
    prospect = qualified_prospect(org, owner)
    theirs = AccountFactory.create(org=other_org, user=other_owner)
    client.force_login(owner)
    response = client.post(
        reverse("sales:prospect-convert", args=[prospect.pk]),
        {"target": "existing", "account_id": str(theirs.pk), "version": prospect.version},
        **HTMX,
    )
    assert response.status_code == 422
    assert "No account with this id." in response.content.decode()
    assert Prospect.objects.get(pk=prospect.pk).status == ProspectStatus.QUALIFIED
    assert theirs.name not in response.content.decode()


def test_converting_a_new_prospect_is_refused_with_the_reason(client, org, owner, prospect):
    client.force_login(owner)
    response = client.post(
        reverse("sales:prospect-convert", args=[prospect.pk]),
        {"target": "new", "version": prospect.version},
        **HTMX,
    )
    assert response.status_code == 422
    assert "Only a qualified prospect can be converted" in response.content.decode()
    assert not Account.objects.exists()


def test_a_converted_prospect_links_to_its_account_and_offers_no_edits(client, org, owner):
    prospect = qualified_prospect(org, owner, company_name="Cluj Soft SRL")
    conversion = services.prospect_convert(org=org, user=owner, prospect_id=prospect.pk)
    client.force_login(owner)
    page = client.get(reverse("sales:prospect", args=[prospect.pk])).content.decode()
    assert 'data-testid="converted-notice"' in page
    assert reverse("sales:account", args=[conversion.account.pk]) in page
    assert 'data-testid="edit-prospect"' not in page


def test_delete_asks_then_deletes(client, org, owner, prospect):
    client.force_login(owner)
    url = reverse("sales:prospect-delete", args=[prospect.pk])
    asked = client.get(url, **HTMX)
    assert asked.status_code == 200
    assert 'data-testid="delete-form"' in asked.content.decode()
    deleted = client.post(url, {"version": prospect.version}, **HTMX)
    assert deleted.status_code == 200
    assert deleted["HX-Redirect"] == reverse("sales:prospect-list")
    assert not Prospect.objects.filter(pk=prospect.pk).exists()


def test_a_sales_user_cannot_delete_someone_elses_prospect(
    client, org, owner, sales_user, prospect
):
    client.force_login(sales_user)
    response = client.post(reverse("sales:prospect-delete", args=[prospect.pk]), **HTMX)
    assert response.status_code == 403
    assert Prospect.objects.filter(pk=prospect.pk).exists()


def test_status_events_show_on_the_timeline_with_labels(client, org, owner, prospect):
    services.prospect_disqualify(org=org, user=owner, prospect_id=prospect.pk, reason="Fără buget")
    client.force_login(owner)
    page = client.get(reverse("sales:timeline", args=["prospect", prospect.pk])).content.decode()
    assert "New → Disqualified (Fără buget)" in page
    assert RecordEvent.objects.filter(prospect=prospect, kind=EventKind.STATUS_CHANGED).count() == 1
