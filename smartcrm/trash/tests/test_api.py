"""The trash through the API: DELETE moves to the trash, the record is then not found on
any route, GET /trash lists it, POST .../restore brings it back as it was."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal

from django.utils import timezone

from smartcrm.activities.services import activity_create
from smartcrm.api.tests.helpers import ApiClient
from smartcrm.api.tests.test_tenancy_matrix import OPERATIONS, PARAM, _body_for
from smartcrm.catalog.services import product_create
from smartcrm.contacts.services import contact_create
from smartcrm.notes.services import note_create
from smartcrm.sales import services as sales
from smartcrm.tasks.services import task_create
from smartcrm.trash.models import TrashBatch

V1 = "/api/v1"


def test_delete_lists_in_trash_and_restore_gives_back_the_same_record(org, owner, settings):
    # given a prospect with a contact, as the API shows them
    settings.SMARTCRM_TRASH_DAYS = 30
    api = ApiClient(org, owner)
    prospect = sales.prospect_create(org=org, user=owner, company_name="Carpați Lemn SRL")
    contact = contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Pop")
    shown = api.get(f"{V1}/prospects/{prospect.pk}").json()
    shown_contact = api.get(f"{V1}/contacts/{contact.pk}").json()

    # when it is deleted
    assert api.delete(f"{V1}/prospects/{prospect.pk}").status_code == 204

    # then neither it nor its contact is found, listed or searched
    assert api.get(f"{V1}/prospects/{prospect.pk}").status_code == 404
    assert api.get(f"{V1}/contacts/{contact.pk}").status_code == 404
    assert api.get(f"{V1}/prospects").json()["items"] == []
    assert api.get(f"{V1}/prospects?q=carpati").json()["items"] == []
    assert api.get(f"{V1}/contacts").json()["items"] == []
    assert api.get(f"{V1}/search?q=carpati").json()["items"] == []
    # and the trash lists it, with who deleted it and when it is purged
    trash = api.get(f"{V1}/trash").json()["items"]
    assert len(trash) == 1
    entry = trash[0]
    assert (entry["kind"], entry["id"], entry["title"], entry["deleted_by_id"]) == (
        "prospect",
        str(prospect.pk),
        "Carpați Lemn SRL",
        str(owner.pk),
    )
    assert entry["children"] == {"contact": 1}
    deleted_at = dt.datetime.fromisoformat(entry["deleted_at"])
    assert dt.datetime.fromisoformat(entry["purge_at"]) - deleted_at == dt.timedelta(days=30)

    # when it is restored
    restored = api.post(f"{V1}/prospects/{prospect.pk}/restore")

    # then it and its contact read exactly as before, and the trash is empty
    assert restored.status_code == 200
    assert restored.json() == {
        "kind": "prospect",
        "id": str(prospect.pk),
        "restored": {"contact": 1},
    }
    assert api.get(f"{V1}/prospects/{prospect.pk}").json() == shown
    assert api.get(f"{V1}/contacts/{contact.pk}").json() == shown_contact
    assert api.get(f"{V1}/trash").json()["items"] == []
    assert [p["id"] for p in api.get(f"{V1}/prospects?q=carpati").json()["items"]] == [
        str(prospect.pk)
    ]


def test_a_restore_that_collides_is_a_409_naming_the_field(org, owner):
    api = ApiClient(org, owner)
    old = product_create(org=org, user=owner, code="LIC-01", name="Licență", price=Decimal(1))
    assert api.delete(f"{V1}/products/{old.pk}").status_code == 204
    assert (
        api.post(f"{V1}/products", {"code": "LIC-01", "name": "Nouă", "price": "2"}).status_code
        == 201
    )

    response = api.post(f"{V1}/products/{old.pk}/restore")

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "duplicate_code"
    assert [error["field"] for error in problem["errors"]] == ["code"]
    assert api.get(f"{V1}/products/{old.pk}").status_code == 404


def test_another_organisations_trash_is_not_found(org, owner, other_org, other_owner):
    prospect = sales.prospect_create(org=other_org, user=other_owner, company_name="Beta SRL")
    sales.prospect_delete(org=other_org, user=other_owner, prospect_id=prospect.pk)
    api = ApiClient(org, owner)

    assert api.get(f"{V1}/trash").json()["items"] == []
    response = api.post(f"{V1}/prospects/{prospect.pk}/restore")
    assert response.status_code == 404
    assert TrashBatch.objects.filter(object_id=prospect.pk).exists()


def test_every_route_answers_404_for_a_trashed_record(org, owner):
    # given one record of every trashable kind of A, all in the trash
    product = product_create(org=org, user=owner, code="P-1", name="P", price=Decimal(1))
    prospect = sales.prospect_create(org=org, user=owner, company_name="Gamma Prospect SRL")
    account = sales.account_create(org=org, user=owner, name="Gamma Client SRL")
    offer = sales.offer_create(org=org, user=owner, account_id=account.pk, title="Ofertă")
    line = sales.offer_line_add(
        org=org, user=owner, offer_id=offer.pk, name="L", quantity="1", unit_price="1"
    )
    contact = contact_create(org=org, user=owner, account_id=account.pk, last_name="Gamma")
    activity = activity_create(
        org=org,
        user=owner,
        account_id=account.pk,
        kind="call",
        subject="Apel",
        start_at=timezone.now(),
    )
    note = note_create(org=org, user=owner, account_id=account.pk, body="Notă")
    task = task_create(org=org, user=owner, account_id=account.pk, title="Sarcină")
    api = ApiClient(org, owner)
    for path in (
        f"{V1}/products/{product.pk}",
        f"{V1}/prospects/{prospect.pk}",
        f"{V1}/offers/{offer.pk}",
        f"{V1}/accounts/{account.pk}",
    ):
        assert api.delete(path).status_code == 204, path
    ids = {
        "product_id": product.pk,
        "prospect_id": prospect.pk,
        "account_id": account.pk,
        "offer_id": offer.pk,
        "line_id": line.pk,
        "contact_id": contact.pk,
        "activity_id": activity.pk,
        "note_id": note.pk,
        "task_id": task.pk,
    }

    # when every route with only such ids in its path is called (restores aside, and the
    # audit history, which outlives the record by design)
    failures = []
    for method, path in OPERATIONS:
        names = PARAM.findall(path)
        if path.endswith(("/restore", "/history")) or not set(names) <= set(ids):
            continue
        url = PARAM.sub(lambda m: str(ids[m.group(1)]), path)
        response = api.call(method.upper(), url, _body_for(method, path))
        # then each is a 404, as for a record that does not exist
        if response.status_code != 404:
            failures.append(f"{method.upper()} {path}: {response.status_code}")
    assert failures == []
    # and the history of a trashed record is still told (to an admin or owner)
    history = api.get(f"{V1}/prospects/{prospect.pk}/history")
    assert history.status_code == 200
    assert "deleted" in [event["action"] for event in history.json()["items"]]
    assert re.fullmatch(r"\d+", str(TrashBatch.objects.count())) and TrashBatch.objects.count() == 4
    assert all(isinstance(value, uuid.UUID) for value in ids.values())
