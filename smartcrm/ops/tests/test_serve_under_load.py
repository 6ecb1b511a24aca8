"""`smartcrm serve` as deployed: two gunicorn workers, many clients from the first second.

The server runs as a real process on a database of its own (a throw-away PostgreSQL
database in the PostgreSQL pass, an SQLite file in the SQLite pass), set up with the real
`smartcrm init` and `smartcrm token`. Clients of two organisations start the moment the
port opens and check that every answer is theirs: their organisation, the record they
asked for, their own rows in a list. A database connection shared across the fork shows
here as 500s, 401s for valid tokens, 404s for records that exist, or another client's rows.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from django.db import connection, connections

PASSWORD = "parola-Sigura-2026"
CLIENTS_PER_ORG = 8
STEPS_PER_CLIENT = 15  # a count, not a duration: the test asserts answers, never speed


@dataclass
class Deployment:
    env: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _smartcrm(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "smartcrm.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _copy_test_database(target_env: dict[str, str], data_dir: Path) -> str:
    """A copy of the migrated (empty) test database for the server: a PostgreSQL database
    made from it as a template (else migrated afresh), or an SQLite file written by the
    backup API. Returns the PostgreSQL database's name, to drop afterwards ("" for SQLite)."""
    if connection.vendor == "postgresql":
        template = connection.settings_dict["NAME"]
        name = f"smartcrm_serve_{uuid.uuid4().hex[:12]}"
        connections.close_all()  # a template must have no other session
        admin = _server_url("postgres")
        with psycopg.connect(admin, autocommit=True) as db:
            try:
                db.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            except psycopg.errors.ObjectInUse:
                # Another session holds the test database (a live server's thread): start
                # from an empty database, which `smartcrm init` migrates.
                db.execute(f'CREATE DATABASE "{name}"')
        target_env["DATABASE_URL"] = _server_url(name)
        return name
    data_dir.mkdir(parents=True)
    connection.ensure_connection()
    with sqlite3.connect(data_dir / "smartcrm.sqlite3") as copy:
        connection.connection.backup(copy)
    return ""


def _server_url(database: str) -> str:
    return os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + database


@pytest.fixture(scope="module")
def deployment(
    tmp_path_factory: pytest.TempPathFactory, django_db_setup: None, django_db_blocker: Any
) -> Iterator[Deployment]:
    """A migrated database with two organisations, each with an owner and an API token."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    tmp_path = tmp_path_factory.mktemp("deployment")
    env.update(
        SMARTCRM_DATA_DIR=str(tmp_path / "data"),
        SMARTCRM_HTTPS="0",
        SECRET_KEY="serve-under-load-" + uuid.uuid4().hex,
        # The limits are counted on every request, but set high enough not to refuse any.
        SMARTCRM_API_RATE_PER_TOKEN="1000000/minute",
        SMARTCRM_API_RATE_PER_ORG="1000000/minute",
    )
    with django_db_blocker.unblock():
        name = _copy_test_database(env, tmp_path / "data")
    try:
        deployed = Deployment(env=env)
        for slug in ("alfa", "beta"):
            email = f"owner@{slug}.ro"
            _smartcrm(env, "init", "--org-name", f"{slug.title()} SRL", "--slug", slug,
                      "--email", email, "--password", PASSWORD, "--no-input")  # fmt: skip
            token = _smartcrm(env, "token", "create", "--email", email, "--org", slug,
                              "--name", "load")  # fmt: skip
            deployed.tokens[slug] = token.strip()
        yield deployed
    finally:
        if name:
            with psycopg.connect(_server_url("postgres"), autocommit=True) as db:
                db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, status: int, wrong: str | None = None) -> None:
        with self.lock:
            self.statuses[status] += 1
            if wrong:
                self.wrong.append(wrong)


def _client_loop(base: str, slug: str, token: str, tally: Tally) -> None:
    try:
        _client_steps(base, slug, token, tally)
    except httpx.HTTPError as error:  # no answer at all (a worker stuck): counted as such
        tally.record(0, f"{slug}: {type(error).__name__}")


def _client_steps(base: str, slug: str, token: str, tally: Tally) -> None:
    """Create prospects, then read them back, list them and ask who we are; check each."""
    mine: list[tuple[str, str]] = []
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        for step in range(1, STEPS_PER_CLIENT + 1):
            if step % 5 == 1 or not mine:  # one write in five
                name = f"{slug}-{uuid.uuid4().hex[:10]}"
                answer = client.post("/api/v1/prospects", json={"company_name": name})
                body = answer.json() if answer.status_code == 201 else {}
                wrong = None
                if answer.status_code == 201 and body.get("company_name") != name:
                    wrong = f"{slug} created {name}, got {body.get('company_name')}"
                elif answer.status_code == 201:
                    mine.append((body["id"], name))
                tally.record(answer.status_code, wrong)
            elif step % 5 == 2:
                answer = client.get("/api/v1/me")
                got = (
                    answer.json().get("organization", {}).get("slug") if answer.is_success else None
                )
                tally.record(
                    answer.status_code, None if got in (slug, None) else f"{slug} is {got}"
                )
            elif step % 5 == 3:
                answer = client.get("/api/v1/prospects", params={"limit": 10})
                names = (
                    [p["company_name"] for p in answer.json()["items"]] if answer.is_success else []
                )
                strangers = [n for n in names if not n.startswith(f"{slug}-")]
                tally.record(
                    answer.status_code, f"{slug} listed {strangers}" if strangers else None
                )
            else:
                prospect_id, name = mine[step % len(mine)]
                answer = client.get(f"/api/v1/prospects/{prospect_id}")
                got = answer.json().get("company_name") if answer.is_success else None
                tally.record(
                    answer.status_code,
                    None if got in (name, None) else f"{slug} asked {name}, got {got}",
                )


def _wait_for_port(server: Server, process: subprocess.Popen[str], limit: float = 120) -> None:
    """Until this server listens: gunicorn said it bound the port (another process may
    have taken the same free port meanwhile, and would answer a bare connect), and the
    port takes connections."""
    deadline = time.monotonic() + limit
    listening = f"Listening at: http://127.0.0.1:{server.port} "
    while time.monotonic() < deadline:
        assert process.poll() is None, "smartcrm serve exited before listening"
        if listening in server.log_text():
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", server.port)) == 0:
                    return
        time.sleep(0.02)
    raise AssertionError(f"smartcrm serve did not open its port\n{server.log_text()[-3000:]}")


@dataclass
class Server:
    port: int
    errors: str = ""
    returncode: int | None = None
    lines: list[str] = field(default_factory=list)

    def log_text(self) -> str:
        return "".join(list(self.lines))


def _read_log(stream: Any, server: Server) -> None:
    """gunicorn's log (its stderr) into ``server.lines``, as it comes."""
    for line in stream:
        server.lines.append(line)


