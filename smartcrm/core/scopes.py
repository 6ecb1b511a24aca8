"""Grants: per module, per action, a scope — none, own, department or all.

A member's grants come from their custom role when they have one (it *replaces* the
built-in grants), else from their built-in role. The built-in role stays in any case for
the powers that are not about records: managing members, departments, roles, modules and
organisation settings (admin, owner).

"Own" is the record's holder (its owner; a task's assignee or creator; a contact's parent
record's owner; a note's author); "department" is what members of my department and its
sub-departments hold (see ``core.models.department_user_ids``); "all" is the whole
organisation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from smartcrm.core.choices import Role


class Scope(models.TextChoices):
    NONE = "none", _("None")
    OWN = "own", _("Own")
    DEPARTMENT = "department", _("Department")
    ALL = "all", _("All")


class GrantModule(models.TextChoices):
    PROSPECTS = "prospects", _("Prospects")
    ACCOUNTS = "accounts", _("Accounts")
    CONTACTS = "contacts", _("Contacts")
    OFFERS = "offers", _("Offers")
    ACTIVITIES = "activities", _("Activities")
    NOTES = "notes", _("Notes")
    TASKS = "tasks", _("Tasks")
    PRODUCTS = "products", _("Products")
    REPORTS = "reports", _("Reports")
    IMPORT = "import", _("Import")
    EXPORT = "export", _("Export")


class GrantAction(models.TextChoices):
    VIEW = "view", _("View")
    CREATE = "create", _("Create")
    EDIT = "edit", _("Edit")
    DELETE = "delete", _("Delete")
    EXPORT = "export", _("Export")
    ASSIGN = "assign", _("Assign to someone else")


MODULES: tuple[str, ...] = tuple(GrantModule.values)
ACTIONS: tuple[str, ...] = tuple(GrantAction.values)
SCOPES: tuple[str, ...] = tuple(Scope.values)
# How far each scope reaches, to compare two of them.
SCOPE_RANK: dict[str, int] = {Scope.NONE: 0, Scope.OWN: 1, Scope.DEPARTMENT: 2, Scope.ALL: 3}

Grants = dict[str, dict[str, str]]

# The records people own, work and hand over.
RECORD_MODULES: tuple[str, ...] = (
    GrantModule.PROSPECTS,
    GrantModule.ACCOUNTS,
    GrantModule.CONTACTS,
    GrantModule.OFFERS,
    GrantModule.ACTIVITIES,
    GrantModule.NOTES,
    GrantModule.TASKS,
)


# Modules whose records nobody holds (the catalogue): a scope of own or department reaches
# all of them, as "all" does (core.models.held_by reads them the same way).
UNHELD_MODULES: frozenset[str] = frozenset({GrantModule.PRODUCTS.value})


def _everything() -> Grants:
    return {module: dict.fromkeys(ACTIONS, Scope.ALL.value) for module in MODULES}


def _sales() -> Grants:
    """Today's sales user: sees, creates and edits every record, deletes and hands over
    only what they hold; reads the catalogue (which managers keep); imports and exports."""
    grants: Grants = {}
    for module in RECORD_MODULES:
        grants[module] = {
            GrantAction.VIEW: Scope.ALL,
            GrantAction.CREATE: Scope.ALL,
            GrantAction.EDIT: Scope.ALL,
            GrantAction.DELETE: Scope.OWN,
            GrantAction.EXPORT: Scope.ALL,
            GrantAction.ASSIGN: Scope.OWN,
        }
    # A note is its author's to change (today's rule); others read it.
    grants[GrantModule.NOTES][GrantAction.EDIT] = Scope.OWN
    grants[GrantModule.PRODUCTS] = {GrantAction.VIEW: Scope.ALL, GrantAction.EXPORT: Scope.ALL}
    grants[GrantModule.REPORTS] = {GrantAction.VIEW: Scope.ALL, GrantAction.EXPORT: Scope.ALL}
    grants[GrantModule.IMPORT] = {GrantAction.VIEW: Scope.OWN, GrantAction.CREATE: Scope.ALL}
    grants[GrantModule.EXPORT] = {GrantAction.VIEW: Scope.ALL, GrantAction.CREATE: Scope.ALL}
    return {m: {a: str(s) for a, s in actions.items()} for m, actions in grants.items()}


# The built-in roles as grant tables: exactly the rules they have always had.
BUILT_IN_GRANTS: dict[str, Grants] = {
    Role.OWNER: _everything(),
    Role.ADMIN: _everything(),
    Role.MANAGER: _everything(),
    Role.SALES: _sales(),
}


def grant_of(grants: Mapping[str, Mapping[str, str]], module: str, action: str) -> str:
    """The scope a grant table gives; what it does not name is none."""
    return grants.get(module, {}).get(action, Scope.NONE.value)


def grants_of(membership: Any) -> Mapping[str, Mapping[str, str]]:
    """The member's grant table: their custom role's, else their built-in role's."""
    if getattr(membership, "custom_role_id", None) is not None:
        grants: Mapping[str, Mapping[str, str]] = membership.custom_role.grants
        return grants
    return BUILT_IN_GRANTS[membership.role]


def scope_for(membership: Any, module: str, action: str) -> str:
    """The scope of ``action`` in ``module`` the member has: none, own, department or all."""
    if module not in MODULES or action not in ACTIONS:
        raise ValueError(f"Unknown grant {module}.{action}")
    return grant_of(grants_of(membership), module, action)


def grant_problems(grants: object) -> list[tuple[str, str]]:
    """What is wrong with a grant table: (the key at fault, why), empty when it is valid.

    A table is ``{module: {action: scope}}`` with known names only."""
    if not isinstance(grants, Mapping):
        return [("grants", str(_("Grants are a map of module to action to scope.")))]
    problems: list[tuple[str, str]] = []
    for module, actions in grants.items():
        if module not in MODULES:
            problems.append(
                (
                    f"grants.{module}",
                    str(_("Unknown module; choose one of: %(names)s."))
                    % {"names": ", ".join(MODULES)},
                )
            )
            continue
        if not isinstance(actions, Mapping):
            problems.append((f"grants.{module}", str(_("A module maps actions to scopes."))))
            continue
        for action, scope in actions.items():
            if action not in ACTIONS:
                problems.append(
                    (
                        f"grants.{module}.{action}",
                        str(_("Unknown action; choose one of: %(names)s."))
                        % {"names": ", ".join(ACTIONS)},
                    )
                )
            elif scope not in SCOPES:
                problems.append(
                    (
                        f"grants.{module}.{action}",
                        str(_("Unknown scope; choose one of: %(names)s."))
                        % {"names": ", ".join(SCOPES)},
                    )
                )
    return problems


def full_grants(grants: Mapping[str, Mapping[str, str]]) -> Grants:
    """Every module and action with its scope (none where the table says nothing)."""
    return {
        module: {action: grant_of(grants, module, action) for action in ACTIONS}
        for module in MODULES
    }
