"""Every write of notifications: tell a user something (in the app, and by e-mail when they
want it), mark read, choose what comes by e-mail, notice @mentions in notes."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Model
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from smartcrm.core import writes
from smartcrm.core.errors import FieldIssue, ValidationFailed
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Membership, Organization, User
from smartcrm.core.outages import mail_send
from smartcrm.core.permissions import ensure_member, membership_of
from smartcrm.core.text import search_key
from smartcrm.notifications import selectors
from smartcrm.notifications.choices import NotificationKind
from smartcrm.notifications.jobs import enqueue, job
from smartcrm.notifications.models import Notification, NotificationPreference
from smartcrm.notifications.reminders import is_current, is_late, still_member

logger = logging.getLogger("smartcrm.notifications")

TITLE_LENGTH = Notification._meta.get_field("title").max_length or 200


@transaction.atomic
def notify(
    *,
    org: Organization,
    user: User,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    late: bool = False,
) -> Notification:
    """Leave an unread notification for ``user``, an active member of the organisation; when
    they want this kind by e-mail too, queue the e-mail (sent by the worker, never here)."""
    if kind not in NotificationKind.values:
        raise ValidationFailed(_("Unknown notification kind."), field="kind", code="invalid_kind")
    ensure_member(org, user.pk, field="user")
    # A title made from client input (a name) must not make the notification fail.
    title = " ".join(title.split())
    if len(title) > TITLE_LENGTH:
        title = title[: TITLE_LENGTH - 1] + "…"
    notification = Notification(
        organization=org, user=user, kind=kind, title=title, body=body, url=url, late=late
    )
    writes.validate(notification)
    writes.save(notification)
    if user.email and selectors.preference_of(org=org, user=user).wants_email(kind):
        enqueue(notification_email_send, notification_id=str(notification.pk))
    return notification


def reminder_send(
    model: type[Model],
    *,
    record_id: str,
    remind_at: str,
    is_open: Callable[[Any], bool],
    recipient_field: str,
    message: Callable[[Any], tuple[str, str]],
    url: Callable[[Any], str],
) -> str:
    """What a reminder job does: remind the record's recipient (``recipient_field``) once, if
    the record is still open and its reminder still at ``remind_at``. ``message`` gives the
    title and body, in the recipient's language and time zone."""
    with transaction.atomic():
        record: Any = model._default_manager.select_for_update().filter(pk=record_id).first()
        if (
            record is None
            or not is_open(record)
            or record.reminder_sent_at is not None
            or getattr(record, recipient_field) is None
            or not is_current(record.remind_at, remind_at)
        ):
            return "skipped"
        org = Organization.objects.get(pk=record.organization_id)
        recipient = User.objects.get(pk=getattr(record, recipient_field))
        model._default_manager.filter(pk=record.pk).update(reminder_sent_at=timezone.now())
        if not still_member(org, recipient):
            return "skipped"
        with (
            translation.override(recipient.language or org.language),
            timezone.override(recipient.time_zone or org.time_zone),
        ):
            title, body = message(record)
        notify(
            org=org,
            user=recipient,
            kind=NotificationKind.REMINDER,
            title=title,
            body=body,
            url=url(record),
            late=is_late(record.remind_at),
        )
    return "sent"


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


@transaction.atomic
def notification_mark_all_read(*, org: Organization, user: User) -> int:
    """Mark every unread notification of the user read; returns how many there were."""
    membership_of(org, user)
    return (
        Notification.objects.for_org(org)
        .filter(user=user, read_at__isnull=True)
        .update(read_at=timezone.now(), version=F("version") + 1)
    )


# --- preferences -------------------------------------------------------------------------


@transaction.atomic
def notification_preferences_update(
    *, org: Organization, user: User, email: Mapping[str, Any]
) -> NotificationPreference:
    """Choose, kind by kind, which notifications also come by e-mail (kinds not named keep
    their setting)."""
    membership_of(org, user)
    unknown = sorted(str(kind) for kind in email if kind not in NotificationKind.values)
    if unknown:
        raise ValidationFailed.from_issues(
            [
                FieldIssue(f"email.{kind}", _("Unknown notification kind."), "invalid_kind")
                for kind in unknown
            ]
        )
    not_bool = sorted(kind for kind, wanted in email.items() if not isinstance(wanted, bool))
    if not_bool:
        raise ValidationFailed.from_issues(
            [FieldIssue(f"email.{kind}", _("Give true or false."), "invalid") for kind in not_bool]
        )
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(
        organization=org, user=user, defaults={"created_by": user}
    )
    kinds = set(preference.email_kinds or [])
    kinds |= {kind for kind, wanted in email.items() if wanted}
    kinds -= {kind for kind, wanted in email.items() if not wanted}
    ordered = [kind for kind in NotificationKind.values if kind in kinds]
    if ordered != preference.email_kinds:
        preference.email_kinds = ordered
        writes.save(preference)
    return preference


# --- e-mail, by the worker ------------------------------------------------------------------


def _language_of(user: User, org: Organization) -> str:
    return user.language or org.language or settings.LANGUAGE_CODE


def absolute_url(url: str) -> str:
    """A link in an e-mail must be absolute: SmartCRM's own paths get the public address."""
    return settings.SMARTCRM_PUBLIC_URL + url if url.startswith("/") else url


