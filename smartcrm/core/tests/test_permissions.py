"""The rules of core.permissions: who may delete and who may reassign a record."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from smartcrm.core.errors import Forbidden
from smartcrm.core.permissions import require_assign_right, require_owner_or_role, same_id


class Named(SimpleNamespace):
    """A stand-in record: its name, and the members in its fields."""

    def __str__(self) -> str:
        return str(self.name)


def test_same_id_compares_uuids_and_their_text_in_any_case():
    record_id = uuid.uuid4()
    assert same_id(record_id, str(record_id).upper())
    assert not same_id(record_id, uuid.uuid4())
    assert same_id(None, None)
    assert not same_id(record_id, None)
    assert not same_id("ion", record_id)
    assert same_id("ion", "ion")


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_owners_and_managers_reassign_anyones_records(request, org, sales_user, role):
    acting = request.getfixturevalue(role)
    theirs = Named(name="Al lui Ion", owner_id=sales_user.pk)
    membership = require_assign_right(org, acting, records=[theirs], new_holder=acting.pk)
    assert membership.user_id == acting.pk


def test_a_sales_user_hands_over_what_they_own(org, owner, sales_user):
    mine = Named(name="Al meu", owner_id=sales_user.pk)
    require_assign_right(org, sales_user, records=[mine], new_holder=owner.pk)


def test_a_sales_user_cannot_take_someone_elses_record(org, owner, sales_user):
    theirs = Named(name="Al Anei", owner_id=owner.pk)
    with pytest.raises(Forbidden) as error:
        require_assign_right(org, sales_user, records=[theirs], new_holder=sales_user.pk)
    assert (error.value.field, error.value.code) == ("owner_id", "forbidden")
    assert error.value.message == "Only the record's owner or a Manager may reassign it."


def test_naming_the_current_owner_is_no_hand_over(org, owner, sales_user):
    theirs = Named(name="Al Anei", owner_id=owner.pk)
    require_assign_right(org, sales_user, records=[theirs], new_holder=str(owner.pk))


def test_a_malformed_new_owner_of_someone_elses_record_is_refused_not_a_crash(
    org, owner, sales_user
):
    theirs = Named(name="Al Anei", owner_id=owner.pk)
    with pytest.raises(Forbidden):
        require_assign_right(org, sales_user, records=[theirs], new_holder="nu-e-un-id")


def test_a_selection_names_only_the_records_refused(org, owner, sales_user):
    mine = Named(name="Al meu", owner_id=sales_user.pk)
    theirs = [Named(name=f"Al Anei {n}", owner_id=owner.pk) for n in range(7)]
    with pytest.raises(Forbidden) as error:
        require_assign_right(org, sales_user, records=[mine, *theirs], new_holder=sales_user.pk)
    assert error.value.message == (
        "Only their owner or a Manager may reassign these records: "
        "Al Anei 0, Al Anei 1, Al Anei 2, Al Anei 3, Al Anei 4 and 2 more."
    )


def test_holders_say_whose_own_a_record_is(org, owner, sales_user):
    """A task: its assignee's and its creator's."""
    delegated = Named(name="Sună", assignee_id=owner.pk, created_by_id=sales_user.pk)
    require_assign_right(
        org,
        sales_user,
        records=[delegated],
        new_holder=sales_user.pk,
        field="assignee_id",
        holders=lambda task: (task.assignee_id, task.created_by_id),
    )
    with pytest.raises(Forbidden) as error:
        require_assign_right(
            org, sales_user, records=[delegated], new_holder=sales_user.pk, field="assignee_id"
        )
    assert error.value.field == "assignee_id"


def test_deleting_needs_to_hold_the_record_or_a_managers_role(org, owner, sales_user, manager):
    require_owner_or_role(org, sales_user, holders=(owner.pk, sales_user.pk))
    require_owner_or_role(org, manager, holders=(owner.pk,))
    with pytest.raises(Forbidden):
        require_owner_or_role(org, sales_user, holders=(owner.pk, None))
    with pytest.raises(Forbidden):
        require_owner_or_role(org, sales_user, owner_id=None)
