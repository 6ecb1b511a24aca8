"""Two-factor authentication: set up with an authenticator app, the login's second step,
recovery codes, guessing slowed down, the organisation's policy, and the API's tokens."""

from __future__ import annotations

import base64
import re
import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from smartcrm.api.tests.helpers import ApiClient
from smartcrm.core import login_guard, services
from smartcrm.core.choices import TwoFactorPolicy
from smartcrm.core.models import Organization, User
from smartcrm.core.tests.factories import TEST_PASSWORD
from smartcrm.core.two_factor import (
    two_factor_enabled,
    two_factor_setup_begin,
    two_factor_setup_confirm,
)

EMAIL = "ana.popescu@example.ro"


@pytest.fixture(autouse=True)
def _lock_limits(settings):
    settings.SMARTCRM_LOGIN_LOCK_AFTER = 6
    settings.SMARTCRM_LOGIN_LOCK_MINUTES = 15


def code_of(device: TOTPDevice) -> str:
    """The app's code now, or the next one if this one was used already (a code counts once)."""
    device.refresh_from_db()
    counter = max((int(time.time()) - device.t0) // device.step, device.last_t + 1)
    return f"{hotp(device.bin_key, counter, digits=device.digits):0{device.digits}d}"


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def turn_on(user: User) -> tuple[TOTPDevice, list[str]]:
    device = two_factor_setup_begin(user=user)
    codes = two_factor_setup_confirm(user=user, code=code_of(device))
    device.refresh_from_db()
    return device, codes


def log_in(client: Client, email: str = EMAIL, password: str = TEST_PASSWORD, next_url: str = ""):
    data = {"username": email, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("web:login"), data)


def send_code(client: Client, code: str):
    return client.post(reverse("web:login-code"), {"code": code})


def error_of(response) -> str:
    page = response.content.decode()
    found = re.search(r'class="invalid-feedback[^"]*"[^>]*>\s*(.*?)\s*</div>', page, re.S)
    assert found is not None, page[:3000]
    return found.group(1).strip()


def set_policy(org: Organization, owner: User, policy: str) -> None:
    services.organization_update(org=org, user=owner, two_factor_required=policy)


def test_setup_shows_the_secret_and_refuses_a_wrong_code(client, org, owner):
    # Given a member on the set-up page
    client.force_login(owner)
    page = client.get(reverse("web:two-factor-setup"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=owner)
    assert b'src="data:image/svg+xml;base64,' in page.content
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert page.context["secret"].replace(" ", "") == secret
    # When a wrong code is typed, Then it is refused and nothing is on
    response = client.post(reverse("web:two-factor-setup"), {"code": wrong(code_of(device))})
    assert response.status_code == 422
    assert error_of(response) == "This code is not right: type the one the app shows now."
    assert two_factor_enabled(user=owner) is False
    # And reloading the page keeps the same secret for the app
    client.get(reverse("web:two-factor-setup"))
    assert list(TOTPDevice.objects.filter(user=owner).values_list("pk", flat=True)) == [device.pk]


def test_setup_with_a_right_code_turns_it_on_and_shows_ten_recovery_codes_once(client, org, owner):
    client.force_login(owner)
    client.get(reverse("web:two-factor-setup"))
    device = TOTPDevice.objects.get(user=owner)
    # When the app's current code is typed
    response = client.post(reverse("web:two-factor-setup"), {"code": code_of(device)})
    # Then it is on, and ten distinct recovery codes are shown
    assert response.status_code == 200
    assert two_factor_enabled(user=owner) is True
    codes = response.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    for code in codes:
        assert code in response.content.decode()
    # And the overview no longer shows them, only how many are left
    overview = client.get(reverse("web:two-factor")).content.decode()
    assert "You have 10 unused recovery codes." in overview
    assert codes[0] not in overview


def test_moving_to_another_app_needs_the_password_or_a_code_of_the_old_one(client, org, owner):
    # Given a user with two-factor authentication, setting up a new phone
    old_device, _codes = turn_on(owner)
    client.force_login(owner)
    assert b'name="proof"' in client.get(reverse("web:two-factor-setup")).content
    new_device = TOTPDevice.objects.get(user=owner, confirmed=False)
    # When the new app's code comes without the password, Then nothing changes
    response = client.post(
        reverse("web:two-factor-setup"), {"code": code_of(new_device), "proof": "nu e parola"}
    )
    assert response.status_code == 422
    assert error_of(response) == "Type your password or a current code from your app."
    assert TOTPDevice.objects.get(user=owner, confirmed=True).pk == old_device.pk
    # When the password comes too, Then the new app replaces the old one
    response = client.post(
        reverse("web:two-factor-setup"), {"code": code_of(new_device), "proof": TEST_PASSWORD}
    )
    assert response.status_code == 200
    assert list(TOTPDevice.objects.filter(user=owner).values_list("pk", "confirmed")) == [
        (new_device.pk, True)
    ]


def test_login_asks_for_the_code_before_logging_in(client, org, owner):
    # Given a user with two-factor authentication
    device, _codes = turn_on(owner)
    # When the password is right
    response = log_in(client, next_url="/settings/")
    # Then the session is not logged in yet: it is asked for a code
    assert response.status_code == 302
    assert response.url == reverse("web:login-code")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("web:home")).url.startswith(reverse("web:login"))
    # When a wrong code comes, Then still not logged in
    response = send_code(client, wrong(code_of(device)))
    assert response.status_code == 422
    assert error_of(response) == "This code is not right."
    assert "_auth_user_id" not in client.session
    # When the right code comes, Then logged in and sent where the login was going
    response = send_code(client, code_of(device))
    assert response.status_code == 302
    assert response.url == "/settings/"
    assert client.session["_auth_user_id"] == str(owner.pk)
    # And the code cannot be used a second time
    assert send_code(client, code_of(device)).status_code == 302  # no pending step left
    assert client.get(reverse("web:home")).status_code == 200


def test_a_user_without_two_factor_logs_in_with_the_password_alone(client, org, owner):
    response = log_in(client)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_the_code_step_expires(client, org, owner, settings):
    device, _codes = turn_on(owner)
    settings.SMARTCRM_TWO_FACTOR_STEP_SECONDS = -1
    log_in(client)
    response = send_code(client, code_of(device))
    assert response.status_code == 302
    assert response.url == reverse("web:login")
    assert "_auth_user_id" not in client.session


def test_a_recovery_code_logs_in_once(client, org, owner):
    # Given a user with two-factor authentication and its recovery codes
    _device, codes = turn_on(owner)
    # When one of them is typed (with spaces and in capitals), Then it logs in
    log_in(client)
    assert send_code(client, f" {codes[3].upper()} ").status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)
    # When it is tried again on another login, Then it is refused
    other = Client()
    log_in(other)
    response = send_code(other, codes[3])
    assert response.status_code == 422
    assert "_auth_user_id" not in other.session
    # And another recovery code still works
    assert send_code(other, codes[4]).status_code == 302


