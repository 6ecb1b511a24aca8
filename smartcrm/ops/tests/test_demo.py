"""The demo data loader and the `demo` command.

Most tests read one load of the demo, made once for this module inside a transaction that
is rolled back (loading takes seconds): the rows are read into memory first, so each test
only inspects them. Tests that need the database in a given state load it themselves.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Max
from django.test import override_settings
from django.utils import timezone, translation

from smartcrm.activities.models import Activity
from smartcrm.catalog.models import ExchangeRate, Product
from smartcrm.contacts.models import Contact
from smartcrm.core import services as core_services
from smartcrm.core.errors import ValidationFailed
from smartcrm.core.models import Department, Membership, Organization, User
from smartcrm.core.money import round_price, round_rate
from smartcrm.core.validators import cui_is_valid
from smartcrm.notes.models import Note
from smartcrm.ops import demo as demo_module
from smartcrm.ops.demo import DEMO_REMINDER_TITLE, DemoResult, load_demo
from smartcrm.sales.models import Account, Offer, OfferLine, Prospect
from smartcrm.tasks.models import Task

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
BUCHAREST = ZoneInfo("Europe/Bucharest")
LOGIN_LINE = "Log in at http://127.0.0.1:8000/ with demo@smartcrm.local / demo-smartcrm"
CEDILLA_LETTERS = "şţŞŢ"

# Every test uses the database (this also makes pytest-django create the test database
# when only tests reading the module's loaded demo are selected).
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = FAST_HASHERS


@dataclass(repr=False)
class LoadedDemo:
    """One load of the demo, read into memory before it was rolled back."""

    result: DemoResult
    today: dt.date
    login: User | None
    counts: dict[str, int]
    fingerprint: dict[str, list[tuple[Any, ...]]]
    memberships: list[Membership]
    departments: list[Department]
    rates: list[ExchangeRate]
    products: list[Product]
    prospects: list[Prospect]
    accounts: list[Account]
    contacts: list[Contact]
    offers: list[Offer]
    activities: list[Activity]
    notes: list[Note]
    tasks: list[Task]
    # The prospects the field agent's role shows him (read through his view scope).
    field_agent_prospects: list[Prospect]

    def rate(self, currency: str, on: dt.date) -> Decimal:
        return next(r.rate for r in self.rates if r.currency == currency and r.date == on)


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def last_changes() -> dict[str, dt.datetime | None]:
    """The latest ``updated_at`` of each model that has one: any update moves it."""
    return {
        model._meta.label: model._default_manager.aggregate(last=Max("updated_at"))["last"]
        for model in apps.get_models()
        if any(field.name == "updated_at" for field in model._meta.concrete_fields)
    }


def fingerprint(org: Organization) -> dict[str, list[tuple[Any, ...]]]:
    """What a user sees of the demo, without the generated ids and creation times."""
    lines = OfferLine.objects.for_org(org).order_by("offer__number", "position")
    return {
        "rates": list(
            ExchangeRate.objects.for_org(org)
            .order_by("currency", "date")
            .values_list("currency", "date", "rate")
        ),
        "prospects": list(
            Prospect.objects.for_org(org)
            .order_by("company_name", "last_name")
            .values_list("company_name", "last_name", "status", "cui", "owner__email")
        ),
        "contacts": sorted(
            Contact.objects.for_org(org).values_list(
                "first_name",
                "last_name",
                "email",
                "phone",
                "is_primary",
                "prospect__company_name",
                "account__name",
            )
        ),
        "offers": list(
            Offer.objects.for_org(org)
            .order_by("number")
            .values_list(
                "number",
                "title",
                "account__name",
                "status",
                "currency",
                "issue_date",
                "closed_date",
                "total_net",
                "total_vat",
                "total_gross",
            )
        ),
        "lines": list(
            lines.values_list(
                "offer__number",
                "position",
                "code",
                "name",
                "quantity",
                "exchange_rate",
                "unit_price",
                "gross_amount",
            )
        ),
        "activities": sorted(
            Activity.objects.for_org(org).values_list("subject", "status", "start_at", "kind")
        ),
        # (the task due minutes after loading moves with the clock, so it is left out)
        "tasks": sorted(
            Task.objects.for_org(org)
            .exclude(title=DEMO_REMINDER_TITLE)
            .values_list("title", "status", "due_at", "assignee__email")
        ),
    }


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> LoadedDemo:
    """Load the demo once, read everything the tests inspect, then roll it all back."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS),
        transaction.atomic(),
    ):
        result = load_demo()
        org = result.organization
        loaded = LoadedDemo(
            result=result,
            today=timezone.localdate(timezone=BUCHAREST),
            login=authenticate(email=result.email, password=result.password),
            counts=row_counts(),
            fingerprint=fingerprint(org),
            memberships=list(
                Membership.objects.filter(organization=org).select_related(
                    "user", "department", "custom_role"
                )
            ),
            departments=list(Department.objects.for_org(org).select_related("parent", "head")),
            rates=list(ExchangeRate.objects.for_org(org)),
            products=list(Product.objects.for_org(org)),
            prospects=list(Prospect.objects.for_org(org).prefetch_related("contacts")),
            accounts=list(
                Account.objects.for_org(org).prefetch_related("contacts", "converted_prospects")
            ),
            contacts=list(Contact.objects.for_org(org)),
            offers=list(
                Offer.objects.for_org(org)
                .select_related("account")
                .prefetch_related("lines__product", "offer_contacts__contact")
            ),
            activities=list(Activity.objects.for_org(org).prefetch_related("participants")),
            notes=list(Note.objects.for_org(org)),
            tasks=list(Task.objects.for_org(org)),
            field_agent_prospects=list(
                Prospect.objects.for_member(
                    Membership.objects.select_related("custom_role").get(
                        organization=org, user__email="mihai.vaduva@carpatisoft.ro"
                    ),
                    "prospects",
                )
            ),
        )
        transaction.set_rollback(True)
    return loaded


