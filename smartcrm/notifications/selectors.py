"""Reads of notifications: always one user's, in one organisation."""

from __future__ import annotations

from django.db.models import QuerySet

from smartcrm.core.models import Organization, User
from smartcrm.notifications.models import Notification, NotificationPreference


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
