"""The index behind the lists' ``q``: ``search_filter``, and tasks, activities and notes,
which are indexed for their lists (in the transaction of every write) but stay out of the
global search."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from smartcrm.activities.models import Activity
from smartcrm.activities.services import activity_complete, activity_create, activity_update
from smartcrm.api.tests.helpers import ApiClient
from smartcrm.core import search as core_search
from smartcrm.core.models import SearchEntry
from smartcrm.core.search import search, search_filter, search_matching_ids, search_reindex_all
from smartcrm.imports.bulk import SearchRows
from smartcrm.notes.models import Note
from smartcrm.notes.services import note_create, note_delete, note_update
from smartcrm.sales import services as sales
from smartcrm.sales.models import Account, Prospect
from smartcrm.sales.services.bulk import prospects_delete
from smartcrm.sales.tests.factories import AccountFactory, ProspectFactory, qualified_prospect
from smartcrm.tasks.models import Task
from smartcrm.tasks.services import task_create, task_delete, task_update

NAMES = {"first_name": "Ana", "last_name": "Lungu"}


def _tasks(org, q):
    return sorted(
        Task.objects.for_org(org).filter(search_filter("task", q)).values_list("title", flat=True)
    )


def _notes(org, q):
    return list(
        Note.objects.for_org(org).filter(search_filter("note", q)).values_list("body", flat=True)
    )


def _entries(kind):
    return SearchEntry.objects.filter(kind=kind).count()


# --- search_filter ---------------------------------------------------------------------


def test_search_filter_matches_the_folded_query_and_the_digits_of_a_phone(org, owner):
    # given accounts with a name in diacritics and a phone written with blanks
    brasov = AccountFactory.create(org=org, user=owner, name="Braşov Lemn", phone="0722 123 456")
    AccountFactory.create(org=org, user=owner, name="Cluj Metal", phone="0744 000 111")
    accounts = Account.objects.for_org(org)

    assert list(accounts.filter(search_filter("account", "BRAȘOV"))) == [brasov]
    assert list(accounts.filter(search_filter("account", "0722123"))) == [brasov]
    assert list(accounts.filter(search_filter("account", "0722 123"))) == [brasov]
    assert list(accounts.filter(search_filter("account", "a", org=org))) == list(
        accounts.filter(search_filter("account", "A"))
    )


@pytest.mark.parametrize("common_from", [2, 1000], ids=["common", "few"])
def test_a_common_and_a_rare_term_filter_the_same_records(org, owner, monkeypatch, common_from):
    # given three accounts among the newest rows matching "nord", one of them in Cluj,
    # whether the term counts as common (from 2 matches) or as a few ids
    monkeypatch.setattr(core_search, "COMMON_IN_WINDOW", common_from)
    for name in ("Nord Lemn", "Nordic", "Sud Metal", "Vest Nord"):
        AccountFactory.create(org=org, user=owner, name=name)
    cluj = AccountFactory.create(org=org, user=owner, name="Nord Cluj", locality="Cluj-Napoca")
    accounts = Account.objects.for_org(org)

    found = accounts.filter(search_filter("account", "nord")).values_list("name", flat=True)
    narrowed = accounts.filter(search_filter("account", "nord"), locality="Cluj-Napoca")

    # then the same four, and the filter combines with another
    assert sorted(found) == ["Nord Cluj", "Nord Lemn", "Nordic", "Vest Nord"]
    assert list(narrowed) == [cluj]
    search = core_search.list_search("account", "nord")
    assert search is not None and search.common == (common_from == 2)


def test_search_filter_without_anything_to_look_for_filters_nothing(org, owner):
    AccountFactory.create(org=org, user=owner, name="Alfa")

    assert search_filter("account", "") == search_filter("account", None)
    assert search_matching_ids("account", " \t ") is None
    assert Account.objects.for_org(org).filter(search_filter("account", "  ")).count() == 1


def test_search_filter_of_an_unknown_kind_is_a_programming_error(db):
    with pytest.raises(LookupError):
        search_filter("invoice", "x")


def test_search_matching_ids_narrowed_to_an_organisation(org, owner, other_org, other_owner):
    ours = AccountFactory.create(org=org, user=owner, name="Carpați Nord")
    AccountFactory.create(org=other_org, user=other_owner, name="Carpați Sud")

    narrowed = search_matching_ids("account", "carpati", org=org)
    everywhere = search_matching_ids("account", "carpati")

    assert narrowed is not None and everywhere is not None
    assert list(narrowed) == [ours.pk]
    assert len(list(everywhere)) == 2


# --- tasks, activities, notes: out of the global search --------------------------------


def test_the_global_search_leaves_out_tasks_activities_and_notes(org, owner):
    account = AccountFactory.create(org=org, user=owner, name="Carpați Nord")
    task_create(org=org, user=owner, title="Carpați: sună", account_id=account.pk)
    note_create(org=org, user=owner, body="Carpați: de reținut", account_id=account.pk)
    activity_create(
        org=org,
        user=owner,
        account_id=account.pk,
        kind="call",
        subject="Carpați: apel",
        start_at=timezone.now() + dt.timedelta(days=1),
    )

    hits, _cursor = search(org=org, q="carpati")

    assert [(hit.kind, hit.title) for hit in hits] == [("account", "Carpați Nord")]
    assert _entries("task") == _entries("note") == _entries("activity") == 1


def test_the_global_search_api_refuses_the_list_only_kinds(org, owner):
    response = ApiClient(org, owner).get("/api/v1/search?q=x&kinds=task")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "kinds"


# --- the index follows every write -------------------------------------------------------


def test_a_task_is_reindexed_when_its_text_changes_and_unindexed_when_deleted(org, owner):
    task = task_create(org=org, user=owner, title="Sună la Ştefan", description="ofertă")
    # (stored with the comma-below letter, found by either)
    assert _tasks(org, "stefan") == ["Sună la Ștefan"]

    task = task_update(org=org, user=owner, task_id=task.pk, title="Trimite contractul")
    assert _tasks(org, "stefan") == []
    assert _tasks(org, "contract") == ["Trimite contractul"]
    assert _tasks(org, "oferta") == ["Trimite contractul"]

    task_delete(org=org, user=owner, task_id=task.pk)
    assert _entries("task") == 0


def test_a_note_is_reindexed_when_edited_and_unindexed_when_deleted(org, owner):
    account = AccountFactory.create(org=org, user=owner, name="Alfa")
    note = note_create(org=org, user=owner, body="Preferă plata în rate", account_id=account.pk)

    note = note_update(org=org, user=owner, note_id=note.pk, body="Vrea discount de 5%")
    assert _notes(org, "rate") == []
    assert _notes(org, "discount") == ["Vrea discount de 5%"]

    note_delete(org=org, user=owner, note_id=note.pk)
    assert _entries("note") == 0


def test_an_activity_is_found_by_its_outcome_once_completed(org, owner):
    account = AccountFactory.create(org=org, user=owner, name="Alfa")
    activity = activity_create(
        org=org,
        user=owner,
        account_id=account.pk,
        kind="call",
        subject="Apel",
        start_at=timezone.now() - dt.timedelta(hours=1),
    )
    activity = activity_update(org=org, user=owner, activity_id=activity.pk, location="Sala Mureș")

    activity_complete(org=org, user=owner, activity_id=activity.pk, outcome="Cere o demonstrație")

    found = Activity.objects.for_org(org).filter(search_filter("activity", "demonstratie"))
    assert list(found) == [activity]
    assert list(Activity.objects.filter(search_filter("activity", "mures"))) == [activity]


def test_renaming_a_record_reindexes_what_hangs_on_it(org, owner):
    account = AccountFactory.create(org=org, user=owner, name="Alfa")
    note_create(org=org, user=owner, body="De reținut", account_id=account.pk)

    sales.account_update(org=org, user=owner, account_id=account.pk, name="Țesătoria Sibiu")

    assert _notes(org, "tesatoria") == ["De reținut"]
    assert _notes(org, "alfa") == []


def test_deleting_a_prospect_unindexes_its_tasks_activities_and_notes(org, owner):
    prospect = ProspectFactory.create(org=org, user=owner, company_name="Beta", **NAMES)
    other = ProspectFactory.create(org=org, user=owner, company_name="Gama", **NAMES)
    for record in (prospect, other):
        task_create(org=org, user=owner, title="Sună", prospect_id=record.pk)
        note_create(org=org, user=owner, body="Notă", prospect_id=record.pk)
        activity_create(
            org=org,
            user=owner,
            prospect_id=record.pk,
            kind="email",
            subject="E-mail",
            start_at=timezone.now() + dt.timedelta(days=1),
        )

    sales.prospect_delete(org=org, user=owner, prospect_id=prospect.pk)

    assert (_entries("task"), _entries("note"), _entries("activity")) == (1, 1, 1)
    prospects_delete(org=org, user=owner, prospect_ids=[other.pk])
    assert (_entries("task"), _entries("note"), _entries("activity")) == (0, 0, 0)


def test_conversion_into_an_existing_account_reindexes_the_moved_records(org, owner):
    # given a qualified prospect with a note, and an existing account
    prospect = qualified_prospect(org, owner, company_name="Beta Lemn", **NAMES)
    note_create(org=org, user=owner, body="De reținut", prospect_id=prospect.pk)
    account = AccountFactory.create(org=org, user=owner, name="Țesătoria Sibiu")

    # when the prospect is merged into the account
    sales.prospect_convert(org=org, user=owner, prospect_id=prospect.pk, account_id=account.pk)

    # then the note is found by its new record's name, no longer by the prospect's
    assert _notes(org, "tesatoria") == ["De reținut"]
    assert _notes(org, "beta lemn") == []
    assert Prospect.objects.get(pk=prospect.pk).status == "converted"


def test_reindex_all_indexes_existing_tasks_activities_and_notes(org, owner):
    # given records written before they were indexed (the upgrade of an existing database)
    account = AccountFactory.create(org=org, user=owner, name="Alfa")
    task_create(org=org, user=owner, title="Sună", account_id=account.pk)
    note_create(org=org, user=owner, body="Notă", account_id=account.pk)
    SearchEntry.objects.filter(kind__in=["task", "note"]).delete()

    indexed = search_reindex_all(org)

    assert (indexed["task"], indexed["note"], indexed["activity"]) == (1, 1, 0)
    assert _notes(org, "alfa") == ["Notă"]


# --- the data migration that indexes existing rows ---------------------------------------


def test_the_backfill_writes_the_rows_the_services_write(org, owner):
    # given tasks, notes and activities on every kind of record
    from django.apps import apps

    from smartcrm.activities.search import document_of as activity_document
    from smartcrm.core.search_backfill import backfill
    from smartcrm.notes.search import document_of as note_document
    from smartcrm.sales.tests.factories import OfferFactory
    from smartcrm.tasks.search import document_of as task_document

    company = ProspectFactory.create(org=org, user=owner, company_name="Carpați SRL", **NAMES)
    person = ProspectFactory.create(org=org, user=owner, kind="person", company_name="", **NAMES)
    account = AccountFactory.create(org=org, user=owner, name="Țesătoria")
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk, title="Licențe")
    parents: list[dict[str, Any]] = [
        {"prospect_id": company.pk},
        {"prospect_id": person.pk},
        {"account_id": account.pk},
        {"offer_id": offer.pk},
    ]
    for parent in parents:
        task_create(org=org, user=owner, title="Sună", description="Despre preț", **parent)
        note_create(org=org, user=owner, body="Notă\nA doua linie", **parent)
        activity_create(
            org=org,
            user=owner,
            kind="meeting",
            subject="Întâlnire",
            location="Sibiu",
            start_at=timezone.now() + dt.timedelta(days=1),
            **parent,
        )
    task_create(org=org, user=owner, title="Fără înregistrare")
    columns = ("kind", "object_id", "organization_id", "title", "subtitle", "text", "title_key")
    kinds = ["task", "note", "activity"]
    written = sorted(SearchEntry.objects.filter(kind__in=kinds).values_list(*columns))
    SearchEntry.objects.filter(kind__in=kinds).delete()

    # when the migration's backfill runs
    for app_label, model_name, kind, document in [
        ("tasks", "Task", "task", task_document),
        ("notes", "Note", "note", note_document),
        ("activities", "Activity", "activity", activity_document),
    ]:
        backfill(apps, app_label=app_label, model_name=model_name, kind=kind, document=document)

    # then it wrote exactly the rows the services had written
    assert len(written) == 13
    assert sorted(SearchEntry.objects.filter(kind__in=kinds).values_list(*columns)) == written


def test_rows_of_list_only_kinds_are_marked_out_of_the_global_search(org, owner):
    # given a task, a note and an account, written by their services and by the import's
    # bulk writer
    task = task_create(org=org, user=owner, title="Sună clientul")
    note_create(
        org=org, user=owner, body="Notă", account_id=AccountFactory.create(org=org, user=owner).pk
    )
    made = SearchRows().entries([task])

    # then only the account's row is walked by the global search
    marked = dict(SearchEntry.objects.values_list("kind", "global_search"))
    assert marked == {"task": False, "note": False, "account": True}
    assert [entry.global_search for entry in made] == [False]
