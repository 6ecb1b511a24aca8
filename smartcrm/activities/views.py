"""Web edge of the activities module: the section of a record page (log a call, plan a
meeting, mark done, cancel), the list, the week/month calendar, the new-activity page and an
activity's page. Times are read and shown in the member's time zone."""

from __future__ import annotations

import calendar as calendar_module
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from smartcrm.activities import selectors, services
from smartcrm.activities.choices import ActivityKind, ActivityStatus
from smartcrm.activities.filters import ACTIVITY_ORDERINGS
from smartcrm.activities.forms import ActivityForm, ActivityPageFilters, OutcomeForm, member_choices
from smartcrm.activities.models import Activity
from smartcrm.contacts.selectors import contacts_to_pick
from smartcrm.core.errors import DomainError
from smartcrm.core.models import Membership
from smartcrm.core.modules import Module, module_enabled
from smartcrm.core.permissions import may_act_on
from smartcrm.core.search import search
from smartcrm.sales.selectors import hangs_on_hidden, hidden_parents, mark_hidden_parents
from smartcrm.web.decorators import is_htmx, member_view, record_or_404
from smartcrm.web.dialogs import (
    PARENT_LABELS,
    PARENTS,
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
    start_of_day,
    takes_new_children,
    triggered,
)
from smartcrm.web.forms import version_from
from smartcrm.web.lists import list_page
from smartcrm.web.records_urls import record_url

EVENT = "activities-changed"
SECTION_LIMIT = 50
CALENDAR_LIMIT = 1000
# The service's field names, as the form calls them.
FORM_FIELDS = {"reminder_minutes": "reminder", **{f"{p}_id": "parent" for p in PARENTS}}
DIALOG_TITLES = {"call": gettext_lazy("Log a call"), "meeting": gettext_lazy("Plan a meeting")}


# --- helpers ------------------------------------------------------------------------------------


def _module_on(membership: Membership) -> None:
    if not module_enabled(membership.organization, Module.ACTIVITIES):
        raise Http404("Not found.")


def _activity(membership: Membership, activity_id: uuid.UUID) -> Activity:
    _module_on(membership)
    return record_or_404(selectors.activity_list(member=membership), membership, activity_id)


def _parent_url(activity: Activity) -> str:
    kind, parent = parent_kind_of(activity)
    return record_url(kind, parent.pk) if parent is not None else ""


# --- the section of a record page --------------------------------------------------------------


@member_view
@require_GET
def section(
    request: HttpRequest, membership: Membership, parent_kind: str, parent_id: uuid.UUID
) -> HttpResponse:
    _module_on(membership)
    parent = section_parent(membership, parent_kind, parent_id)
    planned_rows, past_rows = selectors.record_activities(
        member=membership, parent_kind=parent_kind, parent=parent
    )
    planned = list(planned_rows[:SECTION_LIMIT])
    past = list(past_rows[:SECTION_LIMIT])
    context = {
        "parent": parent,
        "parent_kind": parent_kind,
        "planned": planned,
        "past": past,
        "count": len(planned) + len(past),
        "more": len(planned) == SECTION_LIMIT or len(past) == SECTION_LIMIT,
        "cutoff": overdue_cutoff(),
        "can_add": takes_new_children(parent),
        "section_url": reverse("activities:section", args=[parent_kind, parent.pk]),
        "list_url": reverse("activities:activity-list") + f"?{parent_kind}_id={parent.pk}",
        "back": record_url(parent_kind, parent.pk),
    }
    return render(request, "activities/partials/section.html", context)


