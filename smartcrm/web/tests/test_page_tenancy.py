"""Tenant isolation of the web pages, generated from the URL configuration: every page
with a record id in its path, given another organisation's id, answers 404 to GET and to
POST, exactly as for an id that does not exist, and changes nothing of the other
organisation's rows.

A new page with an id joins the matrix by itself; a new kind of id must be added to
``org_b_ids`` below (the test says which).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from smartcrm.activities import services as activities
from smartcrm.catalog import services as catalog
from smartcrm.contacts import services as contacts
from smartcrm.notes import services as notes
from smartcrm.sales import services as sales
from smartcrm.tasks import services as tasks

# Pages whose id is not a record of an organisation (client links, password reset).
NOT_TENANT_PAGES = {"web:password-reset-confirm", "outreach", "agenda:feed"}
# Values of the non-id path parts (a parent's kind, a list's key).
WORDS = {
    "parent_kind": "account",
    "kind": "account",
    "list_key": "prospects",
    "answer": "accept",
}


def _pages(patterns: list[Any] | None = None, namespace: str = "") -> list[tuple[str, list[str]]]:
    """(URL name, path parameters) of every named page with a uuid in its path."""
    found = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = (
                f"{namespace}:{entry.namespace}"
                if namespace and entry.namespace
                else (entry.namespace or namespace)
            )
            if entry.namespace in {"admin"} or "api" in str(entry.pattern):
                continue
            found += _pages(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            converters = entry.pattern.converters
            if any(type(c).__name__ == "UUIDConverter" for c in converters.values()):
                found.append((f"{namespace}:{entry.name}", list(converters)))
    return sorted(set((name, tuple(params)) for name, params in found))  # type: ignore[misc]


PAGES = [
    (name, params)
    for name, params in _pages()
    if name not in NOT_TENANT_PAGES and name.split(":")[0] not in NOT_TENANT_PAGES
]


@pytest.fixture
def org_b_ids(other_org, other_owner) -> dict[str, str]:
    """Organisation B with one record of every kind that has a page."""
    org, user = other_org, other_owner
    catalog.exchange_rate_set(
        org=org, user=user, currency="EUR", date=dt.date(2026, 1, 5), rate=Decimal("4.97")
    )
    rate = apps.get_model("catalog", "ExchangeRate").objects.get(organization=org)
    product = catalog.product_create(org=org, user=user, code="B-1", name="B", price=Decimal(1))
    prospect = sales.prospect_create(org=org, user=user, company_name="Beta Prospect SRL")
    account = sales.account_create(org=org, user=user, name="Beta Client SRL")
    offer = sales.offer_create(org=org, user=user, account_id=account.pk, title="Ofertă B")
    line = sales.offer_line_add(
        org=org, user=user, offer_id=offer.pk, name="L", quantity="1", unit_price="1"
    )
    contact = contacts.contact_create(org=org, user=user, account_id=account.pk, last_name="Beta")
    activity = activities.activity_create(
        org=org, user=user, account_id=account.pk, kind="call", subject="Apel",
        start_at=timezone.now(),
    )  # fmt: skip
    note = notes.note_create(org=org, user=user, account_id=account.pk, body="Notă")
    task = tasks.task_create(org=org, user=user, account_id=account.pk, title="Sarcină")
    from smartcrm.core.tokens import api_token_create
    from smartcrm.imports import services as imports
    from smartcrm.notifications.services import notify
    from smartcrm.web.services import saved_filter_save

    notification = notify(org=org, user=user, kind="reminder", title="B")
    saved = saved_filter_save(org=org, user=user, list_key="prospects", name="B", query="q=b")
    import_run = imports.import_upload(
        org=org, user=user, kind="accounts", file_name="b.csv", content=b"Nume,CUI\nBeta,\n"
    )
    template = imports.import_template_create(
        org=org, user=user, kind="accounts", name="B", mapping={"Nume": "name"}
    )
    membership = apps.get_model("core", "Membership").objects.get(organization=org, user=user)
    department = apps.get_model("core", "Department").objects.create(organization=org, name="B")
    role = apps.get_model("core", "CustomRole").objects.create(organization=org, name="B")
    from smartcrm.jobs.tests.factories import failed_email_job

    job = failed_email_job(org, user)
    return {
        "job_id": str(job.pk),
        "prospect_id": str(prospect.pk),
        "account_id": str(account.pk),
        "offer_id": str(offer.pk),
        "line_id": str(line.pk),
        "contact_id": str(contact.pk),
        "activity_id": str(activity.pk),
        "note_id": str(note.pk),
        "task_id": str(task.pk),
        "product_id": str(product.pk),
        "exchange_rate_id": str(rate.pk),
        "rate_id": str(rate.pk),
        "notification_id": str(notification.pk),
        "saved_filter_id": str(saved.pk),
        "membership_id": str(membership.pk),
        "member_id": str(membership.pk),
        "department_id": str(department.pk),
        "role_id": str(role.pk),
        "user_id": str(user.pk),
        "import_id": str(import_run.pk),
        "template_id": str(template.pk),
        "token_id": str(api_token_create(org=org, user=user, name="B")[0].pk),
        "invitation_id": str(_invitation_of(org, user).pk),
        "parent_id": str(account.pk),
        "record_id": str(account.pk),
    }


def _invitation_of(org: Any, user: Any) -> Any:
    """B invites an existing login of a third organisation."""
    from smartcrm.core import services as core_services
    from smartcrm.core.tests.factories import UserFactory

    invited = UserFactory.create(email="dan.dobre@example.ro")
    return core_services.member_invite(org=org, user=user, email=invited.email, role="sales")


def _snapshot() -> dict[str, set[tuple[str, int]]]:
    state = {}
    for model in apps.get_models():
        fields = {f.name for f in model._meta.concrete_fields}
        if "organization" in fields and "version" in fields:
            state[model.__name__] = {
                (str(pk), version)
                for pk, version in model._default_manager.values_list("pk", "version")
            }
    return state


def test_the_matrix_covers_the_record_pages():
    names = {name for name, _params in PAGES}
    for page in ("sales:prospect", "sales:account", "sales:offer"):
        assert page in names, page


@pytest.mark.parametrize(("name", "params"), PAGES, ids=[name for name, _ in PAGES])
def test_another_organisations_record_is_404_and_untouched(
    client, org, owner, org_b_ids, name, params
):
    unknown = [p for p in params if p not in org_b_ids and p not in WORDS]
    assert not unknown, f"Add an id of organisation B for {unknown} to org_b_ids"
    kwargs = {p: org_b_ids.get(p) or WORDS[p] for p in params}
    url = reverse(name, kwargs=kwargs)
    client.force_login(owner)
    before = _snapshot()

    answers = {"GET": client.get(url).status_code, "POST": client.post(url, {}).status_code}

    assert answers["GET"] in {404, 405}, (url, answers)
    assert answers["POST"] in {404, 405}, (url, answers)
    assert 404 in answers.values(), (url, answers)
    assert _snapshot() == before
