"""What each app mounts (``core.mounts``): the registered mounts wire the API, the pages and
the record links, and every wiring mistake is a system check error naming its app."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from smartcrm.core.mounts import (
    Mount,
    check_mounts,
    load_router,
    mount_errors,
    mounts,
    register_mount,
    unregister_mount,
)
from smartcrm.web.records_urls import record_url


def test_the_apps_mounts_are_clean_and_go_in_their_order():
    # given the apps as installed
    # when their mounts are checked
    errors = check_mounts()

    # then nothing is wrong, and the routers with literal paths go before the ids they shadow
    assert errors == []
    order = [mount.app for mount in mounts()]
    assert order[:4] == ["dedupe", "exports", "core", "sales"]
    assert order.index("integrations") < order.index("catalog")


def test_a_router_that_cannot_be_imported_names_its_app():
    # given an app declaring a router module that does not exist
    facturi = Mount(app="facturi", order=200, router="smartcrm.facturi.api")

    # when the mounts are checked
    errors = mount_errors([facturi])

    # then the check names the app and the module
    assert [error.id for error in errors] == ["smartcrm.E002"]
    assert "App 'facturi'" in errors[0].msg
    assert "'smartcrm.facturi.api'" in errors[0].msg


def test_a_module_without_a_router_names_its_app():
    # given an app declaring a module that holds no router
    facturi = Mount(app="facturi", order=200, router="smartcrm.notes.selectors")

    # when the mounts are checked, or the API mounts it
    errors = mount_errors([facturi])

    # then both name the app and the module
    assert [error.id for error in errors] == ["smartcrm.E002"]
    assert "App 'facturi'" in errors[0].msg
    with pytest.raises(ImproperlyConfigured, match=r"App 'facturi'.*smartcrm\.notes\.selectors"):
        load_router(facturi)


def test_a_url_module_that_cannot_be_imported_names_its_app():
    # given an app declaring a URL module that does not exist
    facturi = Mount(app="facturi", order=200, urls="smartcrm.facturi.urls")

    # when the mounts are checked
    errors = mount_errors([facturi])

    # then the check names the app and the module
    assert [error.id for error in errors] == ["smartcrm.E004"]
    assert "App 'facturi'" in errors[0].msg
    assert "'smartcrm.facturi.urls'" in errors[0].msg


def test_two_routers_on_the_same_prefix_with_the_same_routes_are_refused():
    # given the notes' router mounted a second time, by another app, at the same prefix
    notes = Mount(app="notes", order=80, router="smartcrm.notes.api")
    notite = Mount(app="notite", order=90, router="smartcrm.notes.api")

    # when the mounts are checked
    errors = mount_errors([notes, notite])

    # then each route taken twice names the app that came second and the one that has it
    assert errors
    assert {error.id for error in errors} == {"smartcrm.E003"}
    assert all("App 'notite'" in error.msg for error in errors)
    assert all("already mounted by app 'notes'" in error.msg for error in errors)
    assert any("GET /notes" in error.msg for error in errors)


def test_the_same_router_under_another_prefix_is_no_clash():
    # given the notes' router mounted a second time under a prefix of its own
    notes = Mount(app="notes", order=80, router="smartcrm.notes.api")
    arhiva = Mount(app="arhiva", order=90, router="smartcrm.notes.api", router_prefix="/arhiva/")

    # when the mounts are checked
    errors = mount_errors([notes, arhiva])

    # then nothing clashes
    assert errors == []


def test_a_url_namespace_taken_twice_names_both_apps():
    # given two apps mounting pages under the namespace "notes"
    notes = Mount(app="notes", order=80, urls="smartcrm.notes.urls")
    notite = Mount(app="notite", order=90, urls="smartcrm.notes.urls")

    # when the mounts are checked
    errors = mount_errors([notes, notite])

    # then the second one is named, with the app that has the namespace
    assert [error.id for error in errors] == ["smartcrm.E005"]
    assert errors[0].msg == (
        "App 'notite': its URL namespace 'notes' is already taken by app 'notes'."
    )


def test_a_record_page_declared_twice_names_both_apps():
    # given two apps declaring the page of a note
    notes = Mount(app="notes", order=80, record_pages={"note": "notes:note"})
    notite = Mount(app="notite", order=90, record_pages={"note": "notes:note-edit"})

    # when the mounts are checked
    errors = mount_errors([notes, notite])

    # then the second one is named
    assert [error.id for error in errors] == ["smartcrm.E006"]
    assert errors[0].msg == (
        "App 'notite': the record page of 'note' is already declared by app 'notes'."
    )


def test_an_app_declaring_its_mounts_twice_is_named():
    # given the same app registered twice
    first = Mount(app="facturi", order=200)
    second = Mount(app="facturi", order=210)

    # when the mounts are checked
    errors = mount_errors([first, second])

    # then it is named
    assert [error.id for error in errors] == ["smartcrm.E001"]
    assert errors[0].msg == "App 'facturi' declares its mounts twice."


def test_a_registered_record_page_gives_the_records_link():
    # given an app declaring the page of its records
    note_id = uuid.uuid4()
    register_mount(Mount(app="facturi", order=200, record_pages={"factura": "notes:note"}))
    try:
        # when a link to one of its records is asked for
        link = record_url("factura", note_id)
    finally:
        unregister_mount("facturi")

    # then it is that page; a kind no app declares has none
    assert link == reverse("notes:note", args=[note_id])
    assert record_url("factura", note_id) == ""
