"""Fixtures of the API tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone

from smartcrm.activities import services as activities
from smartcrm.catalog import services as catalog
from smartcrm.contacts import services as contacts
from smartcrm.notes import services as notes
from smartcrm.sales import services as sales
from smartcrm.tasks import services as tasks


@pytest.fixture
def org_b_ids(other_org, other_owner) -> dict[str, str]:
    """Organisation B with one record of every kind that has a route."""
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
        org=org,
        user=user,
        account_id=account.pk,
        kind="call",
        subject="Apel",
        start_at=timezone.now(),
    )
    note = notes.note_create(org=org, user=user, account_id=account.pk, body="Notă")
    task = tasks.task_create(org=org, user=user, account_id=account.pk, title="Sarcină")
    from smartcrm.notifications.services import notify

    notification = notify(org=org, user=user, kind="reminder", title="B")
    from smartcrm.imports import services as imports

    import_run = imports.import_upload(
        org=org, user=user, kind="accounts", file_name="b.csv", content=b"Nume,CUI\nBeta,\n"
    )
    template = imports.import_template_create(
        org=org, user=user, kind="accounts", name="B", mapping={"Nume": "name"}
    )
    from smartcrm.jobs.tests.factories import failed_email_job

    job = failed_email_job(org, user)
    from smartcrm.core import services as core

    department = core.department_create(org=org, user=user, name="Vânzări B")
    role = core.custom_role_create(
        org=org, user=user, name="Agent B", grants={"prospects": {"view": "own"}}
    )
    # A record in B's trash: the trash list shows it to B only.
    trashed = sales.prospect_create(org=org, user=user, company_name="Beta Șters SRL")
    sales.prospect_delete(org=org, user=user, prospect_id=trashed.pk)
    return {
        "job_id": str(job.pk),
        "import_id": str(import_run.pk),
        "template_id": str(template.pk),
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
        "notification_id": str(notification.pk),
        "user_id": str(user.pk),
        "department_id": str(department.pk),
        "role_id": str(role.pk),
    }
