"""How many statements a single create or update of the sales records costs, per database.

Counted inside the test's transaction: the service's own savepoint and its release are two
of them (outside a test they are the transaction's BEGIN and COMMIT, which are not counted).
"""

from __future__ import annotations

import pytest
from django.db import connection

from smartcrm.contacts.services import contact_create
from smartcrm.core.models import SearchEntry
from smartcrm.sales import services
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory, ProspectFactory

# Each write also inserts its audit log event: one statement more.
# membership, INSERT prospect, its search row, its "created" event (+ savepoint, release)
PROSPECT_CREATE = {"sqlite": 7, "postgresql": 7}
# the same, plus the duplicate check's two reads (same keys, similar names); PostgreSQL
# sets the trigram similarity threshold for the second first
PROSPECT_CREATE_CHECKED = {"sqlite": 9, "postgresql": 10}
# membership, the row locked, UPDATE, its search row, the "updated" event
PROSPECT_UPDATE = {"sqlite": 8, "postgresql": 8}
# and the rows of what shows its name rewritten: a read per kind (contacts, tasks, notes,
# activities) and an upsert per kind that has rows, however many rows
PROSPECT_RENAME = {"sqlite": 13, "postgresql": 13}
# membership, the offer locked, its lines' positions and amounts, INSERT line, UPDATE offer
# (totals, version), the "lines changed" event
OFFER_LINE_ADD = {"sqlite": 9, "postgresql": 9}


def test_creating_a_prospect_counts_its_statements(org, owner, django_assert_num_queries):
    with django_assert_num_queries(PROSPECT_CREATE[connection.vendor]):
        services.prospect_create(org=org, user=owner, company_name="Alfa Lemn SRL")


def test_creating_a_prospect_with_the_duplicate_check_costs_two_more(
    org, owner, django_assert_num_queries
):
    with django_assert_num_queries(PROSPECT_CREATE_CHECKED[connection.vendor]):
        services.prospect_create(
            org=org,
            user=owner,
            company_name="Alfa Lemn SRL",
            email="office@alfalemn.ro",
            allow_duplicate=False,
        )


def test_updating_a_prospect_leaves_its_contacts_search_rows_alone(
    org, owner, django_assert_num_queries
):
    # given a prospect with contacts
    prospect = ProspectFactory.create(org=org, user=owner, company_name="Alfa Lemn SRL")
    for last_name in ("Pop", "Ene", "Stan"):
        contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name=last_name)
    before = dict(SearchEntry.objects.filter(kind="contact").values_list("object_id", "updated_at"))
    # when a detail the contacts do not show changes
    with django_assert_num_queries(PROSPECT_UPDATE[connection.vendor]):
        services.prospect_update(
            org=org, user=owner, prospect_id=prospect.pk, description="Sună marțea."
        )
    # then the contacts' rows are as they were
    after = dict(SearchEntry.objects.filter(kind="contact").values_list("object_id", "updated_at"))
    assert after == before


def test_renaming_a_prospect_rewrites_its_contacts_rows_in_constant_statements(
    org, owner, django_assert_num_queries
):
    # given a prospect with three contacts
    prospect = ProspectFactory.create(org=org, user=owner, company_name="Alfa Lemn SRL")
    for last_name in ("Pop", "Ene", "Stan"):
        contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name=last_name)
    # when renamed
    with django_assert_num_queries(PROSPECT_RENAME[connection.vendor]):
        services.prospect_update(
            org=org, user=owner, prospect_id=prospect.pk, company_name="Beta Lemn SRL"
        )
    # then every contact shows the new name
    subtitles = SearchEntry.objects.filter(kind="contact").values_list("subtitle", flat=True)
    assert sorted(subtitles) == ["Beta Lemn SRL"] * 3


@pytest.mark.parametrize("lines_before", [1, 4])
def test_adding_a_line_costs_the_same_however_many_lines(
    org, owner, django_assert_num_queries, lines_before
):
    # given an offer with some lines
    account = AccountFactory.create(org=org, user=owner)
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk)
    for number in range(lines_before):
        services.offer_line_add(
            org=org, user=owner, offer_id=offer.pk, name=f"L{number}", quantity=1, unit_price=10
        )
    # when one more is added
    with django_assert_num_queries(OFFER_LINE_ADD[connection.vendor]):
        services.offer_line_add(
            org=org, user=owner, offer_id=offer.pk, name="Montaj", quantity=2, unit_price="10.5"
        )
    # then the totals count every line
    offer.refresh_from_db()
    assert str(offer.total_net) == f"{10 * lines_before + 21:.2f}"
