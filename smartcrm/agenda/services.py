"""Writes of the agenda: the calendar feed's secret address, the daily agenda e-mail."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from smartcrm.agenda import selectors
from smartcrm.agenda.models import CalendarFeed, DailyAgenda
from smartcrm.core import writes
from smartcrm.core.errors import ValidationFailed
from smartcrm.core.models import Membership, Organization, User
from smartcrm.core.outages import mail_send
from smartcrm.core.permissions import membership_of
from smartcrm.notifications.jobs import enqueue, job
from smartcrm.notifications.services import absolute_url, page_url

logger = logging.getLogger("smartcrm.agenda")


# --- calendar feed ------------------------------------------------------------------------------


@transaction.atomic
def calendar_feed_regenerate(*, org: Organization, user: User) -> CalendarFeed:
    """Give the member a (new) secret feed address; the old one, if any, stops working."""
    membership_of(org, user)
    now = timezone.now()
    CalendarFeed.objects.for_org(org).filter(user=user, revoked_at__isnull=True).update(
        revoked_at=now
    )
    feed = CalendarFeed(organization=org, created_by=user, user=user, nonce=secrets.token_hex(16))
    return writes.save(feed)


@transaction.atomic
def calendar_feed_revoke(*, org: Organization, user: User) -> int:
    """Stop the member's feed address from working; returns how many were active (0 or 1)."""
    membership_of(org, user)
    return (
        CalendarFeed.objects.for_org(org)
        .filter(user=user, revoked_at__isnull=True)
        .update(revoked_at=timezone.now())
    )


# --- daily agenda -------------------------------------------------------------------------------


def next_send(send_at: dt.time, tz: Any, after: dt.datetime) -> dt.datetime:
    """The first instant after ``after`` when the local clock in ``tz`` shows ``send_at``.

    On the night clocks jump forward a missing time is taken as the same wall time after the
    jump (``fold`` rules of zoneinfo), so the agenda still comes that day."""
    local_day = timezone.localtime(after, tz).date()
    for offset in range(0, 3):
        candidate = dt.datetime.combine(local_day + dt.timedelta(days=offset), send_at, tzinfo=tz)
        if candidate > after:
            return candidate.astimezone(dt.UTC)
    raise AssertionError("unreachable: a local time comes within three days")


@transaction.atomic
def daily_agenda_set(
    *, org: Organization, user: User, enabled: bool, send_at: dt.time | None = None
) -> DailyAgenda:
    """Opt in to (or out of) the daily agenda e-mail, at a local time of the member's own."""
    membership_of(org, user)
    if not isinstance(enabled, bool):
        raise ValidationFailed(_("Give true or false."), field="enabled", code="invalid")
    if send_at is not None and not isinstance(send_at, dt.time):
        raise ValidationFailed(_("Give a time such as 07:30."), field="send_at", code="invalid")
    if enabled and not user.email:
        raise ValidationFailed(
            _("Add an e-mail address to your profile first."), field="enabled", code="no_email"
        )
    agenda, _created = DailyAgenda.objects.select_for_update().get_or_create(
        organization=org, user=user, defaults={"created_by": user}
    )
    agenda.enabled = enabled
    if send_at is not None:
        agenda.send_at = send_at.replace(second=0, microsecond=0, tzinfo=None)
    agenda.next_at = (
        next_send(agenda.send_at, selectors.zone_of(org, user), timezone.now()) if enabled else None
    )
    writes.validate(agenda)
    return writes.save(agenda)


def daily_agendas_dispatch() -> int:
    """Periodic duty of every worker: queue the agendas whose time has come, each once
    (the rows are locked and moved to their next day in the same transaction; a second
    worker skips them). An agenda missed for days is sent once, for today."""
    now = timezone.now()
    queued = 0
    with transaction.atomic():
        due = list(
            DailyAgenda.objects.select_for_update(skip_locked=True)
            .filter(enabled=True, next_at__lte=now)
            .select_related("organization", "user")[:500]
        )
        for agenda in due:
            tz = selectors.zone_of(agenda.organization, agenda.user)
            day = timezone.localtime(now, tz).date()
            enqueue(daily_agenda_send, agenda_id=str(agenda.pk), day=day.isoformat())
            DailyAgenda.objects.filter(pk=agenda.pk).update(
                next_at=next_send(agenda.send_at, tz, now)
            )
            queued += 1
    return queued


@job
def daily_agenda_send(*, agenda_id: str, day: str) -> str:
    """Job: e-mail the member their agenda for ``day`` (once per day)."""
    the_day = dt.date.fromisoformat(day)
    with transaction.atomic():
        agenda = (
            DailyAgenda.objects.select_for_update()
            .select_related("organization", "user")
            .filter(pk=agenda_id)
            .first()
        )
        if agenda is None or not agenda.enabled or agenda.last_sent_on == the_day:
            return "skipped"
        membership = selectors.member_of(org=agenda.organization, user=agenda.user)
        if not agenda.user.email or membership is None:
            return "skipped"
        message = agenda_email(membership=membership, day=the_day)
        mail_send(message)
        DailyAgenda.objects.filter(pk=agenda.pk).update(last_sent_on=the_day)
    return "sent"


def agenda_email(*, membership: Membership, day: dt.date) -> EmailMessage:
    """The agenda e-mail of one member and day, in their language and time zone: what their
    view scope of activities and tasks shows."""
    org, user = membership.organization, membership.user
    activities, due, overdue = selectors.day_agenda(membership=membership, day=day)
    tz = selectors.zone_of(org, user)
    with translation.override(user.language or org.language), timezone.override(tz):
        context = {
            "user": user,
            "org": org,
            "day": day,
            "activities": activities,
            "due": due,
            "overdue": overdue,
            "home_url": absolute_url(page_url("web:home")),
            "preferences_url": absolute_url(page_url("notifications:preferences")),
        }
        subject = _("Your agenda for %(day)s: %(activities)s activities, %(tasks)s tasks") % {
            "day": day.strftime("%d.%m.%Y"),
            "activities": len(activities),
            "tasks": len(due) + len(overdue),
        }
        body = render_to_string("agenda/email/daily_agenda.txt", context)
    return EmailMessage(
        subject=subject, body=body, to=[user.email], from_email=settings.DEFAULT_FROM_EMAIL
    )
