"""How many statements adding a contact costs, per database (counted inside the test's
transaction: the service's savepoint and its release are two of them)."""

from __future__ import annotations

from django.db import connection

from smartcrm.contacts.services import contact_create
from smartcrm.core.models import SearchEntry
from smartcrm.sales.tests.factories import ProspectFactory

# Each write also inserts its audit log event: one statement more.
# membership, the prospect read, INSERT contact, its search row (+ savepoint, release)
CONTACT_CREATE = {"sqlite": 7, "postgresql": 7}
# and, made primary, the previous primary demoted
CONTACT_CREATE_PRIMARY = {"sqlite": 8, "postgresql": 8}


def test_adding_a_contact_counts_its_statements(org, owner, django_assert_num_queries):
    # given a prospect
    prospect = ProspectFactory.create(org=org, user=owner, company_name="Alfa Lemn SRL")
    # when a contact is added
    with django_assert_num_queries(CONTACT_CREATE[connection.vendor]):
        contact = contact_create(
            org=org, user=owner, prospect_id=prospect.pk, first_name="Ion", last_name="Pop"
        )
    # then it is found, showing where it works
    entry = SearchEntry.objects.get(kind="contact", object_id=contact.pk)
    assert (entry.title, entry.subtitle) == ("Ion Pop", "Alfa Lemn SRL")


def test_adding_a_primary_contact_demotes_the_previous_in_one_more(
    org, owner, django_assert_num_queries
):
    # given a prospect with a primary contact
    prospect = ProspectFactory.create(org=org, user=owner)
    first = contact_create(
        org=org, user=owner, prospect_id=prospect.pk, last_name="Pop", is_primary=True
    )
    # when another is added as primary
    with django_assert_num_queries(CONTACT_CREATE_PRIMARY[connection.vendor]):
        contact_create(
            org=org, user=owner, prospect_id=prospect.pk, last_name="Ene", is_primary=True
        )
    # then the first is primary no more
    first.refresh_from_db()
    assert (first.is_primary, first.version) == (False, 2)
