"""Benchmark: 100,000 prospects from a CSV exported from another CRM, on a fresh PostgreSQL.

    make bench-import               (or: .venv/bin/python scripts/bench_import.py [ROWS])

Creates a throw-away database next to BENCH_DATABASE_URL's (default the local server),
migrates it, generates a realistic HubSpot-style export (Romanian names with diacritics,
some in the old cedilla letters, Windows line endings, valid CUIs, phones as people type
them), then times: upload + preview (every row validated, nothing written), commit (the
import job: validation, upsert by e-mail, batched writes, search index, timeline), and a
re-import of the same file (every row matched, nothing changed). Drops the database after.

For repeated runs while tuning: BENCH_DB=name keeps (and reuses) a migrated database, each
run importing into a new organisation; BENCH_PROFILE=file.prof writes a cProfile of the
import phases (view it with ``python -m pstats``).

Where a commit's time goes (20,000 new prospects, the 2-core development machine, idle):
Python checks a batch (1.0 s in all) and plans its writes (2.6 s: search rows ~60 µs a
row, COPY text ~40, timeline events ~20); PostgreSQL then spends 4.6 s: the prospects' COPY
1.2 s (their 14 indexes, every filter and sort of the lists: 0.16 s without them), the
search rows 1.5 s (of which the pg_trgm GIN index ~1.1 s), the events 0.3 s, and COMMIT
1.4 s (the deferred foreign-key checks, about 7 a row). The commit plans each batch while
the previous one is written, so the two overlap: 6.1 s instead of 7.7 s. 100,000 rows in
under 5 s would need the database's share alone to shrink about fivefold.
"""

from __future__ import annotations

import csv
import io
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
KEEP_DB = os.environ.get("BENCH_DB", "")
DB_NAME = KEEP_DB or f"smartcrm_bench_{os.getpid()}"
PROFILE = os.environ.get("BENCH_PROFILE", "")

FIRST = [
    "Ion",
    "Maria",
    "Andrei",
    "Elena",
    "Ștefan",
    "Ioana",
    "Mihai",
    "Ana",
    "Alexandru",
    "Cristina",
    "Gheorghe",
    "Raluca",
    "Vasile",
    "Roxana",
    "Bogdan",
    "Alina",
    "Cătălin",
    "Mădălina",
    "Tudor",
    "Ştefania",
    "Răzvan",
    "Irina",
    "Florin",
    "Oana",
    "Costel",
    "Bianca",
    "Dănuț",
    "Ţicu",
    "Aurel",
]
LAST = [
    "Popescu",
    "Ionescu",
    "Popa",
    "Dumitrescu",
    "Stan",
    "Stoica",
    "Gheorghiu",
    "Matei",
    "Ciobanu",
    "Rusu",
    "Munteanu",
    "Constantinescu",
    "Șerban",
    "Ţăranu",
    "Lupu",
    "Bălan",
    "Marinescu",
    "Tănase",
    "Dobre",
    "Niță",
    "Păun",
    "Iordache",
    "Mocanu",
    "Văduva",
    "Ştefănescu",
    "Cîrstea",
]
COMPANY_WORDS = [
    "Alfa",
    "Carpați",
    "Dunărea",
    "Transilvania",
    "Bărăgan",
    "Mureș",
    "Olt",
    "Someș",
    "Ţesătoria",
    "Construcții",
    "Logistic",
    "Agro",
    "Soft",
    "Distribuție",
    "Medical",
    "Energie",
    "Tehnic",
]
CITIES = [
    ("Cluj-Napoca", "Cluj"),
    ("București", "București"),
    ("Iași", "Iași"),
    ("Timișoara", "Timiș"),
    ("Brașov", "Brașov"),
    ("Constanța", "Constanța"),
    ("Craiova", "Dolj"),
    ("Galați", "Galați"),
    ("Ploiești", "Prahova"),
    ("Oradea", "Bihor"),
    ("Sibiu", "Sibiu"),
    ("Târgu Mureș", "Mureș"),
]
SOURCES = ["Organic Search", "Referrals", "Direct Traffic", "Social Media", "Offline Sources", ""]
HEADER = [
    "Record ID",
    "First Name",
    "Last Name",
    "Company Name",
    "Email",
    "Phone Number",
    "Street Address",
    "City",
    "State/Region",
    "Postal Code",
    "Country/Region",
    "Website URL",
    "Original Source",
    "CUI",
]


