"""Benchmark: one create or update through the services, as a request makes it.

    python scripts/bench_writes.py postgresql [ROUNDS]
    python scripts/bench_writes.py sqlite [ROUNDS]

Creates a throw-away database (PostgreSQL: ``writes_bench_<pid>`` next to
BENCH_DATABASE_URL's, default the local server; SQLite: a file in a temporary folder),
migrates it, makes one organisation with a prospect, an account, an offer, then times ROUNDS
(default 200) calls of each service below, each in its own transaction as a request runs it,
and prints the median and the 95th percentile in milliseconds with the statements each call
made, the transaction's BEGIN and COMMIT among them (BENCH_SHOW=1 prints them). Drops the
database after.

The table sizes stay small: this measures what one write costs the application and the
round trips it makes; ``bench_dedupe.py`` measures the duplicate check on a large table. The
figures are wall-clock: run it on an idle machine.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(label: str, call: Callable[[int], Any], rounds: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as statements:
        call(-1)  # warm-up, and the statements of one call
    if os.environ.get("BENCH_SHOW"):
        for statement in statements.captured_queries:
            print(f"      {statement['sql'][:110]}")
    timings = []
    for number in range(rounds):
        started = time.perf_counter()
        call(number)
        timings.append((time.perf_counter() - started) * 1000)
    print(
        f"  {label:<38} p50 {statistics.median(timings):6.2f} ms   "
        f"p95 {percentile(timings, 0.95):6.2f} ms   {len(statements.captured_queries)} statements"
    )


def invented(number: int) -> str:
    """A made-up name no other one resembles (the duplicate check refuses near names)."""
    rng = random.Random(f"name {number}")  # (-1 and 1 would seed alike)
    return " ".join(
        "".join(rng.choice("bcdfghjklmnprstvz") + rng.choice("aeiou") for _ in range(4)).title()
        for _ in range(2)
    )


def run(rounds: int) -> None:
    from django.utils import timezone

    from smartcrm.activities.services import activity_create
    from smartcrm.contacts.services import contact_create
    from smartcrm.core import services as core
    from smartcrm.notes.services import note_create
    from smartcrm.sales import services as sales
    from smartcrm.tasks.services import task_create

    owner = core.user_create(email="bench@exemplu.ro", password="parola-Sigura-2026")
    org = core.organization_create(name="Bench Scrieri SRL", owner=owner)
    prospect = sales.prospect_create(org=org, user=owner, company_name="Alfa Lemn SRL")
    contact_create(org=org, user=owner, prospect_id=prospect.pk, last_name="Pop")
    account = sales.account_create(org=org, user=owner, name="Beta Metal SRL")
    offer = sales.offer_create(org=org, user=owner, account_id=account.pk, title="Ofertă")
    later = timezone.now() + dt.timedelta(days=1)
    version = {"prospect": prospect.version}

    def update(number: int) -> None:
        updated = sales.prospect_update(
            org=org,
            user=owner,
            prospect_id=prospect.pk,
            version=version["prospect"],
            description=f"Sună marțea ({number}).",
        )
        version["prospect"] = updated.version

    def rename(number: int) -> None:
        updated = sales.prospect_update(
            org=org,
            user=owner,
            prospect_id=prospect.pk,
            version=version["prospect"],
            company_name=f"Alfa Lemn {number} SRL",
        )
        version["prospect"] = updated.version

    calls: list[tuple[str, Callable[[int], Any]]] = [
        (
            "prospect_create",
            lambda n: sales.prospect_create(org=org, user=owner, company_name=f"Gama {n} SRL"),
        ),
        (
            "prospect_create (duplicate check)",
            lambda n: sales.prospect_create(
                org=org,
                user=owner,
                company_name=invented(n),
                email=f"office{n}@{invented(n).replace(' ', '')}.ro",
                allow_duplicate=False,
            ),
        ),
        ("prospect_update", update),
        ("prospect_update (renamed, 1 contact)", rename),
        (
            "contact_create",
            lambda n: contact_create(
                org=org, user=owner, prospect_id=prospect.pk, last_name=f"Ene{n}"
            ),
        ),
        (
            "offer_line_add",
            lambda n: sales.offer_line_add(
                org=org, user=owner, offer_id=offer.pk, name=f"L{n}", quantity=1, unit_price=10
            ),
        ),
        (
            "task_create",
            lambda n: task_create(
                org=org, user=owner, title=f"Sună {n}", prospect_id=prospect.pk, due_at=later
            ),
        ),
        (
            "note_create",
            lambda n: note_create(org=org, user=owner, body=f"Notă {n}", prospect_id=prospect.pk),
        ),
        (
            "activity_create",
            lambda n: activity_create(
                org=org,
                user=owner,
                prospect_id=prospect.pk,
                kind="call",
                subject=f"Apel {n}",
                start_at=later,
            ),
        ),
    ]
    for label, call in calls:
        measure(label, call, rounds)


def main() -> int:
    vendor = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    admin = None
    name = f"writes_bench_{os.getpid()}"
    if vendor == "postgresql":
        import psycopg

        admin = psycopg.connect(BASE_URL, autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = f"{BASE_URL.rsplit('/', 1)[0]}/{name}"
    else:
        path = Path(tempfile.mkdtemp(prefix="writes_bench_")) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcrm.settings")
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        settings.DEBUG = False
        print(f"SmartCRM write-path benchmark: {vendor}, {rounds} rounds per service")
        call_command("migrate", verbosity=0)
        run(rounds)
    finally:
        from django.db import connections

        connections.close_all()
        if admin is not None:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()
        else:
            import shutil

            shutil.rmtree(Path(os.environ["DATABASE_URL"].removeprefix("sqlite:///")).parent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
