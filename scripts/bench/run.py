"""The project benchmark: SmartCRM served as deployed, measured on a generated dataset.

    python scripts/bench/run.py S|M|L [--db postgres|sqlite] [--requests 30] [--mixed 60]

Generates the dataset unless it is there (generate.py), starts ``smartcrm serve --workers 2``
on a free port, and measures, in this order:

1. a mixed load from the second the port opens: 80 % reads (lists, search, details), 20 %
   writes (prospects created with the duplicate check), 32 clients for 60 s;
2. every operation, sequentially over HTTP after a few warm-ups: p50/p95 latency;
3. the same request in this process through Django's test client: the queries it makes,
   then those queries replayed through a cursor, whose time gives the ratio
   HTTP latency / SQL time (how much of a request is not the database);
4. a 100,000-row import (the import services, as ``smartcrm import`` runs them) into an
   organisation of its own, removed afterwards.

Writes var/bench/results-<dataset>-<db>.json and the dataset's section of
docs/benchmarks.md. An operation that fails is an error row, not a crash. No secret (token,
session, password) is printed or written.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
import generate

WARMUP = 3
SYLLABLES = [c + v for c in "bcdfghjklmnprstvzșț" for v in "aeiouăâî"]

# Targets of the issue, in milliseconds of p95 (SQLite at M: create ≤ 20 ms).
TARGETS = {
    "list10": 12,
    "list100": 25,
    "list_q_rare": 25,
    "search": 20,
    "detail": 10,
    "detail_big": 30,
    "create": 15,
    "page": 50,
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Op:
    """One measured operation: a request (or a function making one) and its target."""

    def __init__(
        self,
        name: str,
        path: str = "",
        *,
        method: str = "GET",
        body: Any = None,
        web: bool = False,
        target: float | None = None,
        prepare: Any = None,
        requests: int | None = None,
        group: str = "api",
    ) -> None:
        self.name, self.path, self.method, self.body = name, path, method, body
        self.web, self.target, self.prepare, self.requests = web, target, prepare, requests
        self.group = group

    def request(self) -> tuple[str, str, Any, dict[str, str]]:
        """(method, path, json body, extra headers) of the next request."""
        if self.prepare is not None:
            return self.prepare()
        body = self.body() if callable(self.body) else self.body
        return self.method, self.path, body, {}


def new_prospect(serial: int) -> dict[str, Any]:
    """A new prospect, like none before it (made-up words: no possible duplicate); ``serial``
    tells apart those of one process."""
    n = f"{os.getpid()}{serial:06d}{random.randrange(10**6):06d}"

    def word() -> str:
        return "".join(random.choice(SYLLABLES) for _ in range(4)).capitalize()

    return {
        "kind": "company",
        "company_name": f"{word()} {word()} SRL",
        "first_name": word(),
        "last_name": word(),
        "email": f"stefan.muresan.{n}@bench-nou.ro",
        # fixed-line numbers: the dataset's are mobile, so no duplicate by phone
        "phone": f"03{random.randint(10, 69)} {random.randint(100, 999)} "
        f"{random.randint(100, 999)}",
        "county": "CJ",
        "locality": "Cluj-Napoca",
    }


def _cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far (user + system) by the web server's processes, by every
    PostgreSQL process on this machine, and by this process's finished children (the mixed
    load's clients), read from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    server = database = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        used = (int(fields[11]) + int(fields[12])) / tick
        if int(entry.name) == server_pid or int(fields[1]) == server_pid:
            server += used
        elif name.startswith("postgres"):
            database += used
    times = os.times()
    return {
        "server": server,
        "database": database,
        "clients": times.children_user + times.children_system,
    }


def _mixed_clients(plan: dict[str, Any], threads: int) -> tuple[list[float], Counter[str]]:
    """One client process of the mixed load: ``threads`` clients, 80 % reads, 20 % creates."""
    import httpx

    random.seed()
    names, ids = plan["names"], plan["ids"]
    reads = [
        lambda: "/api/v1/prospects?limit=10",
        lambda: "/api/v1/accounts?limit=10",
        lambda: f"/api/v1/prospects?limit=10&q={random.choice(names)}",
        lambda: f"/api/v1/search?q={random.choice(names)}",
        lambda: f"/api/v1/prospects/{random.choice(ids)}",
        lambda: f"/api/v1/accounts/{plan['account']}",
    ]
    serials = itertools.count(1)
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    lock = threading.Lock()
    deadline = time.perf_counter() + plan["seconds"]

    def client_loop() -> None:
        mine: list[float] = []
        seen: Counter[str] = Counter()
        with httpx.Client(base_url=plan["base"], headers=plan["headers"], timeout=60) as c:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    if random.random() < 0.2:
                        with lock:
                            body = new_prospect(next(serials))
                        response = c.post("/api/v1/prospects", json=body)
                    else:
                        response = c.get(random.choice(reads)())
                    seen[str(response.status_code)] += 1
                except httpx.HTTPError as error:
                    seen[type(error).__name__] += 1
                mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)
            statuses.update(seen)

    workers = [threading.Thread(target=client_loop) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return latencies, statuses


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.dataset, self.db = args.dataset, args.db
        self.url = common.database_url(self.dataset, self.db)
        self.results: dict[str, Any] = {"dataset": self.dataset, "db": self.db, "operations": []}
        self.counter = 0

    # --- setting up ----------------------------------------------------------------------

    def setup(self) -> None:
        self.meta = generate.ensure(self.dataset, self.db)
        for name, value in self.environment().items():
            if name.startswith(("SMARTCRM_", "ALLOWED_HOSTS")):
                os.environ[name] = value
        common.setup_django(self.url)
        from django.test import Client

        from smartcrm.core.models import Organization, User

        org_meta = self.meta["orgs"][0]
        self.org = Organization.objects.get(slug=org_meta["slug"])
        self.owner = User.objects.get(email=org_meta["owner"])
        env = {**os.environ, "DATABASE_URL": self.url}
        made = subprocess.run(
            [common.python(), "-m", "smartcrm.cli", "token", "create", "--email",
             self.owner.email, "--org", self.org.slug, "--name", "benchmark"],
            cwd=common.ROOT, env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        self.token = made.stdout.strip().splitlines()[-1]
        client = Client()
        client.force_login(self.owner)
        self.session = client.cookies["sessionid"].value
        # In-process clients (query counts): the same token, the same session.
        self.api_client = Client(HTTP_AUTHORIZATION=f"Bearer {self.token}")
        self.web_client = Client()
        self.web_client.cookies["sessionid"] = self.session
        self.sample_ids()

    def sample_ids(self) -> None:
        from smartcrm.contacts.models import Contact
        from smartcrm.sales.models import Account, Offer, Prospect

        org = self.org
        self.prospect = (
            Prospect.objects.for_org(org)
            .exclude(status="converted")
            .order_by("id")[len(self.meta["orgs"]) * 7]
        )
        self.account = Account.objects.for_org(org).order_by("-created_at")[5]
        self.big_account = self.meta["big_account_id"]
        self.offer = Offer.objects.for_org(org).order_by("-created_at")[3]
        self.contact = Contact.objects.for_org(org).order_by("-created_at")[3]
        self.big_contacts = Contact.objects.filter(account_id=self.big_account).count()
        from smartcrm.catalog.models import Product

        products = Product.objects.for_org(org).values_list("pk", flat=True)[:30]
        self.products = [str(pk) for pk in products]

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.url,
            "SMARTCRM_HTTPS": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-not-a-secret-" + "x" * 40),
            "SMARTCRM_API_RATE_PER_TOKEN": "",
            "SMARTCRM_API_RATE_PER_ORG": "",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "LOG_LEVEL": "ERROR",
        }

    def start_server(self) -> None:
        self.port = free_port()
        log = open(common.BENCH_DIR / f"server-{self.dataset}-{self.db}.log", "w")  # noqa: SIM115
        self.server = subprocess.Popen(
            [common.python(), "-m", "smartcrm.cli", "serve", "--workers", "2", "--port",
             str(self.port)],
            cwd=common.ROOT, env=self.environment(), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.base = f"http://127.0.0.1:{self.port}"
        started = time.perf_counter()
        while True:
            if self.server.poll() is not None:
                raise RuntimeError(f"the server stopped (see {log.name})")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.05),
            ):
                break
            time.sleep(0.02)
            if time.perf_counter() - started > 120:
                raise RuntimeError("the server did not open its port in 120 s")
        self.results["server_start_seconds"] = round(time.perf_counter() - started, 2)

    def stop_server(self) -> None:
        server = getattr(self, "server", None)
        if server is not None and server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()

    def headers(self, web: bool) -> dict[str, str]:
        if web:
            return {"Cookie": f"sessionid={self.session}"}
        return {"Authorization": f"Bearer {self.token}"}

    # --- the operations ------------------------------------------------------------------

    def unique(self) -> int:
        self.counter += 1
        return self.counter

    def new_prospect(self) -> dict[str, Any]:
        return new_prospect(self.unique())

    def operations(self) -> list[Op]:
        t = TARGETS
        p, a = str(self.prospect.pk), str(self.account.pk)
        ops: list[Op] = []
        for kind in ("prospects", "accounts", "contacts", "offers", "tasks", "activities",
                     "notes", "products"):  # fmt: skip
            ops.append(Op(f"list {kind} limit=10", f"/api/v1/{kind}?limit=10", target=t["list10"]))
            ops.append(
                Op(f"list {kind} limit=100", f"/api/v1/{kind}?limit=100", target=t["list100"])
            )
        owner = str(self.owner.pk)
        filters = {
            "status": "status=qualified",
            "owner_id": f"owner_id={owner}",
            "priority": "priority=high",
            "county": "county=CJ",
            "source": "source=referral",
            "kind": "kind=person",
            "created_after": "created_after=2026-01-01T00:00:00Z",
        }
        for name, query in filters.items():
            ops.append(
                Op(
                    f"prospects filter {name}",
                    f"/api/v1/prospects?limit=10&{query}",
                    target=t["list10"],
                    group="filter",
                )
            )
        for field in ("created_at", "updated_at", "company_name", "last_name", "status",
                      "priority"):  # fmt: skip
            for sign in ("", "-"):
                ops.append(
                    Op(
                        f"prospects ordering={sign}{field}",
                        f"/api/v1/prospects?limit=10&ordering={sign}{field}",
                        target=t["list10"],
                        group="sort",
                    )
                )
        ops.append(Op("prospects keyset page 50", prepare=self.deep_page, target=t["list10"]))
        common_term, rare = self.meta["common_term"], self.meta["rare_term"]
        ops += [
            Op(f"list prospects q={common_term} (common)",
               f"/api/v1/prospects?limit=10&q={common_term}", target=t["list10"]),
            Op(f"list prospects q={rare} (rare)", f"/api/v1/prospects?limit=10&q={rare}",
               target=t["list_q_rare"]),
            # A common term on a list sorted by name: its matches gather in one stretch of
            # the order (every Popescu under P), far from the list's start.
            Op(f"list contacts q={common_term} (by last name)",
               f"/api/v1/contacts?limit=10&q={common_term}", target=t["list10"]),
            Op(f"list prospects q={common_term} ordering=last_name",
               f"/api/v1/prospects?limit=10&q={common_term}&ordering=last_name",
               target=t["list10"]),
            Op("list accounts q=constructii (by name)",
               "/api/v1/accounts?limit=10&q=constructii&ordering=name", target=t["list10"]),
            Op("list offers q=constructii", "/api/v1/offers?limit=10&q=constructii",
               target=t["list10"]),
            Op(f"search q={common_term}", f"/api/v1/search?q={common_term}", target=t["search"]),
            Op(f"search q={rare}", f"/api/v1/search?q={rare}", target=t["search"]),
            Op("search q=constructii", "/api/v1/search?q=constructii", target=t["search"]),
            Op("prospect detail", f"/api/v1/prospects/{p}", target=t["detail"]),
            Op("account detail", f"/api/v1/accounts/{a}", target=t["detail"]),
            Op("offer detail", f"/api/v1/offers/{self.offer.pk}", target=t["detail"]),
            Op(f"contacts of the big account ({self.big_contacts:,}) limit=100",
               f"/api/v1/contacts?account_id={self.big_account}&limit=100",
               target=t["list100"]),
            Op("create prospect (duplicate check)", "/api/v1/prospects", method="POST",
               body=self.new_prospect, target=t["create"] if self.db == "postgres" or
               self.dataset == "S" else 20, group="write"),
            Op("update prospect (PATCH, If-Match)", prepare=self.patch_prospect,
               target=t["create"], group="write"),
            Op("create offer with 30 lines", "/api/v1/offers", method="POST",
               body=self.new_offer, group="write"),
            Op("convert a qualified prospect with 50 children", prepare=self.convert,
               requests=max(1, len(self.meta["convert_candidates"]) // 4 - 2), group="write"),
            Op("export prospects (CSV)", "/api/v1/prospects/export?format=csv", requests=3,
               group="export"),
        ]  # fmt: skip
        pages = {
            "dashboard": "/",
            "prospects list": "/prospects/",
            "accounts list": "/accounts/",
            "offers list": "/offers/",
            "contacts list": "/contacts/",
            "activities list": "/activities/",
            "my tasks": "/tasks/",
            "team tasks": "/tasks/team/",
            "products list": "/products/",
            "pipeline": "/pipeline/",
            "search page": f"/search/?q={common_term}",
            "prospect page": f"/prospects/{p}/",
            "account page": f"/accounts/{a}/",
            f"big account page ({self.big_contacts:,} contacts)": f"/accounts/{self.big_account}/",
            "offer page": f"/offers/{self.offer.pk}/",
        }
        for name, path in pages.items():
            target = t["page"]
            ops.append(Op(f"page: {name}", path, web=True, target=target, group="web"))
        return ops

    def deep_page(self) -> tuple[str, str, Any, dict[str, str]]:
        if not hasattr(self, "_deep_path"):
            import httpx

            path, pages = "/api/v1/prospects?limit=10", 0
            with httpx.Client(base_url=self.base, headers=self.headers(False)) as client:
                while pages < 49:
                    cursor = client.get(path).json().get("next_cursor")
                    if not cursor:
                        break
                    path, pages = f"/api/v1/prospects?limit=10&cursor={cursor}", pages + 1
            self._deep_path = path
        return "GET", self._deep_path, None, {}

    def patch_prospect(self) -> tuple[str, str, Any, dict[str, str]]:
        from smartcrm.sales.models import Prospect

        version = Prospect.objects.values_list("version", flat=True).get(pk=self.prospect.pk)
        body = {"description": f"Actualizat de benchmark {self.unique()}"}
        return "PATCH", f"/api/v1/prospects/{self.prospect.pk}", body, {"If-Match": f'"{version}"'}

    def new_offer(self) -> dict[str, Any]:
        return {
            "account_id": str(self.account.pk),
            "title": f"Ofertă benchmark {self.unique()}",
            "lines": [
                {"product_id": self.products[i % len(self.products)], "quantity": 1 + i % 7}
                for i in range(30)
            ],
        }

    def convert(self) -> tuple[str, str, Any, dict[str, str]]:
        from smartcrm.sales.models import Prospect

        candidate = (
            Prospect.objects.filter(pk__in=self.meta["convert_candidates"], status="qualified")
            .order_by("?")
            .values_list("pk", flat=True)
            .first()
        )
        if candidate is None:
            raise RuntimeError("no qualified candidate left: regenerate the dataset (--force)")
        return "POST", f"/api/v1/prospects/{candidate}/convert", {}, {}

    # --- measuring -----------------------------------------------------------------------

    def measure(self, op: Op) -> dict[str, Any]:
        import httpx

        row: dict[str, Any] = {"operation": op.name, "group": op.group, "target_ms": op.target}
        count = op.requests or self.args.requests
        warmup = 0 if op.requests else WARMUP
        timings: list[float] = []
        statuses: Counter[int] = Counter()
        try:
            with httpx.Client(base_url=self.base, headers=self.headers(op.web), timeout=600) as c:
                for number in range(warmup + count):
                    method, path, body, extra = op.request()
                    started = time.perf_counter()
                    response = c.request(method, path, json=body, headers=extra)
                    _ = response.content
                    elapsed = (time.perf_counter() - started) * 1000
                    statuses[response.status_code] += 1
                    if number >= warmup:
                        timings.append(elapsed)
                    if response.status_code >= 400:
                        row["error"] = f"HTTP {response.status_code}: {response.text[:200]}"
                        break
                    if op.group == "export":
                        row["rows"] = response.content.count(b"\n") - 1
            row.update(
                p50_ms=round(statistics.median(timings), 2) if timings else None,
                p95_ms=round(percentile(timings, 0.95), 2) if timings else None,
                requests=len(timings),
                statuses=dict(statuses),
            )
        except Exception as error:
            row["error"] = f"{type(error).__name__}: {error}"[:300]
        if "error" not in row:
            try:
                row.update(self.in_process(op))
            except Exception as error:  # the HTTP figures stand; say why the rest is missing
                row["in_process_error"] = f"{type(error).__name__}: {error}"[:300]
        if row.get("p50_ms") and row.get("sql_ms"):
            row["ratio_to_sql"] = round(row["p50_ms"] / max(row["sql_ms"], 0.001), 1)
        if op.target is not None and row.get("p95_ms") is not None:
            row["ok"] = row["p95_ms"] <= op.target
        return row

    def in_process(self, op: Op) -> dict[str, Any]:
        """The request in this process: its queries, and their time run directly."""
        from django.db import connection, transaction
        from django.test.utils import CaptureQueriesContext

        client = self.web_client if op.web else self.api_client
        method, path, body, extra = op.request()
        headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in extra.items()}
        with CaptureQueriesContext(connection) as captured:
            call = getattr(client, method.lower())
            if body is None:
                response = call(path, **headers)
            else:
                response = call(path, data=json.dumps(body), content_type="application/json",
                                **headers)  # fmt: skip
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
        found: dict[str, Any] = {"queries": len(captured.captured_queries)}
        statements = [
            q["sql"]
            for q in captured.captured_queries
            if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN"))
        ]
        if op.group in ("write", "export"):
            # writes would write twice (and conflict); an export streams from a cursor
            return found
        durations = []
        try:
            for _ in range(5):
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        started = time.perf_counter()
                        for sql in statements:
                            cursor.execute(sql)
                            if cursor.description is not None:
                                cursor.fetchall()
                        durations.append((time.perf_counter() - started) * 1000)
                    transaction.set_rollback(True)
            found["sql_ms"] = round(statistics.median(durations[1:]), 3)
        except Exception as error:
            found["sql_error"] = f"{type(error).__name__}: {error}"[:200]
        return found

    # --- the mixed load ------------------------------------------------------------------

    def mixed(self) -> dict[str, Any]:
        """32 clients (``--clients``) for ``--mixed`` seconds, spread over ``--client-processes``
        processes so the clients' own Python is not one interpreter's lock. Searches look for
        what a salesperson types: the name of a record that exists (a common term alone is
        measured on its own line above)."""
        from django.db import connections

        from smartcrm.sales.models import Prospect

        sample = list(
            Prospect.objects.for_org(self.org)
            .order_by("id")
            .values_list("pk", "first_name", "last_name", "company_name")[:500]
        )
        plan = {
            "base": self.base,
            "headers": self.headers(False),
            "seconds": self.args.mixed,
            "ids": [str(pk) for pk, *_names in sample],
            "names": [
                " ".join(part for part in (first, last) if part) or company
                for _pk, first, last, company in sample
            ],
            "account": str(self.account.pk),
        }
        processes = max(1, min(self.args.client_processes, self.args.clients))
        per_process = [self.args.clients // processes] * processes
        for index in range(self.args.clients % processes):
            per_process[index] += 1
        connections.close_all()  # no database connection crosses the fork
        import multiprocessing

        context = multiprocessing.get_context("fork")
        cpu_before = _cpu_seconds(self.server.pid)
        started = time.perf_counter()
        with context.Pool(processes) as pool:
            parts = pool.starmap(_mixed_clients, [(plan, threads) for threads in per_process])
        elapsed = time.perf_counter() - started
        cpu = {
            name: after - cpu_before[name] for name, after in _cpu_seconds(self.server.pid).items()
        }
        latencies = [value for part_latencies, _statuses in parts for value in part_latencies]
        statuses: Counter[str] = Counter()
        for _latencies, part_statuses in parts:
            statuses.update(part_statuses)
        errors = {k: v for k, v in statuses.items() if not k.startswith("2")}
        return {
            "clients": self.args.clients,
            "client_processes": processes,
            "seconds": round(elapsed, 1),
            "requests": len(latencies),
            "requests_per_second": round(len(latencies) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
            "p95_ms": round(percentile(latencies, 0.95), 1) if latencies else None,
            "statuses": dict(statuses),
            "errors": sum(errors.values()),
            # CPU each request cost, in ms: the web server's processes, PostgreSQL's, the
            # clients'. cores × 1000 / (server + database) is the most requests a second this
            # machine could answer if the clients cost nothing.
            "cores": os.cpu_count() or 1,
            "cpu_ms_per_request": {
                name: round(seconds * 1000 / len(latencies), 2) if latencies else None
                for name, seconds in cpu.items()
            },
            "ok": bool(latencies)
            and not errors
            and len(latencies) / elapsed >= 400
            and percentile(latencies, 0.95) <= 150,
        }

    # --- the import ----------------------------------------------------------------------

    def import_rows(self) -> dict[str, Any]:
        rows = self.args.import_rows
        found: dict[str, Any] = {"rows": rows, "target_s": 25}
        if not rows:
            return found
        sys.path.insert(0, str(common.ROOT / "scripts"))
        import bench_import

        from smartcrm.core import services as core
        from smartcrm.core.models import Organization
        from smartcrm.imports import services

        content = bench_import.generate(rows)
        org = core.organization_create(name="Benchmark Import SRL", owner=self.owner)
        try:
            started = time.perf_counter()
            run = services.import_upload(org=org, user=self.owner, kind="prospects",
                                         file_name="hubspot.csv", content=content)  # fmt: skip
            run = services.import_preview(org=org, user=self.owner, import_id=run.pk)
            previewed = time.perf_counter()
            services.import_commit(org=org, user=self.owner, import_id=run.pk)
            run = services.import_run(run.pk)
            done = time.perf_counter()
            found.update(
                upload_preview_s=round(previewed - started, 2),
                commit_s=round(done - previewed, 2),
                total_s=round(done - started, 2),
                created=run.created_count,
                rejected=run.rejected_count,
                ok=done - started <= 25,
            )
        except Exception as error:
            found["error"] = f"{type(error).__name__}: {error}"[:300]
        try:
            self.remove_org(Organization.objects.get(pk=org.pk))
        except Exception as error:  # reported; the results are still written
            found["cleanup_error"] = f"{type(error).__name__}: {error}"[:300]
        return found

    def remove_org(self, org: Any) -> None:
        """The import's organisation and its rows, so the dataset stays as generated: the
        bulky tables directly, then the organisation with what remains (Django's cascade)."""
        from django.db import connection, transaction

        key = org.pk.hex if connection.vendor == "sqlite" else org.pk
        with transaction.atomic():
            with connection.cursor() as cursor:
                for table in ("core_searchentry", "sales_recordevent", "sales_prospect"):
                    cursor.execute(f"DELETE FROM {table} WHERE organization_id = %s", [key])
            org.delete()

    # --- the whole run -------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        self.setup()
        try:
            self.start_server()
            print(f"server up in {self.results['server_start_seconds']} s; mixed load "
                  f"{self.args.mixed} s, {self.args.clients} clients", flush=True)  # fmt: skip
            if self.args.mixed:
                self.results["mixed"] = self.mixed()
                print(f"  mixed: {self.results['mixed']}", flush=True)
            if self.args.mixed_only:
                return self.results
            for op in self.operations():
                row = self.measure(op)
                self.results["operations"].append(row)
                print(
                    f"  {row['operation']:<58} p50 {row.get('p50_ms')!s:>8} p95 "
                    f"{row.get('p95_ms')!s:>8} q {row.get('queries')!s:>3} "
                    f"x{row.get('ratio_to_sql')!s:>6} {row.get('error', '')[:80]}",
                    flush=True,
                )
        finally:
            self.stop_server()
        self.results["import"] = self.import_rows()
        print(f"  import: {self.results['import']}", flush=True)
        self.results["machine"] = machine(self.url)
        self.results["dataset_rows"] = self.meta.get("rows")
        self.results["generated_seconds"] = round(self.meta.get("generated_seconds", 0))
        self.results["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        return self.results


def machine(url: str) -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            cursor.execute("SELECT sqlite_version()")
            database = f"SQLite {cursor.fetchone()[0]}"
    memory = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GB"
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=common.ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "memory": memory,
        "database": database,
        "python": platform.python_version(),
        "commit": commit,
        "system": platform.platform(terse=True),
        "load_average": " ".join(f"{load:.1f}" for load in os.getloadavg()),
    }


# --- the report ---------------------------------------------------------------------------


def _ms(value: Any) -> str:
    return "—" if value is None else f"{value:.1f}"


def _cpu_line(mixed: dict[str, Any]) -> str:
    cpu = mixed.get("cpu_ms_per_request") or {}
    if not cpu.get("server"):
        return ""
    cores = mixed.get("cores", 2)
    ceiling = cores * 1000 / (cpu["server"] + cpu["database"])
    return (
        f" CPU per request: web server {cpu['server']} ms, PostgreSQL {cpu['database']} ms, "
        f"clients {cpu['clients']} ms; on {cores} cores the server and database alone allow "
        f"at most **{ceiling:.0f} req/s** with clients that cost nothing."
    )


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    rows = results.get("dataset_rows") or {}
    lines = [
        f"### Dataset {results['dataset']} on {m['database']}",
        "",
        f"Commit {m['commit']}, {results['finished_at']}; {m['cpus']} CPUs, {m['memory']} RAM, "
        f"Python {m['python']}, load average at the end {m.get('load_average')}. Dataset: "
        + ", ".join(
            f"{rows.get(t, 0):,} {label}"
            for t, label in (
                ("sales_prospect", "prospects"),
                ("sales_account", "accounts"),
                ("contacts_contact", "contacts"),
                ("sales_offer", "offers"),
                ("sales_offerline", "offer lines"),
                ("activities_activity", "activities"),
                ("tasks_task", "tasks"),
                ("notes_note", "notes"),
            )
        )
        + f" (generated in {results['generated_seconds']} s). Served by `smartcrm serve "
        "--workers 2` (its default threads per worker); its port opened "
        f"{results.get('server_start_seconds')} s after start.",
        "",
    ]
    mixed = results.get("mixed")
    if mixed:
        lines += [
            f"**Mixed load** ({mixed['clients']} clients in "
            f"{mixed.get('client_processes', 1)} processes, {mixed['seconds']} s from the second "
            "the port opened, 80 % reads / 20 % creates, searches for existing names): "
            f"**{mixed['requests_per_second']} req/s**, p50 {mixed['p50_ms']} ms, p95 "
            f"{mixed['p95_ms']} ms, {mixed['errors']} errors (statuses "
            + ", ".join(f"{k}: {v}" for k, v in sorted(mixed["statuses"].items()))
            + "); target ≥ 400 "
            f"req/s, 0 errors, p95 ≤ 150 ms: {'met' if mixed['ok'] else '**not met**'}."
            + _cpu_line(mixed),
            "",
        ]
    imported = results.get("import") or {}
    if imported.get("rows"):
        if "error" in imported:
            lines += [f"**Import** of {imported['rows']:,} rows: error {imported['error']}", ""]
        else:
            lines += [
                f"**Import** of {imported['rows']:,} prospects (CSV, services as `smartcrm "
                f"import` runs them): upload + preview {imported['upload_preview_s']} s, commit "
                f"{imported['commit_s']} s, **{imported['total_s']} s** in all "
                f"(target ≤ 25 s: {'met' if imported['ok'] else '**not met**'}).",
                "",
            ]
    lines += [
        "| operation | p50 ms | p95 ms | queries | HTTP ÷ SQL | target p95 ms | |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in results["operations"]:
        if "error" in row:
            verdict = "error: " + row["error"].replace("|", "/").replace("\n", " ")[:90]
        elif row.get("ok") is None:
            verdict = f"{row['rows']:,} rows" if "rows" in row else ""
        else:
            verdict = "ok" if row["ok"] else "**over**"
        if "in_process_error" in row:
            why = row["in_process_error"].replace("|", "/")[:90]
            verdict += f" (queries not counted: {why})"
        elif "sql_error" in row:
            verdict += f" (SQL not replayed: {row['sql_error'].replace('|', '/')[:90]})"
        queries = row.get("queries")
        listing = row["group"] in ("filter", "sort") or row["operation"].startswith("list ")
        if queries is not None and listing and queries > 4:
            verdict += " (queries > 4)"
        lines.append(
            f"| {row['operation']} | {_ms(row.get('p50_ms'))} | {_ms(row.get('p95_ms'))} | "
            f"{queries if queries is not None else '—'} | "
            f"{row.get('ratio_to_sql', '—')} | {row.get('target_ms') or '—'} | {verdict} |"
        )
    return "\n".join(lines) + "\n"


def write_report(results: dict[str, Any]) -> None:
    common.BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = common.BENCH_DIR / f"results-{results['dataset']}-{results['db']}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    docs = common.ROOT / "docs" / "benchmarks.md"
    text = docs.read_text() if docs.exists() else HEADER
    key = f"{results['dataset']}-{results['db']}"
    begin, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    section = f"{begin}\n{markdown(results)}{end}"
    if begin in text:
        before, rest = text.split(begin, 1)
        text = before + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    docs.write_text(text)
    print(f"results: {path.relative_to(common.ROOT)}, docs/benchmarks.md ({key})")


HEADER = """# Benchmarks

`make bench` measures SmartCRM as deployed (`smartcrm serve --workers 2`) on generated
datasets; it is not a test and never runs in CI. See scripts/bench/ and the sections below.
"""


def main() -> int:
    parser = argparse.ArgumentParser(description="SmartCRM benchmark")
    parser.add_argument("dataset", choices=sorted(common.SCALES))
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per operation")
    parser.add_argument("--mixed", type=int, default=60, help="seconds of mixed load (0: none)")
    parser.add_argument(
        "--mixed-only",
        action="store_true",
        help="only the mixed load, printed (the results file and docs stay as they are)",
    )
    parser.add_argument(
        "--client-processes", type=int, default=4, help="processes the mixed load's clients run in"
    )
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument(
        "--report", action="store_true", help="only write docs/benchmarks.md from the last results"
    )
    args = parser.parse_args()
    common.BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if args.report:
        path = common.BENCH_DIR / f"results-{args.dataset}-{args.db}.json"
        write_report(json.loads(path.read_text()))
        return 0
    bench = Bench(args)
    try:
        results = bench.run()
    except Exception:
        traceback.print_exc()
        bench.stop_server()
        return 1
    if args.mixed_only:
        print(_cpu_line(results["mixed"]).strip())
        return 0
    write_report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
