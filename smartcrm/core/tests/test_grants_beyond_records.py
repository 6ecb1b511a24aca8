"""The grants of the modules that are not records people hold: the catalogue (products),
importing. A custom role opens or closes them whatever its built-in role says; the built-in
roles keep their rules (the catalogue is kept by managers and up)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from smartcrm.activities.models import Activity
from smartcrm.activities.services import activity_create
from smartcrm.catalog.models import Product
from smartcrm.catalog.services import product_create, product_delete, product_update
from smartcrm.core.errors import Forbidden
from smartcrm.core.permissions import may, membership_of
from smartcrm.core.scopes import ACTIONS, RECORD_MODULES
from smartcrm.core.tests.factories import give_role
from smartcrm.imports.models import ImportRun
from smartcrm.imports.tests.factories import upload
from smartcrm.notes.models import Note
from smartcrm.notes.services import note_create
from smartcrm.sales.services import prospect_create
from smartcrm.tasks.models import Task
from smartcrm.tasks.services import task_create

pytestmark = pytest.mark.django_db

PROSPECT_ROWS = [["Companie", "Oraș"], ["Carpați Trans SRL", "Brașov"]]
PRODUCT_ROWS = [["Cod", "Denumire", "Preț"], ["LIC-01", "Licență", "100"]]
CHILD_CREATES: dict[str, tuple[Any, Any, dict[str, Any]]] = {
    "activities": (
        activity_create,
        Activity,
        {"kind": "call", "subject": "Sună", "start_at": dt.datetime(2026, 12, 8, 9, tzinfo=dt.UTC)},
    ),
    "notes": (note_create, Note, {"body": "Vrea ofertă."}),
    "tasks": (task_create, Task, {"title": "Trimite oferta"}),
}


def _grants(**extra):
    grants = {module: dict.fromkeys(ACTIONS, "all") for module in RECORD_MODULES}
    grants["import"] = {"view": "own", "create": "all"}
    grants.update(extra)
    return grants


def test_a_role_that_keeps_the_catalogue_lets_a_sales_member_keep_it(org, owner, sales_user):
    # given a sales member whose custom role keeps the catalogue, own scope being all of it
    give_role(
        org,
        owner,
        sales_user,
        _grants(products={"view": "own", "create": "all", "edit": "own", "delete": "own"}),
        "Responsabil catalog",
    )

    # when they add, change and delete a product, then each is done
    product = product_create(
        org=org, user=sales_user, code="LIC-01", name="Licență", price=Decimal("100")
    )
    product = product_update(org=org, user=sales_user, product_id=product.pk, name="Licență anuală")
    assert product.name == "Licență anuală"
    product_delete(org=org, user=sales_user, product_id=product.pk)
    assert not Product.objects.exists()


def test_a_role_without_the_catalogue_cannot_touch_it_even_as_a_manager(org, owner, manager):
    # given a product, and a manager whose custom role only reads the catalogue
    product = product_create(org=org, user=owner, code="LIC-01", name="Licență", price=1)
    give_role(org, owner, manager, _grants(products={"view": "all"}), "Manager vânzări")

    # when they change or delete it, then they are refused
    with pytest.raises(Forbidden):
        product_update(org=org, user=manager, product_id=product.pk, name="Altul")
    with pytest.raises(Forbidden):
        product_delete(org=org, user=manager, product_id=product.pk)
    assert Product.objects.get().name == "Licență"


def test_own_and_department_scopes_read_the_whole_catalogue(org, owner, sales_user):
    give_role(org, owner, sales_user, _grants(products={"view": "own"}), "Agent")
    membership = membership_of(org, sales_user)
    product = product_create(org=org, user=owner, code="LIC-01", name="Licență", price=1)

    assert may(membership, "products", "view")
    assert list(Product.objects.for_member(membership, "products")) == [product]


def test_a_role_without_the_import_grant_cannot_import(org, owner, sales_user):
    give_role(org, owner, sales_user, _grants(**{"import": {}}), "Fără import")

    with pytest.raises(Forbidden):
        upload(org, sales_user, "prospects", PROSPECT_ROWS)
    assert not ImportRun.objects.exists()


def test_importing_a_kind_needs_its_create_grant(org, owner, sales_user):
    # given a role that imports, creates prospects, and keeps the catalogue
    grants = _grants(products={"view": "all", "create": "all"})
    grants["prospects"] = {"view": "all"}
    give_role(org, owner, sales_user, grants, "Importator catalog")

    # then it imports products (a manager's work among the built-in roles) but no prospects
    assert upload(org, sales_user, "products", PRODUCT_ROWS).kind == "products"
    with pytest.raises(Forbidden):
        upload(org, sales_user, "prospects", PROSPECT_ROWS)


@pytest.mark.parametrize("module", ["activities", "notes", "tasks"])
def test_a_role_without_the_create_grant_of_a_child_kind_cannot_add_one(
    org, owner, sales_user, module
):
    # given a prospect of mine, and a role that sees everything but creates no ``module``
    grants = _grants()
    grants[module] = {"view": "all", "edit": "all"}
    give_role(org, owner, sales_user, grants, "Fără creare")
    prospect = prospect_create(org=org, user=sales_user, company_name="Carpați Trans SRL")

    # when I add one on it, then I am refused, and nothing is written
    create, model, fields = CHILD_CREATES[module]
    with pytest.raises(Forbidden):
        create(org=org, user=sales_user, prospect_id=prospect.pk, **fields)
    assert not model.objects.exists()