def parent_of(row: Activity | Note | Task) -> str:
    for name in ("prospect", "account", "offer"):
        if getattr(row, f"{name}_id") is not None:
            return name
    return "none"


def local_day(moment: dt.datetime, today: dt.date) -> int:
    """Days from today to the local (Bucharest) date of ``moment``."""
    return (moment.astimezone(BUCHAREST).date() - today).days


# --- The organisation and its people ----------------------------------------------------


def test_demo_organisation_is_carpati_soft_in_cluj_with_a_valid_cui(demo: LoadedDemo) -> None:
    org = demo.result.organization

    assert demo.result.created is True
    assert (org.name, org.slug, org.locality, org.county) == (
        "Carpați Soft SRL",
        "demo",
        "Cluj-Napoca",
        "CJ",
    )
    assert cui_is_valid(org.cui)
    assert org.trade_register == "J12/3456/2015"
    assert org.iban.startswith("RO") and len(org.iban) == 24
    assert org.bank_name == "Banca Transilvania"
    assert (org.base_currency, org.time_zone) == ("RON", "Europe/Bucharest")


def test_demo_owner_logs_in_with_the_published_password(demo: LoadedDemo) -> None:
    owner = next(m for m in demo.memberships if m.role == "owner").user

    assert (demo.result.email, demo.result.password) == ("demo@smartcrm.local", "demo-smartcrm")
    assert demo.login is not None
    assert demo.login.pk == owner.pk
    assert owner.email == "demo@smartcrm.local"


def test_demo_team_is_an_owner_a_manager_and_two_sales_users_in_a_department_tree(
    demo: LoadedDemo,
) -> None:
    team = sorted(
        (m.user.email, m.role, m.department.name if m.department else "") for m in demo.memberships
    )

    assert team == [
        ("demo@smartcrm.local", "owner", "Vânzări"),
        ("ioana.tirlea@carpatisoft.ro", "manager", "Vânzări"),
        ("mihai.vaduva@carpatisoft.ro", "sales", "Vânzări Brașov"),
        ("stefania.balan@carpatisoft.ro", "sales", "Suport tehnic"),
    ]
    tree = sorted(
        (d.name, d.parent.name if d.parent else "", d.head.email if d.head else "")
        for d in demo.departments
    )
    assert tree == [
        ("Suport tehnic", "", ""),
        ("Vânzări", "", "ioana.tirlea@carpatisoft.ro"),
        ("Vânzări Brașov", "Vânzări", ""),
        ("Vânzări Cluj", "Vânzări", ""),
    ]


