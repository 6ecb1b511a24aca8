"""Web edge of the tasks module: the section of a record page, "My tasks" and "Team tasks",
the new-task page, a task's page, and the one-click actions (complete, start, reopen,
cancel) and the delegate dialog. Times are read and shown in the member's time zone.

Team tasks are open to every member, sales included: the API lists the organisation's
tasks to any member, and one who delegates a task wants to see it move.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from smartcrm.core.choices import Priority
from smartcrm.core.errors import DomainError
from smartcrm.core.models import Membership
from smartcrm.core.modules import Module, module_enabled
from smartcrm.core.permissions import may_act_on
from smartcrm.sales.selectors import mark_hidden_parents
from smartcrm.tasks import services
from smartcrm.tasks.choices import OPEN_TASK_STATUSES, TaskStatus
from smartcrm.tasks.filters import TASK_ORDERINGS
from smartcrm.tasks.forms import AssignForm, TaskForm, TaskPageFilters
from smartcrm.tasks.models import Task
from smartcrm.web.decorators import is_htmx, member_view, record_or_404
from smartcrm.web.dialogs import (
    changed,
    dialog_or_page,
    overdue_cutoff,
    parent_from_query,
    parent_kind_of,
    parent_label,
    redirect_to,
    refused,
    safe_next,
    section_parent,
    show_error,
    takes_new_children,
    triggered,
)
from smartcrm.web.forms import version_from
from smartcrm.web.lists import list_page
from smartcrm.web.records_urls import record_url

EVENT = "tasks-changed"
SECTION_LIMIT = 50
PARENTS = ("prospect", "account", "offer")
# The service's field names, as the form calls them.
FORM_FIELDS = {
    "remind_before_minutes": "reminder",
    "remind_at": "reminder",
    **{f"{p}_id": "parent" for p in PARENTS},
}
# The statuses a one-click button may move a task to (done has its own: complete).
BUTTON_STATUSES = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS, TaskStatus.CANCELED)


def _module_on(membership: Membership) -> None:
    if not module_enabled(membership.organization, Module.TASKS):
        raise Http404("Not found.")


def _tasks(membership: Membership) -> QuerySet[Task]:
    return Task.objects.for_member(membership, "tasks").select_related(
        "assignee", "prospect", "account", "offer"
    )


def _task(membership: Membership, task_id: uuid.UUID) -> Task:
    _module_on(membership)
    return record_or_404(_tasks(membership), membership, task_id)


def _parent_url(task: Task) -> str:
    kind, parent = parent_kind_of(task)
    return record_url(kind, parent.pk) if parent is not None else ""


def _open_first(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """Open tasks first (soonest due first, undated last), then the closed ones."""
    return tasks.annotate(
        closed=Case(
            When(status__in=OPEN_TASK_STATUSES, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        undated=Case(
            When(due_at__isnull=True, then=Value(1)), default=Value(0), output_field=IntegerField()
        ),
    ).order_by("closed", "undated", "due_at", "-completed_at", "created_at")


# --- the section of a record page --------------------------------------------------------------


@member_view
@require_GET
def section(
    request: HttpRequest, membership: Membership, parent_kind: str, parent_id: uuid.UUID
) -> HttpResponse:
    _module_on(membership)
    parent = section_parent(membership, parent_kind, parent_id)
    tasks = list(
        _open_first(
            Task.objects.for_member(membership, "tasks")
            .filter(**{parent_kind: parent})
            .select_related("assignee")
        )[: SECTION_LIMIT + 1]
    )
    context = {
        "parent": parent,
        "parent_kind": parent_kind,
        "tasks": tasks[:SECTION_LIMIT],
        "more": len(tasks) > SECTION_LIMIT,
        "open_count": sum(1 for task in tasks if task.status in OPEN_TASK_STATUSES),
        "cutoff": overdue_cutoff(),
        "can_add": takes_new_children(parent),
        "section_url": reverse("tasks:section", args=[parent_kind, parent.pk]),
        "list_url": reverse("tasks:team-tasks") + f"?show=all&{parent_kind}_id={parent.pk}",
        "back": record_url(parent_kind, parent.pk),
    }
    return render(request, "tasks/partials/section.html", context)


@member_view
@require_http_methods(["GET", "POST"])
def task_create(
    request: HttpRequest, membership: Membership, parent_kind: str, parent_id: uuid.UUID
) -> HttpResponse:
    """The "Create a task" dialog of a record page."""
    _module_on(membership)
    parent = section_parent(membership, parent_kind, parent_id)
    org = membership.organization
    context = {
        "title": _("Create a task"),
        "action": reverse("tasks:task-create", args=[parent_kind, parent.pk]),
        "back": record_url(parent_kind, parent.pk),
        "submit_label": _("Create the task"),
        "testid": "task-form",
    }
    if request.method == "GET":
        form = TaskForm(mode="section", org=org, initial={"assignee_id": str(membership.user_id)})
        return dialog_or_page(request, {**context, "form": form})
    form = TaskForm(request.POST, mode="section", org=org)
    if form.is_valid():
        try:
            services.task_create(
                org=org,
                user=membership.user,
                **{f"{parent_kind}_id": parent.pk},
                **form.service_fields(),
            )
        except DomainError as error:
            show_error(form, error, fields=FORM_FIELDS)
        else:
            return changed(request, EVENT, fallback=context["back"])
    return dialog_or_page(request, {**context, "form": form}, status=422)


# --- one-click actions ----------------------------------------------------------------------------


def _after_action(request: HttpRequest, membership: Membership, task: Task) -> HttpResponse:
    """A list row asks for itself again (``show=row``); a section just hears the event."""
    if is_htmx(request) and request.POST.get("show") == "row":
        task = _task(membership, task.pk)
        response = render(
            request,
            "tasks/partials/task_row.html",
            {"task": task, "cutoff": overdue_cutoff(), "team": request.POST.get("team") == "1"},
        )
        return triggered(response, EVENT)
    fallback = reverse("tasks:task", args=[task.pk])
    return changed(request, EVENT, fallback=fallback, close_dialog=False)


@member_view
@require_POST
def task_complete(request: HttpRequest, membership: Membership, task_id: uuid.UUID) -> HttpResponse:
    task = _task(membership, task_id)
    try:
        task = services.task_complete(
            org=membership.organization,
            user=membership.user,
            task_id=task.pk,
            version=version_from(request.POST),
        )
    except DomainError as error:
        return refused(request, error, fallback=reverse("tasks:task", args=[task.pk]))
    return _after_action(request, membership, task)


@member_view
@require_POST
def task_status(request: HttpRequest, membership: Membership, task_id: uuid.UUID) -> HttpResponse:
    """Start, reopen or cancel a task (the service says which moves are allowed)."""
    task = _task(membership, task_id)
    status = request.POST.get("status", "")
    if status not in BUTTON_STATUSES:
        status = ""  # the service names the field: "Unknown status."
    try:
        task = services.task_set_status(
            org=membership.organization,
            user=membership.user,
            task_id=task.pk,
            status=status,
            version=version_from(request.POST),
        )
    except DomainError as error:
        return refused(request, error, fallback=reverse("tasks:task", args=[task.pk]))
    return _after_action(request, membership, task)


@member_view
@require_http_methods(["GET", "POST"])
def task_assign(request: HttpRequest, membership: Membership, task_id: uuid.UUID) -> HttpResponse:
    """The "Delegate" dialog: give the task to another member (who is told so)."""
    task = _task(membership, task_id)
    org = membership.organization
    context = {
        "title": _("Delegate “%(title)s”") % {"title": task.title},
        "action": reverse("tasks:task-assign", args=[task.pk]),
        "back": safe_next(request, reverse("tasks:task", args=[task.pk])),
        "submit_label": _("Delegate"),
        "testid": "assign-form",
    }
    if request.method == "GET":
        return dialog_or_page(request, {**context, "form": AssignForm(org=org, task=task)})
    form = AssignForm(request.POST, org=org, task=task)
    if form.is_valid():
        try:
            services.task_assign(
                org=org,
                user=membership.user,
                task_id=task.pk,
                assignee_id=form.cleaned_data["assignee_id"],
                version=form.cleaned_data["version"],
            )
        except DomainError as error:
            show_error(form, error)
        else:
            return changed(request, EVENT, "task-delegated", fallback=context["back"])
    return dialog_or_page(request, {**context, "form": form}, status=422)


@member_view
@require_POST
def task_delete(request: HttpRequest, membership: Membership, task_id: uuid.UUID) -> HttpResponse:
    task = _task(membership, task_id)
    back = _parent_url(task) or reverse("tasks:my-tasks")
    try:
        services.task_delete(
            org=membership.organization,
            user=membership.user,
            task_id=task.pk,
            version=version_from(request.POST),
        )
    except DomainError as error:
        return refused(request, error, fallback=back)
    if not is_htmx(request) or request.POST.get("show") == "redirect":
        messages.success(request, _("The task was moved to the trash."))
        return redirect_to(request, back)
    return changed(request, EVENT, fallback=back, close_dialog=False)


# --- My tasks, Team tasks -----------------------------------------------------------------------


def _task_list(
    request: HttpRequest, membership: Membership, tasks: QuerySet[Task], *, team: bool
) -> HttpResponse:
    from smartcrm.activities.forms import member_choices

    page = list_page(
        request,
        tasks,
        filters=TaskPageFilters,
        orderings=TASK_ORDERINGS,
        default="due_at",
        key="team-tasks" if team else "my-tasks",
    )
    mark_hidden_parents(member=membership, records=page.rows)
    context = {
        "page": page,
        "team": team,
        "default_ordering": page.default_ordering,
        "cutoff": overdue_cutoff(),
        "statuses": TaskStatus.choices,
        "priorities": Priority.choices,
        "show": request.GET.get("show") or "open",
        "members": member_choices(membership.organization)
        if team and not page.is_continuation
        else [],
    }
    if page.is_continuation:
        return render(request, "tasks/partials/task_rows.html", context)
    return render(request, "tasks/task_list.html", context)


@member_view
@require_GET
def my_tasks(request: HttpRequest, membership: Membership) -> HttpResponse:
    _module_on(membership)
    return _task_list(
        request, membership, _tasks(membership).filter(assignee=membership.user), team=False
    )


@member_view
@require_GET
def team_tasks(request: HttpRequest, membership: Membership) -> HttpResponse:
    _module_on(membership)
    return _task_list(request, membership, _tasks(membership), team=True)


# --- the new-task page, a task's page ---------------------------------------------------------


@member_view
@require_http_methods(["GET", "POST"])
def task_new(request: HttpRequest, membership: Membership) -> HttpResponse:
    _module_on(membership)
    org = membership.organization
    context: dict[str, Any] = {"title": _("New task")}
    if request.method == "GET":
        initial: dict[str, Any] = {"assignee_id": str(membership.user_id)}
        label = ""
        chosen = parent_from_query(membership, request.GET)
        if chosen is not None:
            initial["parent"], label = chosen
        form = TaskForm(mode="new", org=org, initial=initial, parent_label=label)
        return render(request, "tasks/task_new.html", {**context, "form": form})
    form = TaskForm(request.POST, mode="new", org=org)
    if form.is_valid():
        parent = form.cleaned_data.get("parent")
        parent_ids = {f"{parent[0]}_id": parent[1]} if parent else {}
        try:
            task = services.task_create(
                org=org, user=membership.user, **parent_ids, **form.service_fields()
            )
        except DomainError as error:
            show_error(form, error, fields=FORM_FIELDS)
        else:
            messages.success(request, _("The task was created."))
            return HttpResponseRedirect(reverse("tasks:task", args=[task.pk]))
    label = parent_label(membership, form.cleaned_data.get("parent"))
    if "parent" in form.fields:
        form.fields["parent"].widget.attrs["data-label"] = label
    return render(request, "tasks/task_new.html", {**context, "form": form}, status=422)


@member_view
@require_http_methods(["GET", "POST"])
def task_detail(request: HttpRequest, membership: Membership, task_id: uuid.UUID) -> HttpResponse:
    """A task: what, for when, for whom, on which record; change it, complete it, delegate it."""
    task = _task(membership, task_id)
    org = membership.organization
    status = 200
    if request.method == "POST":
        form = TaskForm(request.POST, mode="edit", org=org, task=task)
        if form.is_valid():
            try:
                services.task_update(
                    org=org,
                    user=membership.user,
                    task_id=task.pk,
                    version=form.cleaned_data["version"],
                    **form.service_fields(),
                )
            except DomainError as error:
                show_error(form, error, fields=FORM_FIELDS)
            else:
                messages.success(request, _("The task was saved."))
                return HttpResponseRedirect(reverse("tasks:task", args=[task.pk]))
        status = 422
    else:
        form = TaskForm(mode="edit", org=org, task=task)
    mark_hidden_parents(member=membership, records=[task])
    context = {
        "task": task,
        "form": form,
        "parent_url": "" if getattr(task, "parent_hidden", False) else _parent_url(task),
        "cutoff": overdue_cutoff(),
        "can_delete": may_act_on(
            membership, (task.assignee_id, task.created_by_id), module="tasks"
        ),
    }
    return render(request, "tasks/task_detail.html", context, status=status)
