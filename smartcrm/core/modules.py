"""Which modules an organisation uses: one switch every edge asks.

Sales (prospects, accounts, offers, contacts) is always on. A switched-off module keeps
its data; its UI disappears and its API answers 404.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from smartcrm.core.errors import NotFound
from smartcrm.core.models import Organization


class Module(models.TextChoices):
    SALES = "sales", _("Sales")
    CATALOG = "catalog", _("Catalogue")
    ACTIVITIES = "activities", _("Activities")
    NOTES = "notes", _("Notes")
    TASKS = "tasks", _("Tasks")


ALWAYS_ON: frozenset[str] = frozenset({Module.SALES})
OPTIONAL: tuple[str, ...] = tuple(m.value for m in Module if m.value not in ALWAYS_ON)


def module_enabled(org: Organization, module: str) -> bool:
    return module in ALWAYS_ON or module not in (org.disabled_modules or [])


def enabled_modules(org: Organization) -> list[str]:
    return [m.value for m in Module if module_enabled(org, m.value)]


def require_module(org: Organization, module: str) -> None:
    """Refuse work in a switched-off module as if it did not exist."""
    if not module_enabled(org, module):
        raise NotFound(
            _("The %(module)s module is switched off for this organisation.")
            % {"module": Module(module).label},
            code="module_disabled",
        )
