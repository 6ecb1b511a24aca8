"""Imports within the member's scopes: a row matching, by its key, a record outside their
view or edit scope is not imported and that record is neither changed nor shown; a contact
goes only on a record they see."""

from __future__ import annotations

import pytest

from smartcrm.contacts.models import Contact
from smartcrm.contacts.services import contact_create
from smartcrm.core import services as core
from smartcrm.core.scopes import ACTIONS
from smartcrm.core.tests.factories import UserFactory, add_member, give_role, place
from smartcrm.imports import selectors
from smartcrm.imports.tests.factories import preview, run_import
from smartcrm.sales import services as sales
from smartcrm.sales.models import Prospect

pytestmark = pytest.mark.django_db

CUI_MINE, CUI_THEIRS = "10000113", "10000229"
PROSPECT_ROWS = [
    ["Firmă", "E-mail", "Localitate"],
    ["Țesătoria Mureș SRL", "stefan@tesatoria.ro", "Târgu Mureș"],
    ["Bălan Consult SRL", "ioana@balan.ro", "București"],
]
NOT_YOURS = (
    "A record with this e-mail already exists and is someone else's; the row was not imported."
)


def _team(org, owner):
    """Me in "Vânzări", an outsider in "Suport"."""
    sales_department = core.department_create(org=org, user=owner, name="Vânzări")
    support = core.department_create(org=org, user=owner, name="Suport")
    people = {}
    for name, department in (("me", sales_department), ("outsider", support)):
        person = UserFactory.create()
        add_member(org, owner, person)
        place(org, owner, person, department.pk)
        people[name] = person
    return people


def _role(org, owner, person, view="own", edit="own"):
    grants = {
        module: {**dict.fromkeys(ACTIONS, "own"), "view": view, "edit": edit}
        for module in ("prospects", "accounts", "contacts")
    }
    grants["import"] = {"view": "own", "create": "all"}  # the grant to import at all
    give_role(org, owner, person, grants, "Agent")


def _prospects(org, owner, people):
    """The outsider's prospect with the first row's e-mail, mine with the second's."""
    theirs = sales.prospect_create(
        org=org, user=owner, company_name="Vechi SRL", email="Stefan@Tesatoria.ro",
        locality="Arad", owner_id=people["outsider"].pk,
    )  # fmt: skip
    mine = sales.prospect_create(
        org=org, user=owner, company_name="Bălan SRL", email="ioana@balan.ro",
        owner_id=people["me"].pk,
    )  # fmt: skip
    return theirs, mine


def test_import_leaves_a_record_outside_my_view_alone_and_updates_mine(org, owner):
    # given the outsider's prospect and mine, each matching a row by e-mail
    people = _team(org, owner)
    theirs, mine = _prospects(org, owner, people)
    _role(org, owner, people["me"])
    # when I import the file
    run = run_import(org, people["me"], "prospects", PROSPECT_ROWS)
    # then mine is updated; the outsider's row is not imported, saying only why
    assert (run.created_count, run.updated_count, run.rejected_count) == (0, 1, 1)
    report = {row.row_number: row.errors for row in selectors.rejected_rows(run=run)}
    assert report == {
        2: [{"field": "email", "column": "E-mail", "message": NOT_YOURS, "code": "not_yours"}]
    }
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert (theirs.company_name, theirs.locality, theirs.version) == ("Vechi SRL", "Arad", 1)
    assert (mine.company_name, mine.version) == ("Bălan Consult SRL", 2)
    assert Prospect.objects.count() == 2


def test_preview_shows_nothing_of_a_record_outside_my_view(org, owner):
    # given the outsider's prospect matching the first row
    people = _team(org, owner)
    _prospects(org, owner, people)
    _role(org, owner, people["me"])
    # when I preview the file
    run = preview(org, people["me"], "prospects", PROSPECT_ROWS)
    # then that row would not be imported; nothing of the record is in the report
    assert run.preview == {"total": 2, "create": 0, "update": 1, "unchanged": 0, "rejected": 1}
    [rejected] = selectors.rejected_rows(run=run)
    assert [issue["code"] for issue in rejected.errors] == ["not_yours"]
    assert "Vechi" not in str(rejected.errors) and "Arad" not in str(rejected.errors)


def test_import_does_not_change_a_record_i_see_but_may_not_edit(org, owner):
    # given the outsider's prospect, and a role seeing every prospect, editing its own
    people = _team(org, owner)
    theirs, _mine = _prospects(org, owner, people)
    _role(org, owner, people["me"], view="all")
    # when I import the file
    run = run_import(org, people["me"], "prospects", PROSPECT_ROWS)
    # then the outsider's prospect is not changed
    assert (run.updated_count, run.rejected_count) == (1, 1)
    theirs.refresh_from_db()
    assert (theirs.company_name, theirs.version) == ("Vechi SRL", 1)


def test_contacts_keyed_by_email_leave_someone_elses_contact_alone(org, owner):
    # given a contact at the outsider's account, and my own account
    people = _team(org, owner)
    theirs = sales.account_create(
        org=org, user=owner, name="Carpați SRL", cui=CUI_THEIRS, owner_id=people["outsider"].pk
    )
    sales.account_create(
        org=org, user=owner, name="Munte SRL", cui=CUI_MINE, owner_id=people["me"].pk
    )
    contact = contact_create(
        org=org, user=owner, account_id=theirs.pk, first_name="Mihai", last_name="Șerban",
        email="mihai@carpati.ro", job_title="Contabil",
    )  # fmt: skip
    _role(org, owner, people["me"])
    # when I import a contact with that e-mail at my account
    rows = [["Prenume", "Nume", "E-mail", "Funcție", "CUI client"]]
    rows.append(["Mihai", "Șerban", "mihai@carpati.ro", "Director", CUI_MINE])
    run = run_import(org, people["me"], "contacts", rows)
    # then the row is not imported and the contact is as it was
    assert (run.created_count, run.updated_count, run.rejected_count) == (0, 0, 1)
    contact.refresh_from_db()
    assert (contact.job_title, contact.account_id, contact.version) == ("Contabil", theirs.pk, 1)


def test_contacts_go_only_on_a_record_i_see(org, owner):
    # given the outsider's account
    people = _team(org, owner)
    theirs = sales.account_create(
        org=org, user=owner, name="Carpați SRL", cui=CUI_THEIRS, owner_id=people["outsider"].pk
    )
    _role(org, owner, people["me"])
    # when I import a contact naming it by its CUI
    rows = [["Prenume", "Nume", "E-mail", "CUI client"]]
    rows.append(["Ana", "Niță", "ana@carpati.ro", CUI_THEIRS])
    run = run_import(org, people["me"], "contacts", rows)
    # then the account is not found, as if it did not exist
    assert (run.created_count, run.rejected_count) == (0, 1)
    [rejected] = selectors.rejected_rows(run=run)
    assert [issue["code"] for issue in rejected.errors] == ["not_found"]
    assert not Contact.objects.filter(account=theirs).exists()
