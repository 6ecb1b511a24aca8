"""BNR's reference rates: read from a file or from a real HTTP server on loopback."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from smartcrm.catalog.choices import RateSource
from smartcrm.catalog.models import ExchangeRate
from smartcrm.catalog.selectors import conversion_rate
from smartcrm.catalog.services import exchange_rate_set
from smartcrm.core import services as core
from smartcrm.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from smartcrm.core.modules import Module
from smartcrm.core.tests.factories import OrganizationFactory
from smartcrm.integrations.bnr import bnr_rates_fetch, bnr_rates_load
from smartcrm.integrations.tests.conftest import (
    BNR_PATH,
    YEAR_PATH,
    Answer,
    Rates,
    bnr_xml,
    xml_answer,
)

THURSDAY = dt.date(2025, 11, 20)
FRIDAY = dt.date(2025, 11, 21)
SUNDAY = dt.date(2025, 11, 23)
MONDAY = dt.date(2025, 11, 24)
FRIDAY_RATES: Rates = {"EUR": "5.0812", "USD": "4.4001", "HUF": ("1.3245", 100)}
THURSDAY_RATES: Rates = {"EUR": "5.0799", "USD": "4.3990", "HUF": ("1.3201", 100)}
YEAR_2025 = bnr_xml(("2025-11-20", THURSDAY_RATES), ("2025-11-21", FRIDAY_RATES))


def stored(org) -> dict[tuple[str, dt.date], tuple[Decimal, str, int]]:
    return {
        (row.currency, row.date): (row.rate, row.source, row.version)
        for row in ExchangeRate.objects.for_org(org)
    }


# --- a file ---------------------------------------------------------------------------


def test_a_file_with_eur_usd_and_huf_stores_the_rate_of_one_unit(org, manager):
    # given BNR's document for a Friday; HUF is quoted per 100 forints
    source = bnr_xml(("2025-11-21", FRIDAY_RATES))
    # when a manager loads it
    result = bnr_rates_load(org=org, user=manager, source=source)
    # then one forint is a hundredth of the quote, every rate to 6 places, source BNR
    assert stored(org) == {
        ("EUR", FRIDAY): (Decimal("5.081200"), RateSource.BNR, 1),
        ("USD", FRIDAY): (Decimal("4.400100"), RateSource.BNR, 1),
        ("HUF", FRIDAY): (Decimal("0.013245"), RateSource.BNR, 1),
    }
    assert (result.days, result.rates, result.unchanged, result.skipped) == ((FRIDAY,), 3, 0, ())


def test_a_rate_per_hundred_units_is_rounded_half_up_to_six_places(org, manager):
    source = bnr_xml(("2025-11-21", {"JPY": ("2.87655", 100), "KRW": ("0.30004", 100)}))
    bnr_rates_load(org=org, user=manager, source=source)
    rates = {currency: rate for (currency, _day), (rate, *_rest) in stored(org).items()}
    assert rates == {"JPY": Decimal("0.028766"), "KRW": Decimal("0.003000")}


def test_currencies_smartcrm_does_not_know_are_skipped_and_reported(org, manager):
    source = bnr_xml(("2025-11-21", {"EUR": "5.0812", "EGP": "0.0921"}))
    result = bnr_rates_load(org=org, user=manager, source=source)
    assert set(stored(org)) == {("EUR", FRIDAY)}
    assert result.skipped == ("EGP",)


def test_an_organisation_keeping_its_books_in_euro_gets_rates_through_ron(owner):
    # given an organisation whose base currency is EUR
    org = OrganizationFactory.create(name="Euro Books SRL", owner=owner, base_currency="EUR")
    # when BNR's RON rates are loaded
    result = bnr_rates_load(org=org, user=owner, source=bnr_xml(("2025-11-21", FRIDAY_RATES)))
    # then every rate is in euro (EUR itself is the base and is skipped), RON included
    rates = {currency: rate for (currency, _day), (rate, *_rest) in stored(org).items()}
    assert rates == {
        "RON": Decimal("0.196804"),  # 1 / 5.0812
        "USD": Decimal("0.865957"),  # 4.4001 / 5.0812
        "HUF": Decimal("0.002607"),  # 0.013245 / 5.0812
    }
    assert result.skipped == ("EUR",)


def test_a_day_without_rates_takes_the_latest_earlier_day_of_the_file(org, manager):
    # given a year file ending on a Friday, asked for the Sunday after
    result = bnr_rates_load(org=org, user=manager, source=YEAR_2025, only_date=SUNDAY)
    # then only Friday's rates are stored, and the result says it fell back
    assert {day for (_currency, day) in stored(org)} == {FRIDAY}
    assert (result.days, result.requested_date, result.fell_back) == ((FRIDAY,), SUNDAY, True)


def test_an_offer_dated_on_a_day_without_rates_uses_the_latest_earlier_day(org, manager):
    # given Thursday's and Friday's rates loaded from BNR
    bnr_rates_load(org=org, user=manager, source=YEAR_2025)
    # when an offer issued on Monday (no fixing loaded for it) converts EUR to RON
    rate = conversion_rate(org=org, source="EUR", target="RON", on_date=MONDAY)
    # then Friday's rate applies
    assert rate == Decimal("5.081200")


def test_a_day_before_the_files_first_rates_is_an_error_naming_the_date(org, manager):
    with pytest.raises(ValidationFailed) as error:
        bnr_rates_load(org=org, user=manager, source=YEAR_2025, only_date=dt.date(2025, 11, 1))
    assert (error.value.field, error.value.code) == ("date", "bnr_no_rates")
    assert stored(org) == {}


MALFORMED = {
    "truncated": b'<DataSet xmlns="http://www.bnr.ro/xsd"><Body><Cube date="2025-11-21">',
    "not xml": b"EUR;5.0812\nUSD;4.4001\n",
    "html": b"<html><body>Service unavailable</body></html>",
    "no cube": bnr_xml(),
    "rate not a number": bnr_xml(("2025-11-21", {"EUR": "5,0812"})),
    "negative rate": bnr_xml(("2025-11-21", {"EUR": "-5.0812"})),
    "bad multiplier": bnr_xml(("2025-11-21", {"HUF": ("1.3245", "o sută")})),  # type: ignore[dict-item]  # a malformed document on purpose
    "bad date": bnr_xml(("21.11.2025", {"EUR": "5.0812"})),
    "entity expansion": (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        b'<DataSet><Body><Cube date="2025-11-21"><Rate currency="EUR">&b;</Rate></Cube>'
        b"</Body></DataSet>"
    ),
    "empty": b"",
}


@pytest.mark.parametrize("source", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_file_is_a_clear_error_and_keeps_the_existing_rates(org, manager, source):
    # given a rate already stored for the day
    exchange_rate_set(org=org, user=manager, currency="EUR", date=FRIDAY, rate=Decimal("5"))
    before = stored(org)
    # when a malformed document is loaded
    with pytest.raises(ValidationFailed) as error:
        bnr_rates_load(org=org, user=manager, source=source)
    # then the error names the file, and the rates are exactly as they were
    assert (error.value.field, error.value.code) == ("file", "bnr_malformed")
    assert stored(org) == before == {("EUR", FRIDAY): (Decimal("5.000000"), "manual", 1)}


def test_a_document_with_one_bad_rate_stores_none_of_its_good_ones(org, manager):
    source = bnr_xml(("2025-11-20", THURSDAY_RATES), ("2025-11-21", {"EUR": "n/a"}))
    with pytest.raises(ValidationFailed):
        bnr_rates_load(org=org, user=manager, source=source)
    assert stored(org) == {}


def test_the_document_is_read_under_another_namespace_too(org, manager):
    source = bnr_xml(("2025-11-21", FRIDAY_RATES), namespace="https://www.bnr.ro/xsd")
    assert bnr_rates_load(org=org, user=manager, source=source).rates == 3


def test_loading_the_same_rates_again_changes_nothing(org, manager):
    bnr_rates_load(org=org, user=manager, source=YEAR_2025)
    before = stored(org)
    result = bnr_rates_load(org=org, user=manager, source=YEAR_2025)
    assert stored(org) == before
    assert (result.rates, result.unchanged) == (0, 6)


def test_bnrs_rate_replaces_a_rate_typed_by_hand_for_that_day(org, manager):
    exchange_rate_set(org=org, user=manager, currency="EUR", date=FRIDAY, rate=Decimal("5"))
    bnr_rates_load(org=org, user=manager, source=bnr_xml(("2025-11-21", {"EUR": "5.0812"})))
    assert stored(org) == {("EUR", FRIDAY): (Decimal("5.081200"), RateSource.BNR, 2)}


def test_a_sales_user_may_not_load_rates(org, sales_user):
    with pytest.raises(Forbidden):
        bnr_rates_load(org=org, user=sales_user, source=YEAR_2025)
    assert stored(org) == {}


def test_with_the_catalogue_switched_off_rates_are_not_found(org, owner):
    core.organization_set_modules(
        org=org, user=owner, enabled=[Module.ACTIVITIES, Module.NOTES, Module.TASKS]
    )
    with pytest.raises(NotFound):
        bnr_rates_load(org=org, user=owner, source=YEAR_2025)


# --- from BNR, over HTTP --------------------------------------------------------------


def test_fetch_without_a_day_reads_the_latest_published_rates(org, manager, loopback):
    # given BNR serving Friday's document
    loopback.answer(BNR_PATH, xml_answer(bnr_xml(("2025-11-21", FRIDAY_RATES))))
    # when a manager fetches
    result = bnr_rates_fetch(org=org, user=manager)
    # then Friday's rates are stored, after one polite GET naming SmartCRM
    assert (result.days, result.rates) == ((FRIDAY,), 3)
    [request] = loopback.requests_to(BNR_PATH)
    assert request.method == "GET"
    assert request.headers["user-agent"].startswith("SmartCRM/")


def test_fetch_of_an_earlier_day_reads_that_years_file_and_falls_back(org, manager, loopback):
    loopback.answer(YEAR_PATH.format(year=2025), xml_answer(YEAR_2025))
    result = bnr_rates_fetch(org=org, user=manager, day=SUNDAY)
    assert (result.days, result.fell_back) == ((FRIDAY,), True)
    assert {day for (_currency, day) in stored(org)} == {FRIDAY}
    assert loopback.requests_to(BNR_PATH) == []


def test_fetch_of_new_years_day_takes_the_previous_years_last_fixing(org, manager, loopback):
    # given 2025's file starting on 3 January and 2024's ending on 31 December
    loopback.answer(
        YEAR_PATH.format(year=2025), xml_answer(bnr_xml(("2025-01-03", {"EUR": "4.9741"})))
    )
    loopback.answer(
        YEAR_PATH.format(year=2024), xml_answer(bnr_xml(("2024-12-31", {"EUR": "4.9743"})))
    )
    # when 1 January 2025 is fetched
    result = bnr_rates_fetch(org=org, user=manager, day=dt.date(2025, 1, 1))
    # then 31 December 2024 is stored
    assert stored(org) == {("EUR", dt.date(2024, 12, 31)): (Decimal("4.974300"), "bnr", 1)}
    assert result.fell_back is True


def test_fetch_answered_with_404_is_a_clear_error_and_stores_nothing(org, manager, loopback):
    with pytest.raises(Conflict) as error:
        bnr_rates_fetch(org=org, user=manager)
    assert (error.value.field, error.value.code) == ("date", "bnr_unavailable")
    assert "HTTP 404" in error.value.message
    assert stored(org) == {}


def test_fetch_retries_after_a_server_error(org, manager, loopback):
    # given BNR failing once with a 500, then answering
    loopback.answer(
        BNR_PATH,
        Answer(500, b"Internal error", "text/plain"),
        xml_answer(bnr_xml(("2025-11-21", FRIDAY_RATES))),
    )
    # when a manager fetches
    result = bnr_rates_fetch(org=org, user=manager)
    # then the second request got the rates
    assert result.rates == 3
    assert len(loopback.requests_to(BNR_PATH)) == 2


def test_fetch_gives_up_after_two_retries(org, manager, loopback):
    loopback.answer(BNR_PATH, Answer(503, b"Busy", "text/plain"))
    with pytest.raises(Conflict) as error:
        bnr_rates_fetch(org=org, user=manager)
    assert error.value.code == "bnr_unavailable"
    assert "HTTP 503" in error.value.message
    assert len(loopback.requests_to(BNR_PATH)) == 3


def test_fetch_honours_a_short_retry_after(org, manager, loopback):
    loopback.answer(
        BNR_PATH,
        Answer(429, b"", "text/plain", headers={"Retry-After": "0"}),
        xml_answer(bnr_xml(("2025-11-21", FRIDAY_RATES))),
    )
    assert bnr_rates_fetch(org=org, user=manager).rates == 3
    assert len(loopback.requests_to(BNR_PATH)) == 2


def test_fetch_does_not_wait_minutes_when_bnr_asks_to(org, manager, loopback):
    loopback.answer(BNR_PATH, Answer(429, b"", "text/plain", headers={"Retry-After": "120"}))
    with pytest.raises(Conflict) as error:
        bnr_rates_fetch(org=org, user=manager)
    assert "120 s" in error.value.message
    assert len(loopback.requests_to(BNR_PATH)) == 1


def test_a_slow_bnr_is_a_timeout_error_and_not_asked_again(org, manager, loopback, settings):
    settings.SMARTCRM_HTTP_TIMEOUT = 0.5
    loopback.answer(BNR_PATH, Answer(200, bnr_xml(("2025-11-21", FRIDAY_RATES)), delay=5))
    with pytest.raises(Conflict) as error:
        bnr_rates_fetch(org=org, user=manager)
    assert error.value.code == "bnr_unavailable"
    assert "did not answer within 0.5 s" in error.value.message
    assert len(loopback.requests_to(BNR_PATH)) == 1
    assert stored(org) == {}


def test_a_malformed_document_from_bnr_keeps_the_existing_rates(org, manager, loopback):
    exchange_rate_set(org=org, user=manager, currency="EUR", date=FRIDAY, rate=Decimal("5"))
    loopback.answer(BNR_PATH, xml_answer(b"<DataSet><Body><Cube date='2025-11-21'>"))
    with pytest.raises(Conflict) as error:
        bnr_rates_fetch(org=org, user=manager)
    assert (error.value.field, error.value.code) == ("date", "bnr_unavailable")
    assert stored(org) == {("EUR", FRIDAY): (Decimal("5.000000"), "manual", 1)}


def test_bnr_unreachable_is_a_clear_error(org, manager):
    # no loopback server: the URL points at a closed port
    with pytest.raises(Conflict) as error:
        bnr_rates_fetch(org=org, user=manager)
    assert error.value.code == "bnr_unavailable"
    assert "cannot be reached" in error.value.message


def test_a_future_day_is_refused_before_asking_bnr(org, manager, loopback):
    with pytest.raises(ValidationFailed) as error:
        bnr_rates_fetch(org=org, user=manager, day=dt.date(2099, 1, 1))
    assert (error.value.field, error.value.code) == ("date", "future_date")
    assert loopback.seen == []


def test_a_sales_user_is_refused_before_bnr_is_asked(org, sales_user, loopback):
    with pytest.raises(Forbidden):
        bnr_rates_fetch(org=org, user=sales_user)
    assert loopback.seen == []


def test_the_result_reads_as_one_line_for_a_person(org, manager):
    result = bnr_rates_load(org=org, user=manager, source=YEAR_2025, only_date=SUNDAY)
    with translation.override("en"):
        assert str(result) == (
            "3 rates stored, 0 unchanged, for 11/21/2025 "
            "(BNR has no rates on 11/23/2025; the latest earlier day is used)"
        )
