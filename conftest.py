"""Fixtures shared by every app's tests: two organisations, their people, and helpers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.utils import translation

from smartcrm.core.choices import Role
from smartcrm.core.models import Organization, User
from smartcrm.core.tests.factories import OrganizationFactory, UserFactory, add_member
from smartcrm.notifications.tests.helpers import (
    CRM_FROM,
    Inbox,
    RefusingInbox,
    free_port,
    serve_smtp,
    use_smtp,
)


def pytest_report_header(config: pytest.Config) -> str:
    url = os.environ.get("DATABASE_URL", "")
    vendor = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    return f"SmartCRM test database: {vendor}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (runs in the PostgreSQL pass of make test)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)


@pytest.fixture(scope="session")
def _documents_dir(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return tmp_path_factory.mktemp("documents")


@pytest.fixture(autouse=True)
def _test_settings(settings: Any, _documents_dir: Any) -> None:
    """Plain http on the test client, unhashed static names, and fast password hashing
    (PBKDF2's deliberate slowness has no place in tests that create many users)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SECURE_SSL_REDIRECT = False
    # Rate limits are off unless a test sets them (they add a write per request).
    settings.SMARTCRM_API_RATE_PER_TOKEN = ""
    settings.SMARTCRM_API_RATE_PER_ORG = ""
    # The dashboard counts afresh on every load unless a test caches its figures.
    settings.SMARTCRM_DASHBOARD_CACHE_SECONDS = 0
    # No test reaches the internet: public services point at a closed port on loopback
    # unless a test starts its own local server.
    settings.SMARTCRM_BNR_URL = "http://127.0.0.1:9/nbrfxrates.xml"
    settings.SMARTCRM_BNR_YEAR_URL = "http://127.0.0.1:9/nbrfxrates{year}.xml"
    settings.SMARTCRM_ANAF_URL = "http://127.0.0.1:9/tva"
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Tests read messages in English (the msgids); pages of an organisation still speak its
    # language (Romanian by default), and tests of the Romanian text say so explicitly.
    settings.LANGUAGE_CODE = "en"
    translation.activate("en")
    # Each test starts with an empty in-memory cache (never flush a shared Redis).
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()
    # Rendered documents go to a folder of this run, empty at each test's start.
    settings.CACHES = {
        **settings.CACHES,
        "documents": {**settings.CACHES["documents"], "LOCATION": str(_documents_dir)},
    }
    caches["documents"].clear()


@pytest.fixture
def redis_url() -> str:
    """The Redis server on loopback (REDIS_URL, else 127.0.0.1:6379, database 15); skipped
    when none answers, unless SMARTCRM_REQUIRE_REDIS=1 (CI), where that fails the test."""
    import redis

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        if os.environ.get("SMARTCRM_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis is required (SMARTCRM_REQUIRE_REDIS=1) but {url}: {error}")
        pytest.skip(f"Redis not reachable at {url}")
    return url


@pytest.fixture
def redis_cache(settings: Any, redis_url: str) -> str:
    """Django's cache in Redis for this test, under a key prefix of its own."""
    import uuid

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    return redis_url


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def owner(db: None) -> User:
    return UserFactory.create(email="ana.popescu@example.ro", first_name="Ana", last_name="Popescu")


@pytest.fixture
def org(owner: User) -> Organization:
    return OrganizationFactory.create(name="Alfa Soluții SRL", owner=owner)


@pytest.fixture
def sales_user(org: Organization, owner: User) -> User:
    user = UserFactory.create(email="ion.ionescu@example.ro", first_name="Ion", last_name="Ionescu")
    add_member(org, owner, user, Role.SALES)
    return user


@pytest.fixture
def manager(org: Organization, owner: User) -> User:
    user = UserFactory.create(email="maria.stan@example.ro", first_name="Maria", last_name="Stan")
    add_member(org, owner, user, Role.MANAGER)
    return user


@pytest.fixture
def other_owner(db: None) -> User:
    return UserFactory.create(email="bogdan@beta.ro", first_name="Bogdan", last_name="Marin")


@pytest.fixture
def other_org(other_owner: User) -> Organization:
    return OrganizationFactory.create(name="Beta Distribuție SRL", owner=other_owner)


# --- SMTP on loopback --------------------------------------------------------------------


@pytest.fixture
def smtp_from() -> str:
    """The sender the SMTP fixtures set; a folder's conftest may name its own."""
    return CRM_FROM


@pytest.fixture
def smtp_inbox(settings: Any, smtp_from: str) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 that accepts every message."""
    yield from serve_smtp(settings, Inbox(), from_email=smtp_from)


@pytest.fixture
def smtp_refusing(settings: Any, smtp_from: str) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 that refuses every message with 554."""
    yield from serve_smtp(settings, RefusingInbox(), from_email=smtp_from)


@pytest.fixture
def smtp_closed_port(settings: Any, smtp_from: str) -> int:
    """SMTP settings pointing at a loopback port nobody listens on."""
    port = free_port()
    use_smtp(settings, port, from_email=smtp_from)
    return port
