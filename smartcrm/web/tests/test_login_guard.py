"""Failed logins slow down and then lock, on the login page, the admin's and the API; reset
requests are limited. Time passes by ageing the stored time of the last failure."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse

from smartcrm.api.tests.helpers import ApiClient
from smartcrm.core import login_guard
from smartcrm.core.tests.factories import TEST_PASSWORD, UserFactory
from smartcrm.web.client import client_address

EMAIL = "ana.popescu@example.ro"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    settings.SMARTCRM_LOGIN_LOCK_AFTER = 6
    settings.SMARTCRM_LOGIN_LOCK_MINUTES = 15


def _log_in(client: Client, password: str, email: str = EMAIL, path: str = "") -> str:
    response = client.post(path or reverse("web:login"), {"username": email, "password": password})
    return "" if response.status_code == 302 else response.content.decode()


def _time_passes(kind: str, value: str, seconds: float) -> None:
    key = login_guard._key(kind, value)
    cache.set(f"{key}:t", float(cache.get(f"{key}:t")) - seconds, timeout=3600)


def _error(page: str) -> str:
    match = re.search(r'<div class="alert alert-danger[^"]*"[^>]*>\s*(.*?)\s*</div>', page, re.S)
    assert match is not None, page[:2000]
    return re.sub(r"<[^>]+>|\s+", " ", match.group(1)).strip()


def test_failures_slow_down_and_a_refused_attempt_does_not_try_the_password(client, owner):
    # Given three wrong passwords, each told as wrong
    for _ in range(3):
        assert "correct e-mail" in _error(_log_in(client, "greșit")).lower()
    # When the right one comes at once, Then it is refused without being checked
    page = _log_in(client, TEST_PASSWORD)
    assert _error(page) == "Too many failed attempts: wait 2 seconds and try again."
    assert "_auth_user_id" not in client.session
    # When the wait is over, Then the right password logs in and the failures are forgotten
    _time_passes("account", EMAIL, 2)
    assert _log_in(client, TEST_PASSWORD) == ""
    assert "_auth_user_id" in client.session
    assert login_guard.login_refusal(account=EMAIL, address="") is None


def test_the_waits_grow_and_end_in_a_lock(client, owner):
    # Given failures past the free ones, each after its wait
    waits = []
    for _ in range(6):
        refusal = login_guard.login_refusal(account=EMAIL, address="127.0.0.1")
        if refusal is not None:
            waits.append(refusal.seconds)
            _time_passes("account", EMAIL, refusal.seconds)
        _log_in(client, "greșit")
    # Then each wait doubled, and the sixth failure locked the account for 15 minutes
    assert waits == [2, 4, 8]
    page = _log_in(client, TEST_PASSWORD)
    assert _error(page) == "Too many failed attempts: try again in 15 minutes."
    _time_passes("account", EMAIL, 14 * 60)
    assert "try again in 1 minute." in _error(_log_in(client, TEST_PASSWORD))
    # When the lock is over, Then the right password logs in
    _time_passes("account", EMAIL, 60)
    assert _log_in(client, TEST_PASSWORD) == ""


def test_another_account_from_the_same_address_is_not_slowed_by_one_accounts_failures(
    client, owner
):
    other = UserFactory.create(email="ion.ionescu@example.ro")
    for _ in range(4):
        _log_in(client, "greșit")
    assert _log_in(Client(), TEST_PASSWORD, email=other.email) == ""


def test_many_failures_from_one_address_lock_the_address(client, owner, settings):
    # Given an address that tried thirty accounts (five times an account's lock)
    settings.SMARTCRM_LOGIN_LOCK_AFTER = 6
    for number in range(30):
        login_guard.login_failed(
            account=f"user{number}@example.ro", address="127.0.0.1", channel="web"
        )
    # Then a right password from it is refused, and from elsewhere it logs in
    assert "try again in 15 minutes" in _error(_log_in(client, TEST_PASSWORD))
    assert _log_in(Client(REMOTE_ADDR="10.0.0.7"), TEST_PASSWORD) == ""


def test_the_admin_login_is_guarded_too(client, db):
    root = UserFactory.create(email="root@example.ro")
    type(root).objects.filter(pk=root.pk).update(is_staff=True, is_superuser=True)
    path = reverse("admin:login")
    for _ in range(3):
        _log_in(client, "greșit", email="root@example.ro", path=path)
    page = _log_in(client, TEST_PASSWORD, email="root@example.ro", path=path)
    assert "Too many failed attempts: wait 2 seconds and try again." in page
    _time_passes("account", "root@example.ro", 2)
    assert _log_in(client, TEST_PASSWORD, email="root@example.ro", path=path) == ""


def test_password_reset_requests_are_limited_per_email_address(client, owner):
    # Given five reset requests for one address within the hour, each sending its e-mail
    for _ in range(5):
        response = client.post(reverse("web:password-reset"), {"email": EMAIL})
        assert response.status_code == 302
    assert len(mail.outbox) == 5
    # When a sixth comes, Then it is refused with the wait, and nothing is sent
    response = client.post(reverse("web:password-reset"), {"email": EMAIL})
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r"Too many failed attempts: try again in \d+ minutes?\.", page)
    assert len(mail.outbox) == 5
    # And an address no account holds is limited the same (the answer tells nothing)
    for _ in range(5):
        client.post(reverse("web:password-reset"), {"email": "nimeni@example.ro"})
    refused = client.post(reverse("web:password-reset"), {"email": "nimeni@example.ro"})
    assert refused.status_code == 200


def test_wrong_tokens_from_one_address_are_refused_with_429_before_the_token_is_read(org, owner):
    # Given a valid token, and ten wrong ones sent from one address
    api = ApiClient(org, owner)
    stranger = Client(HTTP_AUTHORIZATION="Bearer scrm_deadbeef_wrong")
    assert [stranger.get("/api/v1/me").status_code for _ in range(10)] == [401] * 10
    # When the eleventh comes, Then it waits; so does a right token from the same address
    refused = stranger.get("/api/v1/me")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "2"
    assert refused["Content-Type"] == "application/problem+json"
    assert api.get("/api/v1/me").status_code == 429
    # And the same right token from another address is answered
    elsewhere = Client(HTTP_AUTHORIZATION=f"Bearer {api.token}", REMOTE_ADDR="10.0.0.7")
    assert elsewhere.get("/api/v1/me").status_code == 200


def test_the_client_address_believes_only_the_configured_proxies(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    settings.SMARTCRM_TRUSTED_PROXIES = 0
    assert client_address(request) == "10.0.0.1"
    settings.SMARTCRM_TRUSTED_PROXIES = 1
    assert client_address(request) == "203.0.113.9"
    settings.SMARTCRM_TRUSTED_PROXIES = 3  # fewer entries than proxies: the connection's
    assert client_address(request) == "10.0.0.1"


def test_an_unreachable_cache_counts_nothing_and_refuses_nobody(client, owner, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    for _ in range(4):
        _log_in(client, "greșit")
    assert _log_in(client, TEST_PASSWORD) == ""


def test_the_wait_is_told_in_romanian(client, owner):
    from django.utils import translation

    from smartcrm.web.forms import refusal_message

    with translation.override("ro"):
        assert refusal_message(login_guard.Refusal(locked=False, seconds=2)) == (
            "Prea multe încercări eșuate: așteptați 2 secunde și încercați din nou."
        )
        assert refusal_message(login_guard.Refusal(locked=True, seconds=20 * 60)) == (
            "Prea multe încercări eșuate: încercați din nou peste 20 de minute."
        )