def test_demo_has_a_field_agent_who_sees_only_what_he_holds(demo: LoadedDemo) -> None:
    from smartcrm.core.scopes import scope_for

    mihai = next(m for m in demo.memberships if m.user.email.startswith("mihai"))
    assert mihai.custom_role is not None and mihai.custom_role.name == "Agent teren"
    for module in ("prospects", "accounts", "offers", "contacts"):
        assert scope_for(mihai, module, "view") == "own"
    assert scope_for(mihai, "tasks", "view") == "own"  # his records and what hangs on them
    assert scope_for(mihai, "products", "view") == "all"  # the rest as a sales user
    seen = demo.field_agent_prospects
    assert 0 < len(seen) < len(demo.prospects)
    assert {p.owner_id for p in seen} == {mihai.user_id}


# --- Counts -------------------------------------------------------------------------------


def test_demo_makes_the_documented_number_of_each_record(demo: LoadedDemo) -> None:
    counts = {
        label: demo.counts[label]
        for label in (
            "core.Organization",
            "core.User",
            "core.Membership",
            "core.Department",
            "catalog.ExchangeRate",
            "catalog.Product",
            "sales.Prospect",
            "sales.Account",
            "sales.Offer",
            "sales.OfferLine",
            "contacts.Contact",
            "contacts.OfferContact",
            "activities.Activity",
            "notes.Note",
            "tasks.Task",
        )
    }

    assert counts == {
        "core.Organization": 1,
        "core.User": 4,
        "core.Membership": 4,
        "core.Department": 4,
        "catalog.ExchangeRate": 135,
        "catalog.Product": 20,
        "sales.Prospect": 30,
        "sales.Account": 15,
        "sales.Offer": 24,
        "sales.OfferLine": 69,
        "contacts.Contact": 76,
        "contacts.OfferContact": 33,
        "activities.Activity": 132,
        "notes.Note": 55,
        "tasks.Task": 60,
    }


# --- Exchange rates and catalogue ----------------------------------------------------------


def test_exchange_rates_cover_each_of_the_last_45_days_in_plausible_ranges(
    demo: LoadedDemo,
) -> None:
    days = [demo.today - dt.timedelta(days=n) for n in range(45)]
    bounds = {
        "EUR": (Decimal("4.97"), Decimal("5.10")),
        "USD": (Decimal("4.30"), Decimal("4.70")),
        "GBP": (Decimal("5.70"), Decimal("6.00")),
    }

    for currency, (low, high) in bounds.items():
        rates = {r.date: r.rate for r in demo.rates if r.currency == currency}
        assert sorted(rates) == sorted(days)
        assert all(low <= rate <= high for rate in rates.values()), currency


def test_catalogue_mixes_units_currencies_vat_rates_and_stock(demo: LoadedDemo) -> None:
    products = demo.products

    assert len({p.code for p in products}) == 20
    assert Counter(p.kind for p in products) == {"product": 10, "service": 10}
    assert Counter(p.currency for p in products) == {"RON": 13, "EUR": 6, "USD": 1}
    assert Counter(p.vat_rate for p in products) == {
        Decimal("21"): 18,
        Decimal("11"): 1,
        Decimal("0"): 1,
    }
    assert sum(p.price_includes_vat for p in products) == 4
    assert sorted((p.code, p.stock_quantity) for p in products if p.track_stock) == [
        ("HW-LAPTOP-14", Decimal("12.000")),
        ("HW-MON-27", Decimal("25.000")),
    ]
    assert {"buc", "oră", "zi", "lună", "an"} <= {p.unit for p in products}


# --- Prospects, accounts, contacts -----------------------------------------------------------


def test_prospects_cover_every_status(demo: LoadedDemo) -> None:
    statuses = Counter(p.status for p in demo.prospects)

    assert statuses == {
        "new": 5,
        "in_progress": 6,
        "qualified": 4,
        "disqualified": 3,
        "converted": 12,
    }


def test_disqualified_prospects_say_why_and_converted_ones_point_to_their_account(
    demo: LoadedDemo,
) -> None:
    account_ids = {a.pk for a in demo.accounts}

    for prospect in demo.prospects:
        if prospect.status == "disqualified":
            assert prospect.disqualify_reason != ""
        if prospect.status == "converted":
            assert prospect.converted_account_id in account_ids
            assert prospect.converted_at is not None


