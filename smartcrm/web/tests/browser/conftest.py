"""Browser tests: Playwright driving Debian's Chromium against a live SmartCRM server.

Chromium comes from the system (`/usr/bin/chromium`, installed by `.ci/run`), never from
Playwright's own download. Without it these tests are skipped, unless
SMARTCRM_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("SMARTCRM_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
# Chromium's own connections (updates, safe browsing…) would try the closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    for item in items:
        if "browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]  # pluggy's result object
    if report.when == "call":
        item.call_failed = report.failed


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which(CHROMIUM) or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if path is None:
        if os.environ.get("SMARTCRM_REQUIRE_BROWSER") == "1":
            pytest.fail(
                f"Chromium is required (SMARTCRM_REQUIRE_BROWSER=1) but {CHROMIUM} is missing."
            )
        pytest.skip(f"No Chromium at {CHROMIUM}: `apt-get install chromium` to run browser tests.")
    return path


@pytest.fixture
def browser(chromium_path: str, monkeypatch: Any) -> Iterator[Any]:
    """A Chromium for one test: Playwright's event loop lives only as long as the test."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls the test makes
    # between browser steps are still plain synchronous code. Only for this test: a
    # subprocess started by another test must not inherit it (the deploy check refuses it).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class ConsoleErrors(list[str]):
    """Errors the page logged in the browser console (a UI must have none)."""


# A refusal the UI shows as a message (409 stale or illegal move, 422 form errors) is an
# answer, not a fault; Chromium still logs it as a failed resource.
EXPECTED_REFUSALS = re.compile(r"Failed to load resource: .* status of (409|422) ")


def _is_error(message: Any) -> bool:
    return message.type == "error" and not EXPECTED_REFUSALS.search(message.text)


@pytest.fixture
def page_factory(request: Any, browser: Any, live_server: Any) -> Iterator[Any]:
    """New browser pages on the live server; each fails the test on a console error."""
    contexts = []
    errors = ConsoleErrors()

    def make(*, width: int = 1366, height: int = 900, locale: str = "ro-RO") -> Any:
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": width, "height": height},
            locale=locale,
            timezone_id="Europe/Bucharest",
            # No fades or chart animations: steps and screenshots see the settled page.
            reduced_motion="reduce",
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                errors.append(f"{message.type}: {message.text}")
                if message.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
        return page

    yield make
    if getattr(request.node, "call_failed", False):
        # What the browser showed when the test failed, for whoever reads the failure.
        for number, context in enumerate(contexts):
            for page in context.pages:
                screenshot(page, f"failed-{request.node.name}-{number}")
    for context in contexts:
        context.close()
    assert not errors, f"Browser console errors: {errors}"


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under var/screenshots/ for reviewers."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page: Any, email: str, password: str) -> None:
    page.goto("/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/login" not in url)


def drag(page: Any, item: Any, target: Any) -> None:
    """Drag ``item`` onto the middle of ``target`` the way a hand does: press, move in small
    steps (SortableJS needs the drag-over events a single jump may skip), pause, release."""
    item.scroll_into_view_if_needed()
    start, end = item.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 10, start["y"] + start["height"] / 2 + 10)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=20)
    page.wait_for_timeout(100)
    page.mouse.up()
