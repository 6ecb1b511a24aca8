"""Every write of notifications: tell a user something, mark it read."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from smartcrm.core import writes
from smartcrm.core.errors import ValidationFailed
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Organization, User
from smartcrm.core.permissions import ensure_member
from smartcrm.notifications.choices import NotificationKind
from smartcrm.notifications.models import Notification

TITLE_LENGTH = Notification._meta.get_field("title").max_length or 200


@transaction.atomic
def notify(
    *, org: Organization, user: User, kind: str, title: str, body: str = "", url: str = ""
) -> Notification:
    """Leave an unread notification for ``user``, an active member of the organisation."""
    if kind not in NotificationKind.values:
        raise ValidationFailed(_("Unknown notification kind."), field="kind", code="invalid_kind")
    ensure_member(org, user.pk, field="user")
    # A title made from client input (a name) must not make the notification fail.
    title = " ".join(title.split())
    if len(title) > TITLE_LENGTH:
        title = title[: TITLE_LENGTH - 1] + "…"
    notification = Notification(
        organization=org, user=user, kind=kind, title=title, body=body, url=url
    )
    writes.validate(notification)
    return writes.save(notification)


@transaction.atomic
def notification_mark_read(
    *, org: Organization, user: User, notification_id: RecordId
) -> Notification:
    """Mark one of the user's own notifications read (reading it twice changes nothing)."""
    notification = writes.lock(
        Notification.objects.for_org(org).filter(user=user),
        notification_id,
        label=_("Notification"),
    )
    if notification.read_at is None:
        notification.read_at = timezone.now()
        writes.save(notification)
    return notification
