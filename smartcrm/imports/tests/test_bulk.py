"""Bulk writes read back exactly: COPY's text format on PostgreSQL (escapes, NULLs, keys,
numbers, time stamps, JSON), bulk_create and executemany elsewhere."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from smartcrm.catalog.models import Product
from smartcrm.imports import bulk
from smartcrm.sales.models import Prospect, RecordEvent

AWKWARD = "tab\there\nnew line\r\\N back\\slash Ștefan ţ — \u00a0 ✓"


def test_inserted_and_updated_values_read_back_exactly(org, owner):
    template = Prospect(organization=org, created_by=owner, owner=owner, kind="person")
    values = {k: v for k, v in template.__dict__.items() if k != "_state"}
    prospects = [
        bulk.new(Prospect, {**values, "id": None, "last_name": f"Pop {n}", "description": text})
        for n, text in enumerate([AWKWARD, "", "\\", "\t"])
    ]
    bulk.assign_ids(prospects)
    bulk.insert(Prospect, prospects)
    stored = {p.pk: p for p in Prospect.objects.all()}
    assert [stored[p.pk].description for p in prospects] == [AWKWARD, "", "\\", "\t"]
    assert {(p.owner_id, p.created_by_id, p.converted_account_id) for p in stored.values()} == {
        (owner.pk, owner.pk, None)
    }
    event = bulk.new(
        RecordEvent,
        {
            "id": None,
            "organization_id": org.pk,
            "created_by_id": None,
            "created_at": None,
            "updated_at": None,
            "version": 1,
            "kind": "updated",
            "data": {"fields": [AWKWARD], "n": Decimal("1.50").__str__(), "none": None},
            "prospect_id": prospects[0].pk,
            "account_id": None,
            "offer_id": None,
        },
    )
    bulk.assign_ids([event])
    bulk.insert(RecordEvent, [event])
    read = RecordEvent.objects.get()
    assert (read.data, read.created_by_id, read.prospect_id) == (
        {"fields": [AWKWARD], "n": "1.50", "none": None},
        None,
        prospects[0].pk,
    )
    assert abs((read.created_at - timezone.now()).total_seconds()) < 60

    # updated: the named fields only, from the records as they are
    for n, prospect in enumerate(prospects):
        prospect.description = f"{AWKWARD} {n}"
        prospect.locality = "ignored"  # not among the fields written
        prospect.version = 7
    bulk.send(bulk.prepare(Prospect, prospects, update=["description", "version"]))
    assert sorted(Prospect.objects.values_list("description", "locality", "version")) == [
        (f"{AWKWARD} {n}", "", 7) for n in range(4)
    ]


def test_updated_numbers_keep_their_scale(org, owner):
    product = Product.objects.create(
        organization=org, created_by=owner, code="A-1", name="Licență", price=Decimal("10")
    )
    product.price = Decimal("1234.5678")
    product.vat_rate = Decimal("9.00")
    bulk.send(bulk.prepare(Product, [product], update=["price", "vat_rate"]))
    product.refresh_from_db()
    assert (product.price, product.vat_rate) == (Decimal("1234.5678"), Decimal("9.00"))
