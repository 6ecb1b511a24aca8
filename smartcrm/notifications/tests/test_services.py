"""Notifications: tell a member something, count the unread, mark one read."""

from __future__ import annotations

import pytest

from smartcrm.core.errors import NotFound, ValidationFailed
from smartcrm.notifications.models import Notification
from smartcrm.notifications.selectors import notification_list, unread_count
from smartcrm.notifications.services import notification_mark_read, notify


def _notify(org, user, **fields):
    values = {"kind": "offer_accepted", "title": "OF-2026-0001 a fost acceptată", **fields}
    return notify(org=org, user=user, **values)


def test_notify_leaves_an_unread_notification_for_the_user(org, owner):
    notification = _notify(org, owner, body="Livrare în martie.", url="/offers/x/")

    assert notification.organization_id == org.pk
    assert notification.user_id == owner.pk
    assert notification.read_at is None
    assert (notification.body, notification.url) == ("Livrare în martie.", "/offers/x/")
    assert unread_count(org=org, user=owner) == 1


def test_a_long_title_is_shortened_not_refused(org, owner):
    notification = _notify(org, owner, title="Ș" * 500)

    assert len(notification.title) == 200
    assert notification.title.endswith("…")


def test_an_unknown_kind_is_refused(org, owner):
    with pytest.raises(ValidationFailed) as refused:
        _notify(org, owner, kind="gossip")

    assert refused.value.field == "kind"
    assert Notification.objects.count() == 0


def test_only_members_are_notified(org, other_owner):
    with pytest.raises(ValidationFailed) as refused:
        _notify(org, other_owner)

    assert refused.value.field == "user"
    assert Notification.objects.count() == 0


def test_unread_count_is_per_user_and_organisation(org, owner, sales_user, other_org, other_owner):
    _notify(org, owner)
    _notify(org, owner, kind="reminder")
    _notify(org, sales_user)
    _notify(other_org, other_owner)

    assert unread_count(org=org, user=owner) == 2
    assert unread_count(org=org, user=sales_user) == 1
    assert unread_count(org=other_org, user=owner) == 0


def test_marking_read_lowers_the_count_and_is_idempotent(org, owner):
    notification = _notify(org, owner)

    first = notification_mark_read(org=org, user=owner, notification_id=notification.pk)
    again = notification_mark_read(org=org, user=owner, notification_id=notification.pk)

    assert first.read_at is not None
    assert again.read_at == first.read_at
    assert again.version == 2
    assert unread_count(org=org, user=owner) == 0


def test_another_users_notification_is_not_found(org, owner, sales_user):
    notification = _notify(org, sales_user)

    with pytest.raises(NotFound):
        notification_mark_read(org=org, user=owner, notification_id=notification.pk)

    assert Notification.objects.get(pk=notification.pk).read_at is None


def test_the_list_filters_unread_and_is_newest_first(org, owner):
    older = _notify(org, owner, title="Prima")
    newer = _notify(org, owner, title="A doua")
    notification_mark_read(org=org, user=owner, notification_id=older.pk)

    assert list(notification_list(org=org, user=owner)) == [newer, older]
    assert list(notification_list(org=org, user=owner, unread=True)) == [newer]
    assert list(notification_list(org=org, user=owner, unread=False)) == [older]
