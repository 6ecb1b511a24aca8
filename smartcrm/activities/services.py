"""Activities: log a call, plan a meeting, complete or cancel it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from smartcrm.activities.choices import ACTIVITY_TRANSITIONS, ActivityKind, ActivityStatus
from smartcrm.activities.models import Activity
from smartcrm.contacts.models import Contact
from smartcrm.core import writes
from smartcrm.core.audit import audit_created, audit_deleted, audit_status, audit_updated
from smartcrm.core.errors import Conflict, ValidationFailed
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Membership, Organization, User
from smartcrm.core.modules import Module, require_module
from smartcrm.core.permissions import (
    ensure_member,
    membership_of,
    require_assign_right,
    require_grant,
    require_right_on,
)
from smartcrm.core.search import search_index
from smartcrm.notifications import reminders
from smartcrm.notifications.jobs import job
from smartcrm.notifications.services import page_url, reminder_send
from smartcrm.sales.parents import contacts_scope_of, resolve_parent
from smartcrm.trash.services import trash_record

# What the search box of the activity lists finds an activity by (activities.search).
SEARCHED_FIELDS = ("subject", "description", "outcome", "location")
ACTIVITY_FIELDS = (
    "kind",
    "subject",
    "description",
    "start_at",
    "end_at",
    "location",
    "outcome",
    "owner_id",
    "reminder_minutes",
)
PARENTS = ("prospect", "account", "offer")


def _parent_of(activity: Activity) -> Any:
    return activity.prospect or activity.account or activity.offer


def _set_participants(
    org: Organization,
    activity: Activity,
    ids: Iterable[RecordId],
    membership: Membership | None = None,
) -> bool:
    """Participants are contacts of the activity's record (for an offer, of its account).
    With the acting ``membership``, only contacts in their view scope can be added, and the
    participants outside it (which they were not shown) stay.

    Returns whether the set changed."""
    wanted = {str(pk) for pk in ids}
    current = {str(pk) for pk in activity.participants.values_list("pk", flat=True)}
    candidates = Contact.objects.for_org(org)
    if membership is not None and current:
        seen = activity.participants.all().visible_to(membership, "contacts")
        wanted |= current - {str(pk) for pk in seen.values_list("pk", flat=True)}
    if membership is not None:
        candidates = candidates.visible_to(membership, "contacts")
    if wanted == current:
        return False
    if not wanted:
        activity.participants.clear()
        return True
    try:
        contacts = list(
            candidates.filter(pk__in=wanted - current, **contacts_scope_of(_parent_of(activity)))
        ) + list(activity.participants.filter(pk__in=wanted & current))
    except (ValueError, TypeError, ValidationError):  # a malformed id is "not found"
        contacts = []
    if len(contacts) != len(wanted):
        raise ValidationFailed(
            _("Participants must be contacts of the activity's record."),
            field="participant_ids",
            code="not_record_contact",
        )
    activity.participants.set(contacts)
    return True


def _is_planned(activity: Activity) -> bool:
    return activity.status == ActivityStatus.PLANNED


def _reschedule(activity: Activity, *, before: Activity | None) -> None:
    """Queue the reminder when it is new or has moved (with the start, or its minutes), or the
    activity is planned again."""
    reminders.reschedule(
        activity_reminder_send,
        activity,
        before=before,
        is_open=_is_planned,
        activity_id=str(activity.pk),
    )


def _check(
    org: Organization, user: User, activity: Activity, *, owner_changed: bool = True
) -> None:
    # An activity whose owner has since left can still be completed or cancelled.
    if owner_changed:
        ensure_member(org, activity.owner_id, field="owner_id", acting=user)
    writes.validate(activity, exclude=list(PARENTS))


@transaction.atomic
def activity_create(
    *,
    org: Organization,
    user: User,
    prospect_id: RecordId | None = None,
    account_id: RecordId | None = None,
    offer_id: RecordId | None = None,
    status: str = ActivityStatus.PLANNED,
    participant_ids: Iterable[RecordId] = (),
    **fields: Any,
) -> Activity:
    """Plan an activity, or log one already done (``status="done"``).

    A planned call or meeting reminds its owner SMARTCRM_ACTIVITY_REMINDER_MINUTES before
    it starts unless ``reminder_minutes`` says otherwise (None: no reminder)."""
    require_module(org, Module.ACTIVITIES)
    membership = require_grant(org, user, module="activities", action="create")
    return _create(
        org=org,
        user=user,
        membership=membership,
        prospect_id=prospect_id,
        account_id=account_id,
        offer_id=offer_id,
        status=status,
        participant_ids=participant_ids,
        fields=fields,
    )


@transaction.atomic
def activity_log_for(
    *, org: Organization, user: User, offer_id: RecordId, **fields: Any
) -> Activity:
    """Log a done activity SmartCRM witnessed itself on an offer, as its ``user`` (a
    client's answer through the offer's link): a fact, not the member's own action, so
    none of their grants is asked."""
    require_module(org, Module.ACTIVITIES)
    return _create(
        org=org,
        user=user,
        membership=None,
        offer_id=offer_id,
        status=ActivityStatus.DONE,
        participant_ids=(),
        fields=fields,
    )


def _create(
    *,
    org: Organization,
    user: User,
    membership: Membership | None,
    prospect_id: RecordId | None = None,
    account_id: RecordId | None = None,
    offer_id: RecordId | None = None,
    status: str,
    participant_ids: Iterable[RecordId],
    fields: dict[str, Any],
) -> Activity:
    if status not in (ActivityStatus.PLANNED, ActivityStatus.DONE):
        raise ValidationFailed(
            _("A new activity is planned or done."), field="status", code="invalid_status"
        )
    parent = resolve_parent(
        org=org,
        membership=membership,
        allowed=PARENTS,
        prospect_id=prospect_id,
        account_id=account_id,
        offer_id=offer_id,
    )
    activity = Activity(organization=org, created_by=user, owner=user, status=status, **parent)
    if (
        "reminder_minutes" not in fields
        and status == ActivityStatus.PLANNED
        and fields.get("kind") in (ActivityKind.CALL, ActivityKind.MEETING)
    ):
        fields = {**fields, "reminder_minutes": settings.SMARTCRM_ACTIVITY_REMINDER_MINUTES}
    writes.apply_changes(activity, fields, allowed=ACTIVITY_FIELDS)
    _check(org, user, activity)
    if status == ActivityStatus.DONE:
        # A logged activity happened already: it completed when it ended (or started).
        now = timezone.now()
        happened_at = activity.end_at or activity.start_at
        if happened_at > now:
            raise ValidationFailed(
                _("An activity logged as done cannot be in the future; plan it instead."),
                field="start_at" if activity.start_at > now else "end_at",
                code="done_in_future",
            )
        activity.completed_at = happened_at
    writes.save(activity)
    search_index(activity)
    audit_created(org=org, user=user, record=activity)
    if participant_ids:  # a new activity has none yet: nothing to compare
        _set_participants(org, activity, participant_ids, membership)
    _reschedule(activity, before=None)
    return activity


def _locked(org: Organization, activity_id: RecordId, version: int | None) -> Activity:
    require_module(org, Module.ACTIVITIES)
    # No select_related here: PostgreSQL cannot lock the nullable side of an outer join.
    return writes.lock(
        Activity.objects.for_org(org), activity_id, version=version, label=_("Activity")
    )


@transaction.atomic
def activity_update(
    *,
    org: Organization,
    user: User,
    activity_id: RecordId,
    version: int | None = None,
    participant_ids: Iterable[RecordId] | None = None,
    **changes: Any,
) -> Activity:
    """Change an activity (reschedule, rename, note the outcome, change participants); a new
    owner needs the right to reassign it."""
    membership = membership_of(org, user)
    activity = _locked(org, activity_id, version)
    require_right_on(membership, activity, module="activities", action="edit", label=_("activity"))
    if "owner_id" in changes:
        require_assign_right(
            org,
            user,
            records=[activity],
            new_holder=changes["owner_id"],
            membership=membership,
            module="activities",
        )
    before = Activity(
        start_at=activity.start_at,
        reminder_minutes=activity.reminder_minutes,
        status=activity.status,
    )
    changed = writes.apply_changes(activity, changes, allowed=ACTIVITY_FIELDS)
    if changed:
        _check(org, user, activity, owner_changed="owner_id" in changed)
        _reschedule(activity, before=before)
    participants_changed = participant_ids is not None and _set_participants(
        org, activity, participant_ids, membership
    )
    if changed or participants_changed:
        writes.save(activity)
        audit_updated(
            org=org,
            user=user,
            record=activity,
            changed=changed,
            participants_changed=bool(participants_changed),
        )
    if set(SEARCHED_FIELDS) & set(changed):
        search_index(activity)
    return activity


@transaction.atomic
def activity_set_status(
    *,
    org: Organization,
    user: User,
    activity_id: RecordId,
    status: str,
    outcome: str = "",
    version: int | None = None,
) -> Activity:
    """planned → done | canceled (a canceled one may be planned again)."""
    membership = membership_of(org, user)
    activity = _locked(org, activity_id, version)
    require_right_on(membership, activity, module="activities", action="edit", label=_("activity"))
    if status not in ActivityStatus.values:
        raise ValidationFailed(_("Unknown status."), field="status", code="invalid_status")
    if status not in ACTIVITY_TRANSITIONS[activity.status]:
        raise Conflict(
            _("An activity cannot go from “%(old)s” to “%(new)s”.")
            % {"old": ActivityStatus(activity.status).label, "new": ActivityStatus(status).label},
            field="status",
            code="illegal_transition",
        )
    before = Activity(
        start_at=activity.start_at,
        reminder_minutes=activity.reminder_minutes,
        status=activity.status,
    )
    activity.status = status
    activity.completed_at = timezone.now() if status == ActivityStatus.DONE else None
    outcome_changed = bool(outcome) and outcome != activity.outcome
    if outcome:
        activity.outcome = outcome
    _check(org, user, activity, owner_changed=False)
    writes.save(activity)
    audit_status(
        org=org, user=user, record=activity, old=before.status, new=status, outcome=outcome
    )
    if outcome_changed:
        search_index(activity)
    # Done or cancelled: the queued reminder finds the activity closed and does nothing.
    _reschedule(activity, before=before)
    return activity


def activity_complete(
    *,
    org: Organization,
    user: User,
    activity_id: RecordId,
    outcome: str = "",
    version: int | None = None,
) -> Activity:
    """Mark a planned activity done, optionally with its outcome."""
    return activity_set_status(
        org=org,
        user=user,
        activity_id=activity_id,
        status=ActivityStatus.DONE,
        outcome=outcome,
        version=version,
    )


def activity_cancel(
    *, org: Organization, user: User, activity_id: RecordId, version: int | None = None
) -> Activity:
    """Cancel a planned activity."""
    return activity_set_status(
        org=org, user=user, activity_id=activity_id, status=ActivityStatus.CANCELED, version=version
    )


@transaction.atomic
def activity_delete(
    *, org: Organization, user: User, activity_id: RecordId, version: int | None = None
) -> None:
    """Move an activity to the trash (its owner, or a manager)."""
    membership = membership_of(org, user)
    activity = _locked(org, activity_id, version)
    require_right_on(
        membership, activity, module="activities", action="delete", label=_("activity")
    )
    audit_deleted(org=org, user=user, record=activity)
    trash_record(org=org, user=user, record=activity)


# --- the reminder, run by the worker ------------------------------------------------------------


def _activity_page(activity: Activity) -> str:
    for name in ("activities:detail", "activities:activity"):
        url = page_url(name, activity_id=activity.pk)
        if url:
            return url
    for field, name in (("prospect", "sales:prospect"), ("account", "sales:account")):
        if getattr(activity, f"{field}_id"):
            return page_url(name, **{f"{field}_id": getattr(activity, f"{field}_id")})
    return page_url("sales:offer", offer_id=activity.offer_id) if activity.offer_id else ""


def _reminder_message(activity: Activity) -> tuple[str, str]:
    when = timezone.localtime(activity.start_at).strftime("%d.%m.%Y %H:%M")
    title = _("%(kind)s at %(when)s: %(subject)s") % {
        "kind": ActivityKind(activity.kind).label,
        "when": when,
        "subject": activity.subject,
    }
    where = _("Where: %(location)s") % {"location": activity.location}
    body = "\n\n".join(
        part for part in (where if activity.location else "", activity.description[:1000]) if part
    )
    return title, body


@job
def activity_reminder_send(*, activity_id: str, remind_at: str) -> str:
    """Job: remind the owner of a planned activity, once, if the reminder is still at this
    time."""
    return reminder_send(
        Activity,
        record_id=activity_id,
        remind_at=remind_at,
        is_open=_is_planned,
        recipient_field="owner_id",
        message=_reminder_message,
        url=_activity_page,
    )
