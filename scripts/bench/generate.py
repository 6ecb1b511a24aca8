"""Benchmark datasets: realistic Romanian CRM data written in bulk (COPY on PostgreSQL,
executemany on SQLite), row for row what the services would write.

    python scripts/bench/generate.py S|M|L [--db postgres|sqlite] [--force]

One database per dataset (PostgreSQL ``smartcrm_bench_<s|m|l>`` next to BENCH_DATABASE_URL,
SQLite ``var/bench/smartcrm_bench_<s|m|l>.sqlite3``), migrated with ``smartcrm migrate``;
a marker table remembers a finished dataset, so a second run only migrates.

Rows: UUIDv7 keys whose time is the row's creation time (keyset pages sort by creation),
versions, the matching keys (dedupe.keys), the search rows (imports.bulk.SearchRows, as
core.search writes them), a "created" timeline event per prospect, account and offer (and
the conversion events), offer lines priced by sales.pricing with the offer totals their sum,
gap-free offer numbers per organisation and year with their sequences, converted prospects
linked to the accounts made from them (their children moved there, as conversion does).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

FIRST = [
    "Ion", "Maria", "Andrei", "Elena", "Ștefan", "Ioana", "Mihai", "Ana", "Alexandru",
    "Cristina", "Gheorghe", "Raluca", "Vasile", "Roxana", "Bogdan", "Alina", "Cătălin",
    "Mădălina", "Tudor", "Ștefania", "Răzvan", "Irina", "Florin", "Oana", "Costel", "Bianca",
    "Dănuț", "Aurel", "Viorica", "Ionuț", "Lăcrămioara", "Sorin", "Anișoara", "Cosmin",
]  # fmt: skip
LAST = [
    "Popescu", "Ionescu", "Popa", "Dumitrescu", "Stan", "Stoica", "Gheorghiu", "Matei",
    "Ciobanu", "Rusu", "Munteanu", "Constantinescu", "Șerban", "Țăranu", "Lupu", "Bălan",
    "Marinescu", "Tănase", "Dobre", "Niță", "Păun", "Iordache", "Mocanu", "Văduva",
    "Ștefănescu", "Cîrstea", "Oprea", "Moldovan", "Sârbu", "Ene", "Diaconu", "Mureșan",
]  # fmt: skip
COMPANY_A = [
    "Alfa", "Carpați", "Dunărea", "Transilvania", "Bărăgan", "Mureș", "Olt", "Someș",
    "Țesătoria", "Nord", "Vest", "Delta", "Arcada", "Făget", "Brâncoveanu", "Ceahlău",
    "Bucegi", "Siret", "Prahova", "Retezat", "Apuseni", "Codrii", "Măgura", "Hațeg",
]  # fmt: skip
COMPANY_B = [
    "Construcții", "Logistic", "Agro", "Soft", "Distribuție", "Medical", "Energie", "Tehnic",
    "Instalații", "Comerț", "Transport", "Consulting", "Mobilă", "Panificație", "Turism",
    "Tipografie", "Farm", "Auto", "Imobiliare", "Securitate",
]  # fmt: skip
LEGAL = ["SRL", "SRL", "SRL", "SA", "SRL-D", "PFA", "II"]
PLACES = [
    ("București", "B"), ("Cluj-Napoca", "CJ"), ("Iași", "IS"), ("Timișoara", "TM"),
    ("Brașov", "BV"), ("Constanța", "CT"), ("Craiova", "DJ"), ("Galați", "GL"),
    ("Ploiești", "PH"), ("Oradea", "BH"), ("Sibiu", "SB"), ("Târgu Mureș", "MS"),
    ("Bacău", "BC"), ("Pitești", "AG"), ("Arad", "AR"), ("Suceava", "SV"),
    ("Botoșani", "BT"), ("Râmnicu Vâlcea", "VL"), ("Focșani", "VN"), ("Brăila", "BR"),
    ("Târgoviște", "DB"), ("Baia Mare", "MM"), ("Satu Mare", "SM"), ("Alba Iulia", "AB"),
    ("Deva", "HD"), ("Buzău", "BZ"), ("Slatina", "OT"), ("Călărași", "CL"),
    ("Voluntari", "IF"), ("Zalău", "SJ"),
]  # fmt: skip
STREETS = ["Str. Mihai Eminescu", "Bd. Unirii", "Str. Ștefan cel Mare", "Calea Victoriei",
           "Str. Avram Iancu", "Str. Gării", "Bd. Independenței", "Str. Țebei"]  # fmt: skip
JOBS = ["Director general", "Director economic", "Achiziții", "Manager vânzări",
        "Inginer șef", "Contabil", "Administrator", "Șef depozit"]  # fmt: skip
DEPARTMENTS = ["management", "finance", "procurement", "sales", "technical", "other"]
INDUSTRIES = ["Construcții", "IT", "Agricultură", "Retail", "Producție", "Sănătate", "Transport"]
PRODUCTS = [
    ("Licență", "lună"), ("Abonament suport", "lună"), ("Consultanță", "oră"),
    ("Instalare", "buc"), ("Server rack", "buc"), ("Cablu UTP", "m"), ("Laptop", "buc"),
    ("Mentenanță", "lună"), ("Instruire", "zi"), ("Senzor temperatură", "buc"),
]  # fmt: skip
SUBJECTS = ["Apel de prezentare", "Întâlnire la sediul clientului", "Trimis ofertă pe e-mail",
            "Discuție tehnică", "Negociere preț", "Revenire după târg",
            "Demonstrație produs"]  # fmt: skip
TASKS = ["Sună clientul", "Trimite oferta revizuită", "Pregătește contractul",
         "Verifică stocul", "Programează demonstrația", "Cere referințe"]  # fmt: skip
NOTES = [
    "Clientul preferă să fie contactat dimineața; decizia se ia în ședința de consiliu.",
    "A cerut o reducere de 5 % pentru plata în avans. Revenim după aprobarea directorului.",
    "Are deja un furnizor în Brașov, nemulțumit de termenele de livrare.",
    "Bugetul pe anul acesta este aprobat; achiziția trece prin SEAP.",
    "Întâlnire bună: vor o ofertă pentru trei sedii, cu instalare și instruire.",
]
SOURCES = ["website", "referral", "event", "cold_call", "campaign", "partner", "social", "tender"]
# A surname on exactly three prospects of the big organisation: the "rare term" of the lists.
RARE_NAME = "Zăgărescu"
CUI_WEIGHTS = (7, 5, 3, 2, 1, 7, 5, 3, 2)
CHUNK = 20_000
PROBABILITY = {"draft": 10, "sent": 30, "negotiation": 60, "won": 100, "lost": 0}
OUTCOME = "Clientul a cerut o ofertă."


def cui(seed: int) -> str:
    body = str(1_000_000 + seed % 89_999_999).rjust(9, "0")
    check = sum(int(d) * w for d, w in zip(body, CUI_WEIGHTS, strict=True)) * 10 % 11
    return f"{int(body)}{0 if check == 10 else check}"


ASCII = str.maketrans("ăâîșşțţĂÂÎȘŞȚŢ", "aaissttAAISSTT")


class Ids:
    """UUIDv7 keys whose timestamp is the row's creation time, as uuid7() gives at creation."""

    def __init__(self, rng: random.Random) -> None:
        self.bits = rng.getrandbits

    def at(self, moment: dt.datetime) -> uuid.UUID:
        ms = int(moment.timestamp() * 1000)
        rand = self.bits(74)
        return uuid.UUID(
            int=(ms << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62) | (rand & _RAND_B)
        )


