"""The web edge's system checks: a menu entry or a record page naming a URL that does not
exist fails start-up, named, instead of silently going missing."""

from __future__ import annotations

from smartcrm.core.mounts import Mount
from smartcrm.web.checks import check_url_names, nav_errors, record_page_errors
from smartcrm.web.nav import NavItem


def test_the_menus_and_record_pages_name_existing_urls():
    # given the menus and the apps' record pages as they are
    # when they are checked
    errors = check_url_names()

    # then every URL they name exists
    assert errors == []


def test_a_menu_entry_naming_a_missing_url_is_named():
    # given a menu entry naming a page nobody routes
    facturi = NavItem("Facturi", "facturi:invoice-list", "facturi")

    # when the menu is checked
    errors = nav_errors([NavItem("Prospecți", "sales:prospect-list"), facturi])

    # then the entry, its module and the URL name are named
    assert [error.id for error in errors] == ["smartcrm.E007"]
    assert errors[0].msg == (
        "Menu entry 'Facturi' (module 'facturi') names the URL 'facturi:invoice-list', "
        "which does not exist."
    )


def test_a_menu_entry_with_the_wrong_arguments_is_named():
    # given the duplicates' entry without the kind its URL takes
    duplicates = NavItem("Duplicate", "dedupe:groups")

    # when the menu is checked
    errors = nav_errors([duplicates])

    # then it is named
    assert [error.id for error in errors] == ["smartcrm.E007"]
    assert "'dedupe:groups'" in errors[0].msg


def test_a_record_page_naming_a_missing_url_names_its_app():
    # given an app declaring a record page nobody routes, and one that takes no id
    facturi = Mount(
        app="facturi",
        order=200,
        record_pages={"factura": "facturi:invoice", "chitanta": "sales:prospect-list"},
    )

    # when the record pages are checked
    errors = record_page_errors([facturi])

    # then each is named with its app
    assert [error.id for error in errors] == ["smartcrm.E008", "smartcrm.E008"]
    assert errors[0].msg == (
        "App 'facturi': the record page of 'factura' names the URL 'facturi:invoice', "
        "which does not exist or takes no id."
    )
    assert "'chitanta'" in errors[1].msg
