"""The global search: folded substring matching, ranking, tenancy, keyset pages, the index."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from smartcrm.catalog.services import product_create, product_delete
from smartcrm.contacts.services import contact_create, contact_delete, contact_update
from smartcrm.core import search as core_search
from smartcrm.core.errors import ValidationFailed
from smartcrm.core.models import SearchEntry
from smartcrm.core.search import (
    RANK_CONTAINS,
    RANK_EXACT,
    RANK_PREFIX,
    SQLITE_FTS_TABLE,
    _matching_entries,
    search,
    search_reindex_all,
    searchable_kinds,
)
from smartcrm.core.search_indexes import search_kind_index, search_kind_index_name
from smartcrm.core.services import organization_set_modules
from smartcrm.sales import services as sales
from smartcrm.sales.tests.factories import (
    AccountFactory,
    OfferFactory,
    ProspectFactory,
    qualified_prospect,
)

# Prospects get fixed person names, so that random ones never match a query by chance.
NAMES = {"first_name": "Ana", "last_name": "Lungu"}


def _found(org, q, **options):
    hits, _cursor = search(org=org, q=q, **options)
    return [(hit.kind, hit.title) for hit in hits]


def _titles(org, q, **options):
    return [title for _kind, title in _found(org, q, **options)]


# --- Folding: case, diacritics, cedilla -----------------------------------------------


def test_stefan_finds_comma_below_cedilla_and_upper_case(org, owner):
    # given names written with comma-below Ș, with the old cedilla Ş, and in capitals
    AccountFactory.create(org=org, user=owner, name="Ștefan Consult")
    AccountFactory.create(org=org, user=owner, name="Ştefan Trans")
    AccountFactory.create(org=org, user=owner, name="STEFAN GRUP")
    AccountFactory.create(org=org, user=owner, name="Ionescu Prod")

    # when searching the bare lower-case word
    titles = _titles(org, "stefan")

    # then all three are found, in the order of their folded titles
    assert titles == ["Ștefan Consult", "STEFAN GRUP", "Ștefan Trans"]


def test_query_with_diacritics_finds_plain_letters(org, owner):
    # given a name written without diacritics, and one without any s
    AccountFactory.create(org=org, user=owner, name="Stefanescu Impex")
    AccountFactory.create(org=org, user=owner, name="Popa Dan")

    # when searching with comma-below, cedilla, capitals and breve
    # then the plain letters match
    assert _titles(org, "ș") == ["Stefanescu Impex"]
    assert _titles(org, "Ş") == ["Stefanescu Impex"]
    assert _titles(org, "ȘTEFĂNESCU") == ["Stefanescu Impex"]


def test_blank_query_finds_nothing_without_querying(org, owner, django_assert_num_queries):
    AccountFactory.create(org=org, user=owner, name="Alfa")

    with django_assert_num_queries(0):
        assert search(org=org, q="  \t ") == ([], None)


# --- What finds a record ---------------------------------------------------------------


def test_finds_contact_by_part_of_its_email(org, owner):
    # given a contact with an e-mail address
    account = AccountFactory.create(org=org, user=owner, name="Alfa Soluții")
    contact_create(
        org=org,
        user=owner,
        account_id=account.pk,
        first_name="Ioana",
        last_name="Dobre",
        email="ioana.dobre@alfa-solutii.ro",
    )

    # when searching a piece of the address spanning the @
    found = _found(org, "dobre@ALFA")

    # then the contact is found
    assert found == [("contact", "Ioana Dobre")]


@pytest.mark.parametrize("query", ["0722 123", "0722-123", "722123456", "+40 722 123 456"])
def test_finds_phone_by_its_digits_whatever_the_spacing(org, owner, query):
    # given a contact whose phone is written with a country code and spaces
    account = AccountFactory.create(org=org, user=owner, name="Alfa Soluții")
    contact_create(
        org=org, user=owner, account_id=account.pk, last_name="Dobre", phone="+40 722 123 456"
    )

    # when searching digits grouped another way, then the contact is found
    assert _found(org, query) == [("contact", "Dobre")]


def test_finds_prospect_by_cui_with_or_without_ro(org, owner):
    # given a prospect with a CUI, and another without
    ProspectFactory.create(
        org=org, user=owner, company_name="Dacia Construct", cui="RO18547290", **NAMES
    )
    ProspectFactory.create(org=org, user=owner, company_name="Carpați Trans", **NAMES)

    # when searching part of the CUI, or the CUI as written on an invoice
    # then only the prospect with it is found
    assert _found(org, "854729") == [("prospect", "Dacia Construct")]
    assert _found(org, "RO18547290") == [("prospect", "Dacia Construct")]


def test_finds_offers_by_number_prefix(org, owner):
    # given two offers of 2026 on an account
    account = AccountFactory.create(org=org, user=owner, name="Beta Distribuție")
    for title in ("Licențe", "Mentenanță"):
        OfferFactory.create(
            org=org, user=owner, account_id=account.pk, title=title, issue_date=dt.date(2026, 3, 2)
        )

    # when searching the start of their numbers
    hits, _cursor = search(org=org, q="OF-2026-00")

    # then both offers are found, numbered, under the account's name
    assert [(hit.kind, hit.title, hit.subtitle, hit.rank) for hit in hits] == [
        ("offer", "OF-2026-0001 Licențe", "Beta Distribuție", RANK_PREFIX),
        ("offer", "OF-2026-0002 Mentenanță", "Beta Distribuție", RANK_PREFIX),
    ]


def test_finds_product_by_code(org, owner):
    # given two products
    product_create(org=org, user=owner, code="LIC-01", name="Licență anuală", price=Decimal("1200"))
    product_create(org=org, user=owner, code="SRV-07", name="Instalare", price=Decimal("300"))

    # when searching part of a code, in lower case
    hits, _cursor = search(org=org, q="lic-0")

    # then that product is found, showing its price per unit
    assert [(hit.kind, hit.title, hit.subtitle) for hit in hits] == [
        ("product", "LIC-01 — Licență anuală", "1200.00 RON / buc")
    ]


def test_query_is_a_phrase_not_separate_words(org, owner):
    # given a contact named in the usual and in the reversed order
    account = AccountFactory.create(org=org, user=owner, name="Alfa")
    contact_create(org=org, user=owner, account_id=account.pk, first_name="Ion", last_name="Pop")

    # then both orders find it, but words apart do not
    assert _titles(org, "ion pop") == ["Ion Pop"]
    assert _titles(org, "pop ion") == ["Ion Pop"]
    assert _titles(org, "ion alfa") == []


def test_quotes_and_fts_operators_in_a_query_are_plain_text(org, owner):
    # given a name with double quotes and a word FTS5 would read as an operator
    AccountFactory.create(org=org, user=owner, name='Firma "Noua" OR Alta')
    AccountFactory.create(org=org, user=owner, name="Alta")

    # when searching text with quotes and operators, then it is matched literally
    assert _titles(org, '"noua" or') == ['Firma "Noua" OR Alta']
    assert _titles(org, 'a" OR "b') == []
    assert _titles(org, '"') == ['Firma "Noua" OR Alta']


def test_kinds_limit_the_search(org, owner):
    # given a prospect and an account with the same name
    ProspectFactory.create(org=org, user=owner, company_name="Gama Vest", **NAMES)
    AccountFactory.create(org=org, user=owner, name="Gama Vest")

    # when searching accounts only, then only the account is found
    assert _found(org, "gama", kinds=["account"]) == [("account", "Gama Vest")]


def test_unknown_kind_is_an_error_naming_the_field(org):
    with pytest.raises(ValidationFailed) as refused:
        search(org=org, q="gama", kinds=["account", "invoice"])

    assert (refused.value.field, refused.value.code) == ("kinds", "invalid_choice")


def test_products_of_a_switched_off_catalogue_are_not_found(org, owner):
    # given a product, then the catalogue switched off
    product_create(org=org, user=owner, code="LIC-01", name="Licență", price=Decimal("10"))
    organization_set_modules(org=org, user=owner, enabled=["activities", "notes", "tasks"])
    org.refresh_from_db()

    # then the product is not found, even when asked for
    assert _found(org, "lic-01") == []
    assert _found(org, "lic-01", kinds=["product"]) == []


# --- Ranking ---------------------------------------------------------------------------


def test_exact_title_then_prefix_by_title_then_anywhere_newest_first(org, owner):
    # given titles containing "delta" at different places, created out of order
    for name in ("Alfa Delta", "Delta Prod", "Beta Delta", "Delta", "Deltaplan", "Zet Delta"):
        AccountFactory.create(org=org, user=owner, name=name)

    # when searching "Delta"
    hits, _cursor = search(org=org, q="Delta")

    # then the exact title first, then the titles starting with it, by title, then the rest,
    # the newest record first
    assert [(hit.title, hit.rank) for hit in hits] == [
        ("Delta", RANK_EXACT),
        ("Delta Prod", RANK_PREFIX),
        ("Deltaplan", RANK_PREFIX),
        ("Zet Delta", RANK_CONTAINS),
        ("Beta Delta", RANK_CONTAINS),
        ("Alfa Delta", RANK_CONTAINS),
    ]


def test_same_title_ties_are_broken_by_id(org, owner):
    # given three accounts with the same name
    accounts = [AccountFactory.create(org=org, user=owner, name="Omega") for _ in range(3)]

    hits, _cursor = search(org=org, q="omega")

    assert [hit.object_id for hit in hits] == sorted(account.pk for account in accounts)


# --- Keeping the index in step with the records -----------------------------------------


def test_update_reindexes_the_record(org, owner):
    # given an account found by its old name
    account = AccountFactory.create(org=org, user=owner, name="Vechi Comerț")
    assert _titles(org, "vechi") == ["Vechi Comerț"]

    # when it is renamed
    sales.account_update(org=org, user=owner, account_id=account.pk, name="Nou Comerț")

    # then only the new name finds it
    assert _titles(org, "vechi") == []
    assert _found(org, "nou") == [("account", "Nou Comerț")]


def test_renaming_an_account_updates_what_its_offers_and_contacts_show(org, owner):
    # given an account with an offer and a contact
    account = AccountFactory.create(org=org, user=owner, name="Vechi Comerț")
    OfferFactory.create(org=org, user=owner, account_id=account.pk, title="Rafturi")
    contact_create(
        org=org, user=owner, account_id=account.pk, last_name="Dobre", job_title="Achiziții"
    )

    # when the account is renamed
    sales.account_update(org=org, user=owner, account_id=account.pk, name="Nou Comerț")

    # then the offer and the contact show the new name
    offer_hits, _cursor = search(org=org, q="rafturi")
    contact_hits, _cursor = search(org=org, q="dobre")
    assert [hit.subtitle for hit in offer_hits] == ["Nou Comerț"]
    assert [hit.subtitle for hit in contact_hits] == ["Achiziții · Nou Comerț"]


def test_contact_update_reindexes_it(org, owner):
    account = AccountFactory.create(org=org, user=owner, name="Alfa")
    contact = contact_create(org=org, user=owner, account_id=account.pk, last_name="Dobre")

    contact_update(org=org, user=owner, contact_id=contact.pk, email="d@alfa.ro")

    assert _found(org, "d@alfa") == [("contact", "Dobre")]


def test_delete_removes_the_record_from_the_index(org, owner):
    # given an offer, a contact and a product, all found
    account = AccountFactory.create(org=org, user=owner, name="Zeta")
    offer = OfferFactory.create(org=org, user=owner, account_id=account.pk, title="Zeta rafturi")
    contact = contact_create(org=org, user=owner, account_id=account.pk, last_name="Zetescu")
    product = product_create(org=org, user=owner, code="ZT-1", name="Zeta", price=Decimal("1"))
    assert len(_found(org, "zet")) == 4

    # when they are deleted
    sales.offer_delete(org=org, user=owner, offer_id=offer.pk)
    contact_delete(org=org, user=owner, contact_id=contact.pk)
    product_delete(org=org, user=owner, product_id=product.pk)

    # then only the account remains, in the search and in the table
    assert _found(org, "zet") == [("account", "Zeta")]
    assert list(SearchEntry.objects.values_list("kind", flat=True)) == ["account"]


def test_deleting_a_prospect_removes_its_cascaded_contacts(org, owner):
    # given a prospect with a contact
    prospect = ProspectFactory.create(org=org, user=owner, company_name="Kappa Serv", **NAMES)
    contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Kappescu")

    # when the prospect is deleted (the database deletes the contact with it)
    sales.prospect_delete(org=org, user=owner, prospect_id=prospect.pk)

    # then neither is left in the index
    assert _found(org, "kapp") == []
    assert SearchEntry.objects.count() == 0


def test_conversion_indexes_the_account_and_moves_the_contacts(org, owner):
    # given a qualified prospect with a contact
    prospect = qualified_prospect(org, owner, company_name="Sigma Construct", **NAMES)
    contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Sigmescu")

    # when it is converted into a new account with a first offer
    conversion = sales.prospect_convert(
        org=org, user=owner, prospect_id=prospect.pk, offer={"title": "Prima"}
    )

    # then the account, the offer and the (re-indexed) prospect are found, and the contact
    # shows the account it now belongs to
    assert conversion.offer is not None
    assert sorted(_found(org, "sigma")) == [
        ("account", "Sigma Construct"),
        ("prospect", "Sigma Construct"),
    ]
    assert _found(org, conversion.offer.number) == [("offer", f"{conversion.offer.number} Prima")]
    contact_hits, _cursor = search(org=org, q="sigmescu")
    assert [hit.subtitle for hit in contact_hits] == ["Sigma Construct"]


# --- Tenancy ---------------------------------------------------------------------------


def test_another_organisations_records_never_appear(org, owner, other_org, other_owner):
    # given the same name in two organisations
    mine = AccountFactory.create(org=org, user=owner, name="Ștefan Impex")
    AccountFactory.create(org=other_org, user=other_owner, name="Ștefan Impex")
    ProspectFactory.create(org=other_org, user=other_owner, company_name="Ștefan Trans", **NAMES)

    # when each searches, then each sees only its own rows
    hits, _cursor = search(org=org, q="stefan")
    assert [hit.object_id for hit in hits] == [mine.pk]
    assert len(search(org=other_org, q="ștefan")[0]) == 2


def test_a_short_query_stays_within_the_organisation(org, owner, other_org, other_owner):
    AccountFactory.create(org=org, user=owner, name="Xi")
    AccountFactory.create(org=other_org, user=other_owner, name="Xi")

    assert len(search(org=org, q="x")[0]) == 1


# --- Keyset pages ----------------------------------------------------------------------


def test_keyset_pages_return_every_hit_exactly_once(org, owner):
    # given eight matches of all three ranks, some with the same title
    names = ["Nord", "Nord", "Nord Est", "Nordic", "Alfa Nord", "Vest Nord", "Nord", "Zed Nord"]
    for name in names:
        AccountFactory.create(org=org, user=owner, name=name)
    everything, no_more = search(org=org, q="nord", limit=50)

    # when reading pages of three
    pages, cursor = [], None
    while True:
        hits, cursor = search(org=org, q="nord", limit=3, after=cursor)
        pages.append([hit.object_id for hit in hits])
        if cursor is None:
            break

    # then the pages, in order, are the one big page: each hit once
    assert [len(page) for page in pages] == [3, 3, 2]
    assert [pk for page in pages for pk in page] == [hit.object_id for hit in everything]
    assert len({hit.object_id for hit in everything}) == 8
    assert no_more is None


def test_a_bad_cursor_is_an_error_naming_the_field(org):
    def encoded(raw: str) -> str:
        return base64.urlsafe_b64encode(raw.encode()).decode()

    for cursor in (
        "not-a-cursor!",
        encoded("[]"),
        encoded('{"rank": 0}'),
        encoded('[9, "a", "01a21b61-f2e1-7a8d-82f6-fcd2e1409d2a", "account"]'),
        encoded('[0, "a", "not-a-uuid", "account"]'),
        encoded('[0, "a\\u0000", "01a21b61-f2e1-7a8d-82f6-fcd2e1409d2a", "account"]'),
    ):
        with pytest.raises(ValidationFailed) as refused:
            search(org=org, q="nord", after=cursor)
        assert (refused.value.field, refused.value.code) == ("cursor", "invalid_cursor")


# --- Cost and the index itself ---------------------------------------------------------


@pytest.mark.parametrize("query", ["pr", "prod", "od"])
def test_search_is_at_most_four_queries_whatever_the_number_of_hits(
    org, owner, django_assert_max_num_queries, query
):
    # given one match
    AccountFactory.create(org=org, user=owner, name="Prod 0")
    with django_assert_max_num_queries(4):
        few, _cursor = search(org=org, q=query)

    # when there are twenty
    for number in range(1, 20):
        AccountFactory.create(org=org, user=owner, name=f"Prod {number}")
    with django_assert_max_num_queries(4):
        many, _cursor = search(org=org, q=query)

    # then it is still four queries at most: titles, the newest rows (twice), the index
    assert (len(few), len(many)) == (1, 20)


def test_a_page_of_titles_is_one_query(org, owner, django_assert_num_queries):
    for number in range(6):
        AccountFactory.create(org=org, user=owner, name=f"Prod {number}")

    with django_assert_num_queries(1):
        hits, cursor = search(org=org, q="prod", limit=5)

    assert len(hits) == 5 and cursor is not None


def test_a_term_found_a_few_times_among_the_newest_reads_ten_times_as_many(
    org, owner, monkeypatch, django_assert_max_num_queries
):
    # given windows of three rows, then thirty: two matches among the newest three, the
    # rest of a page of four further back
    monkeypatch.setattr(core_search, "SEARCH_WINDOW", 3)
    monkeypatch.setattr(core_search, "WIDER_FROM", 2)
    names = ["Vest Nord 1", "Alfa", "Vest Nord 2", "Beta", "Vest Nord 3", "Gama", "Vest Nord 4"]
    for name in names:
        AccountFactory.create(org=org, user=owner, name=name)

    # when searching a page of three
    with django_assert_max_num_queries(3) as queries:
        hits, cursor = search(org=org, q="nord", limit=3)

    # then the page comes from the wider window, newest first, without the index
    assert [hit.title for hit in hits] == ["Vest Nord 4", "Vest Nord 3", "Vest Nord 2"]
    assert cursor is not None
    assert not any("LIKE" in query["sql"] or "MATCH" in query["sql"] for query in queries)


def test_a_common_term_is_answered_from_the_newest_rows_exactly(org, owner, monkeypatch):
    # given a window of five rows, older matches, then many newer rows, some matching
    monkeypatch.setattr(core_search, "SEARCH_WINDOW", 5)
    old = [AccountFactory.create(org=org, user=owner, name=f"Vechi Nord {n}") for n in range(2)]
    newer = []
    for number in range(12):
        name = f"Alfa Nord {number}" if number % 2 else f"Beta {number}"
        newer.append(AccountFactory.create(org=org, user=owner, name=name))
    newest_matches = [account.pk for account in reversed(newer) if "Nord" in account.name]

    # when reading pages of two, and the one big page
    pages: list[uuid.UUID] = []
    cursor = None
    while True:
        hits, cursor = search(org=org, q="nord", limit=2, after=cursor)
        pages.extend(hit.object_id for hit in hits)
        if cursor is None:
            break
    everything, _cursor = search(org=org, q="nord", limit=50)

    # then every match comes once, newest first, the old ones (past the window) last
    expected = [*newest_matches, old[1].pk, old[0].pk]
    assert pages == expected
    assert [hit.object_id for hit in everything] == expected


def test_sqlite_answers_long_queries_from_the_fts_table(org, owner):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's FTS5 table")
    AccountFactory.create(org=org, user=owner, name="Ștefan")

    with CaptureQueriesContext(connection) as long_query:
        assert _titles(org, "ștef") == ["Ștefan"]
    with CaptureQueriesContext(connection) as short_query:
        assert _titles(org, "șt") == ["Ștefan"]

    long_sql = " ".join(query["sql"] for query in long_query.captured_queries)
    short_sql = " ".join(query["sql"] for query in short_query.captured_queries)
    assert f"{SQLITE_FTS_TABLE} MATCH" in long_sql
    assert "MATCH" not in short_sql


def test_the_substring_index_exists(db):
    # a raw look at the schema: a pg_trgm GIN index per kind and one over the global kinds
    # on PostgreSQL, FTS5 table and triggers on SQLite
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE tablename = 'core_searchentry' AND indexdef LIKE %s",
                ["%gin_trgm_ops%"],
            )
            definitions = dict(cursor.fetchall())
            for kind in searchable_kinds():
                definition = definitions.pop(search_kind_index_name(kind.key))
                assert f"WHERE ((kind)::text = '{kind.key}'::text)" in definition
            assert definitions.pop("search_entry_global_trgm_idx").endswith("WHERE global_search")
            assert definitions == {}  # the whole-table index is gone
        else:
            cursor.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE name LIKE %s ORDER BY name",
                [f"{SQLITE_FTS_TABLE}%"],
            )
            rows = {name: (kind, sql) for kind, name, sql in cursor.fetchall()}
            assert rows[SQLITE_FTS_TABLE][0] == "table"
            assert "fts5" in rows[SQLITE_FTS_TABLE][1]
            assert "tokenize='trigram'" in rows[SQLITE_FTS_TABLE][1]
            assert {f"{SQLITE_FTS_TABLE}_{suffix}" for suffix in ("ai", "au", "ad")} <= {
                name for name, (kind, _sql) in rows.items() if kind == "trigger"
            }


def _many_entries(org) -> None:
    # Enough rows of each kind that the planner prefers the substring index for a rare term
    # (a test's few rows would be read whole, or through any index on the kind).
    SearchEntry.objects.bulk_create(
        SearchEntry(
            organization=org,
            kind=kind,
            object_id=uuid.uuid4(),
            title=f"{kind} {number}",
            title_key=f"{kind} {number}",
            text=f"{kind} {number} bucuresti constanta",
            global_search=kind != "activity",
        )
        for kind in ("offer", "account", "activity")
        for number in range(3000)
    )
    with connection.cursor() as cursor:
        # GIN holds new rows in a pending list until a vacuum: move them into the index.
        cursor.execute(
            "SELECT gin_clean_pending_list(indexrelid) FROM pg_index "
            "WHERE indrelid = 'core_searchentry'::regclass "
            "AND indexrelid::regclass::text LIKE '%%trgm_idx'"
        )
        cursor.execute("ANALYZE core_searchentry")


@pytest.mark.postgres
def test_postgres_answers_substring_queries_from_the_trigram_index(org, owner):
    AccountFactory.create(org=org, user=owner, name="Ștefan")
    _many_entries(org)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM core_searchentry WHERE global_search AND text LIKE %s",
            ["%stefan%"],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "search_entry_global_trgm_idx" in plan


def test_a_kind_index_takes_a_kind_key_only():
    # the key goes into the statement: anything but a plain key is refused before SQL
    with pytest.raises(ValueError, match="not a kind key"):
        search_kind_index("offer' OR true --")
    assert search_kind_index_name("attachment") == "search_entry_attachment_trgm_idx"


@pytest.mark.postgres
def test_a_list_asks_the_index_of_its_own_kinds(org, owner):
    # an offer's list finds offers by their account's name: each kind from its own index,
    # the two answers combined (a term common among activities costs the offers nothing)
    AccountFactory.create(org=org, user=owner, name="Ștefan")
    sql, params = _matching_entries(["offer", "account"], "stefan", None).query.sql_with_params()
    _many_entries(org)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert search_kind_index_name("offer") in plan
    assert search_kind_index_name("account") in plan


@pytest.mark.postgres
def test_postgres_compares_titles_byte_by_byte(org, owner):
    # a prefix is a range of titles only in byte order, whatever the database's collation
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT collation_name FROM information_schema.columns "
            "WHERE table_name = 'core_searchentry' AND column_name = 'title_key'"
        )
        assert cursor.fetchone() == ("C",)
    for name in ("Ab", "a b", "ab-c", "A.B", "Abc"):
        AccountFactory.create(org=org, user=owner, name=name)

    assert [hit.title for hit in search(org=org, q="ab")[0]] == ["Ab", "ab-c", "Abc"]


# --- Rebuilding ------------------------------------------------------------------------


def test_reindex_all_rebuilds_an_emptied_table(org, owner, other_org, other_owner):
    # given records of two organisations, and the search table emptied behind their backs
    account = AccountFactory.create(org=org, user=owner, name="Rho Trans")
    OfferFactory.create(org=org, user=owner, account_id=account.pk, title="Rho transport")
    contact_create(org=org, user=owner, account_id=account.pk, last_name="Rhodes")
    ProspectFactory.create(org=org, user=owner, company_name="Rho Nord", **NAMES)
    product_create(org=org, user=owner, code="RHO-1", name="Rho", price=Decimal("5"))
    AccountFactory.create(org=other_org, user=other_owner, name="Rho Altă")
    SearchEntry.objects.all().delete()
    assert _found(org, "rho") == []

    # when the index of the first organisation is rebuilt
    indexed = search_reindex_all(org)

    # then its records are found again, and the other organisation's are not rebuilt
    assert indexed == {
        "prospect": 1,
        "account": 1,
        "offer": 1,
        "contact": 1,
        "product": 1,
        "activity": 0,
        "note": 0,
        "task": 0,
    }
    assert sorted(kind for kind, _title in _found(org, "rho")) == [
        "account",
        "contact",
        "offer",
        "product",
        "prospect",
    ]
    assert _found(other_org, "rho") == []


def test_reindex_all_drops_rows_whose_record_is_gone(org, owner):
    # given an index row left behind by a delete that bypassed the services
    account = AccountFactory.create(org=org, user=owner, name="Tau")
    AccountFactory.create(org=org, user=owner, name="Tau Doi")
    account.delete()
    assert len(_found(org, "tau")) == 2

    # when the index is rebuilt, then the orphan is gone
    search_reindex_all()
    assert _titles(org, "tau") == ["Tau Doi"]


def test_reindex_command_rebuilds_one_organisation(org, owner):
    AccountFactory.create(org=org, user=owner, name="Upsilon")
    SearchEntry.objects.all().delete()
    out = StringIO()

    call_command("search_reindex", "--org", org.slug, stdout=out)

    assert _titles(org, "upsilon") == ["Upsilon"]
    assert out.getvalue().strip() == (
        f"Search index rebuilt for '{org.name}': "
        "product 0, prospect 0, account 1, offer 0, contact 0, activity 0, note 0, task 0."
    )


def test_reindex_command_refuses_an_unknown_organisation(db):
    with pytest.raises(CommandError, match="--org: no organisation with slug 'nope'"):
        call_command("search_reindex", "--org", "nope")