def test_wrong_codes_slow_down_and_a_right_password_does_not_forgive_them(client, org, owner):
    device, _codes = turn_on(owner)
    log_in(client)
    # Given three wrong codes
    for _ in range(3):
        assert send_code(client, wrong(code_of(device))).status_code == 422
    # When the right code comes at once, Then it is refused without being checked
    response = send_code(client, code_of(device))
    assert error_of(response) == "Too many failed attempts: wait 2 seconds and try again."
    assert "_auth_user_id" not in client.session
    # And starting over with the right password does not wipe the failures
    again = log_in(Client())
    assert again.status_code == 200
    assert "Too many failed attempts" in again.content.decode()
    # When the wait is over, Then the right code logs in and the failures are forgotten
    key = login_guard._key("account", EMAIL)
    cache.set(f"{key}:t", float(cache.get(f"{key}:t")) - 2, timeout=3600)
    assert send_code(client, code_of(device)).status_code == 302
    assert login_guard.login_refusal(account=EMAIL, address="") is None


def test_wrong_codes_end_in_a_lock(client, org, owner):
    device, _codes = turn_on(owner)
    log_in(client)
    key = login_guard._key("account", EMAIL)
    for _ in range(6):
        send_code(client, wrong(code_of(device)))
        cache.set(f"{key}:t", float(cache.get(f"{key}:t")) - 61, timeout=3600)  # waits over
    refusal = login_guard.login_refusal(account=EMAIL, address="")
    assert refusal is not None and refusal.locked is True


