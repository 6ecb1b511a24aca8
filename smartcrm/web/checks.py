"""System checks of the web edge: every URL name the menus and record links use exists."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.core import checks
from django.urls import NoReverseMatch, reverse

from smartcrm.core.mounts import Mount, mounts
from smartcrm.web.nav import MENU, NEW_MENU, NavItem


def nav_errors(items: Iterable[NavItem]) -> list[checks.Error]:
    """A menu entry naming a URL that does not exist, each named with its module."""
    errors = []
    for item in items:
        try:
            reverse(item.url_name, args=item.args)
        except NoReverseMatch:
            errors.append(
                checks.Error(
                    f"Menu entry '{item.label}' (module '{item.module}') names the URL "
                    f"'{item.url_name}', which does not exist.",
                    id="smartcrm.E007",
                )
            )
    return errors


def record_page_errors(declared: Iterable[Mount]) -> list[checks.Error]:
    """A declared record page naming a URL that does not exist or takes no id."""
    errors = []
    for mount in declared:
        for kind, url_name in mount.record_pages.items():
            try:
                reverse(url_name, args=[uuid.UUID(int=0)])
            except NoReverseMatch:
                errors.append(
                    checks.Error(
                        f"App '{mount.app}': the record page of '{kind}' names the URL "
                        f"'{url_name}', which does not exist or takes no id.",
                        id="smartcrm.E008",
                    )
                )
    return errors


def check_url_names(**kwargs: Any) -> list[checks.Error]:
    """The system check over the menus and the record pages (`smartcrm check`, tests)."""
    entries = [item for group in MENU for item in group.items] + list(NEW_MENU)
    return nav_errors(entries) + record_page_errors(mounts())
