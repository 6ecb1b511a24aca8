"""Two-factor authentication in a real Chromium: set up from the user menu with the QR code
(an inline SVG image the strict policy allows), then a login in two steps."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from smartcrm.core.tests.factories import TEST_PASSWORD
from smartcrm.web.tests.browser.conftest import log_in, screenshot
from smartcrm.web.tests.test_two_factor import code_of

pytestmark = pytest.mark.django_db(transaction=True)


def test_set_up_from_the_user_menu_then_log_in_with_a_code(page_factory, org, owner):
    # Given a logged-in member
    page = page_factory()
    log_in(page, owner.email, TEST_PASSWORD)
    # When they open Two-factor authentication from the user menu and start the set-up
    page.locator("#user-menu").click()
    page.get_by_test_id("two-factor-menu").click()
    page.locator("a[href$='/account/two-factor/setup/']").click()
    # Then the QR code is drawn (the data: SVG image loads under the policy)
    qr = page.get_by_test_id("two-factor-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0") is True
    screenshot(page, "two-factor-setup")
    # When the app's code is typed, Then ten recovery codes are shown
    device = TOTPDevice.objects.get(user=owner)
    page.locator("#id_code").fill(code_of(device))
    page.get_by_test_id("two-factor-setup-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    # When they log in again elsewhere, Then a code is asked after the password
    other = page_factory()
    other.goto("/login/")
    other.locator("#id_username").fill(owner.email)
    other.locator("#id_password").fill(TEST_PASSWORD)
    other.locator("form button[type=submit]").first.click()
    other.wait_for_url("**/login/code/")
    other.locator("#id_code").fill(code_of(device))
    other.get_by_test_id("login-code-form").locator("button[type=submit]").click()
    other.wait_for_url(lambda url: "/login" not in url)
    expect(other.locator("#user-menu")).to_be_visible()
