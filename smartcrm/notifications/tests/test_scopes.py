"""A notification about a record outside the recipient's view scope (never in it, or moved
out since) is shown without its title, text and link, and is not e-mailed; the built-in
roles see every notification as it was written, at no extra query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from smartcrm.api.tests.helpers import ApiClient
from smartcrm.core.tests.teams import HOLDERS, reaches, sales_team, scoped_role
from smartcrm.notifications.models import Notification
from smartcrm.notifications.services import notify
from smartcrm.notifications.tests.helpers import run_worker
from smartcrm.sales import services as sales
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory

pytestmark = pytest.mark.django_db

HIDDEN = "About a record your role does not let you see"


def _offers(org, owner, people):
    """An offer of each holder, by holder."""
    account = AccountFactory.create(org=org, user=owner, name="Carpați Logistic SRL")
    offers = {}
    for holder in HOLDERS:
        offers[holder] = OfferFactory.create(org=org, user=owner, account_id=account.pk,
                                             title=f"Ofertă {holder}",
                                             owner_id=people[holder].pk)  # fmt: skip
    return offers


def _tell(org, user, offer, holder):
    """Tell ``user`` that the offer of ``holder`` was accepted."""
    return notify(org=org, user=user, kind="offer_accepted",
                  title=f"Clientul a acceptat oferta lui {holder}",
                  body=f"Semnat de Ioana Pop pentru {holder}",
                  url=reverse("sales:offer", args=[offer.pk]))  # fmt: skip


@pytest.mark.parametrize("scope", ["own", "department"])
def test_the_centre_hides_what_it_says_of_a_record_outside_the_scope(client, org, owner, scope):
    # given me with a ``scope`` role, told about an offer of each holder
    people = sales_team(org, owner)
    scoped_role(org, owner, people["me"], scope)
    offers = _offers(org, owner, people)
    for holder in HOLDERS:
        _tell(org, people["me"], offers[holder], holder)
    client.force_login(people["me"])

    # when I open the notification centre
    page = client.get(reverse("notifications:list")).content.decode()

    # then what I may not see is there without its name, text or link
    for holder in HOLDERS:
        reached = reaches(scope, holder)
        assert (f"oferta lui {holder}" in page) == reached, holder
        assert (f"pentru {holder}" in page) == reached, holder
    seen = sum(reaches(scope, holder) for holder in HOLDERS)
    assert page.count(HIDDEN) == len(HOLDERS) - seen
    # only what I see can be opened
    assert page.count('name="open"') == seen


def test_a_record_that_moved_out_of_the_scope_is_hidden_since(client, org, owner):
    # given me seeing my own offers, told about my offer
    people = sales_team(org, owner)
    scoped_role(org, owner, people["me"], "own")
    offer = _offers(org, owner, people)["me"]
    notification = _tell(org, people["me"], offer, "me")
    client.force_login(people["me"])
    assert "oferta lui me" in client.get(reverse("notifications:list")).content.decode()

    # when the offer is handed to the outsider
    sales.offer_update(org=org, user=owner, offer_id=offer.pk, owner_id=people["outsider"].pk)

    # then the centre hides it, and opening it leads to the centre, not to the offer
    assert "oferta lui me" not in client.get(reverse("notifications:list")).content.decode()
    response = client.post(reverse("notifications:read", args=[notification.pk]), {"open": "1"})
    assert (response.status_code, response["Location"]) == (302, reverse("notifications:list"))
    # the row itself is kept as written
    assert Notification.objects.get(pk=notification.pk).title == "Clientul a acceptat oferta lui me"


def test_the_api_hides_what_it_says_of_a_record_outside_the_scope(org, owner):
    # given me seeing my department's offers, told about the outsider's and the colleague's
    people = sales_team(org, owner)
    scoped_role(org, owner, people["me"], "department")
    offers = _offers(org, owner, people)
    outsiders = _tell(org, people["me"], offers["outsider"], "outsider")
    _tell(org, people["me"], offers["colleague"], "colleague")
    api = ApiClient(org, people["me"])

    # when I list them and mark the outsider's read
    listed = api.get("/api/v1/notifications").json()["items"]
    read = api.post(f"/api/v1/notifications/{outsiders.pk}/read", {}).json()

    # then the outsider's comes without title, text and link; the colleague's as written
    assert [(item["title"], item["body"], item["url"] == "") for item in listed] == [
        ("Clientul a acceptat oferta lui colleague", "Semnat de Ioana Pop pentru colleague", False),
        (HIDDEN, "", True),
    ]
    assert (read["title"], read["body"], read["url"], read["read_at"] is not None) == (
        HIDDEN, "", "", True,
    )  # fmt: skip


def test_a_notification_about_a_record_outside_the_scope_is_not_emailed(org, owner, smtp_inbox):
    # given me seeing my own offers, told about my offer and about the colleague's
    people = sales_team(org, owner)
    scoped_role(org, owner, people["me"], "own")
    offers = _offers(org, owner, people)
    _tell(org, people["me"], offers["colleague"], "colleague")
    _tell(org, people["me"], offers["me"], "me")

    # when the worker sends the e-mails
    run_worker()

    # then only mine went out
    assert [message["Subject"] for message in smtp_inbox.messages()] == [
        "Clientul a acceptat oferta lui me"
    ]


def _queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_the_built_in_roles_centre_asks_no_more_queries(client, org, owner, sales_user):
    # given a sales user told about offers of others, and a plain notification
    people = sales_team(org, owner)
    offers = _offers(org, owner, people)
    notify(org=org, user=sales_user, kind="reminder", title="Raport lunar")
    client.force_login(sales_user)
    plain = _queries(client)

    # when they are told about records too
    for holder in HOLDERS:
        _tell(org, sales_user, offers[holder], holder)

    # then the centre shows them as written, at the same number of queries
    assert _queries(client) == plain
    page = client.get(reverse("notifications:list")).content.decode()
    assert HIDDEN not in page and "oferta lui outsider" in page
