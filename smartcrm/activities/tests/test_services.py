"""Activities: log a call, plan a meeting, choose participants, complete or cancel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from smartcrm.activities.choices import ActivityKind, ActivityStatus
from smartcrm.activities.models import Activity
from smartcrm.activities.services import (
    activity_cancel,
    activity_complete,
    activity_create,
    activity_delete,
    activity_set_status,
    activity_update,
)
from smartcrm.contacts.services import contact_create
from smartcrm.core.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from smartcrm.core.modules import Module
from smartcrm.core.services import organization_set_modules
from smartcrm.sales import services as sales
from smartcrm.sales.tests.factories import (
    AccountFactory,
    OfferFactory,
    ProspectFactory,
    qualified_prospect,
)

MONDAY_9 = dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)
MONDAY_10 = dt.datetime(2026, 3, 9, 10, 0, tzinfo=dt.UTC)


def _meeting(org, user, **fields):
    """A planned meeting on Monday 9-10, on whatever record ``fields`` name."""
    values = {
        "kind": ActivityKind.MEETING,
        "subject": "Prezentare",
        "start_at": MONDAY_9,
        "end_at": MONDAY_10,
        **fields,
    }
    return activity_create(org=org, user=user, **values)


# --- Creating -------------------------------------------------------------------------


def test_logging_a_done_call_sets_its_completion_time(org, owner):
    # given a prospect
    prospect = ProspectFactory.create(org=org, user=owner)
    before = timezone.now()

    # when a call that already happened is logged
    activity = activity_create(
        org=org,
        user=owner,
        prospect_id=prospect.pk,
        kind=ActivityKind.CALL,
        subject="Apel de calificare",
        start_at=MONDAY_9,
        status=ActivityStatus.DONE,
        outcome="Interesaţi",
    )

    # then it is done, completed when it happened, owned by the one who logged it
    stored = Activity.objects.get(pk=activity.pk)
    assert stored.status == ActivityStatus.DONE
    assert stored.completed_at == MONDAY_9
    assert before > stored.completed_at
    assert stored.owner_id == owner.pk
    assert stored.prospect_id == prospect.pk
    assert stored.outcome == "Interesați"


def test_planning_a_meeting_leaves_it_uncompleted(org, owner):
    # given an account
    account = AccountFactory.create(org=org, user=owner)

    # when a meeting is planned on it
    activity = _meeting(org, owner, account_id=account.pk, location="Cluj-Napoca")

    # then it is planned, not completed, on the account only
    stored = Activity.objects.get(pk=activity.pk)
    assert stored.status == ActivityStatus.PLANNED
    assert stored.completed_at is None
    assert (stored.prospect_id, stored.account_id, stored.offer_id) == (None, account.pk, None)
    assert (stored.start_at, stored.end_at, stored.version) == (MONDAY_9, MONDAY_10, 1)


def test_activity_on_an_offer_is_created(org, owner):
    # given an offer
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)

    # when a meeting is planned on it
    activity = _meeting(org, owner, offer_id=offer.pk)

    # then it hangs on the offer only
    stored = Activity.objects.get(pk=activity.pk)
    assert (stored.prospect_id, stored.account_id, stored.offer_id) == (None, None, offer.pk)


def test_new_activity_canceled_is_refused(org, owner):
    # given a prospect
    prospect = ProspectFactory.create(org=org, user=owner)

    # when an activity is created already canceled
    with pytest.raises(ValidationFailed) as raised:
        _meeting(org, owner, prospect_id=prospect.pk, status=ActivityStatus.CANCELED)

    # then the status is refused and nothing is stored
    assert raised.value.field == "status"
    assert raised.value.code == "invalid_status"
    assert Activity.objects.count() == 0


def test_activity_with_two_parents_is_refused(org, owner):
    # given a prospect and an account
    prospect = ProspectFactory.create(org=org, user=owner)
    account = AccountFactory.create(org=org, user=owner)

    # when an activity is put on both
    with pytest.raises(ValidationFailed) as raised:
        _meeting(org, owner, prospect_id=prospect.pk, account_id=account.pk)

    # then both are named and nothing is stored
    assert [issue.field for issue in raised.value.issues] == ["prospect_id", "account_id"]
    assert Activity.objects.count() == 0


def test_activity_without_parent_is_refused(org, owner):
    # given nothing to hang the activity on
    # when an activity is created without a record
    with pytest.raises(ValidationFailed) as raised:
        _meeting(org, owner)

    # then a record is required and nothing is stored
    assert raised.value.field == "prospect_id"
    assert raised.value.code == "required"
    assert Activity.objects.count() == 0


def test_activity_on_converted_prospect_is_refused(org, owner):
    # given a converted prospect
    prospect = qualified_prospect(org, owner)
    sales.prospect_convert(org=org, user=owner, prospect_id=prospect.pk)

    # when an activity is planned on it
    with pytest.raises(Conflict) as raised:
        _meeting(org, owner, prospect_id=prospect.pk)

    # then the caller is sent to the account and nothing is stored
    assert raised.value.field == "prospect_id"
    assert raised.value.code == "prospect_converted"
    assert Activity.objects.count() == 0


def test_activity_ending_before_it_starts_is_refused(org, owner):
    # given a prospect
    prospect = ProspectFactory.create(org=org, user=owner)

    # when a meeting ends before it starts
    with pytest.raises(ValidationFailed) as raised:
        _meeting(org, owner, prospect_id=prospect.pk, start_at=MONDAY_10, end_at=MONDAY_9)

    # then the model's check refuses it as a whole-record error, and nothing is stored
    assert raised.value.field == "end_at"
    assert raised.value.code == "end_before_start"
    assert raised.value.message == "The end cannot be before the start."
    assert Activity.objects.count() == 0


def test_activity_ending_when_it_starts_is_accepted(org, owner):
    # given a prospect
    prospect = ProspectFactory.create(org=org, user=owner)

    # when a call ends at the same instant it starts
    activity = _meeting(org, owner, prospect_id=prospect.pk, start_at=MONDAY_9, end_at=MONDAY_9)

    # then it is stored
    assert Activity.objects.get(pk=activity.pk).end_at == MONDAY_9


def test_activity_without_start_is_refused(org, owner):
    # given a prospect
    prospect = ProspectFactory.create(org=org, user=owner)

    # when an activity is created without a start
    with pytest.raises(ValidationFailed) as raised:
        activity_create(
            org=org, user=owner, prospect_id=prospect.pk, kind=ActivityKind.CALL, subject="Apel"
        )

    # then the start is named and nothing is stored
    assert raised.value.field == "start_at"
    assert raised.value.code == "null"
    assert Activity.objects.count() == 0


def test_activity_owner_from_another_organisation_is_refused(org, owner, other_owner):
    # given a prospect
    prospect = ProspectFactory.create(org=org, user=owner)

    # when the activity is given an owner who is not a member
    with pytest.raises(ValidationFailed) as raised:
        _meeting(org, owner, prospect_id=prospect.pk, owner_id=other_owner.pk)

    # then the owner is named and nothing is stored
    assert raised.value.field == "owner_id"
    assert Activity.objects.count() == 0


def test_activity_on_record_of_another_organisation_is_not_found(
    org, owner, other_org, other_owner
):
    # given an offer of another organisation
    foreign_account = AccountFactory.create(org=other_org, user=other_owner)
    foreign_offer = OfferFactory.create(
        org=other_org, user=other_owner, account_id=foreign_account.pk
    )

    # when we plan an activity on it
    with pytest.raises(ValidationFailed) as raised:
        _meeting(org, owner, offer_id=foreign_offer.pk)

    # then it does not exist for us, and nothing is stored anywhere
    assert raised.value.field == "offer_id"
    assert raised.value.code == "not_found"
    assert Activity.objects.count() == 0


# --- Participants ---------------------------------------------------------------------


def test_participants_are_contacts_of_the_record(org, owner):
    # given a prospect with two contacts
    prospect = ProspectFactory.create(org=org, user=owner)
    dobre = contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Dobre")
    marin = contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Marin")

    # when a meeting is planned with both
    activity = _meeting(org, owner, prospect_id=prospect.pk, participant_ids=[dobre.pk, marin.pk])

    # then both take part
    assert set(activity.participants.values_list("pk", flat=True)) == {dobre.pk, marin.pk}


def test_participants_of_an_offer_activity_are_contacts_of_its_account(org, owner):
    # given an offer of an account with a contact
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    dobre = contact_create(org=org, user=owner, account_id=account.pk, last_name="Dobre")

    # when a meeting on the offer has the account's contact as participant
    activity = _meeting(org, owner, offer_id=offer.pk, participant_ids=[str(dobre.pk)])

    # then the contact takes part
    assert list(activity.participants.values_list("pk", flat=True)) == [dobre.pk]


def test_participant_of_another_record_is_refused(org, owner):
    # given two prospects, each with a contact
    prospect = ProspectFactory.create(org=org, user=owner)
    other = ProspectFactory.create(org=org, user=owner)
    own_contact = contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Dobre")
    outsider = contact_create(org=org, user=owner, prospect_id=other.pk, last_name="Marin")

    # when a meeting on the first prospect includes the other prospect's contact
    with pytest.raises(ValidationFailed) as raised:
        _meeting(org, owner, prospect_id=prospect.pk, participant_ids=[own_contact.pk, outsider.pk])

    # then the participants are refused and no activity was stored
    assert raised.value.field == "participant_ids"
    assert raised.value.code == "not_record_contact"
    assert Activity.objects.count() == 0


def test_participant_of_another_account_is_refused_on_an_offer(org, owner):
    # given an offer of one account, and a contact of another account
    account = AccountFactory.create(org=org, user=owner)
    other_account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    outsider = contact_create(org=org, user=owner, account_id=other_account.pk, last_name="Marin")

    # when a meeting on the offer includes the other account's contact
    with pytest.raises(ValidationFailed) as raised:
        _meeting(org, owner, offer_id=offer.pk, participant_ids=[outsider.pk])

    # then it is refused and nothing is stored
    assert raised.value.field == "participant_ids"
    assert raised.value.code == "not_record_contact"
    assert Activity.objects.count() == 0


def test_participant_of_another_organisation_is_refused(org, owner, other_org, other_owner):
    # given our account, and a contact of another organisation
    account = AccountFactory.create(org=org, user=owner)
    foreign_account = AccountFactory.create(org=other_org, user=other_owner)
    foreign = contact_create(
        org=other_org, user=other_owner, account_id=foreign_account.pk, last_name="Marin"
    )

    # when our meeting includes the foreign contact
    with pytest.raises(ValidationFailed) as raised:
        _meeting(org, owner, account_id=account.pk, participant_ids=[foreign.pk])

    # then it is refused and nothing is stored
    assert raised.value.field == "participant_ids"
    assert Activity.objects.count() == 0


def test_participants_update_refused_keeps_the_previous_ones(org, owner):
    # given a meeting with one participant, and a contact of another prospect
    prospect = ProspectFactory.create(org=org, user=owner)
    other = ProspectFactory.create(org=org, user=owner)
    dobre = contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Dobre")
    outsider = contact_create(org=org, user=owner, prospect_id=other.pk, last_name="Marin")
    activity = _meeting(org, owner, prospect_id=prospect.pk, participant_ids=[dobre.pk])

    # when the participants and the subject are changed to include the outsider
    with pytest.raises(ValidationFailed) as raised:
        activity_update(
            org=org,
            user=owner,
            activity_id=activity.pk,
            subject="Altceva",
            participant_ids=[outsider.pk],
        )

    # then nothing changed: not the participants, not the subject, not the version
    assert raised.value.field == "participant_ids"
    activity.refresh_from_db()
    assert (activity.subject, activity.version) == ("Prezentare", 1)
    assert list(activity.participants.values_list("pk", flat=True)) == [dobre.pk]


def test_participants_can_be_replaced(org, owner):
    # given a meeting with Dobre
    prospect = ProspectFactory.create(org=org, user=owner)
    dobre = contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Dobre")
    marin = contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Marin")
    activity = _meeting(org, owner, prospect_id=prospect.pk, participant_ids=[dobre.pk])

    # when the participants become Marin only
    activity_update(org=org, user=owner, activity_id=activity.pk, participant_ids=[marin.pk])

    # then Marin alone takes part
    assert list(activity.participants.values_list("pk", flat=True)) == [marin.pk]


def test_changing_participants_gives_a_new_version(org, owner):
    # given a meeting with Dobre, at version 1
    prospect = ProspectFactory.create(org=org, user=owner)
    dobre = contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Dobre")
    marin = contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Marin")
    activity = _meeting(org, owner, prospect_id=prospect.pk, participant_ids=[dobre.pk])

    # when its participants become Marin (by someone holding version 1)
    activity_update(
        org=org, user=owner, activity_id=activity.pk, version=1, participant_ids=[marin.pk]
    )

    # then the activity changed, so a second writer still holding version 1 is refused
    activity.refresh_from_db()
    assert activity.version == 2
    with pytest.raises(StaleVersion):
        activity_update(
            org=org, user=owner, activity_id=activity.pk, version=1, participant_ids=[dobre.pk]
        )
    assert list(activity.participants.values_list("pk", flat=True)) == [marin.pk]


# --- Updating -------------------------------------------------------------------------


def test_activity_reschedule_ending_before_start_changes_nothing(org, owner):
    # given a meeting Monday 9-10
    prospect = ProspectFactory.create(org=org, user=owner)
    activity = _meeting(org, owner, prospect_id=prospect.pk)

    # when it is moved to start after its end
    with pytest.raises(ValidationFailed) as raised:
        activity_update(
            org=org, user=owner, activity_id=activity.pk, start_at=MONDAY_10 + dt.timedelta(hours=1)
        )

    # then it is refused and still Monday 9-10
    assert raised.value.field == "end_at"
    activity.refresh_from_db()
    assert (activity.start_at, activity.end_at, activity.version) == (MONDAY_9, MONDAY_10, 1)


def test_activity_update_with_stale_version_changes_nothing(org, owner):
    # given a meeting renamed once (version 2)
    prospect = ProspectFactory.create(org=org, user=owner)
    activity = _meeting(org, owner, prospect_id=prospect.pk)
    activity_update(org=org, user=owner, activity_id=activity.pk, version=1, subject="Demo")

    # when someone holding version 1 renames it
    with pytest.raises(StaleVersion) as raised:
        activity_update(org=org, user=owner, activity_id=activity.pk, version=1, subject="Alt")

    # then it is refused and the first rename stands
    assert raised.value.code == "stale_version"
    activity.refresh_from_db()
    assert (activity.subject, activity.version) == ("Demo", 2)


def test_activity_status_cannot_be_changed_by_update(org, owner):
    # given a planned meeting
    prospect = ProspectFactory.create(org=org, user=owner)
    activity = _meeting(org, owner, prospect_id=prospect.pk)

    # when an update tries to set its status directly
    with pytest.raises(ValidationFailed) as raised:
        activity_update(org=org, user=owner, activity_id=activity.pk, status=ActivityStatus.DONE)

    # then the status is read-only there and unchanged
    assert raised.value.field == "status"
    assert raised.value.code == "read_only"
    activity.refresh_from_db()
    assert (activity.status, activity.completed_at) == (ActivityStatus.PLANNED, None)


# --- Status ---------------------------------------------------------------------------


def test_completing_a_planned_activity_records_outcome_and_time(org, owner):
    # given a planned meeting
    prospect = ProspectFactory.create(org=org, user=owner)
    activity = _meeting(org, owner, prospect_id=prospect.pk)
    before = timezone.now()

    # when it is completed with an outcome
    activity_complete(org=org, user=owner, activity_id=activity.pk, outcome="Cer ofertă", version=1)

    # then it is done, with the outcome and a completion time, at a new version
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.DONE
    assert activity.outcome == "Cer ofertă"
    assert activity.completed_at is not None
    assert before <= activity.completed_at <= timezone.now()
    assert activity.version == 2


def test_canceling_a_planned_activity_leaves_it_uncompleted(org, owner):
    # given a planned meeting
    prospect = ProspectFactory.create(org=org, user=owner)
    activity = _meeting(org, owner, prospect_id=prospect.pk)

    # when it is canceled
    activity_cancel(org=org, user=owner, activity_id=activity.pk)

    # then it is canceled without a completion time
    activity.refresh_from_db()
    assert (activity.status, activity.completed_at, activity.version) == (
        ActivityStatus.CANCELED,
        None,
        2,
    )


def test_done_activity_cannot_go_back_to_planned(org, owner):
    # given a done meeting
    prospect = ProspectFactory.create(org=org, user=owner)
    activity = _meeting(org, owner, prospect_id=prospect.pk)
    activity_complete(org=org, user=owner, activity_id=activity.pk)
    activity.refresh_from_db()
    completed_at = activity.completed_at

    # when it is set back to planned
    with pytest.raises(Conflict) as raised:
        activity_set_status(
            org=org, user=owner, activity_id=activity.pk, status=ActivityStatus.PLANNED
        )

    # then the transition is illegal and the activity is unchanged
    assert raised.value.field == "status"
    assert raised.value.code == "illegal_transition"
    activity.refresh_from_db()
    assert (activity.status, activity.completed_at, activity.version) == (
        ActivityStatus.DONE,
        completed_at,
        2,
    )


def test_done_activity_cannot_be_canceled(org, owner):
    # given a done call
    prospect = ProspectFactory.create(org=org, user=owner)
    activity = _meeting(org, owner, prospect_id=prospect.pk, status=ActivityStatus.DONE)

    # when it is canceled
    with pytest.raises(Conflict) as raised:
        activity_cancel(org=org, user=owner, activity_id=activity.pk)

    # then it is refused and stays done
    assert raised.value.code == "illegal_transition"
    activity.refresh_from_db()
    assert (activity.status, activity.version) == (ActivityStatus.DONE, 1)


def test_canceled_activity_can_be_planned_again(org, owner):
    # given a canceled meeting
    prospect = ProspectFactory.create(org=org, user=owner)
    activity = _meeting(org, owner, prospect_id=prospect.pk)
    activity_cancel(org=org, user=owner, activity_id=activity.pk)

    # when it is planned again
    activity_set_status(
        org=org, user=owner, activity_id=activity.pk, status=ActivityStatus.PLANNED, version=2
    )

    # then it is planned, not completed
    activity.refresh_from_db()
    assert (activity.status, activity.completed_at, activity.version) == (
        ActivityStatus.PLANNED,
        None,
        3,
    )


def test_unknown_activity_status_is_refused(org, owner):
    # given a planned meeting
    prospect = ProspectFactory.create(org=org, user=owner)
    activity = _meeting(org, owner, prospect_id=prospect.pk)

    # when it is set to a status that does not exist
    with pytest.raises(ValidationFailed) as raised:
        activity_set_status(org=org, user=owner, activity_id=activity.pk, status="postponed")

    # then the status is named and nothing changed
    assert raised.value.field == "status"
    assert raised.value.code == "invalid_status"
    activity.refresh_from_db()
    assert (activity.status, activity.version) == (ActivityStatus.PLANNED, 1)


def test_complete_with_stale_version_changes_nothing(org, owner):
    # given a meeting renamed once (version 2)
    prospect = ProspectFactory.create(org=org, user=owner)
    activity = _meeting(org, owner, prospect_id=prospect.pk)
    activity_update(org=org, user=owner, activity_id=activity.pk, subject="Demo")

    # when someone holding version 1 completes it
    with pytest.raises(StaleVersion):
        activity_complete(org=org, user=owner, activity_id=activity.pk, version=1)

    # then it is still planned
    activity.refresh_from_db()
    assert (activity.status, activity.completed_at) == (ActivityStatus.PLANNED, None)


# --- Deleting, tenancy, module switch -------------------------------------------------


def test_activity_delete_removes_it(org, owner):
    # given two meetings
    prospect = ProspectFactory.create(org=org, user=owner)
    activity = _meeting(org, owner, prospect_id=prospect.pk)
    kept = _meeting(org, owner, prospect_id=prospect.pk, subject="Alta")

    # when one is deleted
    activity_delete(org=org, user=owner, activity_id=activity.pk, version=1)

    # then only the other remains
    assert list(Activity.objects.values_list("pk", flat=True)) == [kept.pk]


def test_activity_of_another_organisation_is_not_found(org, owner, other_org, other_owner):
    # given a meeting of another organisation
    foreign_prospect = ProspectFactory.create(org=other_org, user=other_owner)
    foreign = _meeting(other_org, other_owner, prospect_id=foreign_prospect.pk)

    # when we complete it, and when we delete it
    with pytest.raises(NotFound) as completing:
        activity_complete(org=org, user=owner, activity_id=foreign.pk)
    with pytest.raises(NotFound) as deleting:
        activity_delete(org=org, user=owner, activity_id=foreign.pk)

    # then it does not exist for us and is unchanged
    assert (completing.value.code, deleting.value.code) == ("not_found", "not_found")
    foreign.refresh_from_db()
    assert (foreign.status, foreign.version) == (ActivityStatus.PLANNED, 1)


def test_activities_module_switched_off_refuses_new_activities(org, owner):
    # given an organisation that switched the activities module off
    prospect = ProspectFactory.create(org=org, user=owner)
    organization_set_modules(
        org=org, user=owner, enabled=[Module.CATALOG, Module.NOTES, Module.TASKS]
    )

    # when an activity is planned
    with pytest.raises(NotFound) as raised:
        _meeting(org, owner, prospect_id=prospect.pk)

    # then the module answers as if it did not exist, and nothing is stored
    assert raised.value.code == "module_disabled"
    assert Activity.objects.count() == 0


def test_activities_module_switched_off_keeps_existing_activities(org, owner):
    # given a planned meeting, then the activities module switched off
    prospect = ProspectFactory.create(org=org, user=owner)
    activity = _meeting(org, owner, prospect_id=prospect.pk)
    organization_set_modules(
        org=org, user=owner, enabled=[Module.CATALOG, Module.NOTES, Module.TASKS]
    )

    # when the meeting is completed, edited or deleted
    with pytest.raises(NotFound) as completing:
        activity_complete(org=org, user=owner, activity_id=activity.pk)
    with pytest.raises(NotFound) as updating:
        activity_update(org=org, user=owner, activity_id=activity.pk, subject="Alt")
    with pytest.raises(NotFound) as deleting:
        activity_delete(org=org, user=owner, activity_id=activity.pk)

    # then each is refused as switched off, and the meeting is still stored as it was
    assert {completing.value.code, updating.value.code, deleting.value.code} == {"module_disabled"}
    activity.refresh_from_db()
    assert (activity.subject, activity.status, activity.version) == (
        "Prezentare",
        ActivityStatus.PLANNED,
        1,
    )


def test_a_done_activity_cannot_be_logged_in_the_future(org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    with pytest.raises(ValidationFailed) as refused:
        activity_create(org=org, user=owner, prospect_id=prospect.pk, kind=ActivityKind.CALL,
                        subject="Apel", start_at=timezone.now() + dt.timedelta(days=1),
                        status=ActivityStatus.DONE)  # fmt: skip
    assert (refused.value.field, refused.value.code) == ("start_at", "done_in_future")
    assert Activity.objects.count() == 0