@member_view
@require_http_methods(["GET", "POST"])
def activity_create(
    request: HttpRequest, membership: Membership, parent_kind: str, parent_id: uuid.UUID
) -> HttpResponse:
    """The "Log a call" and "Plan a meeting" dialogs of a record page (``?mode=``)."""
    _module_on(membership)
    parent = section_parent(membership, parent_kind, parent_id)
    mode = request.GET.get("mode", "call")
    if mode not in DIALOG_TITLES:
        raise Http404("Not found.")
    org = membership.organization
    contacts = contacts_to_pick(member=membership, parent=parent)
    context: dict[str, Any] = {
        "title": DIALOG_TITLES[mode],
        "action": reverse("activities:activity-create", args=[parent_kind, parent.pk])
        + f"?mode={mode}",
        "back": record_url(parent_kind, parent.pk),
        "submit_label": _("Save"),
        "testid": f"activity-form-{mode}",
    }
    if request.method == "GET":
        form = ActivityForm(mode=mode, org=org, contacts=contacts)
        return dialog_or_page(request, {**context, "form": form})
    form = ActivityForm(request.POST, mode=mode, org=org, contacts=contacts)
    if form.is_valid():
        try:
            services.activity_create(
                org=org,
                user=membership.user,
                status=form.activity_status(),
                **{f"{parent_kind}_id": parent.pk},
                **form.service_fields(),
            )
        except DomainError as error:
            show_error(form, error, fields=FORM_FIELDS)
        else:
            return changed(request, EVENT, fallback=context["back"])
    return dialog_or_page(request, {**context, "form": form}, status=422)


# --- one-click actions ----------------------------------------------------------------------------


def _after_action(request: HttpRequest, membership: Membership, activity: Activity) -> HttpResponse:
    """A list row asks for itself again (``show=row``); a section just hears the event."""
    if is_htmx(request) and request.POST.get("show") == "row":
        activity = _activity(membership, activity.pk)
        response = render(
            request,
            "activities/partials/activity_row.html",
            {"activity": activity, "cutoff": overdue_cutoff()},
        )
        return triggered(response, EVENT)
    return changed(request, EVENT, fallback=_parent_url(activity), close_dialog=False)


@member_view
@require_POST
def activity_done(
    request: HttpRequest, membership: Membership, activity_id: uuid.UUID
) -> HttpResponse:
    activity = _activity(membership, activity_id)
    form = OutcomeForm(request.POST)
    outcome = form.cleaned_data["outcome"] if form.is_valid() else ""
    try:
        activity = services.activity_complete(
            org=membership.organization,
            user=membership.user,
            activity_id=activity.pk,
            outcome=outcome,
            version=version_from(request.POST),
        )
    except DomainError as error:
        return refused(request, error, fallback=_parent_url(activity))
    return _after_action(request, membership, activity)


@member_view
@require_POST
def activity_cancel(
    request: HttpRequest, membership: Membership, activity_id: uuid.UUID
) -> HttpResponse:
    activity = _activity(membership, activity_id)
    try:
        activity = services.activity_cancel(
            org=membership.organization,
            user=membership.user,
            activity_id=activity.pk,
            version=version_from(request.POST),
        )
    except DomainError as error:
        return refused(request, error, fallback=_parent_url(activity))
    return _after_action(request, membership, activity)


@member_view
@require_POST
def activity_replan(
    request: HttpRequest, membership: Membership, activity_id: uuid.UUID
) -> HttpResponse:
    """Plan a canceled activity again."""
    activity = _activity(membership, activity_id)
    try:
        activity = services.activity_set_status(
            org=membership.organization,
            user=membership.user,
            activity_id=activity.pk,
            status=ActivityStatus.PLANNED,
            version=version_from(request.POST),
        )
    except DomainError as error:
        return refused(request, error, fallback=_parent_url(activity))
    return _after_action(request, membership, activity)


@member_view
@require_POST
def activity_delete(
    request: HttpRequest, membership: Membership, activity_id: uuid.UUID
) -> HttpResponse:
    activity = _activity(membership, activity_id)
    back = _parent_url(activity) or reverse("activities:activity-list")
    try:
        services.activity_delete(
            org=membership.organization,
            user=membership.user,
            activity_id=activity.pk,
            version=version_from(request.POST),
        )
    except DomainError as error:
        return refused(request, error, fallback=back)
    if not is_htmx(request) or request.POST.get("show") == "redirect":
        messages.success(request, _("The activity was moved to the trash."))
        return redirect_to(request, back)
    return changed(request, EVENT, fallback=back, close_dialog=False)


# --- the list -----------------------------------------------------------------------------------


