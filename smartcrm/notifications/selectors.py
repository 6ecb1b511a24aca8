"""Reads of notifications: always one user's, in one organisation.

A notification about a record outside the recipient's view scope (it never was in it, or it
moved out since) is shown without what it says of the record: its kind, time and read state
stay, its title becomes a plain "about a record you cannot see", its text and link go. The
bell still counts it. Its e-mail is not sent."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, cast
from urllib.parse import urlsplit

from django.apps import apps
from django.db.models import QuerySet
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from smartcrm.core.models import Membership, Organization, User
from smartcrm.core.scopes import Scope, scope_for
from smartcrm.notifications.models import Notification, NotificationPreference

# The record pages a notification leads to: URL name → (model, the module of its grants).
RECORD_PAGES: dict[str, tuple[str, str]] = {
    "sales:prospect": ("sales.Prospect", "prospects"),
    "sales:account": ("sales.Account", "accounts"),
    "sales:offer": ("sales.Offer", "offers"),
    "contacts:contact": ("contacts.Contact", "contacts"),
    "activities:activity": ("activities.Activity", "activities"),
    "tasks:task": ("tasks.Task", "tasks"),
    "notes:note": ("notes.Note", "notes"),
}


def notification_list(
    *, org: Organization, user: User, unread: bool | None = None
) -> QuerySet[Notification]:
    """The user's notifications, newest first; ``unread`` keeps only the unread (or read)."""
    notifications = Notification.objects.for_org(org).filter(user=user)
    if unread is not None:
        notifications = notifications.filter(read_at__isnull=unread)
    return notifications.order_by("-created_at", "-id")


def unread_count(*, org: Organization, user: User) -> int:
    """How many notifications the user has not read yet (the number on the bell)."""
    return Notification.objects.for_org(org).filter(user=user, read_at__isnull=True).count()


def preference_of(*, org: Organization, user: User) -> NotificationPreference:
    """The member's notification choices; the defaults (every kind e-mailed) until they
    change them."""
    preference = NotificationPreference.objects.for_org(org).filter(user=user).first()
    return preference or NotificationPreference(organization=org, user=user)


def recipient_of(notification: Notification) -> Membership | None:
    """The recipient's active membership, with what their grants need; None once they left."""
    return (
        Membership.objects.filter(
            organization_id=notification.organization_id,
            user_id=notification.user_id,
            is_active=True,
        )
        .select_related("custom_role")
        .first()
    )


def linked_record(url: str) -> tuple[str, str, str] | None:
    """(model, module, record id) of the record page ``url`` leads to; None for any other
    link (a list, an outside address, nothing)."""
    if not url.startswith("/"):
        return None
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    page = RECORD_PAGES.get(match.view_name)
    if page is None or len(match.kwargs) != 1:
        return None
    (record_id,) = match.kwargs.values()
    return page[0], page[1], str(record_id)


def out_of_sight(membership: Membership, notifications: Iterable[Notification]) -> set[uuid.UUID]:
    """The ids of the notifications about a record outside the member's view scope. One
    query per module of a narrower scope than all among them; none for the built-in roles."""
    wanted: dict[tuple[str, str], dict[str, list[uuid.UUID]]] = {}
    for notification in notifications:
        linked = linked_record(notification.url)
        if linked is None:
            continue
        label, module, record_id = linked
        if scope_for(membership, module, "view") == Scope.ALL:
            continue
        wanted.setdefault((label, module), {}).setdefault(record_id, []).append(notification.pk)
    hidden: set[uuid.UUID] = set()
    for (label, module), by_record in wanted.items():
        model = cast(Any, apps.get_model(label))
        seen = {
            str(pk)
            for pk in model.objects.for_member(membership, module)
            .filter(pk__in=list(by_record))
            .values_list("pk", flat=True)
        }
        for record_id, notification_ids in by_record.items():
            if record_id not in seen:
                hidden.update(notification_ids)
    return hidden


def as_seen_by(
    *, membership: Membership, notifications: Iterable[Notification]
) -> list[Notification]:
    """The notifications as the member may read them: those about a record outside their
    view scope without its name, text or link (the rows are not saved so)."""
    shown = list(notifications)
    hidden = out_of_sight(membership, shown)
    for notification in shown:
        if notification.pk in hidden:
            notification.title = _("About a record your role does not let you see")
            notification.body = ""
            notification.url = ""
    return shown