def test_policy_admins_sends_an_admin_to_set_up_but_not_a_sales_member(
    client, org, owner, sales_user
):
    # Given an organisation requiring two-factor authentication of its admins
    set_policy(org, owner, TwoFactorPolicy.ADMINS)
    # When its owner opens a page, Then they are sent to set it up
    client.force_login(owner)
    response = client.get(reverse("web:home"))
    assert response.status_code == 302
    assert response.url == reverse("web:two-factor")
    overview = client.get(reverse("web:two-factor"))
    assert overview.status_code == 200
    assert b'data-testid="two-factor-required"' in overview.content
    assert client.get(reverse("web:two-factor-setup")).status_code == 200
    # And an htmx request is sent as a whole page
    partial = client.get(reverse("web:search"), {"q": "x"}, HTTP_HX_REQUEST="true")
    assert partial.headers["HX-Redirect"] == reverse("web:two-factor")
    # When a sales member opens a page, Then it opens
    sales = Client()
    sales.force_login(sales_user)
    assert sales.get(reverse("web:home")).status_code == 200
    # When the owner sets it up, Then the pages open again
    turn_on(owner)
    assert client.get(reverse("web:home")).status_code == 200


def test_policy_everyone_refuses_the_session_api_but_not_a_token(client, org, owner, sales_user):
    # Given every member must use it, and a sales member has not set it up
    set_policy(org, owner, TwoFactorPolicy.EVERYONE)
    client.force_login(sales_user)
    # When the pages' API is called with the session, Then it is refused
    response = client.get("/api/v1/me")
    assert response.status_code == 403
    assert response.json()["code"] == "two_factor_required"
    # When the member's token is used, Then it works (a token is a factor of its own)
    assert ApiClient(org, sales_user).get("/api/v1/me").status_code == 200


def test_a_token_works_for_a_user_with_two_factor(org, owner):
    turn_on(owner)
    response = ApiClient(org, owner).get("/api/v1/me")
    assert response.status_code == 200


def test_turning_off_needs_the_password_or_a_code(client, org, owner):
    device, _codes = turn_on(owner)
    client.force_login(owner)
    # When the proof is wrong, Then it stays on and the failure counts
    response = client.post(reverse("web:two-factor-disable"), {"proof": "nu e parola"})
    assert response.status_code == 302
    assert two_factor_enabled(user=owner) is True
    assert cache.get(f"{login_guard._key('account', EMAIL)}:n") == 1
    # When a current code is given, Then it is off
    client.post(reverse("web:two-factor-disable"), {"proof": code_of(device)})
    assert two_factor_enabled(user=owner) is False
    assert log_in(Client()).status_code == 302


def test_it_cannot_be_turned_off_while_the_organisation_requires_it(client, org, owner):
    turn_on(owner)
    set_policy(org, owner, TwoFactorPolicy.EVERYONE)
    client.force_login(owner)
    client.post(reverse("web:two-factor-disable"), {"proof": TEST_PASSWORD})
    assert two_factor_enabled(user=owner) is True


def test_new_recovery_codes_replace_the_old_ones(client, org, owner):
    _device, old = turn_on(owner)
    client.force_login(owner)
    response = client.post(reverse("web:two-factor-recovery-codes"), {"proof": TEST_PASSWORD})
    assert response.status_code == 200
    new = response.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    other = Client()
    log_in(other)
    assert send_code(other, old[0]).status_code == 422
    assert send_code(other, new[0]).status_code == 302


def test_the_admin_login_refuses_an_account_with_two_factor(client, db):
    admin = User.objects.create_superuser(email="root@example.ro", password=TEST_PASSWORD)
    turn_on(admin)
    response = client.post(
        "/admin/login/", {"username": "root@example.ro", "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    assert "uses two-factor authentication" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_owner_sets_the_policy_on_the_settings_page(client, org, owner):
    client.force_login(owner)
    page = client.get(reverse("core:settings")).content.decode()
    assert 'name="two_factor_required"' in page
    from smartcrm.core.tests.test_views import _organisation_post

    response = client.post(
        reverse("core:settings"), _organisation_post(org, two_factor_required="admins")
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.two_factor_required == TwoFactorPolicy.ADMINS


def test_the_pages_speak_romanian(client, org, owner):
    owner.language = "ro"
    owner.save(update_fields=["language"])
    client.force_login(owner)
    page = client.get(reverse("web:two-factor")).content.decode()
    assert "Autentificare în doi pași" in page
    setup = client.get(reverse("web:two-factor-setup")).content.decode()
    assert "Configurează autentificarea în doi pași" in setup
    translation.activate("en")
