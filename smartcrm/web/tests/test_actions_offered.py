"""A record page offers only what will be allowed (core.permissions): Delete, and changing
the owner in the edit form, to a sales user on their own records and to a manager on any; a
sales user on a colleague's record sees no control that a refusal would answer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from smartcrm.activities.services import activity_create
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory, ProspectFactory
from smartcrm.tasks.services import task_create

pytestmark = pytest.mark.django_db


def _pages(org, holder) -> dict[str, tuple[str, str]]:
    """(page, the Delete control's test id) of a prospect, account, offer, task and activity
    that ``holder`` owns."""
    prospect = ProspectFactory.create(org=org, user=holder)
    account = AccountFactory.create(org=org, user=holder)
    offer = OfferFactory.create(org=org, user=holder, account_id=account.pk)
    task = task_create(org=org, user=holder, title="Sună clientul", account_id=account.pk)
    activity = activity_create(
        org=org, user=holder, account_id=account.pk, kind="call", subject="Apel",
        start_at=timezone.now() + dt.timedelta(days=1),
    )  # fmt: skip
    return {
        "prospect": (reverse("sales:prospect", args=[prospect.pk]), "delete-prospect"),
        "account": (reverse("sales:account", args=[account.pk]), "delete-account"),
        "offer": (reverse("sales:offer", args=[offer.pk]), "offer-delete"),
        "task": (reverse("tasks:task", args=[task.pk]), "task-delete"),
        "activity": (reverse("activities:activity", args=[activity.pk]), "activity-delete"),
    }


@pytest.mark.parametrize("kind", ["prospect", "account", "offer", "task", "activity"])
def test_delete_is_offered_to_the_records_holder_and_managers_only(
    client, org, owner, sales_user, manager, kind
):
    theirs = _pages(org, owner)[kind]
    own = _pages(org, sales_user)[kind]

    def offered(user, page: tuple[str, str]) -> bool:
        client.force_login(user)
        response = client.get(page[0])
        assert response.status_code == 200
        return f'data-testid="{page[1]}"' in response.content.decode()

    assert offered(sales_user, own)
    assert not offered(sales_user, theirs)
    assert offered(manager, theirs)


@pytest.mark.parametrize("kind", ["prospect", "account"])
def test_a_sales_user_edits_a_colleagues_record_without_handing_it_over(
    client, org, owner, sales_user, kind
):
    from smartcrm.sales.models import Account, Prospect

    factory = ProspectFactory if kind == "prospect" else AccountFactory
    theirs = factory.create(org=org, user=owner)
    own = factory.create(org=org, user=sales_user)
    client.force_login(sales_user)
    edit = f"sales:{kind}-edit"

    # the owner is shown but cannot be changed on a colleague's record; on one's own it can
    theirs_form = client.get(reverse(edit, args=[theirs.pk])).content.decode()
    own_form = client.get(reverse(edit, args=[own.pk])).content.decode()
    assert 'name="owner_id"' in theirs_form and "disabled" in _owner_select(theirs_form)
    assert "disabled" not in _owner_select(own_form)

    # a posted owner is ignored: the other fields save, the owner stays
    name_field = "company_name" if kind == "prospect" else "name"
    model = Prospect if kind == "prospect" else Account
    data = {
        name_field: "Carpați Nord SRL", "owner_id": str(sales_user.pk),
        "version": str(theirs.version), "kind": "company", "country": "RO", "priority": "medium",
    }  # fmt: skip
    response = client.post(reverse(edit, args=[theirs.pk]), data)
    assert response.status_code in (200, 204, 302), response.content.decode()[:500]
    saved = model.objects.get(pk=theirs.pk)
    assert getattr(saved, name_field) == "Carpați Nord SRL"
    assert saved.owner_id == owner.pk


def _owner_select(html: str) -> str:
    start = html.index('name="owner_id"')
    return html[html.rindex("<select", 0, start) : html.index(">", start) + 1]
