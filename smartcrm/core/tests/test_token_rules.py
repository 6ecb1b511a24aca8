"""API tokens: read-only or read-write, expiring by default (never only for admins), and
where each was last used from."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from smartcrm.core.errors import ValidationFailed
from smartcrm.core.models import ApiToken
from smartcrm.core.tokens import api_token_create, api_tokens_with_recent_use
from smartcrm.sales.models import Prospect


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def _api(plain: str, address: str = "127.0.0.1") -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {plain}", REMOTE_ADDR=address)


def test_a_read_only_token_reads_and_changes_nothing(org, owner):
    # Given a read-only token of the organisation's owner
    _token, plain = api_token_create(org=org, user=owner, name="Raport", scope="read")
    api = _api(plain)
    # Then it reads
    assert api.get("/api/v1/prospects").status_code == 200
    me = api.get("/api/v1/me").json()
    assert me["token_scope"] == "read"
    # When it tries to write, Then each try is refused with a problem that says why
    created = api.post(
        "/api/v1/prospects", {"company_name": "Gama SRL"}, content_type="application/json"
    )
    assert created.status_code == 403
    assert created["Content-Type"] == "application/problem+json"
    assert created.json()["code"] == "read_only_token"
    assert "only read" in created.json()["detail"]
    assert not Prospect.objects.exists()
    # And a read-and-write token of the same user writes
    _token, writer = api_token_create(org=org, user=owner, name="ERP", scope="write")
    assert (
        _api(writer)
        .post("/api/v1/prospects", {"company_name": "Gama SRL"}, content_type="application/json")
        .status_code
        == 201
    )


def test_a_read_only_token_cannot_delete_or_change(org, owner):
    from smartcrm.sales.services.prospects import prospect_create

    prospect = prospect_create(org=org, user=owner, company_name="Delta SRL")
    _token, plain = api_token_create(org=org, user=owner, name="Raport", scope="read")
    api = _api(plain)
    path = f"/api/v1/prospects/{prospect.pk}"
    assert api.delete(path).status_code == 403
    patched = api.patch(path, {"company_name": "Alt nume"}, content_type="application/json")
    assert patched.status_code == 403
    prospect.refresh_from_db()
    assert prospect.company_name == "Delta SRL"


def test_a_token_expires_by_default_and_only_an_admin_makes_one_that_never_does(
    org, owner, sales_user, settings
):
    settings.SMARTCRM_TOKEN_DAYS = 30
    token, _plain = api_token_create(org=org, user=sales_user, name="Formular")
    assert token.expires_at is not None
    expected = timezone.now() + dt.timedelta(days=30)
    assert abs((token.expires_at - expected).total_seconds()) < 60
    with pytest.raises(ValidationFailed) as refused:
        api_token_create(org=org, user=sales_user, name="Veșnic", never_expires=True)
    assert refused.value.field == "expires_at"
    forever, _plain = api_token_create(org=org, user=owner, name="Server", never_expires=True)
    assert forever.expires_at is None
    assert ApiToken.objects.filter(user=sales_user).count() == 1


def test_a_scope_that_does_not_exist_is_refused_naming_the_field(org, owner):
    with pytest.raises(ValidationFailed) as refused:
        api_token_create(org=org, user=owner, name="Ciudat", scope="admin")
    assert refused.value.field == "scope"
    assert not ApiToken.objects.exists()


def test_the_settings_page_shows_where_a_token_was_last_used_from(client, org, owner):
    # Given a token read from one address, then written from another
    token, plain = api_token_create(org=org, user=owner, name="ERP")
    assert _api(plain, "203.0.113.7").get("/api/v1/me").status_code == 200
    (shown,) = api_tokens_with_recent_use([ApiToken.objects.get(pk=token.pk)])
    assert shown.last_used_address == "203.0.113.7"
    assert ApiToken.objects.get(pk=token.pk).last_used_address is None  # a read stores nothing
    _api(plain, "198.51.100.4").post(
        "/api/v1/prospects", {"company_name": "Gama SRL"}, content_type="application/json"
    )
    assert ApiToken.objects.get(pk=token.pk).last_used_address == "198.51.100.4"
    # Then the settings page says where from
    client.force_login(owner)
    page = client.get(reverse("core:tokens")).content.decode()
    assert re.search(r'data-testid="token-address">from 198\.51\.100\.4<', page)


def test_the_page_offers_the_scope_the_default_expiry_and_never_to_admins_only(
    client, org, owner, sales_user, settings
):
    settings.SMARTCRM_TOKEN_DAYS = 90
    default_day = (timezone.localdate() + dt.timedelta(days=90)).isoformat()
    client.force_login(owner)
    page = client.get(reverse("core:tokens")).content.decode()
    assert f'value="{default_day}"' in page
    assert 'name="never_expires"' in page
    assert re.search(r'<input[^>]*name="scope"[^>]*value="read"[^>]*checked', page)
    response = client.post(
        reverse("core:tokens"), {"name": "Server", "scope": "write", "never_expires": "on"}
    )
    assert response.status_code == 200
    assert ApiToken.objects.get(name="Server").expires_at is None
    assert "Read and write" in response.content.decode()
    # A sales member is not offered "never", and sending it anyway changes nothing
    client.force_login(sales_user)
    page = client.get(reverse("core:tokens")).content.decode()
    assert 'name="never_expires"' not in page
    client.post(reverse("core:tokens"), {"name": "Al meu", "scope": "read", "never_expires": "on"})
    mine = ApiToken.objects.get(name="Al meu")
    assert mine.expires_at is not None and mine.scope == "read"
    # A scope that does not exist is named next to its field
    refused = client.post(reverse("core:tokens"), {"name": "Ciudat", "scope": "admin"})
    assert refused.status_code == 422
    assert 'id="id_scope_error"' in refused.content.decode()