_RAND_B = (1 << 62) - 1


def _or_null(convert: Any) -> Any:
    return lambda value: "\\N" if value is None else convert(value)


class Writer:
    """Rows of a model as dicts of column values (attnames), written in bulk: COPY on
    PostgreSQL (imports.bulk's text conversions), executemany on SQLite."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.vendor = connection.vendor
        self.templates: dict[Any, dict[str, Any]] = {}
        self.written: dict[str, int] = {}

    def template(self, model: Any) -> dict[str, Any]:
        """Every column's default (a column added by a later migration gets its default)."""
        found = self.templates.get(model)
        if found is None:
            from smartcrm.imports import bulk

            found = {}
            for field in bulk._copy_fields(model):
                if field.primary_key:
                    found[field.attname] = None
                elif field.has_default():
                    found[field.attname] = field.get_default()
                else:
                    found[field.attname] = None if field.null else ""
            self.templates[model] = found
        return found

    def row(self, model: Any, values: dict[str, Any]) -> dict[str, Any]:
        return {**self.template(model), **values}

    def write(self, model: Any, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        from smartcrm.imports import bulk

        fields = bulk._copy_fields(model)
        table = model._meta.db_table
        self.written[table] = self.written.get(table, 0) + len(rows)
        if self.vendor == "postgresql":
            columns = [(f.attname, _or_null(bulk._as_copy_text(f, "default"))) for f in fields]
            names = ", ".join(f'"{f.column}"' for f in fields)
            statement = f'COPY "{table}" ({names}) FROM STDIN'
            with self.connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
                for start in range(0, len(rows), 2000):
                    lines = [
                        "\t".join([text(row[name]) for name, text in columns])
                        for row in rows[start : start + 2000]
                    ]
                    lines.append("")
                    copy.write("\n".join(lines).encode())
            return
        converters = [(f.attname, self._sqlite_converter(f)) for f in fields]
        names = ", ".join(f'"{f.column}"' for f in fields)
        marks = ", ".join("?" for _ in fields)
        self.connection.connection.executemany(
            f'INSERT INTO "{table}" ({names}) VALUES ({marks})',
            (
                [None if (v := row[name]) is None else conv(v) for name, conv in converters]
                for row in rows
            ),
        )

    def _sqlite_converter(self, field: Any) -> Any:
        from django.db import models

        kind = field.target_field if field.is_relation else field
        if isinstance(kind, models.UUIDField):
            return lambda value: value.hex
        if isinstance(kind, models.DateTimeField):
            return lambda value: str(value.astimezone(dt.UTC).replace(tzinfo=None))
        if isinstance(kind, models.DateField):
            return lambda value: value.isoformat()
        if isinstance(kind, models.DecimalField):
            return str
        if isinstance(kind, models.BooleanField):
            return int
        if isinstance(field, models.JSONField):
            return lambda value: json.dumps(value, cls=field.encoder)
        if isinstance(kind, models.CharField | models.TextField | models.IntegerField):
            return lambda value: value
        return lambda value: field.get_db_prep_save(value, self.connection)


class Generator:
    def __init__(self, dataset: str, seed: int = 2026) -> None:
        from django.utils import timezone

        self.dataset = dataset
        self.counts = common.counts(dataset)
        self.rng = random.Random(seed)
        self.ids = Ids(self.rng)
        self.writer = Writer()
        self.now = timezone.now().replace(microsecond=0)
        self.start = self.now - dt.timedelta(days=3 * 365)
        self.meta: dict[str, Any] = {"dataset": dataset, "orgs": []}
        self._keys: dict[str, str] = {}
        from smartcrm.imports.bulk import SearchRows

        self.search_rows = SearchRows()
        self.pending_prospects: list[Any] = []

    # --- small helpers -------------------------------------------------------------------

    def moment(self, after: dt.datetime | None = None) -> dt.datetime:
        start = after or self.start
        span = (self.now - start).total_seconds()
        return start + dt.timedelta(seconds=int(self.rng.random() * span))

    def name_key(self, name: str) -> str:
        found = self._keys.get(name)
        if found is None:
            from smartcrm.dedupe.keys import name_key

            found = self._keys[name] = name_key(name)
        return found

    def phone(self) -> str:
        r = self.rng.randint
        return f"07{r(20, 89)} {r(100, 999)} {r(100, 999)}"

    def base(self, org: Any, user_id: Any, created: dt.datetime) -> dict[str, Any]:
        return {
            "id": self.ids.at(created),
            "organization_id": org.pk,
            "created_at": created,
            "updated_at": created,
            "version": 1,
            "created_by_id": user_id,
        }

    def searchable(self, model: Any) -> bool:
        from smartcrm.core.search import searchable_kinds

        return any(kind.model is model for kind in searchable_kinds())

    def flush(self, model: Any, rows: list[Any], *, search: bool | None = None) -> None:
        """Write the rows (model records made with bulk.new, or dicts) and, for every kind the
        search registers, their search rows. A dict's ``_parent`` (field, name) is the name of
        its record, which the search row shows: cached on the record, so nothing is read."""
        from smartcrm.core.models import SearchEntry
        from smartcrm.imports.bulk import new

        dicts = [row if isinstance(row, dict) else row.__dict__ for row in rows]
        self.writer.write(model, dicts)
        if search is None:
            search = self.searchable(model)
        if search:
            records = []
            for row in rows:
                if isinstance(row, dict):
                    record, parent = new(model, row), row.get("_parent")
                    if parent is not None:
                        record._state.fields_cache[parent[0]] = parent[1]
                    row = record
                records.append(row)
            entries = self.search_rows.entries(records)
            for entry, record in zip(entries, records, strict=True):
                entry.updated_at = record.updated_at
            self.writer.write(SearchEntry, [entry.__dict__ for entry in entries])
        rows.clear()

    def event(self, org: Any, user_id: Any, created: dt.datetime, kind: str, **parent: Any):
        values = self.base(org, user_id, created)
        values.update(
            {"prospect_id": None, "account_id": None, "offer_id": None, "kind": kind, **parent}
        )
        values.setdefault("data", EMPTY)
        return values

    # --- the dataset ---------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        from django.db import transaction

        self.users_and_orgs()
        shares = common.ORG_SHARES
        for index, (org, users) in enumerate(self.orgs):
            counts = {name: max(1, round(n * shares[index])) for name, n in self.counts.items()}
            # the big account lives in the big organisation only, with all its contacts
            counts["big_account_contacts"] = 0 if index else self.counts["big_account_contacts"]
            with transaction.atomic():
                self.organisation(org, users, counts, big=index == 0)
        with transaction.atomic():
            self.convert_candidates(*self.orgs[0])
        return self.meta

    def users_and_orgs(self) -> None:
        from django.contrib.auth.hashers import make_password

        from smartcrm.core.choices import Role
        from smartcrm.core.models import Membership, Organization, User
        from smartcrm.core.services import organization_create

        password = make_password("bench-parola-2026")  # the same hash for every bench user
        names = [("Alfa Soluții Digitale SRL", "alfa"), ("Carpați Distribuție SA", "carpati"),
                 ("Țesătoria Someș SRL", "tesatoria")]  # fmt: skip
        self.orgs: list[tuple[Any, list[Any]]] = []
        for (name, slug), user_count in zip(names, common.ORG_USERS, strict=True):
            users = []
            for number in range(user_count):
                first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
                login = f"{first}.{last}".translate(ASCII).lower()
                users.append(
                    User(
                        email=f"{login}.{number}@{slug}.bench.ro",
                        first_name=first,
                        last_name=last,
                        password=password,
                    )
                )
            User.objects.bulk_create(users)
            org = organization_create(
                name=name, owner=users[0], slug=f"bench-{slug}", cui=cui(len(self.orgs) + 7)
            )
            roles = [Role.ADMIN, Role.MANAGER] + [Role.SALES] * user_count
            Membership.objects.bulk_create(
                [
                    Membership(organization=org, user=user, role=role)
                    for user, role in zip(users[1:], roles, strict=False)
                ]
            )
            org = Organization.objects.get(pk=org.pk)
            self.orgs.append((org, users))
            self.meta["orgs"].append(
                {"slug": org.slug, "owner": users[0].email, "users": [u.email for u in users]}
            )

    def organisation(self, org: Any, users: list[Any], n: dict[str, int], *, big: bool) -> None:
        from smartcrm.activities.models import Activity
        from smartcrm.catalog.models import Product
        from smartcrm.contacts.models import Contact
        from smartcrm.core.normalize import phone_e164
        from smartcrm.dedupe.keys import email_key
        from smartcrm.imports.bulk import new
        from smartcrm.notes.models import Note
        from smartcrm.sales.models import (
            Account,
            Offer,
            OfferLine,
            OfferNumberSequence,
            Prospect,
            RecordEvent,
        )
        from smartcrm.sales.pricing import line_amounts
        from smartcrm.tasks.models import Task

        rng, user_ids = self.rng, [user.pk for user in users]
        started = time.perf_counter()

        def log(what: str) -> None:
            print(
                f"    {org.slug:<16} {what:<40} {time.perf_counter() - started:7.1f} s", flush=True
            )

        # Products
        products = []
        rows: list[Any] = []
        for number in range(n["products"]):
            name, unit = PRODUCTS[number % len(PRODUCTS)]
            created = self.moment()
            price = Decimal(rng.randint(50, 50_000)).scaleb(-1).quantize(Decimal("0.0001"))
            vat = Decimal("21.00") if number % 7 else Decimal("11.00")
            record = new(
                Product,
                self.writer.row(
                    Product,
                    {
                        **self.base(org, user_ids[0], created),
                        "kind": "service" if unit in ("lună", "oră", "zi") else "product",
                        "code": f"P-{number + 1:05d}",
                        "name": f"{name} {rng.choice(COMPANY_A)} {number // len(PRODUCTS) + 1}",
                        "unit": unit,
                        "price": price,
                        "currency": "RON",
                        "vat_rate": vat,
                    },
                ),
            )
            products.append((record.pk, record.code, record.name, unit, price, vat))
            rows.append(record)
        self.flush(Product, rows, search=True)
        log(f"{n['products']:,} products")

        # Prospects and the accounts made of some of them
        n_accounts, n_prospects = n["accounts"], n["prospects"]
        converted = min(n_prospects // 3, n_accounts * 6 // 10)
        account_ids = []
        account_names: list[Any] = []
        prospect_ids: list[Any] = []
        prospect_names: list[str] = []
        events: list[dict[str, Any]] = []
        rare_left = 3 if big else 0
        for number in range(n_prospects):
            created = self.moment()
            place, county = rng.choice(PLACES)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            if rare_left and number % 997 == 500:
                last, rare_left = RARE_NAME, rare_left - 1
            company = rng.random() < 0.7
            company_name = (
                f"{rng.choice(COMPANY_A)} {rng.choice(COMPANY_B)} {rng.choice(LEGAL)}"
                if company or rng.random() < 0.2
                else ""
            )
            login = f"{first}.{last}".translate(ASCII).lower()
            email = f"{login}.{number}@firma{number % 997}.ro"
            phone = self.phone()
            status = (
                "converted"
                if number < converted
                else rng.choices(
                    ["new", "in_progress", "qualified", "disqualified"], [40, 25, 20, 15]
                )[0]
            )
            values = {
                **self.base(org, rng.choice(user_ids), created),
                "kind": "company" if company else "person",
                "first_name": first,
                "last_name": last,
                "company_name": company_name,
                "source": rng.choice(SOURCES),
                "status": status,
                "disqualify_reason": "Fără buget anul acesta" if status == "disqualified" else "",
                "priority": rng.choices(["low", "medium", "high"], [25, 55, 20])[0],
                "cui": cui(number * 3 + len(org.slug)) if company else "",
                "vat_payer": company and number % 2 == 0,
                "address": f"{rng.choice(STREETS)} nr. {rng.randint(1, 200)}",
                "postal_code": str(rng.randint(100000, 999999)),
                "locality": place,
                "county": county,
                "country": "RO",
                "phone": phone,
                "email": email,
                "website": f"https://www.firma{number}.ro" if company else "",
                "email_normalized": email_key(email),
                "phone_e164": phone_e164(phone),
            }
            values["owner_id"] = values["created_by_id"]
            record = new(Prospect, self.writer.row(Prospect, values))
            record.name_key = self.name_key(record.display_name)
            if status == "converted":
                converted_at = self.moment(created)
                account_id = self.ids.at(converted_at)
                record.converted_account_id = account_id
                record.converted_at = converted_at
                record.updated_at = converted_at
                record.version = 3
                account = new(
                    Account,
                    self.writer.row(
                        Account,
                        {
                            **self.base(org, record.owner_id, converted_at),
                            "id": account_id,
                            "kind": record.kind,
                            "name": record.display_name,
                            "industry": rng.choice(INDUSTRIES),
                            "owner_id": record.owner_id,
                            "source_prospect_id": record.pk,
                            **{
                                key: values[key]
                                for key in (
                                    "cui",
                                    "vat_payer",
                                    "address",
                                    "postal_code",
                                    "locality",
                                    "county",
                                    "country",
                                    "phone",
                                    "email",
                                    "website",
                                    "email_normalized",
                                    "phone_e164",
                                )
                            },
                            "name_key": record.name_key,
                        },
                    ),
                )
                account_ids.append(account_id)
                account_names.append(account.name)
                rows.append(account)
                events.append(
                    self.event(
                        org,
                        record.owner_id,
                        converted_at,
                        "converted",
                        prospect_id=record.pk,
                        data={
                            "account_id": str(account_id),
                            "account_name": account.name,
                            "moved": {},
                        },
                    )
                )
                events.append(
                    self.event(
                        org,
                        record.owner_id,
                        converted_at,
                        "created_from_prospect",
                        account_id=account_id,
                        data={"prospect_id": str(record.pk), "prospect_name": record.display_name},
                    )
                )
            else:
                prospect_ids.append(record.pk)
                prospect_names.append(record.display_name)
            events.append(self.event(org, record.created_by_id, created, "created",
                                     prospect_id=record.pk))  # fmt: skip
            self.pending_prospects.append(record)
            if len(self.pending_prospects) >= CHUNK:
                self.flush(Prospect, self.pending_prospects, search=True)
                self.flush(Account, rows, search=True)
                self.flush(RecordEvent, events)
        self.flush(Prospect, self.pending_prospects, search=True)
        self.flush(Account, rows, search=True)
        self.flush(RecordEvent, events)
        log(f"{n_prospects:,} prospects ({converted:,} converted)")

        # The other accounts
        for number in range(n_accounts - converted):
            created = self.moment()
            place, county = rng.choice(PLACES)
            name = f"{rng.choice(COMPANY_A)} {rng.choice(COMPANY_B)} {rng.choice(LEGAL)}"
            if big and number == 0:
                name = "Grupul Industrial Bărăgan SA"
            email = f"office{number}@{name.split()[0].translate(ASCII).lower()}{number}.ro"
            phone = self.phone()
            owner = rng.choice(user_ids)
            record = new(
                Account,
                self.writer.row(
                    Account,
                    {
                        **self.base(org, owner, created),
                        "kind": "company",
                        "name": name,
                        "industry": rng.choice(INDUSTRIES),
                        "owner_id": owner,
                        "cui": cui(number * 7 + 11 + len(org.slug)),
                        "vat_payer": True,
                        "address": f"{rng.choice(STREETS)} nr. {rng.randint(1, 200)}",
                        "postal_code": str(rng.randint(100000, 999999)),
                        "locality": place,
                        "county": county,
                        "country": "RO",
                        "phone": phone,
                        "email": email,
                        "website": f"https://www.{name.split()[0].translate(ASCII).lower()}{number}.ro",
                        "email_normalized": email_key(email),
                        "phone_e164": phone_e164(phone),
                        "name_key": self.name_key(name),
                    },
                ),
            )
            if big and number == 0:
                self.meta["big_account_id"] = str(record.pk)
                account_ids.insert(0, record.pk)
                account_names.insert(0, name)
            else:
                account_ids.append(record.pk)
                account_names.append(name)
            rows.append(record)
            events.append(self.event(org, owner, created, "created", account_id=record.pk))
            if len(rows) >= CHUNK:
                self.flush(Account, rows, search=True)
                self.flush(RecordEvent, events)
        self.flush(Account, rows, search=True)
        self.flush(RecordEvent, events)
        log(f"{n_accounts:,} accounts")

        # Contacts: the big account's, then on accounts and open prospects
        primary: set[Any] = set()
        big_contacts = n["big_account_contacts"]
        for number in range(n["contacts"]):
            created = self.moment()
            first, last = rng.choice(FIRST), rng.choice(LAST)
            if number < big_contacts:
                parent, on_account = 0, True
            elif rng.random() < 0.6:
                parent, on_account = rng.randrange(len(account_ids)), True
            else:
                parent, on_account = rng.randrange(len(prospect_ids)), False
            parent_id = account_ids[parent] if on_account else prospect_ids[parent]
            login = f"{first}.{last}".translate(ASCII).lower()
            email = f"{login}.c{number}@client{number % 499}.ro"
            phone = self.phone()
            is_primary = parent_id not in primary
            if is_primary:
                primary.add(parent_id)
            record = new(
                Contact,
                self.writer.row(
                    Contact,
                    {
                        **self.base(org, rng.choice(user_ids), created),
                        "first_name": first,
                        "last_name": last,
                        "email": email,
                        "phone": phone,
                        "job_title": rng.choice(JOBS),
                        "department": rng.choice(DEPARTMENTS),
                        "is_primary": is_primary,
                        "prospect_id": None if on_account else parent_id,
                        "account_id": parent_id if on_account else None,
                        "email_normalized": email_key(email),
                        "phone_e164": phone_e164(phone),
                        "name_key": self.name_key(f"{first} {last}"),
                    },
                ),
            )
            # the search row shows the parent's name: cached, so nothing is read
            name = account_names[parent] if on_account else prospect_names[parent]
            record._state.fields_cache["account" if on_account else "prospect"] = name
            rows.append(record)
            if len(rows) >= CHUNK:
                self.flush(Contact, rows, search=True)
        self.flush(Contact, rows, search=True)
        del primary
        log(f"{n['contacts']:,} contacts ({big_contacts:,} on one account)")

        # Offers and their lines, numbered per year in issue order
        n_offers = n["offers"]
        issue = sorted(
            (self.start.date() + dt.timedelta(days=rng.randrange(3 * 365))) for _ in range(n_offers)
        )
        sequences: dict[int, int] = {}
        offer_ids = []
        offer_names: list[str] = []
        lines_left = n["offer_lines"]
        line_rows: list[dict[str, Any]] = []
        one = Decimal(1)
        for number, issue_date in enumerate(issue):
            year = issue_date.year
            sequences[year] = sequences.get(year, 0) + 1
            created = dt.datetime.combine(issue_date, dt.time(9), dt.UTC) + dt.timedelta(
                seconds=rng.randrange(8 * 3600)
            )
            status = rng.choices(
                ["draft", "sent", "negotiation", "won", "lost"], [30, 25, 15, 18, 12]
            )[0]
            parent = 0 if big and number % 50 == 0 else rng.randrange(len(account_ids))
            owner = rng.choice(user_ids)
            closed = status in ("won", "lost")
            record_id = self.ids.at(created)
            offer = {
                **self.base(org, owner, created),
                "id": record_id,
                "number": f"OF-{year}-{sequences[year]:04d}",
                "title": f"Ofertă {rng.choice(PRODUCTS)[0].lower()} {rng.choice(COMPANY_A)}",
                "account_id": account_ids[parent],
                "owner_id": owner,
                "currency": "RON",
                "language": "ro",
                "issue_date": issue_date,
                "valid_until": issue_date + dt.timedelta(days=30),
                "expected_close_date": issue_date + dt.timedelta(days=rng.randint(10, 90)),
                "closed_date": (
                    issue_date + dt.timedelta(days=rng.randint(1, 60)) if closed else None
                ),
                "sent_at": created + dt.timedelta(hours=2) if status != "draft" else None,
                "probability": PROBABILITY[status],
                "priority": rng.choice(["low", "medium", "high"]),
                "source": rng.choice(SOURCES),
                "status": status,
                "lost_reason": "Preț prea mare" if status == "lost" else "",
                "version": 2 if status == "draft" else 3,
            }  # fmt: skip
            remaining_offers = n_offers - number
            count = max(1, min(9, round(lines_left / remaining_offers) + rng.randint(-2, 2)))
            lines_left -= count
            net = vat = gross = Decimal(0)
            for position in range(1, count + 1):
                product_id, code, name, unit, price, rate = products[rng.randrange(len(products))]
                quantity = Decimal(rng.randint(1, 40))
                discount = Decimal(rng.choice((0, 0, 0, 5, 10)))
                amounts = line_amounts(
                    quantity=quantity,
                    unit_price=price,
                    discount_percent=discount,
                    vat_rate=rate,
                    price_includes_vat=False,
                )
                net, vat, gross = net + amounts.net, vat + amounts.vat, gross + amounts.gross
                line_rows.append(
                    self.writer.row(
                        OfferLine,
                        {
                            **self.base(org, owner, created),
                            "offer_id": record_id,
                            "position": position,
                            "product_id": product_id,
                            "code": code,
                            "name": name,
                            "unit": unit,
                            "quantity": quantity.quantize(Decimal("0.001")),
                            "source_price": price,
                            "source_currency": "RON",
                            "exchange_rate": one,
                            "unit_price": price,
                            "price_includes_vat": False,
                            "discount_percent": discount,
                            "vat_rate": rate,
                            "net_amount": amounts.net,
                            "vat_amount": amounts.vat,
                            "gross_amount": amounts.gross,
                        },
                    )
                )
            offer.update(total_net=net, total_vat=vat, total_gross=gross)
            record = new(Offer, self.writer.row(Offer, offer))
            record._state.fields_cache["account"] = SimpleNamespace(name=account_names[parent])
            offer_names.append(str(record))
            rows.append(record)
            offer_ids.append(record_id)
            events.append(self.event(org, owner, created, "created", offer_id=record_id,
                                     data={"number": offer["number"]}))  # fmt: skip
            if len(rows) >= CHUNK // 4:
                self.flush(Offer, rows, search=True)
                self.flush(OfferLine, line_rows)
                self.flush(RecordEvent, events)
        self.flush(Offer, rows, search=True)
        self.flush(OfferLine, line_rows)
        self.flush(RecordEvent, events)
        OfferNumberSequence.objects.bulk_create(
            [
                OfferNumberSequence(organization=org, year=year, last_number=last)
                for year, last in sequences.items()
            ]
        )
        log(f"{n_offers:,} offers, {n['offer_lines']:,} lines")
        parents = (prospect_ids, account_ids, offer_ids)
        names = (prospect_names, account_names, offer_names)

        def parent_of(weights: tuple[int, ...], standalone: int = 0) -> dict[str, Any]:
            choice = rng.choices((0, 1, 2, 3), (*weights, standalone))[0]
            found = {"prospect_id": None, "account_id": None, "offer_id": None, "_parent": None}
            if choice < 3:
                index = rng.randrange(len(parents[choice]))
                field = ("prospect", "account", "offer")[choice]
                found[f"{field}_id"] = parents[choice][index]
                found["_parent"] = (field, names[choice][index])
            return found

        # Activities
        for number in range(n["activities"]):
            start_at = self.moment() + dt.timedelta(days=30)
            created = min(start_at, self.now) - dt.timedelta(days=rng.randint(0, 10))
            future = start_at > self.now
            status = (
                "planned"
                if future
                else rng.choices(["done", "planned", "canceled"], [80, 8, 12])[0]
            )
            owner = rng.choice(user_ids)
            rows.append(
                self.writer.row(
                    Activity,
                    {
                        **self.base(org, owner, created),
                        "kind": rng.choice(("call", "email", "meeting")),
                        "subject": rng.choice(SUBJECTS),
                        "status": status,
                        "start_at": start_at,
                        "end_at": start_at + dt.timedelta(minutes=rng.choice((15, 30, 60, 90))),
                        "owner_id": owner,
                        "completed_at": (
                            start_at + dt.timedelta(hours=1) if status == "done" else None
                        ),
                        "outcome": OUTCOME if status == "done" and number % 3 == 0 else "",
                        **parent_of((50, 35, 15)),
                    },
                )
            )  # fmt: skip
            if len(rows) >= CHUNK * 2:
                self.flush(Activity, rows)
        self.flush(Activity, rows)
        log(f"{n['activities']:,} activities")

        # Tasks
        for _number in range(n["tasks"]):
            due_at = self.moment() + dt.timedelta(days=20)
            created = min(due_at, self.now) - dt.timedelta(days=rng.randint(0, 20))
            status = rng.choices(["open", "in_progress", "done", "canceled"], [45, 15, 35, 5])[0]
            assignee = rng.choice(user_ids)
            rows.append(
                self.writer.row(
                    Task,
                    {
                        **self.base(org, rng.choice(user_ids), created),
                        "title": rng.choice(TASKS),
                        "status": status,
                        "priority": rng.choices(["low", "medium", "high"], [25, 55, 20])[0],
                        "due_at": due_at,
                        "assignee_id": assignee,
                        "completed_at": min(due_at, self.now) if status == "done" else None,
                        **parent_of((40, 30, 10), 20),
                    },
                )
            )
            if len(rows) >= CHUNK * 2:
                self.flush(Task, rows)
        self.flush(Task, rows)
        log(f"{n['tasks']:,} tasks")

        # Notes
        for number in range(n["notes"]):
            created = self.moment()
            rows.append(
                self.writer.row(
                    Note,
                    {
                        **self.base(org, rng.choice(user_ids), created),
                        "body": NOTES[number % len(NOTES)],
                        "pinned": number % 20 == 0,
                        **parent_of((45, 40, 15)),
                    },
                )
            )
            if len(rows) >= CHUNK * 2:
                self.flush(Note, rows)
        self.flush(Note, rows)
        log(f"{n['notes']:,} notes")
        del account_names, prospect_names, offer_names
        if big:
            self.meta["rare_term"] = RARE_NAME
            self.meta["common_term"] = "Popescu"

    def convert_candidates(self, org: Any, users: list[Any]) -> None:
        """Qualified prospects with 50 children each (contacts, activities, notes, tasks):
        the conversion benchmark converts one per run."""
        from smartcrm.activities.models import Activity
        from smartcrm.contacts.models import Contact
        from smartcrm.core.normalize import phone_e164
        from smartcrm.dedupe.keys import email_key
        from smartcrm.imports.bulk import new
        from smartcrm.notes.models import Note
        from smartcrm.sales.models import Prospect, RecordEvent
        from smartcrm.tasks.models import Task

        owner = users[0].pk
        ids = []
        children: dict[Any, list[Any]] = {Contact: [], Activity: [], Note: [], Task: []}
        events = []
        prospects = []
        for number in range(common.CONVERT_CANDIDATES):
            created = self.moment()
            name = f"Candidat Conversie {number:02d} Țicleni SRL"
            values = {
                **self.base(self.orgs[0][0], owner, created),
                "kind": "company",
                "company_name": name,
                "first_name": "Ilie",
                "last_name": "Bănică",
                "status": "qualified",
                "source": "referral",
                "owner_id": owner,
                "cui": cui(900_000 + number),
                "locality": "Târgu Jiu",
                "county": "GJ",
                "email": f"contact{number}@candidat-conversie.ro",
                "email_normalized": f"contact{number}@candidat-conversie.ro",
                "name_key": self.name_key(name),
                "version": 2,
            }
            record = new(Prospect, self.writer.row(Prospect, values))
            prospects.append(record)
            ids.append(str(record.pk))
            events.append(self.event(org, owner, created, "created", prospect_id=record.pk))
            for kind, count in common.CONVERT_CHILDREN.items():
                for child in range(count):
                    base = {
                        **self.base(org, owner, created),
                        "prospect_id": record.pk,
                        "_parent": ("prospect", name),
                    }
                    if kind == "contacts":
                        email = f"persoana{child}.{number}@candidat-conversie.ro"
                        phone = self.phone()
                        row = self.writer.row(Contact, {
                            **base, "first_name": self.rng.choice(FIRST),
                            "last_name": self.rng.choice(LAST), "email": email, "phone": phone,
                            "email_normalized": email_key(email), "phone_e164": phone_e164(phone),
                            "is_primary": child == 0, "account_id": None})  # fmt: skip
                        row["name_key"] = self.name_key(f"{row['first_name']} {row['last_name']}")
                        contact = new(Contact, row)
                        contact._state.fields_cache["prospect"] = name
                        children[Contact].append(contact)
                    elif kind == "activities":
                        children[Activity].append(self.writer.row(Activity, {
                            **base, "kind": "call", "subject": SUBJECTS[child % len(SUBJECTS)],
                            "status": "done", "start_at": created, "completed_at": created,
                            "owner_id": owner, "account_id": None, "offer_id": None}))  # fmt: skip
                    elif kind == "notes":
                        children[Note].append(self.writer.row(Note, {
                            **base, "body": NOTES[child % len(NOTES)], "account_id": None,
                            "offer_id": None}))  # fmt: skip
                    else:
                        children[Task].append(self.writer.row(Task, {
                            **base, "title": TASKS[child % len(TASKS)], "status": "open",
                            "assignee_id": owner, "due_at": self.now + dt.timedelta(days=3),
                            "account_id": None, "offer_id": None}))  # fmt: skip
        from smartcrm.sales.models import Prospect as ProspectModel

        self.flush(ProspectModel, prospects, search=True)
        for model, rows in children.items():
            self.flush(model, rows)
        self.flush(RecordEvent, events)
        self.meta["convert_candidates"] = ids


EMPTY: dict[str, Any] = {}


# --- the database -----------------------------------------------------------------------


def _pg_create(url: str, *, drop: bool) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(common.pg_admin_url(), autocommit=True) as admin:
        if drop:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')


def _drop_indexes(cursor: Any) -> list[str]:
    """Drop the plain indexes of the tables the generator fills (not primary keys, not
    those of constraints) and return their definitions: building an index once after the
    load is several times faster than keeping it up to date row by row (the pg_trgm GIN
    index of the search rows above all)."""
    tables = [
        "core_searchentry", "sales_prospect", "sales_account", "sales_recordevent",
        "contacts_contact", "sales_offer", "sales_offerline", "activities_activity",
        "tasks_task", "notes_note", "catalog_product",
    ]  # fmt: skip
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname = ANY(%s) AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        [tables],
    )
    found = cursor.fetchall()
    for name, _definition in found:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in found]


