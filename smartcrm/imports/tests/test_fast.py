"""The fast validation agrees with the reference one (``validator_for`` on a model object
per row), row by row, value by value, error by error; and the shortcuts it takes (e-mail
and URL patterns, Romanian phones, search rows, bulk ids) agree with what they skip."""

from __future__ import annotations

import random
import time
from typing import Any

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

from smartcrm.core.ids import uuid7_many
from smartcrm.core.normalize import phone_e164
from smartcrm.core.search import search_entries_for
from smartcrm.imports import bulk
from smartcrm.imports.engine import Importer
from smartcrm.imports.kinds import _EMAIL_FAST, _URL_FAST
from smartcrm.imports.tests.factories import csv_bytes, upload
from smartcrm.sales import services as sales
from smartcrm.sales.models import Prospect

CUI_A, CUI_B = "10000113", "10000229"
LONG = "x" * 101

PROSPECTS = [
    ["Prenume", "Nume", "Firmă", "E-mail", "Telefon", "CUI", "Județ", "Țară", "Site", "Sursă"],
    [
        *["Ştefan", "Ţăranu", "Ţesătoria  Mureş SRL", "a@b.ro", "0722 123 456", f"RO {CUI_A}"],
        *["Mureș", "Romania", "https://www.tesatoria.ro/contact", "Organic Search"],
    ],
    ["Ioana", "Bălan", "", "IOANA@Exemplu.RO", "+40 733-000-111", "", "B", "", "", ""],
    ["Dan", "Pop", "", "nu-este-email", "", "RO123", "XX", "", "www.fara-schema.ro", "nimic"],
    ["", "", "", "fara.nume@x.ro", "", "", "", "", "", ""],
    [LONG, "Lung", "", "lung@x.ro", "", "", "", "", "", ""],
    ["Ana", "Mare", "Firma\x00 SRL", "nul@x.ro", "", "", "", "", "", ""],
    [
        *["Ion", "Vasile", "Alfa SRL", "ion.v@x.ro", "(0722) 123 456", CUI_B, "Sector 3"],
        *["Germania", "http://alfa.de:8080/a?b=c", "Referrals"],
    ],
    ["Ion", "Străin", "Beta GmbH", "ion@beta.de", "+49 30 123456", "DE123", "", "Germany", "", ""],
    ["Maria", "Ţuţu", "", "maria+tag@sub.domeniu.ro", "0040722999888", "", "cluj", "RO", "", ""],
    ["Radu", "Dot", "", "radu..dot@x.ro", "123", "", "", "", "ftp://x.ro", ""],
    ["Vlad", "Idn", "", "vlad@exemplu.xn--p1ai", "", "", "", "", "https://exemplu.ro.", ""],
    ["Eva", "Nr", "Gama SRL", "eva@gama.ro", "", "RO 100.001.13", "", "", "", ""],
    ["Eva", "Nr", "Gama SRL", "eva@gama.ro", "", "", "", "", "", ""],  # same e-mail: refused
]
ACCOUNTS = [
    ["Denumire", "CUI", "Localitate", "Județ", "E-mail", "Nr. Reg. Com.", "Plătitor TVA"],
    ["Carpați SRL", f"RO {CUI_A}", "Brașov", "BV", "office@carpati.ro", "J08/123/2020", "nu"],
    ["", CUI_B, "Galați", "Galați", "", "", ""],
    ["Dunărea SA", "10000334", "Iași", "IS", "", "nu e", "poate"],
    ["Gama SRL", "10000440", "", "", "", "j40 / 1234 / 2020", "da"],
]


def _record_values(record: Any) -> dict[str, Any]:
    if record is None:
        return {}
    skip = {"id", "created_at", "updated_at"}
    return {
        f.attname: getattr(record, f.attname)
        for f in record._meta.concrete_fields
        if f.attname not in skip
    }


def _check(org, owner, kind: str, rows: list[list[str]], *, fast: bool) -> list[tuple]:
    """Every row's outcome; with ``fast``, every row the fast check accepted is counted
    (the others went to the reference check), and they are all the accepted rows."""
    run = upload(org, owner, kind, rows)
    importer = Importer(run, csv_bytes(rows), org=org, user=owner)
    if not fast:
        importer.fast = None
    assert (importer.fast is not None) == fast
    found = []
    for batch in importer.batches(1000):
        for outcome in importer.check(batch, lock=False):
            found.append(
                (
                    outcome.line,
                    outcome.action,
                    outcome.issues,
                    sorted(outcome.changed),
                    outcome.previous,
                    _record_values(outcome.record),
                )
            )
    accepted = sum(1 for row in found if row[1] != "reject")
    assert importer.fast_rows == (accepted if fast else 0)
    return found


@pytest.mark.parametrize(("kind", "rows"), [("prospects", PROSPECTS), ("accounts", ACCOUNTS)])
def test_fast_and_reference_checks_agree_on_new_records(org, owner, kind, rows):
    fast = _check(org, owner, kind, rows, fast=True)
    reference = _check(org, owner, kind, rows, fast=False)
    assert fast == reference
    assert {action for _line, action, *_rest in fast} == {"create", "reject"}


