"""The strict Content-Security-Policy in a real Chromium: the main pages, their charts, htmx
dialogs and polls, the kanban and the calendar feed's buttons all work with no inline code, and
the browser reports no violation of the policy (nor a Permissions-Policy it does not know)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from smartcrm.core.tests.factories import TEST_PASSWORD
from smartcrm.imports import services as imports
from smartcrm.imports.choices import ImportStatus
from smartcrm.imports.models import ImportRun
from smartcrm.imports.tests.factories import preview
from smartcrm.outreach import services as outreach
from smartcrm.sales import services as sales
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory, ProspectFactory
from smartcrm.web.tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

LINE = {
    "name": "Licență SmartCRM (12 luni)",
    "quantity": "2",
    "unit_price": "1500",
    "vat_rate": "21",
}
# What Chromium logs about a header it refuses or does not understand.
HEADER_COMPLAINT = re.compile(r"Content Security Policy|Permissions-Policy", re.IGNORECASE)


class PolicyWatch:
    """Every securitypolicyviolation event of a page (across navigations), and every console
    message in which Chromium complains about the page's security headers."""

    def __init__(self, page: Any) -> None:
        self.violations: list[str] = []
        self.complaints: list[str] = []
        page.expose_binding(
            "reportPolicyViolation", lambda source, text: self.violations.append(text)
        )
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', function (event) {"
            "  window.reportPolicyViolation([event.violatedDirective, event.blockedURI,"
            "    event.sourceFile + ':' + event.lineNumber, event.sample].join(' '));"
            "});"
        )
        page.on(
            "console",
            lambda message: (
                self.complaints.append(f"{message.type}: {message.text}")
                if HEADER_COMPLAINT.search(message.text)
                else None
            ),
        )


def _visit(page: Any, path: str) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")


def _drawn(canvas: Any) -> bool:
    """The canvas holds a Chart.js chart that painted pixels."""
    return canvas.evaluate(
        "canvas => !!Chart.getChart(canvas) && canvas.getContext('2d')"
        ".getImageData(0, 0, canvas.width, canvas.height).data.some(value => value !== 0)"
    )


def _width_share(bar: Any) -> float:
    return bar.evaluate(
        "bar => bar.getBoundingClientRect().width / bar.parentElement.getBoundingClientRect().width"
    )


def test_the_main_pages_run_under_the_policy_without_a_violation(page_factory, org, owner):
    account = AccountFactory.create(org=org, user=owner, name="Carpați Logistic SRL")
    ProspectFactory.create(org=org, user=owner, company_name="Livada Verde SRL")
    offer = OfferFactory.create(
        org=org, user=owner, account_id=account.pk, title="Implementare CRM", lines=[LINE]
    )
    OfferFactory.create(org=org, user=owner, account_id=account.pk, title="Instruire", lines=[LINE])
    sales.offer_change_status(org=org, user=owner, offer_id=offer.pk, status="sent")
    client_link = outreach.offer_link_create(org=org, user=owner, offer_id=offer.pk).url
    run = preview(org, owner, "accounts", [["Denumire"], *[[f"Firma {n}"] for n in range(4)]])
    imports.import_commit(org=org, user=owner, import_id=run.pk)
    # A worker three rows into four, recorded as the worker records its progress.
    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.RUNNING, processed_rows=3)
    page = page_factory()
    watch = PolicyWatch(page)
    log_in(page, owner.email, TEST_PASSWORD)

    # The dashboard draws both charts from its json_script data.
    _visit(page, reverse("web:home"))
    assert _drawn(page.locator("#chart-pipeline"))
    assert _drawn(page.locator("#chart-prospects"))
    screenshot(page, "csp-dashboard")

    # Lists, records (their sections load through htmx) and the kanban.
    for path in (
        reverse("sales:prospect-list"),
        reverse("sales:account-list"),
        reverse("sales:account", args=[account.pk]),
        reverse("sales:offer-list"),
        reverse("sales:offer", args=[offer.pk]),
        reverse("activities:calendar"),
        reverse("activities:activity-new"),
        reverse("notifications:calendar"),
        "/api/v1/docs",
    ):
        _visit(page, path)
    _visit(page, reverse("sales:pipeline"))
    expect(page.get_by_test_id("kanban-card")).to_have_count(2)
    screenshot(page, "csp-pipeline")

    # An import's progress bars take their width from a script, on the page and after each
    # poll replaced the panel.
    _visit(page, reverse("imports:import-list"))
    assert _width_share(page.get_by_test_id("import-row").locator(".progress-bar")) == (
        pytest.approx(0.75, abs=0.02)
    )
    _visit(page, reverse("imports:import", args=[run.pk]))
    bar = page.get_by_test_id("import-progress").locator(".progress-bar")
    assert _width_share(bar) == pytest.approx(0.75, abs=0.02)
    with page.expect_response(lambda response: "/progress" in response.url):
        pass
    page.wait_for_timeout(300)  # the swap settles
    assert _width_share(bar) == pytest.approx(0.75, abs=0.02)

    # The client's offer page, styled from its own file.
    _visit(page, urlparse(client_link).path)
    expect(page.locator(".client .total-gross")).to_have_css("font-weight", "700")
    screenshot(page, "csp-client-offer")

    assert watch.violations == []
    assert watch.complaints == []


def test_htmx_search_dialogs_and_the_calendar_feed_buttons_work_under_the_policy(
    page_factory, org, owner
):
    prospect = ProspectFactory.create(org=org, user=owner, company_name="Livada Verde SRL")
    page = page_factory()
    watch = PolicyWatch(page)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, owner.email, TEST_PASSWORD)
    _visit(page, reverse("sales:prospect", args=[prospect.pk]))
    record_url = page.url

    # The search box answers as one types; Enter with no hit stays on the page.
    search = page.locator("#global-search")
    search.fill("nimic-de-gasit")
    expect(page.locator("#search-results")).to_contain_text("nimic-de-gasit")
    search.press("Enter")
    page.wait_for_timeout(300)
    assert page.url == record_url

    # A note added through the htmx dialog shows in its section.
    page.get_by_test_id("add-note").click()
    page.wait_for_function(
        "() => document.getElementById('dialog').classList.contains('show')"
        " && document.getElementById('dialog-body').contains(document.activeElement)"
    )
    page.locator("#dialog-body [name=body]").fill("Vor 20 de licențe din martie.")
    page.locator("#dialog-body").get_by_test_id("dialog-submit").click()
    expect(page.locator("#dialog")).to_be_hidden()
    expect(page.get_by_test_id("section-notes")).to_contain_text("Vor 20 de licențe din martie.")

    # The calendar feed: a click selects the whole address, "Copy" puts it on the clipboard.
    _visit(page, reverse("notifications:calendar"))
    page.locator("#main form button[type=submit]").first.click()
    field = page.locator("#feed-url")
    address = field.input_value()
    assert address.startswith("http://")
    field.click()
    assert field.evaluate("field => [field.selectionStart, field.selectionEnd]") == [
        0,
        len(address),
    ]
    page.locator("[data-copy-from=feed-url]").click()
    assert page.evaluate("navigator.clipboard.readText()") == address

    assert watch.violations == []
    assert watch.complaints == []
