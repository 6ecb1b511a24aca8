"""Company data from ANAF by CUI, asked of a real HTTP server on loopback."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from smartcrm.core.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from smartcrm.integrations.anaf import CompanyData, anaf_lookup, company_from_anaf
from smartcrm.integrations.models import AnafCompanyCache
from smartcrm.integrations.services import account_fill_from_anaf, prospect_fill_from_anaf
from smartcrm.integrations.tests.conftest import ANAF_PATH, Answer, anaf_entry, anaf_json
from smartcrm.sales import services as sales
from smartcrm.sales.choices import EventKind
from smartcrm.sales.models import Prospect, RecordEvent

pytestmark = pytest.mark.django_db  # the cache is a table

CUI = "4264242"
DAY = dt.date(2026, 11, 27)

FOUND = CompanyData(
    cui=CUI,
    name="CUMPĂNA 1993 SRL",
    trade_register="J1993016655403",
    address="Str. Alexander Von Humboldt nr. 10, PARTER",
    locality="Sector 3 Mun. București",
    county="B",
    postal_code="031472",
    phone="0219224000",
    vat_payer=True,
)


@pytest.fixture
def prospect(org, owner):
    return sales.prospect_create(
        org=org, user=owner, company_name="Cumpana", cui=CUI, locality="Cluj-Napoca", county="CJ"
    )


def identity(record) -> dict[str, object]:
    return {
        name: getattr(record, name)
        for name in (
            "cui",
            "vat_payer",
            "trade_register",
            "address",
            "postal_code",
            "locality",
            "county",
            "country",
            "phone",
            "version",
        )
    }


# --- the lookup -----------------------------------------------------------------------


def test_a_known_cui_gives_the_companys_data(loopback):
    # given ANAF knowing the company
    loopback.answer(ANAF_PATH, anaf_json(found=[anaf_entry(4264242)]))
    # when it is looked up by CUI (with the RO prefix, as people type it)
    company = anaf_lookup("RO 4264242", day=DAY)
    # then its data comes in SmartCRM's fields
    assert company == FOUND


def test_the_request_is_anafs_json_list_of_cui_and_day(loopback):
    loopback.answer(ANAF_PATH, anaf_json(found=[anaf_entry(4264242)]))
    anaf_lookup(CUI, day=DAY)
    [request] = loopback.requests_to(ANAF_PATH)
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("SmartCRM/")
    assert request.json() == [{"cui": 4264242, "data": "2026-11-27"}]


def test_an_unknown_cui_is_none(loopback):
    loopback.answer(ANAF_PATH, anaf_json(not_found=[4264242]))
    assert anaf_lookup(CUI, day=DAY) is None


def test_anafs_not_found_sent_with_http_404_is_still_not_found(loopback):
    body = json.dumps({"cod": 404, "message": "NOT_FOUND", "found": [], "notFound": [4264242]})
    loopback.answer(ANAF_PATH, Answer(404, body.encode(), "application/json"))
    assert anaf_lookup(CUI, day=DAY) is None


def test_a_second_lookup_the_same_day_is_answered_from_the_cache(loopback):
    loopback.answer(ANAF_PATH, anaf_json(found=[anaf_entry(4264242)]))
    first = anaf_lookup(CUI, day=DAY)
    second = anaf_lookup("RO4264242", day=DAY)
    assert first == second == FOUND
    assert len(loopback.requests_to(ANAF_PATH)) == 1
    assert AnafCompanyCache.objects.filter(cui=CUI, day=DAY).count() == 1


def test_not_found_is_cached_for_the_day_too(loopback):
    loopback.answer(ANAF_PATH, anaf_json(not_found=[4264242]))
    assert anaf_lookup(CUI, day=DAY) is None
    assert anaf_lookup(CUI, day=DAY) is None
    assert len(loopback.requests_to(ANAF_PATH)) == 1


def test_another_day_asks_anaf_again(loopback):
    loopback.answer(ANAF_PATH, anaf_json(found=[anaf_entry(4264242)]))
    anaf_lookup(CUI, day=DAY)
    anaf_lookup(CUI, day=DAY - dt.timedelta(days=1))
    assert len(loopback.requests_to(ANAF_PATH)) == 2


MALFORMED = {
    "not json": Answer(200, b"<html>Eroare</html>", "text/html"),
    "truncated json": Answer(200, b'{"cod":200,"found":[{"date_generale":', "application/json"),
    "json without found": Answer(200, b'{"cod":200,"message":"SUCCESS"}', "application/json"),
    "found not a list": Answer(200, b'{"cod":200,"found":"da"}', "application/json"),
    "entry not an object": Answer(200, b'{"cod":200,"found":[42]}', "application/json"),
}


@pytest.mark.parametrize("answer", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_answer_is_a_clear_error_and_not_cached(loopback, answer):
    loopback.answer(ANAF_PATH, answer)
    with pytest.raises(Conflict) as error:
        anaf_lookup(CUI, day=DAY)
    assert (error.value.field, error.value.code) == ("cui", "anaf_unavailable")
    assert "cannot read" in error.value.message
    assert AnafCompanyCache.objects.count() == 0


def test_a_slow_anaf_is_a_timeout_error(loopback, settings):
    settings.SMARTCRM_HTTP_TIMEOUT = 0.5
    loopback.answer(ANAF_PATH, Answer(200, b"{}", "application/json", delay=5))
    with pytest.raises(Conflict) as error:
        anaf_lookup(CUI, day=DAY)
    assert (error.value.field, error.value.code) == ("cui", "anaf_unavailable")
    assert "did not answer within 0.5 s" in error.value.message
    assert len(loopback.requests_to(ANAF_PATH)) == 1


def test_a_server_error_is_retried(loopback):
    loopback.answer(
        ANAF_PATH, Answer(500, b"Eroare", "text/plain"), anaf_json(found=[anaf_entry(4264242)])
    )
    assert anaf_lookup(CUI, day=DAY) == FOUND
    assert len(loopback.requests_to(ANAF_PATH)) == 2


def test_an_error_page_with_404_is_unavailable_not_unknown(loopback):
    # no answer scripted: the server's own 404 page, as a wrong URL would give
    with pytest.raises(Conflict) as error:
        anaf_lookup(CUI, day=DAY)
    assert error.value.code == "anaf_unavailable"
    assert "HTTP 404" in error.value.message


def test_an_invalid_cui_is_refused_before_asking_anaf(loopback):
    with pytest.raises(ValidationFailed) as error:
        anaf_lookup("RO1234567", day=DAY)
    assert (error.value.field, error.value.code) == ("cui", "invalid_cui")
    assert loopback.seen == []


def test_missing_keys_fill_what_there_is():
    # given an entry with no address block, no VAT block and blank fields
    entry = {
        "date_generale": {"cui": 4264242, "denumire": "ALFA SRL", "nrRegCom": " ", "adresa": ""}
    }
    # then the name comes, nothing else is guessed
    assert company_from_anaf(CUI, entry) == CompanyData(cui=CUI, name="ALFA SRL")


def test_the_county_comes_from_its_name_when_the_code_is_missing():
    entry = anaf_entry(4264242)
    entry["adresa_sediu_social"].update(
        {"scod_JudetAuto": "", "sdenumire_Judet": "TIMIŞ", "sdenumire_Localitate": "Mun. Timişoara"}
    )
    company = company_from_anaf(CUI, entry)
    assert company is not None
    assert (company.county, company.locality) == ("TM", "Timișoara")


def test_a_trade_register_number_our_validator_refuses_is_left_out():
    company = company_from_anaf(CUI, anaf_entry(4264242, nrRegCom="J40/ABC/20"))
    assert company is not None
    assert company.trade_register == ""


# --- filling a prospect or an account -------------------------------------------------


def test_fill_from_anaf_writes_the_companys_data_on_the_prospect(org, owner, prospect, loopback):
    # given ANAF knowing the prospect's CUI
    loopback.answer(ANAF_PATH, anaf_json(found=[anaf_entry(4264242)]))
    # when the prospect is filled from ANAF
    filled = prospect_fill_from_anaf(org=org, user=owner, prospect_id=prospect.pk)
    # then its name and identity are ANAF's, in a new version, with an "updated" event
    filled.refresh_from_db()
    assert filled.company_name == "CUMPĂNA 1993 SRL"
    assert identity(filled) == {
        "cui": CUI,
        "vat_payer": True,
        "trade_register": "J1993016655403",
        "address": "Str. Alexander Von Humboldt nr. 10, PARTER",
        "postal_code": "031472",
        "locality": "Sector 3 Mun. București",
        "county": "B",
        "country": "RO",
        "phone": "0219224000",
        "version": 2,
    }
    event = RecordEvent.objects.filter(prospect=filled, kind=EventKind.UPDATED).get()
    assert "company_name" in event.data["fields"]


def test_fill_from_anaf_writes_the_companys_data_on_the_account(org, owner, loopback):
    account = sales.account_create(org=org, user=owner, name="Cumpana", cui="RO4264242")
    loopback.answer(ANAF_PATH, anaf_json(found=[anaf_entry(4264242)]))
    filled = account_fill_from_anaf(org=org, user=owner, account_id=account.pk)
    assert (filled.name, filled.county, filled.trade_register, filled.version) == (
        "CUMPĂNA 1993 SRL",
        "B",
        "J1993016655403",
        2,
    )


def test_an_unknown_cui_changes_nothing(org, owner, prospect, loopback):
    loopback.answer(ANAF_PATH, anaf_json(not_found=[4264242]))
    before = identity(prospect)
    with pytest.raises(ValidationFailed) as error:
        prospect_fill_from_anaf(org=org, user=owner, prospect_id=prospect.pk)
    assert (error.value.field, error.value.code) == ("cui", "anaf_not_found")
    prospect.refresh_from_db()
    assert identity(prospect) == before
    assert prospect.company_name == "Cumpana"


def test_a_malformed_answer_changes_nothing(org, owner, prospect, loopback):
    loopback.answer(ANAF_PATH, Answer(200, b"{not json", "application/json"))
    with pytest.raises(Conflict) as error:
        prospect_fill_from_anaf(org=org, user=owner, prospect_id=prospect.pk)
    assert error.value.code == "anaf_unavailable"
    prospect.refresh_from_db()
    assert (prospect.company_name, prospect.version) == ("Cumpana", 1)


def test_a_timeout_changes_nothing(org, owner, prospect, loopback, settings):
    settings.SMARTCRM_HTTP_TIMEOUT = 0.5
    loopback.answer(ANAF_PATH, Answer(200, b"{}", "application/json", delay=5))
    with pytest.raises(Conflict) as error:
        prospect_fill_from_anaf(org=org, user=owner, prospect_id=prospect.pk)
    assert error.value.code == "anaf_unavailable"
    prospect.refresh_from_db()
    assert (prospect.company_name, prospect.version) == ("Cumpana", 1)


def test_a_prospect_without_cui_is_refused_before_asking_anaf(org, owner, loopback):
    prospect = sales.prospect_create(org=org, user=owner, company_name="Fără CUI SRL")
    with pytest.raises(ValidationFailed) as error:
        prospect_fill_from_anaf(org=org, user=owner, prospect_id=prospect.pk)
    assert (error.value.field, error.value.code) == ("cui", "required")
    assert loopback.seen == []


def test_a_foreign_company_is_refused_before_asking_anaf(org, owner, loopback):
    prospect = sales.prospect_create(
        org=org, user=owner, company_name="Muster GmbH", cui="DE123456789", country="DE"
    )
    with pytest.raises(ValidationFailed) as error:
        prospect_fill_from_anaf(org=org, user=owner, prospect_id=prospect.pk)
    assert (error.value.field, error.value.code) == ("cui", "not_romanian")
    assert loopback.seen == []


def test_another_organisations_prospect_is_not_found_and_anaf_not_asked(
    org, owner, other_org, other_owner, loopback
):
    theirs = sales.prospect_create(org=other_org, user=other_owner, company_name="B", cui=CUI)
    with pytest.raises(NotFound):
        prospect_fill_from_anaf(org=org, user=owner, prospect_id=theirs.pk)
    assert loopback.seen == []
    assert Prospect.objects.get(pk=theirs.pk).version == 1


def test_a_stale_version_is_refused_before_asking_anaf(org, owner, prospect, loopback):
    with pytest.raises(StaleVersion):
        prospect_fill_from_anaf(org=org, user=owner, prospect_id=prospect.pk, version=7)
    assert loopback.seen == []


def test_a_converted_prospect_is_not_filled(org, owner, loopback):
    prospect = sales.prospect_create(
        org=org, user=owner, company_name="Cumpana", cui=CUI, status="qualified"
    )
    sales.prospect_convert(org=org, user=owner, prospect_id=prospect.pk)
    loopback.answer(ANAF_PATH, anaf_json(found=[anaf_entry(4264242)]))
    with pytest.raises(Conflict) as error:
        prospect_fill_from_anaf(org=org, user=owner, prospect_id=prospect.pk)
    assert error.value.code == "prospect_converted"
