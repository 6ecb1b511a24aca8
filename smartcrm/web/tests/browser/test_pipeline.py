"""The pipeline board in a real browser: a long column loads its next cards on demand, and a
card that came with them moves like the others."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from smartcrm.core.tests.factories import TEST_PASSWORD
from smartcrm.sales.models import Offer
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory
from smartcrm.sales.views import pipeline
from smartcrm.web.tests.browser.conftest import drag, log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.postgres  # the live server's reads beside the test's (see test_workflow)
def test_a_long_column_loads_more_cards_and_they_move_too(page_factory, org, owner, monkeypatch):
    monkeypatch.setattr(pipeline, "CARDS_PER_COLUMN", 2)
    account = AccountFactory.create(org=org, user=owner)
    offers = [
        OfferFactory.create(org=org, user=owner, account_id=account.pk, title=f"Ofertă {n}")
        for n in range(5)
    ]
    page = page_factory()
    log_in(page, owner.email, TEST_PASSWORD)
    page.set_viewport_size({"width": 1800, "height": 1000})
    page.goto("/pipeline/")
    draft = page.get_by_test_id("kanban-column-draft")
    expect(draft.get_by_test_id("kanban-count")).to_have_text("5")
    expect(draft.get_by_test_id("kanban-card")).to_have_count(2)

    draft.get_by_test_id("kanban-more").click()
    expect(draft.get_by_test_id("kanban-card")).to_have_count(4)
    draft.get_by_test_id("kanban-more").click()
    expect(draft.get_by_test_id("kanban-card")).to_have_count(5)
    expect(draft.get_by_test_id("kanban-more")).to_have_count(0)
    shown = draft.get_by_test_id("kanban-card").evaluate_all(
        "cards => cards.map(card => card.dataset.offerId)"
    )
    assert sorted(shown) == sorted(str(offer.pk) for offer in offers)
    screenshot(page, "kanban-load-more")

    # The last card came with "Load more": dropped anywhere in the "sent" column (its list
    # fills the column), it moves like any other.
    page.evaluate("window.scrollTo(0, 0)")  # no card under the sticky top bar
    loaded = draft.get_by_test_id("kanban-card").nth(4)
    moved = loaded.get_attribute("data-offer-id")
    sent = page.get_by_test_id("kanban-column-sent")
    drag(page, loaded, sent)
    expect(sent.locator(f"[data-offer-id='{moved}']")).to_have_count(1)
    expect(sent.get_by_test_id("kanban-count")).to_have_text("1")
    deadline = time.monotonic() + 10
    while Offer.objects.get(pk=moved).status != "sent":
        assert time.monotonic() < deadline, "the move did not reach the database"
        time.sleep(0.1)
