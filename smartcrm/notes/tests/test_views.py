"""The notes section of record pages, its dialogs, and a note's address."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from smartcrm.core import services as core_services
from smartcrm.core.modules import Module
from smartcrm.notes import services
from smartcrm.notes.models import Note
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory, ProspectFactory
from smartcrm.web.records_urls import record_url

HTMX = {"HTTP_HX_REQUEST": "true"}


def _note(org, user, **fields):
    fields.setdefault("body", "De sunat înapoi după ședință.")
    return services.note_create(org=org, user=user, **fields)


@pytest.mark.django_db
def test_section_shows_pinned_then_newest_notes(client, org, owner, sales_user):
    account = AccountFactory.create(org=org, user=owner)
    _note(org, owner, account_id=account.pk, body="Prima notă")
    _note(org, owner, account_id=account.pk, body="Notă fixată", pinned=True)
    _note(org, owner, account_id=account.pk, body="Ultima notă")
    client.force_login(sales_user)

    response = client.get(reverse("notes:section", args=["account", account.pk]), **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Notă fixată") < html.index("Ultima notă") < html.index("Prima notă")
    # A sales user may not change a note someone else wrote: no buttons for it.
    assert reverse("notes:note-edit", args=[Note.objects.filter(pinned=True).get().pk]) not in html


@pytest.mark.django_db
def test_section_of_another_organisations_offer_is_404(client, org, owner, other_org, other_owner):
    account = AccountFactory.create(org=other_org, user=other_owner)
    foreign = OfferFactory.create(org=other_org, user=other_owner, account_id=account.pk)
    client.force_login(owner)

    assert client.get(reverse("notes:section", args=["offer", foreign.pk])).status_code == 404


@pytest.mark.django_db
def test_section_is_404_when_the_notes_module_is_off(client, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    core_services.organization_set_modules(
        org=org, user=owner, enabled=[Module.ACTIVITIES, Module.TASKS, Module.CATALOG]
    )
    client.force_login(owner)

    assert client.get(reverse("notes:section", args=["prospect", prospect.pk])).status_code == 404


@pytest.mark.django_db
def test_section_query_count_does_not_grow_with_notes(client, org, owner, manager):
    prospect = ProspectFactory.create(org=org, user=owner)
    url = reverse("notes:section", args=["prospect", prospect.pk])
    client.force_login(owner)
    for n in range(2):
        _note(org, manager if n % 2 else owner, prospect_id=prospect.pk, body=f"notă {n}")
    with CaptureQueriesContext(connection) as two:
        client.get(url, **HTMX)
    for n in range(2, 20):
        _note(org, manager if n % 2 else owner, prospect_id=prospect.pk, body=f"notă {n}")
    with CaptureQueriesContext(connection) as twenty:
        response = client.get(url, **HTMX)

    assert response.content.decode().count('data-testid="note-row"') == 20
    assert len(twenty) == len(two)


@pytest.mark.django_db
def test_add_note_dialog_creates_it_and_tells_the_page(client, org, owner):
    offer_account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=offer_account.pk)
    url = reverse("notes:note-create", args=["offer", offer.pk])
    client.force_login(owner)

    assert client.get(url, **HTMX).status_code == 200
    response = client.post(url, {"body": "Clientul vrea discount."}, **HTMX)

    assert response.status_code == 204
    assert json.loads(response["HX-Trigger"]) == {"closeDialog": True, "notes-changed": True}
    assert Note.objects.get(offer=offer).body == "Clientul vrea discount."


@pytest.mark.django_db
def test_add_an_empty_note_is_refused_next_to_the_field(client, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    client.force_login(owner)

    response = client.post(
        reverse("notes:note-create", args=["prospect", prospect.pk]), {"body": ""}, **HTMX
    )

    assert response.status_code == 422
    assert 'id="id_body_error"' in response.content.decode()
    assert not Note.objects.exists()


@pytest.mark.django_db
def test_edit_note_with_a_stale_version_keeps_the_text(client, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    note = _note(org, owner, prospect_id=prospect.pk, body="original")
    services.note_update(org=org, user=owner, note_id=note.pk, body="schimbată de altcineva")
    client.force_login(owner)

    response = client.post(
        reverse("notes:note-edit", args=[note.pk]),
        {"body": "textul meu", "version": note.version},
        **HTMX,
    )

    assert response.status_code == 422
    assert "Someone else changed this record meanwhile" in response.content.decode()
    assert "textul meu" in response.content.decode()
    note.refresh_from_db()
    assert note.body == "schimbată de altcineva"


@pytest.mark.django_db
def test_sales_user_cannot_edit_someone_elses_note(client, org, owner, sales_user):
    prospect = ProspectFactory.create(org=org, user=owner)
    note = _note(org, owner, prospect_id=prospect.pk, body="a proprietarului")
    client.force_login(sales_user)

    response = client.post(
        reverse("notes:note-edit", args=[note.pk]), {"body": "furată", "version": 1}, **HTMX
    )

    assert response.status_code == 422
    assert "Only the record" in response.content.decode()
    note.refresh_from_db()
    assert note.body == "a proprietarului"


@pytest.mark.django_db
def test_delete_note(client, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    note = _note(org, owner, prospect_id=prospect.pk)
    client.force_login(owner)

    response = client.post(
        reverse("notes:note-delete", args=[note.pk]), {"version": note.version}, **HTMX
    )

    assert response.status_code == 204
    assert not Note.objects.exists()


@pytest.mark.django_db
def test_delete_someone_elses_note_as_sales_is_403_with_a_message(client, org, owner, sales_user):
    prospect = ProspectFactory.create(org=org, user=owner)
    note = _note(org, owner, prospect_id=prospect.pk)
    client.force_login(sales_user)

    response = client.post(reverse("notes:note-delete", args=[note.pk]), **HTMX)

    assert response.status_code == 403
    assert response["X-Error-Message"]
    assert Note.objects.filter(pk=note.pk).exists()


@pytest.mark.django_db
def test_another_organisations_note_is_404(client, org, owner, other_org, other_owner):
    foreign_prospect = ProspectFactory.create(org=other_org, user=other_owner)
    foreign = _note(other_org, other_owner, prospect_id=foreign_prospect.pk)
    client.force_login(owner)

    assert client.get(reverse("notes:note", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("notes:note-edit", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("notes:note-delete", args=[foreign.pk])).status_code == 404


@pytest.mark.django_db
def test_note_address_leads_to_its_record(client, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    note = _note(org, owner, prospect_id=prospect.pk)
    client.force_login(owner)

    response = client.get(reverse("notes:note", args=[note.pk]))

    assert response.status_code == 302
    assert response["Location"] == (record_url("prospect", prospect.pk) or "/")
