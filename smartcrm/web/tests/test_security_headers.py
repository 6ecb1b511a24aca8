"""Security headers: no caching of personal pages, no powerful browser features, HSTS preload
only on request."""

from __future__ import annotations

import importlib

import pytest
from django.urls import reverse

import smartcrm.settings
from smartcrm.api.tests.helpers import ApiClient
from smartcrm.web.middleware import PERMISSIONS_POLICY


def _directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def test_a_logged_in_page_is_neither_stored_nor_shared(client, org, owner):
    client.force_login(owner)

    response = client.get(reverse("web:home"))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


def test_an_api_call_with_a_token_is_neither_stored_nor_shared(org, owner):
    response = ApiClient(org, owner).get("/api/v1/me")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


def test_the_login_page_for_a_visitor_keeps_its_own_cache_rule(client):
    response = client.get(reverse("web:login"))

    assert response.status_code == 200
    # Django's own rule for the login form, left as it is: the visitor is nobody yet.
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


def test_the_clients_offer_page_is_not_stored_even_when_the_link_is_wrong(client):
    response = client.get("/o/not-a-real-token/")

    assert {"no-store", "private"} <= _directives(response)


def test_a_static_file_stays_cacheable_and_carries_the_permissions_policy(client, settings):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True

    response = client.get("/static/web/smartcrm.js")

    assert response.status_code == 200
    assert not {"no-store", "private"} & _directives(response)
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


def test_the_permissions_policy_denies_camera_microphone_geolocation_payment_and_usb():
    features = dict(part.split("=") for part in PERMISSIONS_POLICY.split(", "))

    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()"


def test_the_permissions_policy_keeps_pages_out_of_interest_based_advertising():
    features = dict(part.split("=") for part in PERMISSIONS_POLICY.split(", "))

    assert features["browsing-topics"] == "()"


@pytest.mark.parametrize(("value", "preload"), [(None, False), ("1", True)])
def test_hsts_preload_is_opt_in(monkeypatch, value, preload):
    monkeypatch.setenv("SMARTCRM_HTTPS", "1")
    if value is None:
        monkeypatch.delenv("SECURE_HSTS_PRELOAD", raising=False)
    else:
        monkeypatch.setenv("SECURE_HSTS_PRELOAD", value)
    try:
        reloaded = importlib.reload(smartcrm.settings)
        assert reloaded.SECURE_HSTS_PRELOAD is preload
        assert reloaded.SECURE_HSTS_SECONDS == 31536000
        # The deploy check's "not preloaded" warning is silenced only while preload is off.
        assert ("security.W021" in reloaded.SILENCED_SYSTEM_CHECKS) is not preload
    finally:
        monkeypatch.undo()
        importlib.reload(smartcrm.settings)