def test_fast_and_reference_checks_agree_on_updates(org, owner):
    # given prospects matched by e-mail: one to change, one the file repeats, one converted
    sales.prospect_create(
        org=org, user=owner, company_name="Vechi SRL", email="a@b.ro", locality="Arad"
    )
    sales.prospect_create(
        org=org,
        user=owner,
        first_name="Ioana",
        last_name="Bălan",
        kind="person",
        email="ioana@exemplu.ro",
        phone="+40 733-000-111",
        county="B",
    )
    converted = sales.prospect_create(org=org, user=owner, company_name="Alfa", email="ion.v@x.ro")
    Prospect.objects.filter(pk=converted.pk).update(status="qualified")
    fast = _check(org, owner, "prospects", PROSPECTS, fast=True)
    reference = _check(org, owner, "prospects", PROSPECTS, fast=False)
    assert fast == reference
    assert {action for _line, action, *_rest in fast} == {"create", "update", "reject"}


def test_contacts_fast_and_reference_checks_agree(org, owner):
    sales.account_create(org=org, user=owner, name="Carpați SRL", cui=CUI_A)
    rows = [
        ["Prenume", "Nume", "E-mail", "Funcție", "CUI client"],
        ["Mihai", "Șerban", "Mihai@Carpati.ro", "Director", CUI_A],
        ["Ana", "Niță", "ana@carpati.ro", "", "99999999"],
        ["", "Fără", "gresit@", "", f"RO{CUI_A}"],
    ]
    assert _check(org, owner, "contacts", rows, fast=True) == _check(
        org, owner, "contacts", rows, fast=False
    )


def test_the_fast_email_and_url_patterns_accept_only_what_django_accepts():
    rng = random.Random(7)
    alphabet = "abcXYZ019.-_%+'@:/?#=&~ \tșă"
    email, url = EmailValidator(), URLValidator()
    samples = [
        "a@b.ro",
        "a.b@c-d.ro",
        "a..b@c.ro",
        ".a@b.ro",
        "a@-b.ro",
        "a@b-.ro",
        "a@b.r",
        "http://a.ro",
        "https://a-b.c.ro:80/x/y.z",
        "http://a.ro/ spaces",
        "http://-a.ro",
    ]
    samples += [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(3, 30))) for _ in range(20000)
    ]
    samples += [f"http://{text}" for text in samples[:5000]] + [f"{t}@x.ro" for t in samples[:5000]]
    for text in samples:
        for pattern, validator in ((_EMAIL_FAST, email), (_URL_FAST, url)):
            if pattern.fullmatch(text):
                try:
                    validator(text)
                except ValidationError:  # pragma: no cover - the failure being tested for
                    pytest.fail(f"{text!r} passes the fast pattern, not Django's validator")


def _reference_e164(text: str) -> str:
    try:
        number = phonenumbers.parse(text, "RO")
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def test_romanian_phones_give_the_same_e164_as_phonenumbers():
    rng = random.Random(11)
    texts = ["0722 123 456", "+40 722-123-456", "0040.722.123.456", "0212345678", "07221234567"]
    for _ in range(3000):
        national = rng.choice("0123456789") + "".join(rng.choice("0123456789") for _ in range(8))
        prefix = rng.choice(["0", "+40", "0040", "+40 ", "40", "00", "+4"])
        separators = rng.choice(["", " ", "-", "."])
        grouped = separators.join([national[:3], national[3:6], national[6:]])
        texts.append(prefix + grouped)
    for text in texts:
        assert phone_e164(text) == _reference_e164(text), text


def test_search_rows_equal_the_search_modules_own(org, owner):
    prospects = [
        sales.prospect_create(
            org=org,
            user=owner,
            first_name="Ştefan",
            last_name="Ţăranu",
            company_name="Țesătoria Mureș S.R.L.",
            email="Stefan@Tesatoria.ro",
            phone="0722 123 456",
            cui=CUI_A,
            website="https://tesatoria.ro",
            locality="Târgu Mureș",
        ),
        sales.prospect_create(
            org=org, user=owner, kind="person", last_name="Pop", phone="+40 (733) 000-111"
        ),
        sales.prospect_create(org=org, user=owner, company_name="ALFA\u00adBETA  Ltd"),
    ]
    expected = search_entries_for(prospects)
    made = bulk.SearchRows().entries(prospects)
    fields = ("organization_id", "kind", "object_id", "title", "subtitle", "text", "title_key")
    assert [[getattr(e, f) for f in fields] for e in made] == [
        [getattr(e, f) for f in fields] for e in expected
    ]


def test_bulk_ids_are_distinct_version_7_and_of_this_millisecond():
    before = int(time.time() * 1000)
    ids = uuid7_many(5000)
    after = int(time.time() * 1000)
    assert len(set(ids)) == 5000
    assert {pk.version for pk in ids} == {7}
    assert {pk.variant for pk in ids} == {ids[0].variant} and ids[
        0
    ].variant == "specified in RFC 4122"
    assert all(before <= pk.int >> 80 <= after for pk in ids)