def test_prospects_are_spread_over_kinds_counties_sources_priorities_and_owners(
    demo: LoadedDemo,
) -> None:
    prospects = demo.prospects

    assert Counter(p.kind for p in prospects) == {"company": 26, "person": 4}
    assert len({p.county for p in prospects}) == 30
    assert len({p.source for p in prospects}) == 8
    assert {p.priority for p in prospects} == {"low", "medium", "high"}
    assert len({p.owner_id for p in prospects}) == 4
    assert all(cui_is_valid(p.cui) for p in prospects if p.kind == "company")
    assert all(p.cui == "" for p in prospects if p.kind == "person")


def test_open_prospects_have_one_to_three_contacts_with_exactly_one_primary(
    demo: LoadedDemo,
) -> None:
    for prospect in demo.prospects:
        contacts = list(prospect.contacts.all())
        if prospect.status == "converted":
            assert contacts == []  # they moved to the account
            continue
        assert 1 <= len(contacts) <= 3, prospect.display_name
        assert sum(c.is_primary for c in contacts) == 1, prospect.display_name


def test_accounts_come_mostly_from_conversions_and_each_has_one_primary_contact(
    demo: LoadedDemo,
) -> None:
    converted = [a for a in demo.accounts if a.source_prospect_id is not None]
    direct = sorted(a.name for a in demo.accounts if a.source_prospect_id is None)

    assert len(converted) == 12
    assert direct == [
        "Lactate Mărginimea Sibiului SRL",
        "Primăria Comunei Florești",
        "Tehnoserv Bucovina SRL",
    ]
    for account in demo.accounts:
        contacts = list(account.contacts.all())
        assert sum(c.is_primary for c in contacts) == 1, account.name
    assert Counter("prospect" if c.prospect_id else "account" for c in demo.contacts) == {
        "prospect": 35,
        "account": 41,
    }


# --- Offers ---------------------------------------------------------------------------------


def test_offers_cover_every_status_with_closing_dates_and_lost_reasons(demo: LoadedDemo) -> None:
    offers = demo.offers

    assert Counter(o.status for o in offers) == {
        "draft": 5,
        "sent": 5,
        "negotiation": 4,
        "won": 6,
        "lost": 4,
    }
    for offer in offers:
        if offer.status in ("won", "lost"):
            assert offer.closed_date is not None, offer.number
            assert offer.issue_date <= offer.closed_date < demo.today, offer.number
        else:
            assert offer.closed_date is None, offer.number
        assert (offer.lost_reason != "") == (offer.status == "lost"), offer.number
    assert {o.probability for o in offers if o.status == "won"} == {100}
    assert {o.probability for o in offers if o.status == "lost"} == {0}


def test_offers_are_in_lei_and_euro_and_spread_over_accounts(demo: LoadedDemo) -> None:
    offers = demo.offers

    assert Counter(o.currency for o in offers) == {"RON": 17, "EUR": 7}
    assert len({o.account_id for o in offers}) == 15
    assert len({o.owner_id for o in offers}) == 4


def test_offer_numbers_are_gap_free_per_year_and_follow_the_issue_dates(
    demo: LoadedDemo,
) -> None:
    by_number = sorted(demo.offers, key=lambda o: o.number)

    # Early in January the oldest offers belong to the year before: two sequences.
    for year in {o.issue_date.year for o in by_number}:
        numbers = [o.number for o in by_number if o.issue_date.year == year]
        assert numbers == [f"OF-{year}-{n:04d}" for n in range(1, len(numbers) + 1)]
    assert [o.issue_date for o in by_number] == sorted(o.issue_date for o in by_number)


def test_each_offer_has_one_to_five_lines_from_the_catalogue_and_free_lines(
    demo: LoadedDemo,
) -> None:
    line_counts = [len(o.lines.all()) for o in demo.offers]
    lines = [line for o in demo.offers for line in o.lines.all()]

    assert min(line_counts) == 1 and max(line_counts) == 5
    assert sum(line_counts) == 69
    assert sum(line.product_id is None for line in lines) == 13
    assert {line.source_currency for line in lines if line.product_id} == {"RON", "EUR", "USD"}


