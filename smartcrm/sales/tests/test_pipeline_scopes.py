"""The pipeline board shows the offers of the member's view scope: its cards, its "load
more" pages and its column totals; a card outside the scope cannot be moved (404). The
built-in roles keep the kept totals and their number of queries."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from smartcrm.core.tests.queries import queries_of_get
from smartcrm.core.tests.teams import HOLDERS, reaches, sales_team, scoped_role
from smartcrm.sales import services
from smartcrm.sales.models import Offer
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory

pytestmark = pytest.mark.django_db

AMOUNT = {"me": "1000", "colleague": "200", "outsider": "30"}


def _offers(org, owner, people, rounds=1):
    """For each holder, ``rounds`` sent offers worth AMOUNT without VAT; their ids by holder."""
    account = AccountFactory.create(org=org, user=owner, name="Carpați Logistic SRL")
    made: dict[str, list[str]] = {holder: [] for holder in HOLDERS}
    for _round in range(rounds):
        for holder in HOLDERS:
            offer = OfferFactory.create(org=org, user=owner, account_id=account.pk,
                                        title=f"Ofertă {holder}",
                                        owner_id=people[holder].pk)  # fmt: skip
            services.offer_line_add(org=org, user=owner, offer_id=offer.pk, name="Transport",
                                    quantity="1", unit_price=AMOUNT[holder])  # fmt: skip
            services.offer_change_status(org=org, user=owner, offer_id=offer.pk, status="sent")
            made[holder].append(str(offer.pk))
    return made


def _column(response, status):
    return next(column for column in response.context["columns"] if column["status"] == status)


@pytest.mark.parametrize("scope", ["own", "department"])
def test_the_board_shows_the_cards_and_totals_of_the_view_scope(client, org, owner, scope):
    # given me with a ``scope`` role, and a sent offer of each holder
    people = sales_team(org, owner)
    scoped_role(org, owner, people["me"], scope)
    offers = _offers(org, owner, people)
    seen = [holder for holder in HOLDERS if reaches(scope, holder)]
    client.force_login(people["me"])

    # when I open the pipeline
    response = client.get(reverse("sales:pipeline"))

    # then the "sent" column holds my scope's cards, and counts and sums only them
    assert response.status_code == 200
    sent = _column(response, "sent")
    assert sorted(str(card.pk) for card in sent["cards"]) == sorted(
        offers[holder][0] for holder in seen
    )
    total = sum((Decimal(AMOUNT[holder]) for holder in seen), Decimal("0.00"))
    assert (sent["count"], sent["totals"]) == (len(seen), [("RON", total, len(seen))])
    page = response.content.decode()
    assert offers["outsider"][0] not in page


def test_loading_more_cards_shows_only_the_view_scope(client, org, owner):
    # given me seeing my own offers, and sent offers of each holder
    people = sales_team(org, owner)
    scoped_role(org, owner, people["me"], "own")
    offers = _offers(org, owner, people, rounds=2)
    client.force_login(people["me"])

    # when the "sent" column loads its cards from the very start
    url = (
        reverse("sales:pipeline")
        + "?part=cards&status=sent&after=2000-01-01."
        + str(uuid.UUID(int=0))
    )
    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()

    # then only my cards come
    assert all(offer_id in html for offer_id in offers["me"])
    assert not any(offer_id in html for offer_id in offers["colleague"] + offers["outsider"])


@pytest.mark.parametrize("holder", HOLDERS)
def test_moving_a_card_outside_the_view_scope_is_not_found(client, org, owner, holder):
    # given me seeing my department's offers, and a sent offer of ``holder``
    people = sales_team(org, owner)
    scoped_role(org, owner, people["me"], "department")
    offer_id = _offers(org, owner, people)[holder][0]
    client.force_login(people["me"])

    # when I drop it on "negotiation"
    version = Offer.objects.get(pk=offer_id).version
    response = client.post(
        reverse("sales:pipeline-move", args=[offer_id]),
        {"status": "negotiation", "version": version},
    )

    # then an offer outside my scope is not found, and stays where it was
    reached = reaches("department", holder)
    assert response.status_code == (200 if reached else 404)
    assert Offer.objects.get(pk=offer_id).status == ("negotiation" if reached else "sent")


# The board of a built-in role: the request's reads, the kept totals, one query per column.
BUILT_IN_QUERIES = 11


@pytest.mark.parametrize("role_user", ["owner", "sales_user"])
def test_the_built_in_roles_board_asks_no_more_queries(client, request, org, owner, role_user):
    # given sent offers of three members
    _offers(org, owner, sales_team(org, owner))
    client.force_login(request.getfixturevalue(role_user))

    # when a built-in role opens the board, then it asks what it always asked
    assert queries_of_get(client, reverse("sales:pipeline"), warm_up=False) == BUILT_IN_QUERIES


def test_a_scoped_boards_queries_do_not_grow_with_offers(client, org, owner):
    # given me with a department role
    people = sales_team(org, owner)
    scoped_role(org, owner, people["me"], "department")
    _offers(org, owner, people)
    client.force_login(people["me"])
    few = queries_of_get(client, reverse("sales:pipeline"), warm_up=False)

    # when more offers arrive, then the board asks the same number of queries
    _offers(org, owner, people, rounds=4)
    assert queries_of_get(client, reverse("sales:pipeline"), warm_up=False) == few