def marker(url: str) -> dict[str, Any] | None:
    """The finished dataset's description, or None when there is none (of this version)."""
    if url.startswith("sqlite"):
        import sqlite3

        path = url.removeprefix("sqlite:///")
        if not Path(path).exists():
            return None
        with sqlite3.connect(path) as connection:
            try:
                row = connection.execute(
                    f"SELECT meta FROM {common.MARKER_TABLE} WHERE version = ?",
                    [common.GENERATOR_VERSION],
                ).fetchone()
            except sqlite3.OperationalError:
                return None
    else:
        import psycopg

        try:
            with psycopg.connect(url) as connection:
                row = connection.execute(
                    f"SELECT meta FROM {common.MARKER_TABLE} WHERE version = %s",
                    [common.GENERATOR_VERSION],
                ).fetchone()
        except psycopg.Error:
            return None
    if row is None:
        return None
    return json.loads(row[0]) if isinstance(row[0], str) else row[0]


def migrate(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    env.setdefault("SECRET_KEY", "bench-only-not-a-secret-" + "x" * 40)
    subprocess.run(
        [common.python(), "-m", "smartcrm.cli", "migrate", "--noinput", "-v", "0"],
        cwd=common.ROOT,
        env=env,
        check=True,
    )


def ensure(dataset: str, db: str, *, force: bool = False) -> dict[str, Any]:
    """The dataset, generated unless a finished one of this generator version is there."""
    url = common.database_url(dataset, db)
    found = None if force else marker(url)
    if found is not None:
        migrate(url)  # the application may have new migrations since
        print(f"dataset {dataset} on {db}: already generated ({found['generated_seconds']:.0f} s)")
        return found
    print(f"dataset {dataset} on {db}: generating {common.counts(dataset)}", flush=True)
    if db == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        _pg_create(url, drop=True)
    started = time.perf_counter()
    migrate(url)
    migrated = time.perf_counter()
    subprocess.run(
        [common.python(), __file__, dataset, "--db", db, "--load"], cwd=common.ROOT, check=True
    )
    found = marker(url)
    assert found is not None, "the generator did not finish"
    print(
        f"dataset {dataset} on {db}: generated in {time.perf_counter() - started:.0f} s "
        f"(migrate {migrated - started:.0f} s)"
    )
    return found


def load(dataset: str, db: str) -> None:
    """In a process of its own (Django set up on the dataset's database): write the rows."""
    url = common.database_url(dataset, db)
    common.setup_django(url)
    from django.db import connection

    started = time.perf_counter()
    connection.ensure_connection()
    indexes: list[str] = []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The rows are consistent by construction: no foreign-key triggers while loading.
            cursor.execute("SET session_replication_role = replica")
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET maintenance_work_mem = '512MB'")
            indexes = _drop_indexes(cursor)
    else:
        connection.connection.execute("PRAGMA foreign_keys = OFF")
        connection.connection.execute("PRAGMA synchronous = OFF")
    generator = Generator(dataset)
    meta = generator.run()
    if indexes:
        print(f"  indexing ({len(indexes)} indexes)", flush=True)
        with connection.cursor() as cursor:
            for definition in indexes:
                cursor.execute(definition)
    if connection.vendor == "postgresql":
        # Written with the triggers off: the pipeline's totals are counted once, now.
        from smartcrm.sales.services import pipeline_totals_rebuild

        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
        pipeline_totals_rebuild()
    generated = time.perf_counter()
    print("  analysing", flush=True)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute(
                "INSERT INTO core_searchentry_fts(core_searchentry_fts) VALUES ('optimize')"
            )
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    meta.update(
        generated_seconds=time.perf_counter() - started,
        load_seconds=generated - started,
        rows=generator.writer.written,
        generated_at=generator.now.isoformat(),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {common.MARKER_TABLE} (version integer, meta text)"
        )
        cursor.execute(f"DELETE FROM {common.MARKER_TABLE}")
        cursor.execute(
            f"INSERT INTO {common.MARKER_TABLE} (version, meta) VALUES (%s, %s)",
            [common.GENERATOR_VERSION, json.dumps(meta)],
        )
    rows = sum(generator.writer.written.values())
    print(f"  {rows:,} rows in {meta['generated_seconds']:.0f} s ({meta['rows']})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", choices=sorted(common.SCALES))
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--force", action="store_true", help="generate again")
    parser.add_argument("--drop", action="store_true", help="drop the dataset's database")
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        load(args.dataset, args.db)
    elif args.drop:
        url = common.database_url(args.dataset, args.db)
        if args.db == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        else:
            import psycopg

            with psycopg.connect(common.pg_admin_url(), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    else:
        ensure(args.dataset, args.db, force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