@member_view
@require_GET
def activity_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    _module_on(membership)
    page = list_page(
        request,
        selectors.activity_list(member=membership),
        filters=ActivityPageFilters,
        orderings=ACTIVITY_ORDERINGS,
        default="-start_at",
        key="activities",
    )
    mark_hidden_parents(member=membership, records=page.rows)
    context = {
        "page": page,
        "default_ordering": page.default_ordering,
        "cutoff": overdue_cutoff(),
        "kinds": ActivityKind.choices,
        "statuses": ActivityStatus.choices,
        "members": member_choices(membership.organization) if not page.is_continuation else [],
    }
    if page.is_continuation:
        return render(request, "activities/partials/activity_rows.html", context)
    return render(request, "activities/activity_list.html", context)


# --- the calendar -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarItem:
    activity: Activity
    starts: dt.datetime  # local
    url: str  # the activity's record, else the activity's page


@dataclass
class CalendarDay:
    day: dt.date
    items: list[CalendarItem]
    in_month: bool = True
    is_today: bool = False


def _calendar_range(view: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and the day after the last day shown (weeks start on Monday)."""
    if view == "week":
        first = day - dt.timedelta(days=day.weekday())
        return first, first + dt.timedelta(days=7)
    month_first = day.replace(day=1)
    last = month_first.replace(day=calendar_module.monthrange(day.year, day.month)[1])
    first = month_first - dt.timedelta(days=month_first.weekday())
    after = last + dt.timedelta(days=7 - last.weekday())
    return first, after


def _shifted(view: str, day: dt.date, step: int) -> dt.date:
    if view == "week":
        return day + dt.timedelta(days=7 * step)
    month = day.month - 1 + step
    year = day.year + month // 12
    month = month % 12 + 1
    return dt.date(year, month, min(day.day, calendar_module.monthrange(year, month)[1]))


@member_view
@require_GET
def calendar(request: HttpRequest, membership: Membership) -> HttpResponse:
    """A week or a month of planned (and done) activities, server-rendered: those the
    member's view scope shows (whoever's they pick)."""
    _module_on(membership)
    view = request.GET.get("view", "week")
    if view not in ("week", "month"):
        view = "week"
    today = timezone.localdate()
    try:
        day = dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = today
    owner = request.GET.get("owner", "me")
    first, after = _calendar_range(view, day)
    activities = selectors.calendar_activities(
        member=membership, since=start_of_day(first), until=start_of_day(after)
    )
    members = member_choices(membership.organization)
    if owner == "me":
        activities = activities.filter(owner=membership.user)
    elif owner != "all":
        if owner not in {value for value, _label in members}:
            owner = "all"
        else:
            activities = activities.filter(owner_id=uuid.UUID(owner))
    by_day: dict[dt.date, list[CalendarItem]] = {}
    shown = list(activities[:CALENDAR_LIMIT])
    # An activity in my scope may hang on a record outside it: it leads to its own page.
    hidden = hidden_parents(member=membership, records=shown)
    for activity in shown:
        starts = timezone.localtime(activity.start_at)
        url = "" if hangs_on_hidden(activity, hidden) else _parent_url(activity)
        url = url or reverse("activities:activity", args=[activity.pk])
        by_day.setdefault(starts.date(), []).append(CalendarItem(activity, starts, url))
    days = [
        CalendarDay(
            day=current,
            items=by_day.get(current, []),
            in_month=view == "week" or current.month == day.month,
            is_today=current == today,
        )
        for current in (first + dt.timedelta(days=n) for n in range((after - first).days))
    ]
    context = {
        "view": view,
        "day": day,
        "first": first,
        "last": after - dt.timedelta(days=1),
        "weeks": [days[i : i + 7] for i in range(0, len(days), 7)],
        "weekdays": days[:7],
        "previous": _shifted(view, day, -1),
        "next": _shifted(view, day, 1),
        "today": today,
        "owner": owner,
        "members": members,
        "cutoff": overdue_cutoff(),
    }
    return render(request, "activities/calendar.html", context)


# --- the new-activity page, an activity's page ------------------------------------------------


@member_view
@require_http_methods(["GET", "POST"])
def activity_new(request: HttpRequest, membership: Membership) -> HttpResponse:
    _module_on(membership)
    org = membership.organization
    context: dict[str, Any] = {"title": _("New activity")}
    if request.method == "GET":
        chosen = parent_from_query(membership, request.GET)
        initial: dict[str, Any] = {
            "start_at": timezone.localtime().replace(second=0, microsecond=0),
            "owner_id": str(membership.user_id),
        }
        label = ""
        if chosen is not None:
            initial["parent"], label = chosen
        form = ActivityForm(mode="new", org=org, initial=initial, parent_label=label)
        return render(request, "activities/activity_new.html", {**context, "form": form})
    form = ActivityForm(request.POST, mode="new", org=org)
    if form.is_valid():
        kind, parent_id = form.cleaned_data["parent"]
        try:
            activity = services.activity_create(
                org=org,
                user=membership.user,
                status=form.activity_status(),
                **{f"{kind}_id": parent_id},
                **form.service_fields(),
            )
        except DomainError as error:
            show_error(form, error, fields=FORM_FIELDS)
        else:
            messages.success(request, _("The activity was saved."))
            return HttpResponseRedirect(reverse("activities:activity", args=[activity.pk]))
    label = parent_label(membership, form.cleaned_data.get("parent") if form.is_bound else None)
    form.fields["parent"].widget.attrs["data-label"] = label
    return render(request, "activities/activity_new.html", {**context, "form": form}, status=422)


@member_view
@require_http_methods(["GET", "POST"])
def activity_detail(
    request: HttpRequest, membership: Membership, activity_id: uuid.UUID
) -> HttpResponse:
    """An activity: what, when, where, with whom; change it; mark it done or cancel it."""
    activity = _activity(membership, activity_id)
    org = membership.organization
    kind, parent = parent_kind_of(activity)
    mark_hidden_parents(member=membership, records=[activity])
    if getattr(activity, "parent_hidden", False):  # its record is out of sight: none of it
        parent = None
    contacts = contacts_to_pick(member=membership, parent=parent)
    status = 200
    if request.method == "POST":
        form = ActivityForm(request.POST, mode="edit", org=org, contacts=contacts)
        if form.is_valid():
            try:
                services.activity_update(
                    org=org,
                    user=membership.user,
                    activity_id=activity.pk,
                    version=form.cleaned_data["version"],
                    **form.service_fields(),
                )
            except DomainError as error:
                show_error(form, error, fields=FORM_FIELDS)
            else:
                messages.success(request, _("The activity was saved."))
                return HttpResponseRedirect(
                    safe_next(request, reverse("activities:activity", args=[activity.pk]))
                )
        status = 422
    else:
        form = ActivityForm(mode="edit", org=org, contacts=contacts, activity=activity)
    context = {
        "activity": activity,
        "parent_kind": kind,
        "parent": parent,
        "parent_url": record_url(kind, parent.pk) if parent is not None else "",
        "participants": list(
            activity.participants.all()
            .visible_to(membership, "contacts")
            .order_by("last_name", "first_name")
        ),
        "form": form,
        "outcome_form": OutcomeForm(initial={"version": activity.version}),
        "cutoff": overdue_cutoff(),
        "can_delete": may_act_on(membership, (activity.owner_id,), module="activities"),
    }
    return render(request, "activities/activity_detail.html", context, status=status)


@member_view
@require_GET
def parent_search(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The record picker's hits: prospects, accounts and offers matching the typed text."""
    field = request.GET.get("field", "parent")
    if not field.isidentifier():
        field = "parent"
    query = (request.GET.get("q") or request.GET.get(f"{field}_q") or "").replace("\x00", "")
    query = query[:200]
    hits: list[Any] = []
    if query.strip():
        found, _next = search(
            org=membership.organization, q=query, kinds=PARENTS, limit=10, member=membership
        )
        hits = [
            {
                "kind": hit.kind,
                "kind_label": PARENT_LABELS[hit.kind],
                "object_id": hit.object_id,
                "title": hit.title,
                "subtitle": hit.subtitle,
            }
            for hit in found
        ]
    context = {"hits": hits, "query": query, "field": field}
    return render(request, "activities/partials/parent_choices.html", context)
