"""Settings → Background jobs, as an admin uses it in the browser: two notification e-mails
that failed for good (the mail server refused them, 554) are listed with their error; Retry puts
one back in the queue and it leaves the list; Discard forgets the other. A screenshot of the
page with both failed jobs lands in var/screenshots/background-jobs.png."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import expect

from smartcrm.core.tests.factories import TEST_PASSWORD
from smartcrm.jobs.tests.factories import email_job, run_worker_with_mail_refused
from smartcrm.web.tests.browser.conftest import log_in, screenshot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


# The test reads the database between browser steps while the live server answers the
# page's htmx requests: PostgreSQL only (see smartcrm/web/tests/browser/test_workflow.py).
@pytest.mark.postgres
def test_an_admin_retries_and_discards_failed_jobs_in_the_browser(page_factory, org, owner):
    # given two notification e-mails the mail server refused for good, with no retry left
    call = email_job(org, owner, "Sună la Carpați Trans")
    offer = email_job(org, owner, "Trimite oferta către Dunărea Logistic")
    run_worker_with_mail_refused()
    assert set(
        DBTaskResult.objects.filter(pk__in=[call.pk, offer.pk]).values_list("status", flat=True)
    ) == {TaskResultStatus.FAILED}
    owner.language = ""  # the organisation's language: Romanian
    owner.save(update_fields=["language"])
    page = page_factory()
    log_in(page, owner.email, TEST_PASSWORD)

    # The page lists both, with the error each failed with.
    page.goto(reverse("jobs:overview"))
    expect(page.get_by_role("heading", name="Lucrări în fundal", exact=True)).to_be_visible()
    rows = page.get_by_test_id("failed-job-row")
    expect(rows).to_have_count(2)
    call_row = page.locator(f'[data-job-id="{call.pk}"]')
    offer_row = page.locator(f'[data-job-id="{offer.pk}"]')
    expect(call_row).to_contain_text("E-mail de notificare")
    expect(call_row.get_by_test_id("failed-job-record")).to_have_text("Sună la Carpați Trans")
    expect(call_row).to_contain_text("SMTPDataError: (554, b'5.7.1 Message rejected by policy')")
    expect(offer_row.get_by_test_id("failed-job-record")).to_have_text(
        "Trimite oferta către Dunărea Logistic"
    )
    expect(page.get_by_test_id("jobs-queued")).to_have_text("0")
    screenshot(page, "background-jobs")

    # Retry: the job leaves the failed list and waits in the queue again.
    call_row.get_by_role("button", name="Reîncearcă E-mail de notificare: Sună la").click()
    expect(page.get_by_text("Lucrarea a fost pusă din nou în coadă.")).to_be_visible()
    expect(call_row).to_have_count(0)
    expect(rows).to_have_count(1)
    expect(page.get_by_test_id("jobs-queued")).to_have_text("1")
    assert DBTaskResult.objects.get(pk=call.pk).status == TaskResultStatus.READY

    # Discard, once confirmed: the other one is gone for good.
    page.once("dialog", lambda dialog: dialog.accept())
    offer_row.get_by_role("button", name="Abandonează").click()
    expect(page.get_by_text("Lucrarea a fost abandonată.")).to_be_visible()
    expect(rows).to_have_count(0)
    expect(page.get_by_text("Nicio lucrare eșuată.")).to_be_visible()
    assert not DBTaskResult.objects.filter(pk=offer.pk).exists()
    assert DBTaskResult.objects.get(pk=call.pk).status == TaskResultStatus.READY
    screenshot(page, "background-jobs-after")
