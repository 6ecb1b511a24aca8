"""The sidebar and the "+ New" menu, by module.

A module adds its pages here (label, URL name, the module that must be on). A URL name
that is not routed is a wiring mistake: the system check `web/checks.py` names it at
start-up, instead of the entry silently going missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    module: str = "sales"
    icon: str = ""  # a character shown before the label
    args: tuple[str, ...] = ()  # of the URL (a list's kind, say)


@dataclass(frozen=True)
class NavGroup:
    label: str | Promise
    items: tuple[NavItem, ...] = field(default_factory=tuple)


MENU: tuple[NavGroup, ...] = (
    NavGroup(_("My day"), (NavItem(_("Dashboard"), "web:home", icon="◎"),)),
    NavGroup(
        _("Sales"),
        (
            NavItem(_("Prospects"), "sales:prospect-list", icon="☆"),
            NavItem(_("Accounts"), "sales:account-list", icon="▣"),
            NavItem(_("Contacts"), "contacts:contact-list", icon="☺"),
            NavItem(_("Offers"), "sales:offer-list", icon="€"),
            NavItem(_("Pipeline"), "sales:pipeline", icon="▥"),
        ),
    ),
    NavGroup(
        _("Activities"),
        (
            NavItem(_("Activities"), "activities:activity-list", "activities", icon="☎"),
            NavItem(_("Calendar"), "activities:calendar", "activities", icon="▦"),
        ),
    ),
    NavGroup(
        _("Tasks"),
        (
            NavItem(_("My tasks"), "tasks:my-tasks", "tasks", icon="✓"),
            NavItem(_("Team tasks"), "tasks:team-tasks", "tasks", icon="☷"),
        ),
    ),
    NavGroup(
        _("Catalogue"),
        (NavItem(_("Products and services"), "catalog:product-list", "catalog", icon="▤"),),
    ),
    NavGroup(
        _("Data"),
        (
            NavItem(_("Import"), "imports:import-list", icon="⇪"),
            NavItem(_("Duplicates"), "dedupe:groups", icon="≈", args=("prospects",)),
        ),
    ),
    NavGroup(_("Settings"), (NavItem(_("Settings"), "core:settings", icon="⚙"),)),
)

NEW_MENU: tuple[NavItem, ...] = (
    NavItem(_("Prospect"), "sales:prospect-new"),
    NavItem(_("Account"), "sales:account-new"),
    NavItem(_("Offer"), "sales:offer-new"),
    NavItem(_("Activity"), "activities:activity-new", "activities"),
    NavItem(_("Task"), "tasks:task-new", "tasks"),
    NavItem(_("Product or service"), "catalog:product-new", "catalog"),
)


@dataclass(frozen=True)
class MenuEntry:
    label: str | Promise
    url: str
    icon: str
    active: bool


@cache
def _url(url_name: str, args: tuple[str, ...] = ()) -> str:
    return reverse(url_name, args=args)


def menu_for(
    request: HttpRequest, modules: list[str]
) -> list[tuple[str | Promise, list[MenuEntry]]]:
    """The sidebar groups with the entries the organisation's modules allow."""
    path = request.path
    groups = []
    for group in MENU:
        entries = []
        for item in group.items:
            if item.module not in modules:
                continue
            url = _url(item.url_name, item.args)
            # A page belongs to its menu entry; the duplicates of other kinds, say, too.
            section = url if not item.args else url.removesuffix(f"{item.args[-1]}/")
            active = path == url if url == "/" else path.startswith(section)
            entries.append(MenuEntry(item.label, url, item.icon, active))
        if entries:
            groups.append((group.label, entries))
    return groups


def new_menu_for(modules: list[str]) -> list[MenuEntry]:
    entries = []
    for item in NEW_MENU:
        if item.module in modules:
            entries.append(MenuEntry(item.label, _url(item.url_name), "", False))
    return entries
