"""What can be exported: per kind of list, its rows, its filters and its columns.

The filters and orderings are the API list's own (each app's ``filters.py``: its
FilterSchema and ORDERINGS), so an export holds exactly the rows the same query string
lists. Cells hold what a person reads in the list: labels of choices, names of owners and
records, local times.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from smartcrm.activities.filters import ACTIVITY_ORDERINGS, ActivityFilters
from smartcrm.catalog.filters import PRODUCT_ORDERINGS, ProductFilters
from smartcrm.contacts.filters import CONTACT_ORDERINGS, ContactFilters
from smartcrm.core.models import Organization
from smartcrm.core.modules import Module
from smartcrm.sales.filters import (
    ACCOUNT_ORDERINGS,
    OFFER_ORDERINGS,
    PROSPECT_ORDERINGS,
    AccountFilters,
    OfferFilters,
    ProspectFilters,
)
from smartcrm.tasks.filters import TASK_ORDERINGS, TaskFilters

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
    from ninja import FilterSchema

    from smartcrm.api.pagination import Sort


@dataclass(frozen=True)
class Column:
    """One column: its key (for ``columns=``), its header, and the cell of a row."""

    key: str
    label: StrOrPromise
    value: Callable[[Any], Any]


@dataclass(frozen=True)
class ExportKind:
    key: str
    label: StrOrPromise
    module: str
    rows: Callable[[Organization], QuerySet[Any]]
    filters: type[FilterSchema]
    orderings: Mapping[str, Sort]
    default_ordering: str
    columns: tuple[Column, ...]


def _person(user: Any) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.email)


def _display(name: str) -> Callable[[Any], Any]:
    """A choice's label, as ``get_<name>_display`` gives it, from a table of the labels
    made once per language (that method rebuilds and translates them on every row)."""
    labels: dict[str, dict[Any, str]] = {}

    def label(row: Any) -> Any:
        language = translation.get_language() or ""
        table = labels.get(language)
        if table is None:
            choices = row._meta.get_field(name).flatchoices
            table = labels[language] = {value: str(text) for value, text in choices}
        value = getattr(row, name)
        return table.get(value, value)

    return label


def _attr(name: str) -> Callable[[Any], Any]:
    return lambda row: getattr(row, name)


def _record(row: Any) -> str:
    """The prospect, account or offer a row hangs on, by name."""
    for name in ("prospect", "account", "offer"):
        if getattr(row, f"{name}_id", None):
            return str(getattr(row, name))
    return ""


def _column(key: str, label: StrOrPromise, value: Callable[[Any], Any] | None = None) -> Column:
    return Column(key, label, value or _attr(key))


ID = _column("id", _("ID"))
CREATED = _column("created_at", _("created"))
OWNER = Column("owner", _("owner"), lambda row: _person(row.owner))


# Querysets: the organisation's rows with what the columns read joined in (no N+1).


def _prospects(org: Organization) -> QuerySet[Any]:
    from smartcrm.sales.models import Prospect

    return Prospect.objects.for_org(org).select_related("owner")


def _accounts(org: Organization) -> QuerySet[Any]:
    from smartcrm.sales.models import Account

    return Account.objects.for_org(org).select_related("owner")


def _contacts(org: Organization) -> QuerySet[Any]:
    from smartcrm.contacts.models import Contact

    return Contact.objects.for_org(org).select_related("prospect", "account")


def _offers(org: Organization) -> QuerySet[Any]:
    from smartcrm.sales.models import Offer

    return Offer.objects.for_org(org).select_related("account", "owner")


def _activities(org: Organization) -> QuerySet[Any]:
    from smartcrm.activities.models import Activity

    return Activity.objects.for_org(org).select_related("owner", "prospect", "account", "offer")


def _tasks(org: Organization) -> QuerySet[Any]:
    from smartcrm.tasks.models import Task

    return Task.objects.for_org(org).select_related("assignee", "prospect", "account", "offer")


def _products(org: Organization) -> QuerySet[Any]:
    from smartcrm.catalog.models import Product

    return Product.objects.for_org(org)


KINDS: dict[str, ExportKind] = {
    kind.key: kind
    for kind in (
        ExportKind(
            key="prospects",
            label=_("prospects"),
            module=Module.SALES,
            rows=_prospects,
            filters=ProspectFilters,
            orderings=PROSPECT_ORDERINGS,
            default_ordering="-created_at",
            columns=(
                ID,
                Column("name", _("name"), lambda row: row.display_name),
                _column("company_name", _("company name")),
                _column("first_name", _("first name")),
                _column("last_name", _("last name")),
                Column("kind", _("kind"), _display("kind")),
                Column("status", _("status"), _display("status")),
                Column("priority", _("priority"), _display("priority")),
                Column("source", _("source"), _display("source")),
                _column("email", _("e-mail")),
                _column("phone", _("phone")),
                _column("cui", _("CUI")),
                _column("locality", _("locality")),
                Column("county", _("county"), _display("county")),
                OWNER,
                CREATED,
            ),
        ),
        ExportKind(
            key="accounts",
            label=_("accounts"),
            module=Module.SALES,
            rows=_accounts,
            filters=AccountFilters,
            orderings=ACCOUNT_ORDERINGS,
            default_ordering="name",
            columns=(
                ID,
                _column("name", _("name")),
                Column("kind", _("kind"), _display("kind")),
                _column("cui", _("CUI")),
                _column("email", _("e-mail")),
                _column("phone", _("phone")),
                _column("locality", _("locality")),
                Column("county", _("county"), _display("county")),
                _column("industry", _("industry")),
                OWNER,
                CREATED,
            ),
        ),
        ExportKind(
            key="contacts",
            label=_("contacts"),
            module=Module.SALES,
            rows=_contacts,
            filters=ContactFilters,
            orderings=CONTACT_ORDERINGS,
            default_ordering="last_name",
            columns=(
                ID,
                _column("first_name", _("first name")),
                _column("last_name", _("last name")),
                _column("email", _("e-mail")),
                _column("phone", _("phone")),
                _column("job_title", _("job title")),
                Column("department", _("department"), _display("department")),
                _column("is_primary", _("primary contact")),
                Column("record", _("prospect or account"), _record),
                CREATED,
            ),
        ),
        ExportKind(
            key="offers",
            label=_("offers"),
            module=Module.SALES,
            rows=_offers,
            filters=OfferFilters,
            orderings=OFFER_ORDERINGS,
            default_ordering="-created_at",
            columns=(
                ID,
                _column("number", _("number")),
                _column("title", _("title")),
                Column("account", _("account"), lambda row: row.account.name),
                Column("status", _("status"), _display("status")),
                _column("issue_date", _("issue date")),
                _column("valid_until", _("valid until")),
                _column("expected_close_date", _("expected close date")),
                _column("probability", _("probability %")),
                _column("currency", _("currency")),
                _column("total_net", _("total without VAT")),
                _column("total_vat", _("VAT")),
                _column("total_gross", _("total with VAT")),
                OWNER,
                CREATED,
            ),
        ),
        ExportKind(
            key="activities",
            label=_("activities"),
            module=Module.ACTIVITIES,
            rows=_activities,
            filters=ActivityFilters,
            orderings=ACTIVITY_ORDERINGS,
            default_ordering="-start_at",
            columns=(
                ID,
                Column("kind", _("kind"), _display("kind")),
                _column("subject", _("subject")),
                Column("status", _("status"), _display("status")),
                _column("start_at", _("starts at")),
                _column("end_at", _("ends at")),
                _column("location", _("location")),
                Column("record", _("record"), _record),
                _column("outcome", _("outcome")),
                OWNER,
            ),
        ),
        ExportKind(
            key="tasks",
            label=_("tasks"),
            module=Module.TASKS,
            rows=_tasks,
            filters=TaskFilters,
            orderings=TASK_ORDERINGS,
            default_ordering="due_at",
            columns=(
                ID,
                _column("title", _("title")),
                Column("status", _("status"), _display("status")),
                Column("priority", _("priority"), _display("priority")),
                _column("due_at", _("due")),
                Column("assignee", _("assignee"), lambda row: _person(row.assignee)),
                Column("record", _("record"), _record),
                _column("completed_at", _("completed at")),
                CREATED,
            ),
        ),
        ExportKind(
            key="products",
            label=_("products and services"),
            module=Module.CATALOG,
            rows=_products,
            filters=ProductFilters,
            orderings=PRODUCT_ORDERINGS,
            default_ordering="code",
            columns=(
                ID,
                Column("kind", _("kind"), _display("kind")),
                _column("code", _("code")),
                _column("name", _("name")),
                _column("unit", _("unit")),
                _column("price", _("price")),
                _column("currency", _("currency")),
                _column("price_includes_vat", _("price includes VAT")),
                _column("vat_rate", _("VAT rate %")),
                _column("active", _("active")),
            ),
        ),
    )
}