def _cui(seed: int) -> str:
    body = str(1000000 + seed % 8999999).rjust(9, "0")
    weights = (7, 5, 3, 2, 1, 7, 5, 3, 2)
    check = sum(int(d) * w for d, w in zip(body, weights, strict=True)) * 10 % 11
    return f"RO{int(body)}{0 if check == 10 else check}"


def generate(rows: int) -> bytes:
    rng = random.Random(2026)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for number in range(rows):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, county = rng.choice(CITIES)
        company = (
            f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_WORDS)} SRL" if number % 3 else ""
        )
        ascii_first = first.translate(str.maketrans("ăâîșşțţĂÂÎȘŞȚŢ", "aaissttAAISSTT"))
        writer.writerow(
            [
                str(9000000 + number),
                first,
                last,
                company,
                f"{ascii_first.lower()}.{number}@exemplu{number % 50}.ro",
                f"07{rng.randint(20, 89)} {rng.randint(100, 999)} {rng.randint(100, 999)}",
                f"Str. {rng.choice(LAST)} nr. {rng.randint(1, 200)}",
                city,
                county,
                str(rng.randint(100000, 999999)),
                "Romania",
                f"https://www.firma{number}.ro" if company else "",
                rng.choice(SOURCES),
                _cui(number) if company else "",
            ]
        )
    return out.getvalue().encode("utf-8")


def main() -> int:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    import psycopg

    admin = psycopg.connect(BASE_URL, autocommit=True)
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
    if not exists:
        admin.execute(f'CREATE DATABASE "{DB_NAME}"')
    base = BASE_URL.rsplit("/", 1)[0]
    os.environ["DATABASE_URL"] = f"{base}/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcrm.settings")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        print(f"SmartCRM import benchmark: {rows:,} prospects, PostgreSQL database {DB_NAME}")
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"  migrate                         {time.perf_counter() - started:6.2f} s")
        from smartcrm.core import services as core
        from smartcrm.imports import services
        from smartcrm.sales.models import Prospect, RecordEvent

        owner = core.user_create(
            email=f"bench.{os.getpid()}.{time.time_ns()}@exemplu.ro", password="parola-Sigura-2026"
        )
        org = core.organization_create(name="Bench Soluții SRL", owner=owner)
        profiler = None
        if PROFILE:
            import cProfile

            profiler = cProfile.Profile()
        content = generate(rows)
        print(f"  file                            {len(content) / 1e6:6.1f} MB, {rows:,} rows")

        def one_import(label: str) -> None:
            if profiler is not None:
                profiler.enable()
            t0, c0 = time.perf_counter(), time.process_time()
            run = services.import_upload(
                org=org, user=owner, kind="prospects", file_name="hubspot.csv", content=content
            )
            run = services.import_preview(org=org, user=owner, import_id=run.pk)
            t1, c1 = time.perf_counter(), time.process_time()
            services.import_commit(org=org, user=owner, import_id=run.pk)
            run = services.import_run(run.pk)
            t2, c2 = time.perf_counter(), time.process_time()
            if profiler is not None:
                profiler.disable()
            assert run is not None
            # CPU: this process only (the database server works beside it)
            print(
                f"  {label:<12} upload+preview  {t1 - t0:6.2f} s  (CPU {c1 - c0:5.2f} s, "
                f"{(c1 - c0) / rows * 1e6:4.0f} µs/row)  {run.preview}\n"
                f"  {label:<12} commit          {t2 - t1:6.2f} s  (CPU {c2 - c1:5.2f} s, "
                f"{(c2 - c1) / rows * 1e6:4.0f} µs/row)  "
                f"(status {run.status}: {run.created_count} created, {run.updated_count} "
                f"updated, {run.unchanged_count} unchanged, {run.rejected_count} rejected)"
            )

        one_import("import")
        one_import("re-import")
        print(
            f"  prospects {Prospect.objects.filter(organization=org).count():,}, timeline "
            f"events {RecordEvent.objects.filter(organization=org).count():,}, load average "
            + " ".join(f"{load:.1f}" for load in os.getloadavg())
        )
        if profiler is not None:
            profiler.dump_stats(PROFILE)
        connection.close()
    finally:
        from django.db import connections

        connections.close_all()
        if not KEEP_DB:
            admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        admin.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