@contextlib.contextmanager
def serving(env: dict[str, str], workers: int = 2) -> Iterator[Server]:
    """`smartcrm serve --workers N` running until the block ends (then stopped by SIGTERM)."""
    server = Server(port=_free_port())
    command = ["serve", "--workers", str(workers), "--port", str(server.port)]
    process = subprocess.Popen(
        [sys.executable, "-m", "smartcrm.cli", *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    reader = threading.Thread(target=_read_log, args=(process.stderr, server), daemon=True)
    reader.start()
    try:
        _wait_for_port(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a worker stuck on a shared connection
            process.kill()
            process.wait()
            server.lines.append("\n(smartcrm serve did not stop within 30 s of SIGTERM)")
        reader.join(timeout=10)
        server.errors = server.log_text()
        server.returncode = process.returncode


# Marked so that pytest-django sets the test database up; the tests copy it for the server.
@pytest.mark.django_db(transaction=True)
def test_two_workers_answer_each_organisation_its_own_from_the_first_second(deployment):
    # Given a server with two workers, started just now
    with serving(deployment.env) as server:
        # When clients of both organisations send reads and writes from the first second
        tally = Tally()
        clients = [
            threading.Thread(
                target=_client_loop,
                args=(f"http://127.0.0.1:{server.port}", slug, token, tally),
            )
            for slug, token in deployment.tokens.items()
            for _ in range(CLIENTS_PER_ORG)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join(timeout=300)
    # Then every answer succeeded and was the caller's own
    expected = len(deployment.tokens) * CLIENTS_PER_ORG * STEPS_PER_CLIENT
    assert sum(tally.statuses.values()) == expected, (tally.statuses, server.errors[-3000:])
    assert set(tally.statuses) <= {200, 201}, (tally.statuses, server.errors[-3000:])
    assert tally.wrong == [], tally.wrong[:20]
    assert server.returncode == 0, server.errors[-3000:]


@pytest.mark.django_db(transaction=True)
def test_a_token_rate_limit_holds_across_the_workers_through_redis(deployment, redis_url):
    # Given two workers sharing Redis, and a limit of 12 requests an hour per token
    env = {
        **deployment.env,
        "REDIS_URL": redis_url,
        "SMARTCRM_API_RATE_PER_TOKEN": "12/hour",
    }
    if 3600 - time.time() % 3600 < 60:  # not across the turn of the hour's window
        time.sleep(3600 - time.time() % 3600 + 1)
    with serving(env) as server:
        # When one token sends 30 requests, each on a new connection (any worker takes it)
        statuses = []
        headers = {"Authorization": f"Bearer {deployment.tokens['alfa']}"}
        for _ in range(30):
            with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=60) as client:
                statuses.append(client.get("/api/v1/me", headers=headers).status_code)
    # Then exactly 12 are answered and the rest refused, whichever worker counted them
    assert statuses == [200] * 12 + [429] * 18, server.errors[-3000:]
