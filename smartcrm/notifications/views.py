"""Web pages of notifications: the notification centre, the preferences, the calendar feed."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from smartcrm.agenda import selectors as agenda_selectors
from smartcrm.agenda import services as agenda_services
from smartcrm.agenda.ics import absolute
from smartcrm.core.errors import DomainError
from smartcrm.core.models import Membership
from smartcrm.notifications import selectors, services
from smartcrm.notifications.choices import NotificationKind
from smartcrm.notifications.forms import DailyAgendaForm, EmailPreferencesForm
from smartcrm.web.decorators import is_htmx, member_view
from smartcrm.web.forms import add_domain_error

PAGE_SIZE = 50


@member_view
def notification_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The notification centre: newest first, optionally only the unread."""
    only_unread = request.GET.get("unread") == "1"
    org, user = membership.organization, membership.user
    notifications = selectors.notification_list(
        org=org, user=user, unread=True if only_unread else None
    )
    return render(
        request,
        "notifications/list.html",
        {
            "notifications": selectors.as_seen_by(
                membership=membership, notifications=notifications[:PAGE_SIZE]
            ),
            "only_unread": only_unread,
            "unread": selectors.unread_count(org=org, user=user),
        },
    )


@member_view
@require_POST
def notification_read(
    request: HttpRequest, membership: Membership, notification_id: uuid.UUID
) -> HttpResponse:
    """Mark one read; ``open=1`` then follows its link."""
    try:
        notification = services.notification_mark_read(
            org=membership.organization, user=membership.user, notification_id=notification_id
        )
    except DomainError:
        return HttpResponse(status=404)
    (notification,) = selectors.as_seen_by(membership=membership, notifications=[notification])
    if request.POST.get("open") == "1" and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}
    ):
        return redirect(notification.url or "notifications:list")
    if is_htmx(request):
        response = render(
            request, "notifications/partials/notification.html", {"notification": notification}
        )
        response["HX-Trigger"] = "notificationsChanged"
        return response
    return redirect("notifications:list")


@member_view
@require_POST
def notification_read_all(request: HttpRequest, membership: Membership) -> HttpResponse:
    services.notification_mark_all_read(org=membership.organization, user=membership.user)
    return redirect("notifications:list")


@member_view
def preferences(request: HttpRequest, membership: Membership) -> HttpResponse:
    """E-mail per kind of notification, and the daily agenda (each form saves on its own)."""
    org, user = membership.organization, membership.user
    preference = selectors.preference_of(org=org, user=user)
    agenda = agenda_selectors.daily_agenda_of(org=org, user=user)
    email_form = EmailPreferencesForm(
        initial={kind: preference.wants_email(kind) for kind in NotificationKind.values}
    )
    agenda_form = DailyAgendaForm(initial={"enabled": agenda.enabled, "send_at": agenda.send_at})
    saved = ""
    status = 200
    if request.method == "POST":
        section = request.POST.get("section")
        if section == "email":
            email_form = EmailPreferencesForm(request.POST)
            if email_form.is_valid():
                services.notification_preferences_update(
                    org=org, user=user, email=email_form.email_choices()
                )
                saved = "email"
        elif section == "agenda":
            agenda_form = DailyAgendaForm(request.POST)
            if agenda_form.is_valid():
                try:
                    agenda = agenda_services.daily_agenda_set(
                        org=org,
                        user=user,
                        enabled=agenda_form.cleaned_data["enabled"],
                        send_at=agenda_form.cleaned_data["send_at"],
                    )
                    saved = "agenda"
                except DomainError as error:
                    add_domain_error(agenda_form, error)
        if not saved:
            status = 422
    return render(
        request,
        "notifications/preferences.html",
        {
            "email_form": email_form,
            "agenda_form": agenda_form,
            "agenda": agenda,
            "zone": agenda_selectors.zone_of(org, user).key,
            "saved": saved,
        },
        status=status,
    )


@member_view
def calendar_feed(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The member's calendar feed address: show it, make a new one, revoke it."""
    org, user = membership.organization, membership.user
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            agenda_services.calendar_feed_revoke(org=org, user=user)
        else:
            agenda_services.calendar_feed_regenerate(org=org, user=user)
        return redirect("notifications:calendar")
    feed = agenda_selectors.active_feed(org=org, user=user)
    return render(
        request,
        "notifications/calendar.html",
        {
            "feed": feed,
            "feed_url": absolute(agenda_selectors.feed_path(feed)) if feed else "",
        },
    )