def test_offer_totals_are_the_sums_of_their_lines(demo: LoadedDemo) -> None:
    for offer in demo.offers:
        lines = list(offer.lines.all())
        assert offer.total_net == sum(line.net_amount for line in lines), offer.number
        assert offer.total_vat == sum(line.vat_amount for line in lines), offer.number
        assert offer.total_gross == sum(line.gross_amount for line in lines), offer.number
        assert offer.total_gross == offer.total_net + offer.total_vat, offer.number
        assert offer.total_gross > 0, offer.number


def test_euro_product_on_a_lei_offer_stores_the_rate_of_the_issue_date(demo: LoadedDemo) -> None:
    euro_on_lei = [
        (offer, line)
        for offer in demo.offers
        for line in offer.lines.all()
        if offer.currency == "RON" and line.source_currency == "EUR"
    ]

    assert len(euro_on_lei) == 19
    for offer, line in euro_on_lei:
        rate = demo.rate("EUR", offer.issue_date)
        assert line.exchange_rate == rate != Decimal(1)
        assert line.unit_price == round_price(line.source_price * rate)


def test_lei_product_on_a_euro_offer_is_converted_at_the_inverse_rate(demo: LoadedDemo) -> None:
    lei_on_euro = [
        (offer, line)
        for offer in demo.offers
        for line in offer.lines.all()
        if offer.currency == "EUR" and line.source_currency == "RON"
    ]

    assert len(lei_on_euro) == 8
    for offer, line in lei_on_euro:
        expected = round_rate(Decimal(1) / demo.rate("EUR", offer.issue_date))
        assert line.exchange_rate == expected
        assert line.unit_price == round_price(line.source_price * expected)


def test_offer_contacts_are_contacts_of_the_offer_account(demo: LoadedDemo) -> None:
    for offer in demo.offers:
        chosen = [link.contact for link in offer.offer_contacts.all()]
        assert 1 <= len(chosen) <= 2, offer.number
        assert {c.account_id for c in chosen} == {offer.account_id}, offer.number


# --- Activities, notes, tasks -------------------------------------------------------------


def test_activities_are_done_in_the_past_and_planned_from_today_on_every_kind_of_record(
    demo: LoadedDemo,
) -> None:
    by_parent = Counter((parent_of(a), a.status) for a in demo.activities)
    planned_days = [
        local_day(a.start_at, demo.today) for a in demo.activities if a.status == "planned"
    ]

    assert by_parent == {
        ("prospect", "done"): 30,
        ("prospect", "planned"): 13,
        ("account", "done"): 36,
        ("account", "planned"): 15,
        ("offer", "done"): 29,
        ("offer", "planned"): 9,
    }
    assert all(
        a.start_at < timezone.now() and a.completed_at is not None
        for a in demo.activities
        if a.status == "done"
    )
    assert Counter(
        "today" if d == 0 else "this week" if d <= 7 else "later" for d in planned_days
    ) == {"today": 4, "this week": 13, "later": 20}
    assert {a.kind for a in demo.activities} == {"call", "email", "meeting"}


def test_activity_participants_are_contacts_of_the_activity_record(demo: LoadedDemo) -> None:
    offers = {o.pk: o for o in demo.offers}

    for activity in demo.activities:
        participants = list(activity.participants.all())
        assert participants, activity.subject
        scope: tuple[str, object]
        if activity.offer_id:
            scope = ("account_id", offers[activity.offer_id].account_id)
        elif activity.account_id:
            scope = ("account_id", activity.account_id)
        else:
            scope = ("prospect_id", activity.prospect_id)
        field, record_id = scope
        assert {getattr(c, field) for c in participants} == {record_id}, activity.subject


def test_notes_hang_on_prospects_accounts_and_offers(demo: LoadedDemo) -> None:
    assert Counter(parent_of(n) for n in demo.notes) == {
        "prospect": 11,
        "account": 20,
        "offer": 24,
    }
    assert any(n.pinned for n in demo.notes)


