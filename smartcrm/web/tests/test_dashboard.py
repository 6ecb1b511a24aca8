"""The dashboard ("My day"): my tasks and activities, my open offers, the organisation's
pipeline, wins and prospects; in my time zone; a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from smartcrm.activities.services import activity_create, activity_set_status
from smartcrm.core import services as core_services
from smartcrm.core.models import Membership
from smartcrm.core.services import user_set_language
from smartcrm.core.tests.queries import queries_of_get
from smartcrm.sales import services as sales
from smartcrm.sales.services.offers import org_today
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory, ProspectFactory
from smartcrm.tasks.services import task_create
from smartcrm.web.dashboard import Day, dashboard

BUCHAREST = zoneinfo.ZoneInfo("Europe/Bucharest")


def _today(membership_tz: dt.tzinfo = BUCHAREST) -> Day:
    return Day.of(membership_tz)


def _later_today() -> dt.datetime:
    """A moment still ahead today (Bucharest), whatever the time the test runs."""
    day = _today()
    return day.now + (day.end - day.now) / 2


def _offer(org, user, account, *, amount="1000", title="Ofertă", owner=None):
    offer = OfferFactory.create(org=org, user=user, account_id=account.pk, title=title)
    sales.offer_line_add(org=org, user=user, offer_id=offer.pk, name="Serviciu",
                         quantity="1", unit_price=amount, vat_rate="21")  # fmt: skip
    if owner is not None:
        sales.offer_update(org=org, user=user, offer_id=offer.pk, owner_id=owner.pk)
    return offer


def _win(org, user, offer):
    sales.offer_change_status(org=org, user=user, offer_id=offer.pk, status="sent")
    return sales.offer_change_status(
        org=org, user=user, offer_id=offer.pk, status="won", closed_date=org_today(org)
    )


def test_dashboard_shows_my_overdue_and_todays_tasks_only(client, org, owner, sales_user):
    prospect = ProspectFactory.create(org=org, user=owner, company_name="Brașov Lemn SRL")
    now = timezone.now()
    task_create(org=org, user=owner, title="Sună clientul", due_at=now - dt.timedelta(days=2),
                prospect_id=prospect.pk)  # fmt: skip
    task_create(org=org, user=owner, title="Trimite oferta", due_at=_later_today())
    task_create(org=org, user=owner, title="Mâine", due_at=_today().end + dt.timedelta(hours=2))
    task_create(org=org, user=owner, title="Fără termen")
    task_create(org=org, user=owner, title="A lui Ion", due_at=now - dt.timedelta(hours=1),
                assignee_id=sales_user.pk)  # fmt: skip
    client.force_login(owner)

    response = client.get(reverse("web:home"))

    assert response.status_code == 200
    board = response.context["board"]
    assert [task.title for task in board.tasks] == ["Sună clientul", "Trimite oferta"]
    assert [task.is_overdue for task in board.tasks] == [True, False]
    assert (board.tasks_due_count, board.overdue_count) == (2, 1)
    assert board.tasks[0].parent_label == "Brașov Lemn SRL"
    page = response.content.decode()
    assert 'data-testid="my-tasks"' in page
    assert "Mâine" not in page and "Fără termen" not in page and "A lui Ion" not in page


def test_dashboard_shows_planned_activities_of_today_and_the_next_seven_days(client, org, owner):
    account = AccountFactory.create(org=org, user=owner, name="Carpați Trans SA")
    day = _today()

    def plan(subject, start, **extra):
        return activity_create(org=org, user=owner, account_id=account.pk, kind="meeting",
                               subject=subject, start_at=start, **extra)  # fmt: skip

    plan("Întâlnire azi", _later_today())
    plan("Peste șase zile", day.start + dt.timedelta(days=6, hours=10))
    plan("Peste zece zile", day.start + dt.timedelta(days=10, hours=10))
    canceled = plan("Anulată", _later_today())
    activity_set_status(org=org, user=owner, activity_id=canceled.pk, status="canceled")
    client.force_login(owner)

    response = client.get(reverse("web:home"))

    board = response.context["board"]
    assert [a.subject for a in board.activities] == ["Întâlnire azi", "Peste șase zile"]
    assert [a.is_today for a in board.activities] == [True, False]
    assert board.activities[0].parent_label == "Carpați Trans SA"
    page = response.content.decode()
    assert 'data-testid="my-activities"' in page
    assert "Peste zece zile" not in page and "Anulată" not in page


def test_dashboard_groups_my_open_offers_by_status_with_values(client, org, owner, sales_user):
    account = AccountFactory.create(org=org, user=owner, name="Carpați Trans SA")
    _offer(org, owner, account, amount="1000", title="Transport Cluj")
    sent = _offer(org, owner, account, amount="2500.5", title="Transport Brașov")
    sales.offer_change_status(org=org, user=owner, offer_id=sent.pk, status="sent")
    _offer(org, owner, account, amount="700", title="A lui Ion", owner=sales_user)
    _win(org, owner, _offer(org, owner, account, amount="9000", title="Câștigată"))
    user_set_language(user=owner, language="ro")
    client.force_login(owner)

    response = client.get(reverse("web:home"))

    board = response.context["board"]
    groups = {group.status: group for group in board.my_offers}
    assert list(groups) == ["draft", "sent"]
    assert [o.title for o in groups["draft"].offers] == ["Transport Cluj"]
    assert [(t.currency, t.count, t.value) for t in groups["sent"].totals] == [
        ("RON", 1, Decimal("2500.50"))
    ]
    assert board.my_offer_count == 2
    page = response.content.decode()
    assert "2.500,50\xa0lei" in page  # Romanian money format
    assert 'data-testid="my-offers-sent"' in page
    # The organisation's pipeline counts every open offer, Ion's too.
    assert {(row.status, row.count, row.total_net) for row in board.pipeline} == {
        ("draft", 2, Decimal("1700.00")),
        ("sent", 1, Decimal("2500.50")),
    }
    chart = json.loads(
        page.split('id="pipeline-data" type="application/json">')[1].split("</script>")[0]
    )
    assert len(chart["labels"]) == 3  # draft, sent, negotiation
    assert chart["datasets"] == [{"label": "RON", "data": ["1700.00", "2500.50", "0.00"]}]
    assert 'data-testid="chart-pipeline"' in page


def test_dashboard_counts_offers_won_this_month(client, org, owner, sales_user):
    account = AccountFactory.create(org=org, user=owner)
    _win(org, owner, _offer(org, owner, account, amount="1000"))
    _win(org, owner, _offer(org, owner, account, amount="500", owner=sales_user))
    _offer(org, owner, account, amount="100")  # still a draft
    user_set_language(user=owner, language="ro")
    client.force_login(owner)

    response = client.get(reverse("web:home"))

    board = response.context["board"]
    assert board.won_count == 2
    assert [(t.currency, t.value) for t in board.won] == [("RON", Decimal("1500.00"))]
    assert board.won_mine == 1
    assert "1.500,00\xa0lei" in response.content.decode()


def test_dashboard_charts_prospects_by_status(client, org, owner):
    ProspectFactory.create(org=org, user=owner)
    ProspectFactory.create(org=org, user=owner)
    qualified = ProspectFactory.create(org=org, user=owner)
    sales.prospect_qualify(org=org, user=owner, prospect_id=qualified.pk)
    client.force_login(owner)

    response = client.get(reverse("web:home"))

    page = response.content.decode()
    chart = json.loads(
        page.split('id="prospects-data" type="application/json">')[1].split("</script>")[0]
    )
    assert dict(zip(chart["statuses"], chart["data"], strict=True)) == {
        "new": 2, "in_progress": 0, "qualified": 1, "disqualified": 0, "converted": 0,
    }  # fmt: skip
    assert 'data-testid="chart-prospects"' in page
    assert "vendor/chartjs-4.6.1/chart.umd.min.js" in page
    assert "web/dashboard.js" in page


def test_dashboard_never_shows_another_organisations_records(
    client, org, owner, other_org, other_owner
):
    foreign = AccountFactory.create(org=other_org, user=other_owner, name="Beta Secret SRL")
    _offer(other_org, other_owner, foreign, title="Ofertă secretă")
    task_create(org=other_org, user=other_owner, title="Sarcină secretă", due_at=_later_today())
    ProspectFactory.create(org=other_org, user=other_owner)
    client.force_login(owner)

    response = client.get(reverse("web:home"))

    board = response.context["board"]
    assert (board.my_offers, board.pipeline, board.tasks, board.prospect_total) == ([], [], [], 0)
    page = response.content.decode()
    assert "Beta Secret SRL" not in page and "Sarcină secretă" not in page


@pytest.mark.parametrize("role_user", ["owner", "manager", "sales_user"])
def test_dashboard_opens_for_every_role(client, request, org, role_user):
    user = request.getfixturevalue(role_user)
    client.force_login(user)
    response = client.get(reverse("web:home"))
    assert response.status_code == 200
    assert 'data-testid="my-tasks"' in response.content.decode()


def test_switched_off_modules_leave_their_blocks_out(client, org, owner):
    core_services.organization_set_modules(org=org, user=owner, enabled=["catalog", "notes"])
    client.force_login(owner)

    response = client.get(reverse("web:home"))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="my-tasks"' not in page
    assert 'data-testid="my-activities"' not in page


def test_today_is_the_members_day_in_their_time_zone(org, owner):
    """At 00:30 in Bucharest (22:30 UTC the day before), a task due at 23:30 Bucharest time is
    today's; for a member who reads in UTC it is tomorrow's."""
    now = dt.datetime(2026, 3, 10, 22, 30, tzinfo=dt.UTC)  # 11 March, 00:30 in Bucharest
    due = dt.datetime(2026, 3, 11, 21, 30, tzinfo=dt.UTC)  # 11 March, 23:30 in Bucharest
    task_create(org=org, user=owner, title="Raport lunar", due_at=due)
    membership = Membership.objects.select_related("organization", "user").get(
        organization=org, user=owner
    )

    in_bucharest = dashboard(membership=membership, now=now)
    membership.user.time_zone = "UTC"
    in_utc = dashboard(membership=membership, now=now)

    assert in_bucharest.day.start == dt.datetime(2026, 3, 11, tzinfo=BUCHAREST)
    assert [task.title for task in in_bucharest.tasks] == ["Raport lunar"]
    assert in_utc.tasks == []


def test_dashboard_shows_times_in_the_members_time_zone(client, org, owner):
    due = _today().start + dt.timedelta(hours=23, minutes=45)
    task_create(org=org, user=owner, title="Târziu", due_at=due)
    client.force_login(owner)

    page = client.get(reverse("web:home")).content.decode()

    assert "23:45" in page


def _fill(org, owner, count):
    account = AccountFactory.create(org=org, user=owner)
    day = _today()
    for index in range(count):
        prospect = ProspectFactory.create(org=org, user=owner)
        task_create(org=org, user=owner, title=f"Sarcina {index}", prospect_id=prospect.pk,
                    due_at=day.now - dt.timedelta(hours=index + 1))  # fmt: skip
        activity_create(org=org, user=owner, prospect_id=prospect.pk, kind="call",
                        subject=f"Apel {index}",
                        start_at=day.start + dt.timedelta(days=index % 7, hours=23))  # fmt: skip
        offer = _offer(org, owner, account, amount=str(100 + index))
        if index % 3 == 1:
            sales.offer_change_status(org=org, user=owner, offer_id=offer.pk, status="sent")
        if index % 5 == 2:
            _win(org, owner, _offer(org, owner, account))


def test_dashboard_query_count_does_not_grow_with_rows(client, org, owner):
    client.force_login(owner)
    _fill(org, owner, 2)
    few = queries_of_get(client, reverse("web:home"), warm_up=False)
    _fill(org, owner, 18)
    many = queries_of_get(client, reverse("web:home"), warm_up=False)
    assert many == few


def test_a_task_due_earlier_today_is_due_not_overdue_as_in_the_lists(client, org, owner):
    from smartcrm.agenda.selectors import overdue_cutoff

    start_of_today = overdue_cutoff(org)
    task_create(org=org, user=owner, title="Azi", due_at=start_of_today + dt.timedelta(seconds=1))
    task_create(org=org, user=owner, title="Ieri", due_at=start_of_today - dt.timedelta(minutes=1))
    client.force_login(owner)

    board = client.get(reverse("web:home")).context["board"]

    assert [(task.title, task.is_overdue) for task in board.tasks] == [
        ("Ieri", True),
        ("Azi", False),
    ]
    assert board.overdue_count == 1


def test_organisation_figures_are_counted_once_per_cache_period(client, org, owner, settings):
    # Given the organisation-wide figures kept for a minute, and a first page load
    settings.SMARTCRM_DASHBOARD_CACHE_SECONDS = 60
    client.force_login(owner)
    ProspectFactory.create(org=org, user=owner)
    first = queries_of_get(client, reverse("web:home"), warm_up=False)
    # When another prospect arrives and the page is loaded again within the minute
    ProspectFactory.create(org=org, user=owner)
    again = queries_of_get(client, reverse("web:home"), warm_up=False)
    response = client.get(reverse("web:home"))
    # Then the pipeline, wins and prospect counts come from the cache (three queries fewer),
    # as they were counted (the next count, a minute later at most, sees the new one)
    assert again == first - 3
    assert response.context["board"].prospect_counts["new"] == 1
    caches["default"].clear()
    assert client.get(reverse("web:home")).context["board"].prospect_counts["new"] == 2


def test_another_organisations_cached_figures_are_never_shown(
    client, org, owner, other_org, other_owner, settings
):
    # Given organisation B's figures in the cache
    settings.SMARTCRM_DASHBOARD_CACHE_SECONDS = 60
    ProspectFactory.create(org=other_org, user=other_owner)
    client.force_login(other_owner)
    assert client.get(reverse("web:home")).context["board"].prospect_counts["new"] == 1
    # When A's owner opens the dashboard, Then A's own figures are counted
    client.force_login(owner)
    assert client.get(reverse("web:home")).context["board"].prospect_counts["new"] == 0
