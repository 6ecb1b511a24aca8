from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from smartcrm.core.tests.factories import TEST_PASSWORD
from smartcrm.sales import services
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory


def test_login_page_renders_for_anonymous(client):
    response = client.get(reverse("web:login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_home_redirects_anonymous_to_login(client):
    response = client.get(reverse("web:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_login_with_email_then_home_shows_own_org_only(client, org, owner, other_org, other_owner):
    foreign = AccountFactory.create(org=other_org, user=other_owner, name="Beta Secret SRL")
    OfferFactory.create(org=other_org, user=other_owner, account_id=foreign.pk, title="Secretă")
    account = AccountFactory.create(org=org, user=owner, name="Client Vizibil SRL")
    OfferFactory.create(org=org, user=owner, account_id=account.pk, title="Ofertă vizibilă")

    response = client.post(reverse("web:login"), {"username": "ANA.popescu@example.ro",
                                                  "password": TEST_PASSWORD})  # fmt: skip
    assert response.status_code == 302
    home = client.get(reverse("web:home"))

    assert home.status_code == 200
    assert "Ofertă vizibilă" in home.content.decode()
    assert "Secretă" not in home.content.decode()
    assert "Beta Secret SRL" not in home.content.decode()


def test_wrong_password_keeps_the_email_and_says_so(client, owner):
    response = client.post(reverse("web:login"), {"username": owner.email, "password": "nope"})
    assert response.status_code == 200
    assert owner.email in response.content.decode()
    assert 'role="alert"' in response.content.decode()


def test_switching_to_an_org_of_which_one_is_not_a_member_is_404(client, owner, other_org):
    client.force_login(owner)
    response = client.post(reverse("web:switch-organisation", args=[other_org.slug]))
    assert response.status_code == 404


def _offers(org, owner, count):
    account = AccountFactory.create(org=org, user=owner)
    for _ in range(count):
        offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
        services.offer_line_add(org=org, user=owner, offer_id=offer.pk, name="X", quantity="1",
                                unit_price="1")  # fmt: skip


@pytest.mark.parametrize("extra", [1, 8])
def test_home_query_count_does_not_grow_with_rows(client, org, owner, extra):
    _offers(org, owner, 2)
    client.force_login(owner)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("web:home"))
    _offers(org, owner, extra)
    with CaptureQueriesContext(connection) as more:
        response = client.get(reverse("web:home"))
    assert response.status_code == 200
    assert len(more.captured_queries) == len(few.captured_queries)


def test_admin_is_for_superusers_only(client, owner):
    from smartcrm.core.models import User

    client.force_login(owner)
    owner.is_staff = True
    owner.save()
    assert client.get("/admin/").status_code == 302  # staff, not superuser: sent to log in
    root = User.objects.create_superuser(email="root@example.ro", password="x")
    client.force_login(root)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/sales/offer/").status_code == 200
