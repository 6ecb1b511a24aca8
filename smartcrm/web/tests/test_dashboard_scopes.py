"""The dashboard counts what the member's view scope shows: their offers, tasks and
activities, the pipeline, the wins and the prospects. The built-in roles keep the
organisation's kept totals (and their number of queries)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from smartcrm.activities.services import activity_create
from smartcrm.core.scopes import ACTIONS, RECORD_MODULES
from smartcrm.core.tests.factories import give_role
from smartcrm.core.tests.queries import queries_of_get
from smartcrm.core.tests.teams import HOLDERS, reaches, sales_team, scoped_role
from smartcrm.sales import services as sales
from smartcrm.sales.services.offers import org_today
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory, ProspectFactory
from smartcrm.tasks.services import task_create

pytestmark = pytest.mark.django_db

# What each holder's open offer and won offer are worth, without VAT: every sum says whose.
OPEN = {"me": "1000", "colleague": "200", "outsider": "30"}
WON = {"me": "4000", "colleague": "500", "outsider": "60"}


def _offer(org, owner, account, holder, amount, title):
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk, title=title,
                                owner_id=holder.pk)  # fmt: skip
    sales.offer_line_add(org=org, user=owner, offer_id=offer.pk, name="Serviciu",
                         quantity="1", unit_price=amount, vat_rate="21")  # fmt: skip
    return sales.offer_change_status(org=org, user=owner, offer_id=offer.pk, status="sent")


def _records(org, owner, people):
    """For each holder: a prospect, an open offer, an offer won today, a task due soon and
    an activity planned soon."""
    account = AccountFactory.create(org=org, user=owner, name="Transilvania Distribuție SRL")
    soon = timezone.now() + dt.timedelta(minutes=5)
    for holder in HOLDERS:
        person = people[holder]
        prospect = ProspectFactory.create(org=org, user=owner, owner_id=person.pk,
                                          company_name=f"Prospect {holder} SRL")  # fmt: skip
        _offer(org, owner, account, person, OPEN[holder], f"Deschisă {holder}")
        won = _offer(org, owner, account, person, WON[holder], f"Câștigată {holder}")
        sales.offer_change_status(org=org, user=owner, offer_id=won.pk, status="won",
                                  closed_date=org_today(org))  # fmt: skip
        task_create(org=org, user=owner, title=f"Sarcina {holder}", due_at=soon,
                    assignee_id=person.pk)  # fmt: skip
        activity_create(org=org, user=owner, kind="call", subject=f"Apel {holder}",
                        start_at=soon, owner_id=person.pk, prospect_id=prospect.pk)  # fmt: skip


def _expected(scope, amounts):
    return sum((Decimal(amounts[h]) for h in HOLDERS if reaches(scope, h)), Decimal("0.00"))


@pytest.mark.parametrize("scope", ["own", "department"])
def test_dashboard_counts_only_what_the_view_scope_shows(client, org, owner, scope):
    # given me with a role of ``scope`` on every record, and records of each holder
    people = sales_team(org, owner)
    scoped_role(org, owner, people["me"], scope)
    _records(org, owner, people)
    seen = [h for h in HOLDERS if reaches(scope, h)]
    client.force_login(people["me"])

    # when I open the dashboard
    response = client.get(reverse("web:home"))

    # then the pipeline, the wins and the prospects are those of the holders I reach
    board = response.context["board"]
    assert [(row.status, row.currency, row.count, row.total_net) for row in board.pipeline] == [
        ("sent", "RON", len(seen), _expected(scope, OPEN))
    ]
    assert [(t.currency, t.count, t.value) for t in board.won] == [
        ("RON", len(seen), _expected(scope, WON))
    ]
    assert board.won_mine == 1
    assert board.prospect_counts["new"] == len(seen)
    # and my own offers, tasks and activities are there
    assert [o.title for group in board.my_offers for o in group.offers] == ["Deschisă me"]
    assert [task.title for task in board.tasks] == ["Sarcina me"]
    assert [activity.subject for activity in board.activities] == ["Apel me"]
    page = response.content.decode()
    assert "Prospect outsider SRL" not in page and "Deschisă outsider" not in page


def test_a_role_that_sees_no_offers_nor_prospects_counts_none(client, org, owner):
    # given me with a role that sees none of the records, and records of each holder
    people = sales_team(org, owner)
    scoped_role(org, owner, people["me"], "none")
    _records(org, owner, people)
    client.force_login(people["me"])

    # when I open the dashboard
    response = client.get(reverse("web:home"))

    # then it counts nothing, and leaves the tasks and activities blocks out
    board = response.context["board"]
    assert (board.pipeline, board.won, board.my_offers, board.won_mine) == ([], [], [], 0)
    assert board.prospect_total == 0
    assert (board.tasks, board.activities) == ([], [])
    page = response.content.decode()
    assert 'data-testid="my-tasks"' not in page and 'data-testid="my-activities"' not in page


def test_seeing_all_offers_but_own_prospects_mixes_kept_totals_and_counts(client, org, owner):
    # given me seeing every offer but only my prospects
    people = sales_team(org, owner)
    grants = {module: dict.fromkeys(ACTIONS, "all") for module in RECORD_MODULES}
    give_role(org, owner, people["me"], {**grants, "prospects": {"view": "own"}}, "Rol mixt")
    _records(org, owner, people)
    client.force_login(people["me"])

    # when I open the dashboard
    board = client.get(reverse("web:home")).context["board"]

    # then the pipeline is the organisation's, the prospects mine
    assert [(row.count, row.total_net) for row in board.pipeline] == [(3, Decimal("1230.00"))]
    assert board.prospect_counts["new"] == 1


def test_a_scoped_members_figures_never_come_from_nor_go_to_the_shared_cache(
    client, org, owner, settings
):
    # given the organisation's figures cached by its owner's visit
    settings.SMARTCRM_DASHBOARD_CACHE_SECONDS = 60
    people = sales_team(org, owner)
    scoped_role(org, owner, people["me"], "own")
    _records(org, owner, people)
    client.force_login(owner)
    assert client.get(reverse("web:home")).context["board"].prospect_counts["new"] == 3

    # when I, seeing my own records only, open the dashboard
    client.force_login(people["me"])
    mine = client.get(reverse("web:home")).context["board"]

    # then I see my figures, and the owner still the organisation's
    assert (mine.prospect_counts["new"], mine.won_count) == (1, 1)
    client.force_login(owner)
    board = client.get(reverse("web:home")).context["board"]
    assert (board.prospect_counts["new"], board.won_count) == (3, 3)
    caches["default"].clear()


# The dashboard of a built-in role: session, user, membership, the layout's reads, the
# dashboard's own (tasks, activities, offers, the kept totals, prospects, wins).
BUILT_IN_QUERIES = 15


@pytest.mark.parametrize("role_user", ["owner", "sales_user"])
def test_the_built_in_roles_dashboard_asks_no_more_queries(client, request, org, role_user):
    # given records of three members
    people = sales_team(org, org_owner := request.getfixturevalue("owner"))
    _records(org, org_owner, people)
    client.force_login(request.getfixturevalue(role_user))

    # when a built-in role opens the dashboard, then it asks what it always asked
    assert queries_of_get(client, reverse("web:home"), warm_up=False) == BUILT_IN_QUERIES


@pytest.mark.parametrize("scope", ["own", "department"])
def test_a_scoped_dashboards_queries_do_not_grow_with_rows(client, org, owner, scope):
    # given me with a ``scope`` role, and records of each holder
    people = sales_team(org, owner)
    scoped_role(org, owner, people["me"], scope)
    _records(org, owner, people)
    client.force_login(people["me"])
    few = queries_of_get(client, reverse("web:home"), warm_up=False)

    # when many more records arrive
    for _round in range(4):
        _records(org, owner, people)

    # then the dashboard asks the same number of queries
    assert queries_of_get(client, reverse("web:home"), warm_up=False) == few


def test_my_task_on_a_record_outside_the_scope_shows_without_that_record(client, org, owner):
    # given me seeing my own records, with a task and a call of mine on the outsider's prospect
    people = sales_team(org, owner)
    scoped_role(org, owner, people["me"], "own")
    theirs = ProspectFactory.create(org=org, user=owner, owner_id=people["outsider"].pk,
                                    company_name="Munteanu Agro SRL")  # fmt: skip
    soon = timezone.now() + dt.timedelta(minutes=5)
    task_create(org=org, user=owner, title="Verifică stocul", due_at=soon,
                assignee_id=people["me"].pk, prospect_id=theirs.pk)  # fmt: skip
    activity_create(org=org, user=owner, kind="call", subject="Apel stoc", start_at=soon,
                    owner_id=people["me"].pk, prospect_id=theirs.pk)  # fmt: skip
    client.force_login(people["me"])

    # when I open the dashboard
    response = client.get(reverse("web:home"))

    # then my task and call are there, without the prospect's name or link
    board = response.context["board"]
    assert [(t.title, t.parent_label, t.parent_url) for t in board.tasks] == [
        ("Verifică stocul", "", "")
    ]
    assert [(a.subject, a.parent_label, a.parent_url) for a in board.activities] == [
        ("Apel stoc", "", "")
    ]
    page = response.content.decode()
    assert "Munteanu Agro SRL" not in page and str(theirs.pk) not in page
