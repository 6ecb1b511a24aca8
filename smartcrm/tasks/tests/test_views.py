"""Tasks in the browser: the record section, My tasks, Team tasks, the new-task page, a
task's page, one-click completion and delegation."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from smartcrm.notifications.models import Notification
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory, ProspectFactory
from smartcrm.tasks import services
from smartcrm.tasks.models import Task

HTMX = {"HTTP_HX_REQUEST": "true"}


def _task(org, user, **fields):
    fields.setdefault("title", "Trimite oferta")
    return services.task_create(org=org, user=user, **fields)


# --- the section ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_section_lists_open_tasks_first_with_overdue_highlighted(client, org, owner, sales_user):
    prospect = ProspectFactory.create(org=org, user=owner)
    done = _task(org, owner, prospect_id=prospect.pk, title="Gata deja")
    services.task_complete(org=org, user=owner, task_id=done.pk)
    _task(org, owner, prospect_id=prospect.pk, title="Întârziată",
          due_at=timezone.now() - dt.timedelta(days=2))  # fmt: skip
    _task(org, owner, prospect_id=prospect.pk, title="Fără termen")
    client.force_login(sales_user)

    response = client.get(reverse("tasks:section", args=["prospect", prospect.pk]), **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Întârziată") < html.index("Fără termen") < html.index("Gata deja")
    assert 'data-testid="overdue"' in html
    assert html.count('data-testid="task-complete"') == 2
    assert 'data-testid="tasks-open-count" title="open">2<' in html


@pytest.mark.django_db
def test_section_of_another_organisations_record_is_404(client, org, owner, other_org, other_owner):
    foreign = ProspectFactory.create(org=other_org, user=other_owner)
    client.force_login(owner)

    assert client.get(reverse("tasks:section", args=["prospect", foreign.pk])).status_code == 404


@pytest.mark.django_db
def test_section_query_count_does_not_grow_with_tasks(client, org, owner, manager):
    account = AccountFactory.create(org=org, user=owner)
    url = reverse("tasks:section", args=["account", account.pk])
    client.force_login(owner)
    for n in range(2):
        _task(org, owner, account_id=account.pk, title=f"t{n}", assignee_id=manager.pk)
    with CaptureQueriesContext(connection) as two:
        client.get(url, **HTMX)
    for n in range(2, 20):
        _task(org, owner, account_id=account.pk, title=f"t{n}", assignee_id=manager.pk)
    with CaptureQueriesContext(connection) as twenty:
        response = client.get(url, **HTMX)

    assert response.content.decode().count('data-testid="task-row"') == 20
    assert len(twenty) == len(two)


@pytest.mark.django_db
def test_create_task_dialog_creates_it_and_tells_the_page(client, org, owner, sales_user):
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    url = reverse("tasks:task-create", args=["offer", offer.pk])
    client.force_login(owner)

    form = client.get(url, **HTMX)
    response = client.post(
        url,
        {
            "title": "Sună pentru feedback",
            "priority": "high",
            "due_at": "2031-03-10T10:00",
            "reminder": "60",
            "assignee_id": str(sales_user.pk),
        },
        **HTMX,
    )

    assert form.status_code == 200
    assert response.status_code == 204
    assert json.loads(response["HX-Trigger"]) == {"closeDialog": True, "tasks-changed": True}
    task = Task.objects.get(offer=offer)
    assert (task.priority, task.assignee_id) == ("high", sales_user.pk)
    assert task.due_at == dt.datetime(2031, 3, 10, 8, 0, tzinfo=dt.UTC)
    assert task.remind_at == dt.datetime(2031, 3, 10, 7, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_create_task_for_someone_outside_the_organisation_is_refused(
    client, org, owner, other_owner
):
    prospect = ProspectFactory.create(org=org, user=owner)
    client.force_login(owner)

    response = client.post(
        reverse("tasks:task-create", args=["prospect", prospect.pk]),
        {"title": "Ceva", "priority": "medium", "assignee_id": str(other_owner.pk)},
        **HTMX,
    )

    assert response.status_code == 422
    assert 'id="id_assignee_id_error"' in response.content.decode()
    assert not Task.objects.exists()


@pytest.mark.django_db
def test_create_task_without_a_title_is_refused_next_to_the_field(client, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    client.force_login(owner)

    response = client.post(
        reverse("tasks:task-create", args=["prospect", prospect.pk]),
        {"title": "", "priority": "medium", "assignee_id": str(owner.pk), "due_at": "nu"},
        **HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_title_error"' in html and 'id="id_due_at_error"' in html
    assert not Task.objects.exists()


# --- one click: complete, reopen, delegate ------------------------------------------------------


@pytest.mark.django_db
def test_complete_in_one_click_from_the_section(client, org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    task = _task(org, owner, prospect_id=prospect.pk)
    client.force_login(owner)

    response = client.post(
        reverse("tasks:task-complete", args=[task.pk]), {"version": task.version}, **HTMX
    )

    assert response.status_code == 204
    assert json.loads(response["HX-Trigger"]) == {"tasks-changed": True}
    task.refresh_from_db()
    assert task.status == "done"


@pytest.mark.django_db
def test_complete_from_my_tasks_answers_with_the_row_and_reopen_undoes_it(client, org, owner):
    task = _task(org, owner)
    client.force_login(owner)

    completed = client.post(reverse("tasks:task-complete", args=[task.pk]), {"show": "row"}, **HTMX)
    reopened = client.post(
        reverse("tasks:task-status", args=[task.pk]), {"status": "open", "show": "row"}, **HTMX
    )

    assert completed.status_code == 200
    assert 'data-status="done"' in completed.content.decode()
    assert 'data-testid="task-reopen"' in completed.content.decode()
    assert reopened.status_code == 200
    assert 'data-status="open"' in reopened.content.decode()


@pytest.mark.django_db
def test_complete_a_done_task_is_409_with_a_message(client, org, owner):
    task = _task(org, owner)
    services.task_complete(org=org, user=owner, task_id=task.pk)
    client.force_login(owner)

    response = client.post(reverse("tasks:task-complete", args=[task.pk]), **HTMX)

    assert response.status_code == 409
    assert response["X-Error-Message"]


@pytest.mark.django_db
def test_status_button_with_an_unknown_status_is_refused(client, org, owner):
    task = _task(org, owner)
    client.force_login(owner)

    response = client.post(
        reverse("tasks:task-status", args=[task.pk]), {"status": "done!"}, **HTMX
    )

    assert response.status_code == 400
    task.refresh_from_db()
    assert task.status == "open"


@pytest.mark.django_db
def test_delegate_a_task_tells_the_new_assignee(client, org, owner, sales_user):
    task = _task(org, owner)
    url = reverse("tasks:task-assign", args=[task.pk])
    client.force_login(owner)

    dialog = client.get(url, **HTMX)
    response = client.post(
        url, {"assignee_id": str(sales_user.pk), "version": task.version}, **HTMX
    )

    assert dialog.status_code == 200
    assert response.status_code == 204
    assert json.loads(response["HX-Trigger"]) == {
        "closeDialog": True,
        "tasks-changed": True,
        "task-delegated": True,
    }
    task.refresh_from_db()
    assert task.assignee_id == sales_user.pk
    assert Notification.objects.filter(user=sales_user).count() == 1


@pytest.mark.django_db
def test_delegate_to_a_stranger_is_refused_next_to_the_field(client, org, owner, other_owner):
    task = _task(org, owner)
    client.force_login(owner)

    response = client.post(
        reverse("tasks:task-assign", args=[task.pk]),
        {"assignee_id": str(other_owner.pk), "version": task.version},
        **HTMX,
    )

    assert response.status_code == 422
    assert 'id="id_assignee_id_error"' in response.content.decode()
    task.refresh_from_db()
    assert task.assignee_id == owner.pk


@pytest.mark.django_db
def test_a_sales_user_cannot_take_someone_elses_task_in_the_dialog(client, org, owner, sales_user):
    task = _task(org, owner)
    client.force_login(sales_user)

    response = client.post(
        reverse("tasks:task-assign", args=[task.pk]),
        {"assignee_id": str(sales_user.pk), "version": task.version},
        **HTMX,
    )

    assert response.status_code == 422
    assert "Only the record&#x27;s owner or a Manager may reassign it." in (
        response.content.decode()
    )
    task.refresh_from_db()
    assert (task.assignee_id, task.version) == (owner.pk, 1)


@pytest.mark.django_db
def test_a_sales_user_cannot_delete_someone_elses_task_from_the_page(
    client, org, owner, sales_user
):
    task = _task(org, owner)
    client.force_login(sales_user)

    response = client.post(
        reverse("tasks:task-delete", args=[task.pk]), {"version": task.version}, **HTMX
    )

    assert response.status_code == 403
    assert "Only the record" in response.content.decode()
    assert Task.objects.filter(pk=task.pk).exists()


@pytest.mark.django_db
def test_actions_on_another_organisations_task_are_404(client, org, owner, other_org, other_owner):
    foreign = _task(other_org, other_owner)
    client.force_login(owner)

    for name in ("task-complete", "task-status", "task-assign", "task-delete"):
        assert client.post(reverse(f"tasks:{name}", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("tasks:task", args=[foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "open"


# --- My tasks, Team tasks ------------------------------------------------------------------------


@pytest.mark.django_db
def test_my_tasks_shows_only_my_open_tasks(client, org, owner, sales_user):
    _task(org, owner, title="A mea")
    _task(org, owner, title="A lui Ion", assignee_id=sales_user.pk)
    done = _task(org, owner, title="Terminată")
    services.task_complete(org=org, user=owner, task_id=done.pk)
    client.force_login(owner)

    html = client.get(reverse("tasks:my-tasks")).content.decode()
    closed = client.get(reverse("tasks:my-tasks"), {"show": "closed"}).content.decode()

    assert "A mea" in html
    assert "A lui Ion" not in html and "Terminată" not in html
    assert "Terminată" in closed and "A mea" not in closed


@pytest.mark.django_db
def test_team_tasks_for_every_role_filtered_by_assignee(client, org, owner, sales_user, manager):
    _task(org, owner, title="A mea")
    _task(org, owner, title="A lui Ion", assignee_id=sales_user.pk)
    for user in (owner, manager, sales_user):
        client.force_login(user)
        response = client.get(reverse("tasks:team-tasks"))
        assert response.status_code == 200
        assert "A mea" in response.content.decode() and "A lui Ion" in response.content.decode()

    filtered = client.get(reverse("tasks:team-tasks"), {"assignee_id": str(sales_user.pk)})

    assert "A lui Ion" in filtered.content.decode()
    assert "A mea" not in filtered.content.decode()


@pytest.mark.django_db
def test_overdue_filter(client, org, owner):
    _task(org, owner, title="Întârziată", due_at=timezone.now() - dt.timedelta(days=3))
    _task(org, owner, title="La timp", due_at=timezone.now() + dt.timedelta(days=3))
    client.force_login(owner)

    html = client.get(reverse("tasks:my-tasks"), {"overdue": "true"}).content.decode()

    assert "Întârziată" in html and "La timp" not in html
    assert "table-danger" in html


@pytest.mark.django_db
def test_list_with_a_bad_filter_names_it(client, org, owner):
    client.force_login(owner)

    response = client.get(reverse("tasks:my-tasks"), {"show": "maybe", "due_from": "ieri"})

    assert response.status_code == 200
    assert "show" in response.content.decode() and "due_from" in response.content.decode()


@pytest.mark.django_db
def test_team_tasks_query_count_does_not_grow_with_rows(client, org, owner, sales_user):
    prospect = ProspectFactory.create(org=org, user=owner)
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    parents = [{"prospect_id": prospect.pk}, {"account_id": account.pk}, {"offer_id": offer.pk}, {}]
    url = reverse("tasks:team-tasks")
    client.force_login(owner)
    for n in range(2):
        _task(org, owner, title=f"t{n}", assignee_id=sales_user.pk, **parents[n % 4])
    with CaptureQueriesContext(connection) as two:
        client.get(url)
    for n in range(2, 20):
        _task(org, owner, title=f"t{n}", assignee_id=sales_user.pk, **parents[n % 4])
    with CaptureQueriesContext(connection) as twenty:
        response = client.get(url)

    assert response.content.decode().count('data-testid="task-row"') == 20
    assert len(twenty) == len(two)


@pytest.mark.django_db
def test_tasks_pages_are_404_when_the_module_is_off(client, org, owner):
    from smartcrm.core import services as core_services
    from smartcrm.core.modules import Module

    task = _task(org, owner)
    core_services.organization_set_modules(org=org, user=owner, enabled=[Module.NOTES])
    client.force_login(owner)

    assert client.get(reverse("tasks:my-tasks")).status_code == 404
    assert client.get(reverse("tasks:task", args=[task.pk])).status_code == 404


# --- the new-task page, a task's page --------------------------------------------------------


@pytest.mark.django_db
def test_new_task_standing_alone(client, org, owner):
    client.force_login(owner)

    page = client.get(reverse("tasks:task-new"))
    response = client.post(
        reverse("tasks:task-new"),
        {"parent": "", "title": "Pregătește raportul", "priority": "low",
         "assignee_id": str(owner.pk), "reminder": "0"},
    )  # fmt: skip

    assert page.status_code == 200
    task = Task.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("tasks:task", args=[task.pk])
    assert (task.prospect_id, task.account_id, task.offer_id) == (None, None, None)


@pytest.mark.django_db
def test_new_task_on_a_record_from_its_page(client, org, owner):
    account = AccountFactory.create(org=org, user=owner, name="Delta Impex SRL")
    client.force_login(owner)

    page = client.get(reverse("tasks:task-new"), {"account": account.pk})
    client.post(
        reverse("tasks:task-new"),
        {"parent": f"account:{account.pk}", "title": "Vizită", "priority": "medium",
         "assignee_id": str(owner.pk)},
    )  # fmt: skip

    assert "Delta Impex SRL" in page.content.decode()
    assert Task.objects.get().account_id == account.pk


@pytest.mark.django_db
def test_new_task_with_a_forged_record_is_refused(client, org, owner):
    client.force_login(owner)

    response = client.post(
        reverse("tasks:task-new"),
        {"parent": "invoice:123", "title": "x", "priority": "medium", "assignee_id": str(owner.pk)},
    )

    assert response.status_code == 422
    assert 'id="id_parent_error"' in response.content.decode()
    assert not Task.objects.exists()


@pytest.mark.django_db
def test_task_page_edits_and_refuses_a_stale_version(client, org, owner, manager):
    task = _task(org, owner, title="Vechi", due_at=timezone.now() + dt.timedelta(days=1))
    url = reverse("tasks:task", args=[task.pk])
    client.force_login(manager)
    data = {
        "title": "Nou",
        "priority": "high",
        "due_at": "2031-03-10T10:00",
        "assignee_id": str(owner.pk),
        "reminder": "",
        "version": task.version,
    }

    page = client.get(url)
    saved = client.post(url, data)
    stale = client.post(url, {**data, "title": "Al treilea"})

    assert page.status_code == 200
    assert 'data-testid="task-complete"' in page.content.decode()
    assert saved.status_code == 302
    task.refresh_from_db()
    assert (task.title, task.priority) == ("Nou", "high")
    # The reminder moved with the due time.
    assert task.remind_at == task.due_at
    assert stale.status_code == 422
    assert "Someone else changed this record meanwhile" in stale.content.decode()
    assert 'value="Al treilea"' in stale.content.decode()
