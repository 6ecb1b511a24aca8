"""Real `smartcrm worker` processes for tests, and a loopback TCP proxy to cut their database.

The proxy stands between a process under test and PostgreSQL: cutting it refuses new
connections and drops the open ones, as a lost network or a restarting server would, while
every other session on the server (other tests, other people) goes on untouched.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


class TcpProxy:
    """127.0.0.1:<port> forwarded to ``upstream``; ``cut()`` and ``restore()`` it."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port: int = self.listener.getsockname()[1]
        self.open = True
        self.closed = False
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            if not self.open:
                client.close()  # refused: the client sees its connection end at once
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self.lock:
                self.pairs.append((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        peers = {client: server, server: client}
        try:
            while True:
                readable, _w, _x = select.select(list(peers), [], [], 0.5)
                for sock in readable:
                    chunk = sock.recv(65536)
                    if not chunk:
                        return
                    peers[sock].sendall(chunk)
        except (OSError, ValueError):
            return
        finally:
            for sock in peers:
                with contextlib.suppress(OSError):
                    sock.close()

    def cut(self) -> None:
        """Refuse new connections and drop the open ones."""
        self.open = False
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    sock.close()

    def refuse(self) -> None:
        """Refuse new connections; the open ones stay."""
        self.open = False

    def restore(self) -> None:
        self.open = True

    def close(self) -> None:
        self.closed = True
        self.cut()
        with contextlib.suppress(OSError):
            self.listener.close()


def postgres_url(*, port: int | None = None, name: str | None = None) -> str:
    """The test database's URL (through ``port`` when given)."""
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    host = db["HOST"] or "127.0.0.1"
    return (
        f"postgres://{credentials}@{'127.0.0.1' if port else host}:"
        f"{port or db['PORT'] or 5432}/{name or db['NAME']}"
    )


def postgres_address() -> tuple[str, int]:
    db = connection.settings_dict
    return (db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))


def terminate_sessions(application_name: str) -> int:
    """End the PostgreSQL sessions of one process under test (by its application name),
    as an administrator or a restarting server does; nobody else's."""
    with psycopg.connect(postgres_url(name="postgres"), autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (application_name,),
        ).fetchall()
    return len(rows)


class WorkerProcess:
    """A `smartcrm worker` (or any `smartcrm` command) running as a real process, its
    output in a file the test reads as it goes."""

    def __init__(self, env: dict[str, str], log: Path, *args: str) -> None:
        self.log = log
        self.output = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "smartcrm.cli", *args],
            cwd=ROOT,
            env=env,
            stdout=self.output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def text(self) -> str:
        return self.log.read_text()

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_for_output(self, fragment: str, limit: float = 120) -> None:
        wait_until(
            lambda: fragment in self.text(), limit, f"{fragment!r} in the output", process=self
        )

    def stop(self, limit: float = 60) -> int:
        """SIGTERM, as a service manager stops it; the exit status."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self.output.close()
        return code

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


def wait_until(
    condition: Callable[[], Any],
    limit: float,
    what: str,
    *,
    process: WorkerProcess | None = None,
) -> Any:
    """Poll ``condition`` until it is true (returned); fail after ``limit`` seconds, or at
    once when ``process`` exits meanwhile."""
    deadline = time.monotonic() + limit
    while True:
        value = condition()
        if value:
            return value
        if process is not None and not process.alive():
            raise AssertionError(f"the process exited while waiting for {what}:\n{process.text()}")
        if time.monotonic() > deadline:
            tail = process.text()[-4000:] if process is not None else ""
            raise AssertionError(f"gave up waiting for {what}\n{tail}")
        time.sleep(0.1)


def worker_env(**overrides: str) -> dict[str, str]:
    """The environment of a worker under test: this one, minus what points elsewhere."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    env.update(
        PYTHONPATH=str(ROOT),
        SMARTCRM_WORKER_INTERVAL="0.05",
        SMARTCRM_WORKER_BACKOFF_MAX="1",
        SMARTCRM_HTTPS="0",
    )
    env.update(overrides)
    return env


@contextlib.contextmanager
def proxy_to_postgres() -> Iterator[TcpProxy]:
    proxy = TcpProxy(postgres_address())
    try:
        yield proxy
    finally:
        proxy.close()


@dataclass
class WorkerDatabase:
    """The database real workers use in a test: the test database itself on PostgreSQL, a
    copy in an SQLite file otherwise (with what the test made before); read with SQL."""

    env: dict[str, str]
    sqlite_path: Path | None = None

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.sqlite_path is not None:
            with contextlib.closing(sqlite3.connect(self.sqlite_path, timeout=30)) as db:
                return db.execute(sql, params).fetchall()
        with connection.cursor() as cursor:
            cursor.execute(sql.replace("?", "%s"), params)
            return list(cursor.fetchall())

    def smartcrm(self, *args: str) -> str:
        """Run `smartcrm ARGS` on this database; its output."""
        result = subprocess.run(
            [sys.executable, "-m", "smartcrm.cli", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout


def worker_database(data_dir: Path, **env: str) -> WorkerDatabase:
    """Call from a ``transaction=True`` test, after making what the workers need."""
    if connection.vendor == "postgresql":
        return WorkerDatabase(worker_env(DATABASE_URL=postgres_url(), **env))
    data_dir.mkdir(parents=True)
    target = data_dir / "smartcrm.sqlite3"
    connection.ensure_connection()
    with contextlib.closing(sqlite3.connect(target)) as copy:
        connection.connection.backup(copy)
        copy.execute("PRAGMA journal_mode=WAL")  # as SmartCRM's own files are
    settings = worker_env(SMARTCRM_DATA_DIR=str(data_dir), **env)
    settings.pop("DATABASE_URL", None)
    return WorkerDatabase(settings, sqlite_path=target)


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
