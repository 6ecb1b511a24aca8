"""Benchmark: the duplicate check on create, on a large organisation.

    python scripts/bench_dedupe.py postgresql 1000000
    python scripts/bench_dedupe.py sqlite 100000

Creates a throw-away database (PostgreSQL: ``dedupe_bench_<pid>`` next to
BENCH_DATABASE_URL's, default the local server; SQLite: a file in a temporary folder),
migrates it and fills one organisation with ROWS prospects as the services would write
them: realistic Romanian names (companies "SC ... SRL" with diacritics and the old cedilla
letters, invented brand names, people), e-mails, phones, valid CUIs, their matching keys
(dedupe.keys) and their search rows (core.search), inserted in batches of 20,000 (COPY on
PostgreSQL). Then times PROBES creates of ``services.prospect_create(allow_duplicate=False)``
(new names sharing common words, exact and near-miss copies of existing names, people,
same e-mails) and the check alone (``duplicate_candidates``), printing the median and the
95th percentile of each, and the number of records refused. Drops the database after.

BENCH_DB=name (PostgreSQL) or BENCH_DB=path (SQLite) keeps and reuses the filled database
between runs (each run adds its new probes, at most PROBES rows); BENCH_PROBES sets PROBES.
Filling takes about 1 minute for 100,000 rows on SQLite and 9 for 1,000,000 on PostgreSQL.

The figures are wall-clock: run it on an idle machine, and compare with a run at a few
thousand rows (``... sqlite 3000``), which shows the floor the table size adds to.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smartcrm.core.models import Organization, User

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
KEEP_DB = os.environ.get("BENCH_DB", "")
PROBES = int(os.environ.get("BENCH_PROBES", "50"))
BATCH = 20_000
SEED = 2026


def _words(text: str) -> list[str]:
    return text.split()


FIRST = _words(
    "Ion Maria Andrei Elena Ștefan Ioana Mihai Ana Alexandru Cristina Gheorghe Raluca Vasile "
    "Roxana Bogdan Alina Cătălin Mădălina Tudor Ştefania Răzvan Irina Florin Oana Costel "
    "Bianca Dănuț Ţicu Aurel Adrian Daniela Constantin Gabriela Nicolae Simona Dumitru Monica "
    "Petru Carmen Radu Lavinia Sorin Corina Lucian Denisa Marius Anca Ovidiu Teodora Horia"
)
LAST = _words(
    "Popescu Ionescu Popa Dumitrescu Stan Stoica Gheorghiu Matei Ciobanu Rusu Munteanu "
    "Constantinescu Șerban Ţăranu Lupu Bălan Marinescu Tănase Dobre Niță Păun Iordache "
    "Mocanu Văduva Ştefănescu Cîrstea Florea Barbu Nistor Toma Moldovan Georgescu Ene Tudor "
    "Dinu Sandu Cristea Oprea Voicu Neagu Preda Radu Ardeleanu Ispas Husar Zamfir Pavel Manea "
    "Dragomir Stănescu Coman Bucur Enache Nedelcu Sârbu Anghel Vlad Petrescu Pop Lazăr "
    "Mihăilescu Crăciun Suciu Lungu Roman Sima Diaconu Paraschiv Dobrescu Grigore Vasilescu"
)
PLACES = _words(
    "Carpați Dunărea Transilvania Bărăgan Mureș Olt Someș Argeș Siret Prahova Bucegi Ceahlău "
    "Retezat Făgăraș Delta Banat Crișana Moldova Muntenia Oltenia Dobrogea Bihor Vrancea "
    "Cluj Iași Brașov Sibiu Oradea Arad Constanța Craiova Galați Ploiești Suceava Pitești "
    "Bacău Buzău Hunedoara Tulcea Alba Harghita Covasna Vâlcea Gorj Teleorman Ialomița"
)
TRADES = _words(
    "Construct Construcții Impex Trans Transport Com Comerț Prod Producție Serv Servicii Grup "
    "Consult Consulting Distribuție Logistic Agro Agricola Med Medical Tehnic Soft Software "
    "Design Invest Imobiliare Auto Market Industries Expert Total Plus Prim Nord Sud Est Vest "
    "România Internațional Energie Instal Electric Metal Mobila Textil Ţesătoria Panificație "
    "Farm Vet Dental Turism Travel Food Carne Lactate Bio Eco Verde Solar Print Media Web Data "
    "Net IT Sistem Security Pază Curățenie Evenimente Studio Art Foto Clinic Optic Pharma"
)
SYLLABLES = _words(
    "ka ve mar ro dex tra no vi la mi ton sa ri co lin be ta fa gor du mes pre zo ar el on "
    "tex vo cam ber sil pan ul ni gra fi rom met cor as tel ren dor"
)
FORMS = ["SRL", "S.R.L.", "SRL", "SA", "S.A.", "SRL-D", "SRL"]
DOMAINS = ["gmail.com", "yahoo.com", "yahoo.ro", "outlook.com"]
FOLD = str.maketrans("ăâîșşțţĂÂÎȘŞȚŢ", "aaissttAAISSTT")


def invented(rng: random.Random) -> str:
    """A brand name made of syllables ("Kavemar", "Dextrano"): the long tail of names."""
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def cui(seed: int) -> str:
    body = str(1000000 + seed % 8999999).rjust(9, "0")
    weights = (7, 5, 3, 2, 1, 7, 5, 3, 2)
    check = sum(int(d) * w for d, w in zip(body, weights, strict=True)) * 10 % 11
    return f"{int(body)}{0 if check == 10 else check}"


def company_name(rng: random.Random) -> str:
    pattern = rng.random()
    if pattern < 0.35:
        words = [rng.choice(PLACES + LAST), rng.choice(TRADES)]
    elif pattern < 0.7:
        words = [invented(rng), *([rng.choice(TRADES)] if rng.random() < 0.6 else [])]
    elif pattern < 0.85:
        words = [rng.choice(LAST), rng.choice(FIRST), rng.choice(TRADES)]
    else:
        words = [invented(rng), rng.choice(PLACES), rng.choice(TRADES)]
    prefix = "SC " if rng.random() < 0.3 else ""
    return f"{prefix}{' '.join(words)} {rng.choice(FORMS)}"


def prospect_values(number: int) -> dict[str, Any]:
    """The fields of the ``number``-th generated prospect (the same every run)."""
    rng = random.Random(SEED * 10_000_019 + number)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    values: dict[str, Any] = {
        "first_name": first,
        "last_name": last,
        "phone": f"+407{rng.randint(20, 89)}{rng.randint(100000, 999999)}",
        "email": f"{first.translate(FOLD).lower()}.{last.translate(FOLD).lower()}{number}"
        f"@{rng.choice(DOMAINS)}",
    }
    if number % 3:
        values.update(kind="company", company_name=company_name(rng), cui=cui(number))
        values["email"] = f"office{number}@firma{number % 5000}.ro"
    else:
        values["kind"] = "person"
    return values


def fill(org: Organization, owner: User, first: int, rows: int) -> None:
    from django.db import transaction

    from smartcrm.dedupe.keys import set_matching_keys
    from smartcrm.imports import bulk
    from smartcrm.sales.models import Prospect

    search_rows = bulk.SearchRows()
    started = time.perf_counter()
    for start in range(first, rows, BATCH):
        prospects = []
        for number in range(start, min(rows, start + BATCH)):
            prospect = Prospect(organization=org, created_by=owner, owner=owner)
            for name, value in prospect_values(number).items():
                setattr(prospect, name, value)
            set_matching_keys(prospect, name=prospect.display_name)
            prospects.append(prospect)
        bulk.assign_ids(prospects)
        with transaction.atomic():
            bulk.insert(Prospect, prospects)
            bulk.insert(type(search_rows.entries(prospects[:1])[0]), search_rows.entries(prospects))
        done = start + len(prospects)
        print(f"\r  filled {done:>9,} rows  {time.perf_counter() - started:7.1f} s", end="")
    print()


def probes(rng: random.Random, rows: int) -> list[dict[str, Any]]:
    """New names sharing common words, copies and near-misses of existing names, people
    already there, e-mails already there, in a fixed mix."""
    existing = rng.sample(range(rows), PROBES)
    made: list[dict[str, Any]] = []
    for index, number in enumerate(existing):
        old = prospect_values(number)
        kind = index % 5
        if kind in (0, 1):  # a new company: a fresh brand and a common trade word
            made.append(
                {
                    "company_name": f"SC {invented(rng)}{invented(rng).lower()} "
                    f"{rng.choice(TRADES)} SRL"
                }
            )
        elif kind == 2 and old["kind"] == "company":  # the same company, written otherwise
            made.append({"company_name": str(old["company_name"]).upper().replace("SRL", "")})
        elif kind == 2:  # a person already there, and a namesake of many
            made.append(
                {"kind": "person", "first_name": old["first_name"], "last_name": old["last_name"]}
            )
        elif kind == 3 and old["kind"] == "company":  # a near-miss: one letter off
            name = str(old["company_name"])
            cut = len(name) // 2
            made.append({"company_name": name[:cut] + name[cut + 1 :]})
        else:  # an e-mail already there, under another name
            made.append(
                {"company_name": f"{invented(rng)} {invented(rng)} SRL", "email": old["email"]}
            )
    return made


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(org: Organization, owner: User, rows: int) -> None:
    from smartcrm.dedupe.keys import set_matching_keys
    from smartcrm.dedupe.selectors import PossibleDuplicate, duplicate_candidates
    from smartcrm.sales import services
    from smartcrm.sales.models import Prospect

    made = probes(random.Random(time.time_ns()), rows)
    check, create, refused = [], [], 0
    for fields in made:
        probe = Prospect(organization=org, **fields)
        set_matching_keys(probe, name=probe.display_name)
        t0 = time.perf_counter()
        duplicate_candidates(org=org, kind="prospect", record=probe)
        check.append(time.perf_counter() - t0)
    for fields in made:
        t0 = time.perf_counter()
        try:
            services.prospect_create(org=org, user=owner, allow_duplicate=False, **fields)
        except PossibleDuplicate:
            refused += 1
        create.append(time.perf_counter() - t0)
    for label, times in (("duplicate_candidates", check), ("prospect_create", create)):
        ms = [t * 1000 for t in times]
        print(
            f"  {label:<22} median {statistics.median(ms):6.1f} ms   p95 "
            f"{percentile(ms, 0.95):6.1f} ms   max {max(ms):6.1f} ms"
        )
    print(f"  {len(made)} creates, {refused} refused as likely duplicates")


def main() -> int:
    vendor = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    admin = None
    name = KEEP_DB or f"dedupe_bench_{os.getpid()}"
    if vendor == "postgresql":
        import psycopg

        admin = psycopg.connect(BASE_URL, autocommit=True)
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = f"{BASE_URL.rsplit('/', 1)[0]}/{name}"
    else:
        path = Path(KEEP_DB or Path(tempfile.mkdtemp(prefix="dedupe_bench_")) / "bench.sqlite3")
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcrm.settings")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from smartcrm.core import services as core
        from smartcrm.core.models import Membership
        from smartcrm.sales.models import Prospect

        print(f"SmartCRM duplicate-check benchmark: {vendor}, {os.environ['DATABASE_URL']}")
        call_command("migrate", verbosity=0)
        membership = Membership.objects.select_related("organization", "user").first()
        if membership is None:
            owner = core.user_create(email="bench@exemplu.ro", password="parola-Sigura-2026")
            org = core.organization_create(name="Bench Deduplicare SRL", owner=owner)
        else:
            org, owner = membership.organization, membership.user
        have = Prospect.objects.filter(organization=org).count()
        if have < rows:
            fill(org, owner, have, rows)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"  {Prospect.objects.filter(organization=org).count():,} prospects")
        measure(org, owner, rows)
        measure(org, owner, rows)
    finally:
        from django.db import connections

        connections.close_all()
        if admin is not None:
            if not KEEP_DB:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()
        elif not KEEP_DB:
            import shutil

            shutil.rmtree(Path(os.environ["DATABASE_URL"].removeprefix("sqlite:///")).parent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
