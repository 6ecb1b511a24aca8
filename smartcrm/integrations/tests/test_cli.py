"""`smartcrm rates fetch` and `smartcrm anaf lookup`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from smartcrm.catalog.models import ExchangeRate
from smartcrm.catalog.services import exchange_rate_set
from smartcrm.core import services as core
from smartcrm.core.modules import Module
from smartcrm.integrations.tests.conftest import (
    ANAF_PATH,
    BNR_PATH,
    YEAR_PATH,
    Answer,
    anaf_entry,
    anaf_json,
    bnr_xml,
    xml_answer,
)

FRIDAY = dt.date(2025, 11, 21)
DOC = bnr_xml(
    ("2025-11-20", {"EUR": "5.0799"}),
    ("2025-11-21", {"EUR": "5.0812", "USD": "4.4001", "HUF": ("1.3245", 100)}),
)


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def rates(org) -> dict[tuple[str, dt.date], Decimal]:
    return {(r.currency, r.date): r.rate for r in ExchangeRate.objects.for_org(org)}


@pytest.fixture
def bnr_file(tmp_path: Path) -> Path:
    path = tmp_path / "nbrfxrates2025.xml"
    path.write_bytes(DOC)
    return path


def test_rates_fetch_from_a_file_loads_every_organisation(org, other_org, bnr_file):
    # when the file is loaded for every organisation
    out, _err = run("rates", "fetch", "--file", str(bnr_file))
    # then both have its four rates, and each says so in one line
    assert (
        rates(org)
        == rates(other_org)
        == {
            ("EUR", dt.date(2025, 11, 20)): Decimal("5.079900"),
            ("EUR", FRIDAY): Decimal("5.081200"),
            ("USD", FRIDAY): Decimal("4.400100"),
            ("HUF", FRIDAY): Decimal("0.013245"),
        }
    )
    assert out.splitlines() == [  # in slug order
        "alfa-solutii-srl: 4 rate(s) stored, 0 unchanged, for 2025-11-20, 2025-11-21.",
        "beta-distributie-srl: 4 rate(s) stored, 0 unchanged, for 2025-11-20, 2025-11-21.",
    ]


def test_rates_fetch_of_a_day_without_rates_says_which_day_it_took(org, bnr_file):
    out, _err = run(
        "rates", "fetch", "--file", str(bnr_file), "--date", "2025-11-23", "--org", org.slug
    )
    assert set(rates(org)) == {("EUR", FRIDAY), ("USD", FRIDAY), ("HUF", FRIDAY)}
    assert out == (
        f"{org.slug}: 3 rate(s) stored, 0 unchanged, for 2025-11-21 "
        "(no BNR rates on 2025-11-23; latest earlier day).\n"
    )


def test_a_malformed_file_is_one_line_and_keeps_existing_rates(org, owner, tmp_path):
    exchange_rate_set(org=org, user=owner, currency="EUR", date=FRIDAY, rate=Decimal("5"))
    path = tmp_path / "broken.xml"
    path.write_bytes(DOC[: len(DOC) // 2])
    with pytest.raises(CommandError) as error:
        run("rates", "fetch", "--file", str(path))
    assert str(error.value).startswith("file: This is not a well-formed BNR XML document")
    assert "\n" not in str(error.value)
    assert rates(org) == {("EUR", FRIDAY): Decimal("5.000000")}


def test_a_missing_file_is_a_clear_error(org, tmp_path):
    with pytest.raises(CommandError, match=r"^--file: cannot read .*absent\.xml"):
        run("rates", "fetch", "--file", str(tmp_path / "absent.xml"))


def test_an_unknown_organisation_is_a_clear_error(org, bnr_file):
    with pytest.raises(CommandError, match=r"^--org: no organisation 'nimeni'"):
        run("rates", "fetch", "--file", str(bnr_file), "--org", "nimeni")


def test_a_bad_date_is_a_clear_error(org, bnr_file):
    with pytest.raises(CommandError, match=r"^--date: give a day as YYYY-MM-DD"):
        run("rates", "fetch", "--file", str(bnr_file), "--date", "21.11.2025")


def test_organisations_without_the_catalogue_are_left_out(org, owner, other_org, bnr_file):
    core.organization_set_modules(org=org, user=owner, enabled=[Module.NOTES])
    out, _err = run("rates", "fetch", "--file", str(bnr_file))
    assert out.startswith(f"{other_org.slug}: ") and org.slug not in out
    assert rates(org) == {}


def test_rates_fetch_downloads_once_for_every_organisation(org, other_org, loopback):
    loopback.answer(YEAR_PATH.format(year=2025), xml_answer(DOC))
    out, _err = run("rates", "fetch", "--date", "2025-11-21")
    assert len(loopback.requests_to(YEAR_PATH.format(year=2025))) == 1
    assert len(out.splitlines()) == 2
    assert (
        set(rates(org))
        == set(rates(other_org))
        == {
            ("EUR", FRIDAY),
            ("USD", FRIDAY),
            ("HUF", FRIDAY),
        }
    )


def test_bnr_unavailable_is_one_line(org, loopback):
    loopback.answer(BNR_PATH, Answer(500, b"Eroare", "text/plain"))
    with pytest.raises(CommandError) as error:
        run("rates", "fetch")
    assert str(error.value) == ("date: BNR answered with an error (HTTP 500); try again later.")
    assert rates(org) == {}


def test_anaf_lookup_prints_the_company(db, loopback):
    loopback.answer(ANAF_PATH, anaf_json(found=[anaf_entry(4264242)]))
    out, _err = run("anaf", "lookup", "RO4264242")
    assert "Name:           CUMPĂNA 1993 SRL" in out.splitlines()
    assert "County:         B (București)" in out.splitlines()


def test_anaf_lookup_of_an_unknown_cui_is_an_error(db, loopback):
    loopback.answer(ANAF_PATH, anaf_json(not_found=[4264242]))
    with pytest.raises(CommandError, match=r"^cui: ANAF has no company with CUI 4264242"):
        run("anaf", "lookup", "4264242")
