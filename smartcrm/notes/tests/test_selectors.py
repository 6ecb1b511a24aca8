"""Reads of notes: what a member's view scope shows, by the selectors the pages and the
API share."""

from __future__ import annotations

import pytest

from smartcrm.core.errors import NotFound
from smartcrm.core.models import Membership
from smartcrm.core.scopes import ACTIONS
from smartcrm.core.tests.factories import give_role
from smartcrm.notes import selectors
from smartcrm.notes.services import note_create
from smartcrm.sales.tests.factories import ProspectFactory

pytestmark = pytest.mark.django_db


def test_note_get_finds_a_note_the_member_sees(org, owner):
    # given a note on a prospect
    prospect = ProspectFactory.create(org=org, user=owner)
    note = note_create(org=org, user=owner, prospect_id=prospect.pk, body="Sună joi la 10.")
    member = Membership.objects.get(organization=org, user=owner)

    # when the owner reads it
    found = selectors.note_get(member=member, note_id=note.pk)

    # then it is that note
    assert (found, found.body) == (note, "Sună joi la 10.")


def test_note_get_refuses_a_note_outside_the_view_scope(org, owner, sales_user):
    # given an agent who sees only their own notes, and a note of the owner's
    grants = {"notes": dict.fromkeys(ACTIONS, "own")}
    member = give_role(org, owner, sales_user, grants, "Agent teren")
    prospect = ProspectFactory.create(org=org, user=owner)
    note = note_create(org=org, user=owner, prospect_id=prospect.pk, body="Buget aprobat.")

    # when the agent asks for it
    # then it is not found, as another organisation's would be
    with pytest.raises(NotFound):
        selectors.note_get(member=member, note_id=note.pk)


def test_note_get_refuses_another_organisations_note(org, owner, other_org, other_owner):
    # given a note of another organisation
    prospect = ProspectFactory.create(org=other_org, user=other_owner)
    note = note_create(org=other_org, user=other_owner, prospect_id=prospect.pk, body="Secret.")
    member = Membership.objects.get(organization=org, user=owner)

    # when a member of this organisation asks for it
    # then it is not found
    with pytest.raises(NotFound):
        selectors.note_get(member=member, note_id=note.pk)


def test_record_notes_put_pinned_notes_first_then_the_newest(org, owner):
    # given a prospect with an old pinned note and two later ones
    prospect = ProspectFactory.create(org=org, user=owner)
    note_create(org=org, user=owner, prospect_id=prospect.pk, body="Adresa: Cluj.", pinned=True)
    note_create(org=org, user=owner, prospect_id=prospect.pk, body="Prima discuție.")
    note_create(org=org, user=owner, prospect_id=prospect.pk, body="A doua discuție.")
    other = ProspectFactory.create(org=org, user=owner)
    note_create(org=org, user=owner, prospect_id=other.pk, body="Alt client.")
    member = Membership.objects.get(organization=org, user=owner)

    # when the prospect's notes are read
    notes = selectors.record_notes(member=member, parent_kind="prospect", parent=prospect)

    # then the pinned one leads, then the newest first, and no other record's note
    assert [note.body for note in notes] == ["Adresa: Cluj.", "A doua discuție.", "Prima discuție."]