def test_tasks_are_overdue_due_today_upcoming_done_and_some_stand_alone(
    demo: LoadedDemo,
) -> None:
    def when(task: Task) -> str:
        if task.status == "done":
            return "done"
        day = local_day(task.due_at, demo.today)  # type: ignore[arg-type]  # all have a due time
        return "overdue" if day < 0 else "today" if day == 0 else "upcoming"

    # the one task due minutes after loading, to see a reminder arrive, is counted apart
    (soon,) = [t for t in demo.tasks if t.title == DEMO_REMINDER_TITLE]
    tasks = [t for t in demo.tasks if t is not soon]
    assert soon.status == "open"
    assert soon.remind_at == soon.due_at
    assert Counter(when(t) for t in tasks) == {
        "overdue": 10,
        "today": 7,
        "upcoming": 23,
        "done": 19,
    }
    assert Counter(t.status for t in tasks) == {"open": 33, "in_progress": 7, "done": 19}
    assert sum(parent_of(t) == "none" for t in tasks) == 4
    assert {parent_of(t) for t in tasks} == {"prospect", "account", "offer", "none"}
    assert len({t.assignee_id for t in tasks}) == 4


# --- Romanian text ---------------------------------------------------------------------------


def test_names_use_comma_below_diacritics_and_never_cedilla(demo: LoadedDemo) -> None:
    org = demo.result.organization
    names = [
        org.name,
        *(f"{m.user.first_name} {m.user.last_name}" for m in demo.memberships),
        *(p.display_name for p in demo.prospects),
        *(a.name for a in demo.accounts),
        *(c.full_name for c in demo.contacts),
    ]
    texts = [
        *names,
        *(d.name for d in demo.departments),
        *(p.name + p.description for p in demo.products),
        *(p.locality + p.address + p.description + p.disqualify_reason for p in demo.prospects),
        *(c.job_title for c in demo.contacts),
        *(o.title + o.lost_reason for o in demo.offers),
        *(line.name for o in demo.offers for line in o.lines.all()),
        *(a.subject + a.outcome for a in demo.activities),
        *(n.body for n in demo.notes),
        *(t.title for t in demo.tasks),
    ]
    all_names = " ".join(names)

    assert [t for t in texts if any(letter in t for letter in CEDILLA_LETTERS)] == []
    for letter in "șțăîâȘȚ":
        assert letter in all_names, letter


# --- Repeatability ----------------------------------------------------------------------------


def test_load_demo_twice_creates_nothing_more() -> None:
    first = load_demo()
    counts, changed = row_counts(), last_changes()

    second = load_demo()

    assert (first.created, second.created) == (True, False)
    assert second.organization.pk == first.organization.pk
    assert row_counts() == counts
    assert last_changes() == changed


def test_load_demo_makes_the_same_data_each_time(demo: LoadedDemo) -> None:
    result = load_demo()

    assert fingerprint(result.organization) == demo.fingerprint


def test_load_demo_leaves_nothing_behind_when_a_service_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(**kwargs: Any) -> None:
        raise ValidationFailed("No rate today.", field="rate")

    monkeypatch.setattr(demo_module, "exchange_rate_set", refuse)

    with pytest.raises(ValidationFailed):
        load_demo()

    assert not Organization.objects.filter(slug="demo").exists()
    assert User.objects.count() == 0


# --- The command -----------------------------------------------------------------------------


def run_demo_command() -> list[str]:
    out = StringIO()
    with translation.override("en"):
        call_command("demo", stdout=out, no_color=True)
    return out.getvalue().splitlines()


def test_demo_command_loads_the_demo_and_prints_the_login() -> None:
    output = run_demo_command()

    assert output == ["Demo data loaded.", LOGIN_LINE]
    assert Organization.objects.filter(slug="demo", name="Carpați Soft SRL").exists()


def test_demo_command_changes_nothing_when_the_demo_exists() -> None:
    owner = core_services.user_create(email="altcineva@example.ro", password=None)
    core_services.organization_create(name="Carpați Soft SRL", owner=owner, slug="demo")
    counts = row_counts()

    output = run_demo_command()

    assert output == ["Demo data already present; nothing changed.", LOGIN_LINE]
    assert row_counts() == counts


def test_demo_command_reports_a_domain_error_in_one_line() -> None:
    core_services.user_create(email="demo@smartcrm.local", password=None)

    with pytest.raises(CommandError) as raised, translation.override("en"):
        call_command("demo", stdout=StringIO())

    assert str(raised.value) == "email: A user with this e-mail already exists."
    assert not Organization.objects.filter(slug="demo").exists()
