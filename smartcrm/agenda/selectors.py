"""Reads of the agenda: what a member has on a day, the calendar feed, overdue in the
organisation's time zone. The day's agenda and the feed hold only what the member's view
scope of activities and tasks shows (a member whose role sees none gets none)."""

from __future__ import annotations

import datetime as dt
import hmac
import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from smartcrm.activities.choices import ActivityStatus
from smartcrm.activities.models import Activity
from smartcrm.agenda.models import CalendarFeed, DailyAgenda
from smartcrm.core.models import Membership, Organization, User
from smartcrm.tasks.choices import OPEN_TASK_STATUSES
from smartcrm.tasks.models import Task

DEFAULT_ZONE = "Europe/Bucharest"
# The feed holds this much of the past (calendar apps keep what they saw before).
FEED_PAST = dt.timedelta(days=90)
FEED_LIMIT = 2000
FEED_SALT = "smartcrm.agenda.CalendarFeed"


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def zone_of(org: Organization, user: User | None = None) -> ZoneInfo:
    """The member's own time zone, else the organisation's."""
    return zone((user.time_zone if user is not None else "") or org.time_zone)


def start_of_day(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """The instant a local day begins (midnight there, whatever the DST offset)."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz)


def overdue_cutoff(org: Organization, now: dt.datetime | None = None) -> dt.datetime:
    """Due before this instant is overdue: the start of today in the organisation's time
    zone (something due today is due, not overdue, until the local day ends)."""
    tz = zone_of(org)
    return start_of_day(timezone.localtime(now or timezone.now(), tz).date(), tz)


def overdue_tasks(tasks: QuerySet[Task], org: Organization) -> QuerySet[Task]:
    return tasks.filter(status__in=OPEN_TASK_STATUSES, due_at__lt=overdue_cutoff(org))


def overdue_activities(activities: QuerySet[Activity], org: Organization) -> QuerySet[Activity]:
    return activities.filter(status=ActivityStatus.PLANNED, start_at__lt=overdue_cutoff(org))


def task_is_overdue(task: Task, cutoff: dt.datetime) -> bool:
    return task.status in OPEN_TASK_STATUSES and task.due_at is not None and task.due_at < cutoff


def activity_is_overdue(activity: Activity, cutoff: dt.datetime) -> bool:
    return activity.status == ActivityStatus.PLANNED and activity.start_at < cutoff


# --- the day's agenda ----------------------------------------------------------------------------


def member_of(*, org: Organization, user: User) -> Membership | None:
    """The user's active membership, with what their grants need; None once they left."""
    return (
        Membership.objects.filter(organization=org, user=user, is_active=True, user__is_active=True)
        .select_related("organization", "user", "custom_role")
        .first()
    )


def day_agenda(
    *, membership: Membership, day: dt.date
) -> tuple[list[Activity], list[Task], list[Task]]:
    """The member's planned activities of a local day, their tasks due that day, and their
    tasks overdue before it, within their view scope."""
    org, user = membership.organization, membership.user
    tz = zone_of(org, user)
    start, end = start_of_day(day, tz), start_of_day(day + dt.timedelta(days=1), tz)
    activities = list(
        Activity.objects.for_member(membership, "activities")
        .filter(owner=user, status=ActivityStatus.PLANNED, start_at__gte=start, start_at__lt=end)
        .select_related("prospect", "account", "offer")
        .order_by("start_at")
    )
    open_tasks = Task.objects.for_member(membership, "tasks").filter(
        assignee=user, status__in=OPEN_TASK_STATUSES
    )
    due = list(
        open_tasks.filter(due_at__gte=start, due_at__lt=end)
        .select_related("prospect", "account", "offer")
        .order_by("due_at")
    )
    overdue = list(
        open_tasks.filter(due_at__lt=start)
        .select_related("prospect", "account", "offer")
        .order_by("due_at")[:100]
    )
    return activities, due, overdue


def daily_agenda_of(*, org: Organization, user: User) -> DailyAgenda:
    """The member's daily agenda choice (off, at 07:30, until they change it)."""
    found = DailyAgenda.objects.for_org(org).filter(user=user).first()
    return found or DailyAgenda(organization=org, user=user)


# --- the calendar feed ---------------------------------------------------------------------------


def feed_secret(feed: CalendarFeed) -> str:
    return salted_hmac(FEED_SALT, f"{feed.pk}:{feed.nonce}", algorithm="sha256").hexdigest()[:40]


def feed_path(feed: CalendarFeed) -> str:
    return reverse("agenda:feed", kwargs={"feed_id": feed.pk, "secret": feed_secret(feed)})


def active_feed(*, org: Organization, user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.for_org(org).filter(user=user, revoked_at__isnull=True).first()


def feed_member(*, feed_id: uuid.UUID | str, secret: str) -> Membership | None:
    """The member whose active feed this address points to, when its secret is right and
    they are still an active member; otherwise nothing (the caller answers 404). The feed
    shows what this membership's grants show."""
    feed = (
        CalendarFeed.objects.filter(pk=feed_id, revoked_at__isnull=True)
        .select_related("organization", "user")
        .first()
    )
    if feed is None or not hmac.compare_digest(feed_secret(feed), secret):
        return None
    return member_of(org=feed.organization, user=feed.user)


def feed_activities(*, membership: Membership) -> list[Activity]:
    """Planned and done activities of the member, from FEED_PAST ago on, within their view
    scope."""
    return list(
        Activity.objects.for_member(membership, "activities")
        .filter(
            owner_id=membership.user_id,
            status__in=(ActivityStatus.PLANNED, ActivityStatus.DONE),
            start_at__gte=timezone.now() - FEED_PAST,
        )
        .select_related("prospect", "account", "offer")
        .order_by("start_at")[:FEED_LIMIT]
    )


def feed_tasks(*, membership: Membership) -> list[Task]:
    """Open tasks of the member that have a due time, from FEED_PAST ago on, within their
    view scope."""
    return list(
        Task.objects.for_member(membership, "tasks")
        .filter(
            assignee_id=membership.user_id,
            status__in=OPEN_TASK_STATUSES,
            due_at__gte=timezone.now() - FEED_PAST,
        )
        .select_related("prospect", "account", "offer")
        .order_by("due_at")[:FEED_LIMIT]
    )
