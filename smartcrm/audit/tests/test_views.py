"""Settings → Audit log, its CSV, a record page's History section, logins."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from smartcrm.activities import services as activities
from smartcrm.audit.models import AuditEvent
from smartcrm.catalog import services as catalog
from smartcrm.contacts import services as contacts
from smartcrm.core.audit import AuditAction
from smartcrm.sales import services as sales
from smartcrm.tasks import services as tasks

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def test_an_admin_reads_the_audit_log_filtered(client, org, owner):
    sales.account_create(org=org, user=owner, name="Omega Trans SRL")
    prospect = sales.prospect_create(org=org, user=owner, company_name="Carpați Tur SRL")
    sales.prospect_update(org=org, user=owner, prospect_id=prospect.pk, locality="Sibiu")
    client.force_login(owner)

    response = client.get(reverse("audit:log"), {"record_kind": "prospect"})

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-testid="audit-row"') == 2
    assert "Carpați Tur SRL" in page and "Omega Trans SRL" not in page
    assert "<del>—</del> → <ins>Sibiu</ins>" in page
    assert reverse("sales:prospect", args=[prospect.pk]) in page


def test_a_sales_user_may_not_read_the_audit_log(client, org, sales_user):
    client.force_login(sales_user)

    assert client.get(reverse("audit:log")).status_code == 403
    assert client.get(reverse("audit:log-csv")).status_code == 403


def test_the_audit_log_exports_as_csv_and_records_the_export(client, org, owner):
    sales.account_create(org=org, user=owner, name="Omega Trans SRL")
    client.force_login(owner)

    response = client.get(reverse("audit:log-csv"), {"action": "created"})

    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["When", "User", "Via"]
    assert [row[8] for row in rows[1:]] == ["Omega Trans SRL"]
    export = AuditEvent.objects.get(organization=org, action=AuditAction.EXPORTED)
    assert export.data == {"kind": "audit", "format": "csv", "filters": {"action": "created"}}
    assert export.via == "web" and export.ip == "127.0.0.1"


@pytest.mark.parametrize(
    "kind", ["prospect", "account", "offer", "contact", "product", "task", "activity"]
)
def test_record_pages_carry_a_history_section(client, org, owner, kind):
    account = sales.account_create(org=org, user=owner, name="Omega Trans SRL")
    record = {
        "prospect": lambda: sales.prospect_create(org=org, user=owner, company_name="Delta SRL"),
        "account": lambda: account,
        "offer": lambda: sales.offer_create(
            org=org, user=owner, account_id=account.pk, title="Ofertă"
        ),
        "contact": lambda: contacts.contact_create(
            org=org, user=owner, account_id=account.pk, last_name="Pop"
        ),
        "product": lambda: catalog.product_create(
            org=org, user=owner, code="P-1", name="Licență", price="100"
        ),
        "task": lambda: tasks.task_create(org=org, user=owner, title="Sună clientul"),
        "activity": lambda: activities.activity_create(
            org=org,
            user=owner,
            account_id=account.pk,
            kind="call",
            subject="Apel",
            start_at=timezone.now(),
        ),
    }[kind]()
    page_name = {
        "contact": "contacts:contact",
        "product": "catalog:product",
        "task": "tasks:task",
        "activity": "activities:activity",
    }.get(kind, f"sales:{kind}")
    client.force_login(owner)

    page = client.get(reverse(page_name, args=[record.pk])).content.decode()

    assert 'data-testid="section-history"' in page
    assert reverse("audit:history", args=[kind, record.pk]) in page


def test_history_section_lists_the_records_events_newest_first(client, org, owner, sales_user):
    prospect = sales.prospect_create(org=org, user=owner, company_name="Carpați Tur SRL")
    sales.prospect_qualify(org=org, user=owner, prospect_id=prospect.pk)
    client.force_login(sales_user)

    response = client.get(reverse("audit:history", args=["prospect", prospect.pk]), **HTMX)

    assert response.status_code == 200
    page = response.content.decode()
    assert page.index('data-action="status_changed"') < page.index('data-action="created"')
    assert "<del>new</del> → <ins>qualified</ins>" in page


def test_history_of_another_organisations_record_is_not_found(
    client, org, owner, other_org, other_owner
):
    account = sales.account_create(org=other_org, user=other_owner, name="Beta Client SRL")
    client.force_login(owner)

    response = client.get(reverse("audit:history", args=["account", account.pk]), **HTMX)

    assert response.status_code == 404


def test_history_pages_by_older_events(client, org, owner):
    prospect = sales.prospect_create(org=org, user=owner, company_name="Carpați Tur SRL")
    for n in range(21):
        sales.prospect_update(org=org, user=owner, prospect_id=prospect.pk, locality=f"Loc {n}")
    client.force_login(owner)
    url = reverse("audit:history", args=["prospect", prospect.pk])

    first = client.get(url, **HTMX).content.decode()
    assert first.count('data-testid="history-entry"') == 20
    cursor = first.split("?cursor=")[1].split('"')[0]
    second = client.get(f"{url}?cursor={cursor}", **HTMX).content.decode()

    assert second.count('data-testid="history-entry"') == 2
    assert 'data-action="created"' in second


def test_login_and_failed_login_are_recorded_with_the_address(client, org, owner):
    owner.set_password("parola-lunga-123")
    owner.save()

    client.post(reverse("web:login"), {"username": owner.email, "password": "greșită"})
    client.post(reverse("web:login"), {"username": owner.email, "password": "parola-lunga-123"})

    failed, succeeded = AuditEvent.objects.filter(
        organization=org, action__in=[AuditAction.LOGIN, AuditAction.LOGIN_FAILED]
    ).order_by("id")
    assert (failed.action, succeeded.action) == (AuditAction.LOGIN_FAILED, AuditAction.LOGIN)
    assert failed.actor_email == owner.email and failed.ip == "127.0.0.1"
    assert "greșită" not in str(failed.data)
