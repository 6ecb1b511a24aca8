"""The grants of the modules that are not records people hold: the catalogue (products),
importing. A custom role opens or closes them whatever its built-in role says; the built-in
roles keep their rules (the catalogue is kept by managers and up)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from smartcrm.catalog.models import Product
from smartcrm.catalog.services import product_create, product_delete, product_update
from smartcrm.core.errors import Forbidden
from smartcrm.core.permissions import may, membership_of
from smartcrm.core.scopes import ACTIONS, RECORD_MODULES
from smartcrm.core.tests.factories import give_role
from smartcrm.imports.models import ImportRun
from smartcrm.imports.tests.factories import upload

pytestmark = pytest.mark.django_db

PROSPECT_ROWS = [["Companie", "Oraș"], ["Carpați Trans SRL", "Brașov"]]
PRODUCT_ROWS = [["Cod", "Denumire", "Preț"], ["LIC-01", "Licență", "100"]]


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
