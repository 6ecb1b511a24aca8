"""How many statements writing a note costs, per database (counted inside the test's
transaction: the service's savepoint and its release are two of them)."""

from __future__ import annotations

from django.db import connection

from smartcrm.notes.services import note_create
from smartcrm.sales.tests.factories import ProspectFactory

# Each write also inserts its audit log event: one statement more.
# membership, the prospect read, INSERT note, its search row (+ savepoint, release)
NOTE_CREATE = {"sqlite": 7, "postgresql": 7}


def test_writing_a_note_counts_its_statements(org, owner, django_assert_num_queries):
    prospect = ProspectFactory.create(org=org, user=owner)
    with django_assert_num_queries(NOTE_CREATE[connection.vendor]):
        note = note_create(org=org, user=owner, body="Sună marțea.", prospect_id=prospect.pk)
    assert (note.prospect_id, note.body) == (prospect.pk, "Sună marțea.")


def test_a_note_that_mentions_nobody_reads_nothing_after_its_commit(
    org, owner, django_assert_num_queries, django_capture_on_commit_callbacks
):
    # given a prospect
    prospect = ProspectFactory.create(org=org, user=owner)

    # when a note without any @ is written and its transaction commits
    with (
        django_assert_num_queries(NOTE_CREATE[connection.vendor]),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        note_create(org=org, user=owner, body="Sună marțea.", prospect_id=prospect.pk)

    # then no mention lookup is left to run after the commit
    assert callbacks == []
