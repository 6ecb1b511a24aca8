"""The activities list's row actions, as a salesperson clicks them: each row has one form
whose buttons post to their own address; Cancel asks first, and every answer replaces the
row in place (the list stays where it was)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from smartcrm.activities import services
from smartcrm.activities.choices import ActivityKind, ActivityStatus
from smartcrm.activities.models import Activity
from smartcrm.core.tests.factories import TEST_PASSWORD
from smartcrm.sales.tests.factories import ProspectFactory
from smartcrm.web.tests.browser.conftest import log_in, screenshot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


# The test reads the database between browser steps while the live server answers the
# page's htmx requests: PostgreSQL only (see smartcrm/web/tests/browser/test_workflow.py).
@pytest.mark.postgres
def test_cancel_plan_again_and_mark_done_from_the_activities_list(page_factory, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    meeting = services.activity_create(
        org=org, user=owner, prospect_id=prospect.pk, kind=ActivityKind.MEETING,
        subject="Întâlnire la Carpați Trans", start_at=timezone.now() + dt.timedelta(days=1),
    )  # fmt: skip
    owner.language = ""  # the organisation's language: Romanian
    owner.save(update_fields=["language"])
    page = page_factory()
    log_in(page, owner.email, TEST_PASSWORD)
    page.goto(reverse("activities:activity-list"))
    row = page.locator(f"[data-testid=activity-row][data-id='{meeting.pk}']")
    expect(row).to_have_attribute("data-status", "planned")
    screenshot(page, "activities-list")

    # Cancel asks first; dismissing the question changes nothing.
    questions: list[str] = []

    def answer(dialog, accept: bool) -> None:
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    row.get_by_test_id("activity-cancel").click()
    page.wait_for_timeout(300)
    assert questions == ["Anulați „Întâlnire la Carpați Trans”?"]
    meeting.refresh_from_db()
    assert meeting.status == ActivityStatus.PLANNED

    page.once("dialog", lambda dialog: answer(dialog, True))
    row.get_by_test_id("activity-cancel").click()
    expect(row).to_have_attribute("data-status", "canceled")
    assert Activity.objects.get(pk=meeting.pk).status == ActivityStatus.CANCELED

    # The canceled row offers "Plan again", then "Mark done" on the planned row.
    row.get_by_role("button", name="Planifică din nou").click()
    expect(row).to_have_attribute("data-status", "planned")
    row.get_by_test_id("activity-done").click()
    expect(row).to_have_attribute("data-status", "done")
    assert Activity.objects.get(pk=meeting.pk).status == ActivityStatus.DONE
    assert page.url.endswith(reverse("activities:activity-list"))