def page_url(name: str, **kwargs: Any) -> str:
    """The path of a web page, or "" when that page does not exist (yet)."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def _email_text(notification: Notification, *, delayed: bool = False) -> str:
    lines = [notification.title]
    if notification.late:
        lines.append(_("(Delivered late: no background worker was running at the time.)"))
    elif delayed:
        lines.append(_("(Delivered late: the e-mail could not be sent at the time.)"))
    if notification.body:
        lines += ["", notification.body]
    if notification.url:
        lines += ["", _("Open it in SmartCRM: %(url)s") % {"url": absolute_url(notification.url)}]
    preferences = page_url("notifications:preferences")
    lines += [
        "",
        "-- ",
        _("You receive this e-mail because of your SmartCRM notification settings%(where)s.")
        % {"where": (": " + absolute_url(preferences)) if preferences else ""},
    ]
    return "\n".join(lines) + "\n"


@job
def notification_email_send(*, notification_id: str) -> str:
    """Job: e-mail one notification to its recipient (once, however often it is retried)."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("user", "organization")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.emailed_at is not None:
            return "skipped"
        user, org = notification.user, notification.organization
        if not user.email or not user.is_active:
            return "skipped"
        # About a record the recipient may not see (any more): no e-mail, not even a
        # nameless one (the app shows it so).
        recipient = selectors.recipient_of(notification)
        if recipient is not None and selectors.out_of_sight(recipient, [notification]):
            return "skipped"
        # Late too when the e-mail itself waited (for a mail server that was down).
        delayed = is_late(notification.created_at)
        with translation.override(_language_of(user, org)):
            subject = notification.title
            if notification.late or delayed:
                subject = _("[late] %(title)s") % {"title": subject}
            body = _email_text(notification, delayed=delayed)
            message = EmailMessage(subject=subject, body=body, to=[user.email])
        # Sent inside the row lock: a second worker holding the same job waits, then skips.
        mail_send(message)
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    return "sent"


# --- @mentions in notes ------------------------------------------------------------------------

MENTION = re.compile(r"(?<![\w@.])@([^\W_][\w.\-]*)(?:[ \t]+([^\W\d_][\w\-]*))?", re.UNICODE)


def _keys_of(member: User) -> tuple[set[str], str, str]:
    """How a member may be written after @: full name joined any way, e-mail local part."""
    first, last = search_key(member.first_name), search_key(member.last_name)
    joined = {f"{first}.{last}", f"{first}{last}", f"{first}_{last}", f"{first}-{last}"}
    local = search_key(member.email.split("@", 1)[0])
    return {key for key in {*joined, local} if key.strip(".-_")}, first, f"{first} {last}"


def mentioned_users(org: Organization, text: str) -> list[User]:
    """Active members written as @firstname, @firstname.lastname, @Firstname Lastname or
    @e-mail-name in ``text`` (case and diacritics do not matter; an ambiguous first name
    mentions nobody)."""
    found = MENTION.findall(text or "")
    if not found:
        return []
    members = [
        membership.user
        for membership in Membership.objects.filter(
            organization=org, is_active=True, user__is_active=True
        ).select_related("user")
    ]
    keyed = [(member, *_keys_of(member)) for member in members]
    chosen: dict[uuid.UUID, User] = {}
    for word, next_word in found:
        word_key = search_key(word).rstrip(".-")
        pair = f"{word_key} {search_key(next_word)}" if next_word else ""
        by_full = [m for m, _keys, _first, full in keyed if pair and full == pair]
        by_key = [m for m, keys, _first, _full in keyed if word_key in keys]
        by_first = [m for m, _keys, first, _full in keyed if first and first == word_key]
        for candidates in (by_full, by_key, by_first):
            if len(candidates) == 1:
                chosen[candidates[0].pk] = candidates[0]
                break
            if len(candidates) > 1:
                break
    return list(chosen.values())


def notify_mentions(
    *, org_id: RecordId, author_id: RecordId, note_id: RecordId, before: str = ""
) -> list[Notification]:
    """After a note is written or edited: tell each member newly @mentioned in it."""
    from smartcrm.notes.models import Note

    note = (
        Note.objects.filter(pk=note_id, organization_id=org_id)
        .select_related("organization", "created_by", "prospect", "account", "offer")
        .first()
    )
    if note is None:
        return []
    org = note.organization
    author = User.objects.filter(pk=author_id).first()
    already = {user.pk for user in mentioned_users(org, before)}
    targets = [
        user
        for user in mentioned_users(org, note.body)
        if user.pk not in already and user.pk != author_id
    ]
    if not targets:
        return []
    record: Any = note.prospect or note.account or note.offer
    url = _record_page(note)
    sent = []
    for user in targets:
        with translation.override(_language_of(user, org)):
            title = _("%(author)s mentioned you in a note on %(record)s") % {
                "author": author or _("Someone"),
                "record": record,
            }
        sent.append(
            notify(
                org=org,
                user=user,
                kind=NotificationKind.MENTION,
                title=title,
                body=note.body[:1000],
                url=url,
            )
        )
    return sent


def _record_page(note: Any) -> str:
    for field, page in (("prospect", "sales:prospect"), ("account", "sales:account")):
        if getattr(note, f"{field}_id"):
            return page_url(page, **{f"{field}_id": getattr(note, f"{field}_id")})
    if note.offer_id:
        return page_url("sales:offer", offer_id=note.offer_id)
    return ""
