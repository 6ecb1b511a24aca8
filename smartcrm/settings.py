"""SmartCRM settings: one module, driven by environment variables with safe defaults.

Environment:
    SMARTCRM_DATA_DIR   folder for the embedded database and collected files (default ./var)
    DATABASE_URL        postgres://user:pass@host:5432/smartcrm (default: SQLite in the data dir)
    SECRET_KEY          required when DEBUG is off
    DEBUG               "1" for development
    ALLOWED_HOSTS       comma-separated host names
    CSRF_TRUSTED_ORIGINS comma-separated origins (https://crm.example.ro)
    EMAIL_URL           smtp://user:pass@host:587 (smtps:// for TLS); default: console backend
    REDIS_URL           redis://127.0.0.1:6379/0: rate limits shared by all processes
    TIME_ZONE           default Europe/Bucharest
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import dj_database_url
from csp.constants import NONE, SELF
from csp.utils import DEFAULT_DIRECTIVES as CSP_DEFAULT_DIRECTIVES
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


DATA_DIR = Path(os.environ.get("SMARTCRM_DATA_DIR", BASE_DIR / "var")).resolve()

DEBUG = _env_bool("DEBUG", default=False)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = DATA_DIR / "secret_key"
    try:
        return key_file.read_text().strip()
    except FileNotFoundError:
        import secrets

        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "smartcrm.core.admin_site.SmartCRMAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "smartcrm.core",
    "smartcrm.audit",
    "smartcrm.trash",
    "smartcrm.catalog",
    "smartcrm.sales",
    "smartcrm.contacts",
    "smartcrm.activities",
    "smartcrm.notes",
    "smartcrm.tasks",
    "smartcrm.notifications",
    "smartcrm.agenda",
    "smartcrm.outreach",
    "smartcrm.integrations",
    "smartcrm.dedupe",
    "smartcrm.exports",
    "smartcrm.privacy",
    "smartcrm.imports",
    "smartcrm.jobs",
    "smartcrm.web",
    "smartcrm.ops",
    "smartcrm.api",
]

MIDDLEWARE = [
    "smartcrm.web.middleware.SecurityHeadersMiddleware",
    "smartcrm.web.middleware.AuditOriginMiddleware",
    "smartcrm.web.middleware.ContentSecurityPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "smartcrm.web.middleware.UserLanguageMiddleware",
    "smartcrm.api.idempotency.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "smartcrm.web.sessions.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "smartcrm.urls"
WSGI_APPLICATION = "smartcrm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "smartcrm.web.context.layout",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# SQLite in the data folder is the embedded default; PostgreSQL through DATABASE_URL
# is the production database. Both run the same test suite.
_SQLITE_PATH = DATA_DIR / "smartcrm.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{_SQLITE_PATH}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # How long a connection waits for another's write lock before "database is locked".
    _SQLITE_BUSY_SECONDS = float(os.environ.get("SMARTCRM_SQLITE_BUSY_TIMEOUT", "10"))
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while one writer writes; IMMEDIATE takes the write
        # lock when a transaction starts, so two writers serialise instead of one
        # failing with "database is locked" half-way through a service.
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
            f"PRAGMA foreign_keys=ON;PRAGMA busy_timeout={int(_SQLITE_BUSY_SECONDS * 1000)};"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": _SQLITE_BUSY_SECONDS,
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SMARTCRM_SQLITE_TEST_NAME") or None}
else:
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get(
        "SMARTCRM_TEST_DB_NAME", "test_smartcrm"
    )
    # Per connection: no JIT compilation (it adds tens of ms to a request's bigger queries
    # and pays off only on long reports), and room for a search's bitmap and sort in memory
    # (at 4 MB a common term's bitmap turns lossy and every candidate row is checked again),
    # and no parallel workers: a request's query wants its first rows, which starting
    # workers delays (a list with a common search term: 20 ms with two, 4 ms without).
    # SMARTCRM_PG_OPTIONS="" sends none (PgBouncer refuses startup options unless told to
    # ignore them); an ``options=`` in DATABASE_URL wins.
    _pg_options = os.environ.get(
        "SMARTCRM_PG_OPTIONS", "-c jit=off -c work_mem=16MB -c max_parallel_workers_per_gather=0"
    )
    if _pg_options and "options" not in DATABASES["default"].setdefault("OPTIONS", {}):
        DATABASES["default"]["OPTIONS"]["options"] = _pg_options

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: rate-limit counters and short-lived state shared by every web process -----------
# Redis when REDIS_URL is set (redis://127.0.0.1:6379/0): every process and machine shares
# it. Without it (the embedded default, one machine) each process keeps its own in memory,
# so a rate limit is counted per web process.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "smartcrm",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "smartcrm",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
# Rendered documents (offer PDFs), keyed by what they show: on each machine's disk, since
# they are large and cheap to make again.
DOCUMENT_CACHE: dict[str, Any] = {
    "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
    "LOCATION": str(DATA_DIR / "cache" / "documents"),
    "TIMEOUT": 30 * 86400,
    "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("SMARTCRM_DOCUMENT_CACHE_ENTRIES", "2000"))},
}
CACHES["documents"] = DOCUMENT_CACHE

AUTH_USER_MODEL = "core.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
# A login ends after this long without a request, and this long after it began at the latest.
SMARTCRM_SESSION_IDLE_SECONDS = int(os.environ.get("SMARTCRM_SESSION_IDLE_SECONDS", str(8 * 3600)))
SMARTCRM_SESSION_MAX_SECONDS = int(os.environ.get("SMARTCRM_SESSION_MAX_SECONDS", str(7 * 86400)))
SESSION_COOKIE_AGE = SMARTCRM_SESSION_MAX_SECONDS
# Days an API token lives when its maker does not choose (an admin may make one that never
# expires).
SMARTCRM_TOKEN_DAYS = int(os.environ.get("SMARTCRM_TOKEN_DAYS", "90"))
# Requests per address to the client's offer pages (page, PDF, answer).
SMARTCRM_CLIENT_PAGE_RATE = os.environ.get("SMARTCRM_CLIENT_PAGE_RATE", "60/minute")
# Failed logins (core.login_guard): a growing delay after a few, a lock at this many
# failures of one account (five times as many from one address), for this many minutes.
SMARTCRM_LOGIN_LOCK_AFTER = int(os.environ.get("SMARTCRM_LOGIN_LOCK_AFTER", "10"))
SMARTCRM_LOGIN_LOCK_MINUTES = int(os.environ.get("SMARTCRM_LOGIN_LOCK_MINUTES", "15"))
# Two-factor authentication (smartcrm.core.two_factor, django-otp): the name authenticator
# apps show for the account. Wrong codes are counted by core.login_guard like wrong passwords
# (per account and address, in the shared cache), so django-otp's own per-device throttle,
# which would refuse even a right code for a while after a wrong one, is off.
OTP_TOTP_ISSUER = os.environ.get("SMARTCRM_TWO_FACTOR_ISSUER", "SmartCRM")
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# Seconds between a right password and its second step (the code) before it must start over.
SMARTCRM_TWO_FACTOR_STEP_SECONDS = int(os.environ.get("SMARTCRM_TWO_FACTOR_STEP_SECONDS", "300"))
# How many proxies in front of the server add themselves to X-Forwarded-For: the client's
# address is the one the outermost trusted proxy saw (0: the connection's own address).
SMARTCRM_TRUSTED_PROXIES = int(os.environ.get("SMARTCRM_TRUSTED_PROXIES", "0"))

# --- Localisation ---------------------------------------------------------------
LANGUAGE_CODE = "ro"
LANGUAGES = [("ro", "Română"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "smartcrm" / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Bucharest")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Source maps (read only by developer tools) and the PDF fonts (read by WeasyPrint, not by
# browsers) are served as they are: compressing them made every start a minute slower.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [
    *("jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz", "br"),
    *("woff", "woff2", "mp4", "webm", "map", "ttf", "otf"),
]
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"


# --- E-mail -------------------------------------------------------------------------
def _email_settings(url: str) -> dict[str, object]:
    if not url or url.startswith("console:"):
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if url.startswith("locmem:"):
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    parsed = urlparse(url)
    secure = parsed.scheme == "smtps"
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parsed.hostname or "localhost",
        "EMAIL_PORT": parsed.port or (465 if secure else 25),
        "EMAIL_HOST_USER": unquote(parsed.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
        "EMAIL_USE_SSL": secure,
        "EMAIL_USE_TLS": not secure and "tls=1" in (parsed.query or ""),
        "EMAIL_TIMEOUT": 20,
    }


globals().update(_email_settings(os.environ.get("EMAIL_URL", "")))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "SmartCRM <noreply@localhost>")

# --- Security: production (SMARTCRM_HTTPS=1, the default without DEBUG) passes
# `manage.py check --deploy`. `make run` serves plain http on 127.0.0.1 with SMARTCRM_HTTPS=0.
# Tests talk plain http to the test client and to live servers on loopback.
_TESTING = "pytest" in sys.modules
HTTPS = _env_bool("SMARTCRM_HTTPS", default=not DEBUG and not _TESTING)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SILENCED_SYSTEM_CHECKS: list[str] = []
if HTTPS:
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    # Preloading is a promise to browsers that is slow to take back: the operator opts in.
    SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # W021 only says "not on the preload list", which is then a choice, not an oversight.
        SILENCED_SYSTEM_CHECKS.append("security.W021")
    # Behind a TLS-terminating proxy (nginx, a load balancer) that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"


# --- Content-Security-Policy (django-csp) -------------------------------------------------
# Pages load scripts, styles, fonts and images only from SmartCRM itself: no inline <script>,
# no on…= handlers, no style="…" attributes, no eval (htmx's allowEval is off in base.html).
# Data for scripts travels in json_script elements and data-* attributes. Images may also be
# data: URLs (Bootstrap's form icons). Nothing may frame a page, and forms post only here.
# SMARTCRM_CSP_EXTRA adds sources for an embedded service, directive by directive:
# "img-src https://maps.example.ro; frame-src https://video.example.ro".
def _csp_directives(extra: str) -> dict[str, list[str]]:
    directives = {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
    for part in filter(str.strip, extra.split(";")):
        name, *sources = part.split()
        if name not in CSP_DEFAULT_DIRECTIVES or not sources:
            raise ImproperlyConfigured(
                f"SMARTCRM_CSP_EXTRA: {part.strip()!r} is not a directive and its sources"
            )
        # A directive the policy leaves out falls back to default-src ('self').
        kept = [source for source in directives.get(name, [SELF]) if source != NONE]
        directives[name] = kept + [source for source in sources if source not in kept]
    return directives


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": _csp_directives(os.environ.get("SMARTCRM_CSP_EXTRA", "")),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- REST API ---------------------------------------------------------------------------
# Requests per window ("N/second|minute|hour"); empty switches a limit off.
SMARTCRM_API_RATE_PER_TOKEN = os.environ.get("SMARTCRM_API_RATE_PER_TOKEN", "600/minute")
SMARTCRM_API_RATE_PER_ORG = os.environ.get("SMARTCRM_API_RATE_PER_ORG", "3000/minute")
NINJA_PAGINATION_MAX_LIMIT = 200
# The dashboard's organisation-wide figures (pipeline, wins, prospects by status) are counted
# at most once in this many seconds per organisation (0: on every page load).
SMARTCRM_DASHBOARD_CACHE_SECONDS = int(os.environ.get("SMARTCRM_DASHBOARD_CACHE_SECONDS", "60"))

# --- Offers out the door -------------------------------------------------------------------
# Public base URL used in links sent to clients (the offer acceptance page).
SMARTCRM_PUBLIC_URL = os.environ.get("SMARTCRM_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
SMARTCRM_OFFER_LINK_DAYS = int(os.environ.get("SMARTCRM_OFFER_LINK_DAYS", "30"))
# Deleted records wait this many days in the trash (restorable), then the worker purges them.
SMARTCRM_TRASH_DAYS = int(os.environ.get("SMARTCRM_TRASH_DAYS", "30"))
# National Bank of Romania reference rates, and ANAF's VAT-payer web service.
SMARTCRM_BNR_URL = os.environ.get("SMARTCRM_BNR_URL", "https://www.bnr.ro/nbrfxrates.xml")
SMARTCRM_BNR_YEAR_URL = os.environ.get(
    "SMARTCRM_BNR_YEAR_URL", "https://www.bnr.ro/files/xml/years/nbrfxrates{year}.xml"
)
SMARTCRM_ANAF_URL = os.environ.get(
    "SMARTCRM_ANAF_URL", "https://webservicesp.anaf.ro/api/PlatitorTvaRest/v9/tva"
)
SMARTCRM_HTTP_TIMEOUT = float(os.environ.get("SMARTCRM_HTTP_TIMEOUT", "10"))


# --- Background work (issue 6) -----------------------------------------------------------
# Jobs (reminders, e-mails, daily agendas) go through Django's tasks API with the database
# backend (django-tasks-db): the queue lives in the same database, so a job enqueued inside a
# service's transaction exists exactly when the change does. `smartcrm worker` runs them; any
# number of workers (on any number of machines) share one PostgreSQL queue, each job runs once.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# The largest file an import takes (bytes; page, API and `smartcrm import`). A page's upload
# goes to a temporary file on disk above FILE_UPLOAD_MAX_MEMORY_SIZE (Django's default
# TemporaryFileUploadHandler, written in chunks); the API's JSON body carries the file in
# base64 (4/3 of its size), which DATA_UPLOAD_MAX_MEMORY_SIZE must let through. Larger
# files are refused (413) with a message naming the limit.
# An import's uploaded file is deleted this many days after the import finished (or was
# undone); an organisation keeps at most this many megabytes of such files.
SMARTCRM_IMPORT_FILE_DAYS = int(os.environ.get("SMARTCRM_IMPORT_FILE_DAYS", "30"))
SMARTCRM_IMPORT_QUOTA_MB = int(os.environ.get("SMARTCRM_IMPORT_QUOTA_MB", "1024"))
# The shared strings of an imported workbook, unpacked (openpyxl holds them in memory).
SMARTCRM_IMPORT_MAX_TEXTS_MB = int(os.environ.get("SMARTCRM_IMPORT_MAX_TEXTS_MB", "256"))
SMARTCRM_IMPORT_MAX_BYTES = int(os.environ.get("SMARTCRM_IMPORT_MAX_BYTES", str(100 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = SMARTCRM_IMPORT_MAX_BYTES * 4 // 3 + 1024 * 1024
# A failed job is tried again after SMARTCRM_JOB_BACKOFF seconds, then 4×, 16×... as long
# as retries remain; after the last one it stays failed (`smartcrm worker --failed`, admin).
SMARTCRM_JOB_RETRIES = int(os.environ.get("SMARTCRM_JOB_RETRIES", "3"))
SMARTCRM_JOB_BACKOFF = float(os.environ.get("SMARTCRM_JOB_BACKOFF", "60"))
# How often an idle worker looks for due jobs, and runs its periodic duties (daily agendas).
SMARTCRM_WORKER_INTERVAL = float(os.environ.get("SMARTCRM_WORKER_INTERVAL", "1"))
# A job claimed longer ago than this and still "running" by a worker that writes no heartbeat
# (an older version) was left by a worker that died: it goes back in the queue (seconds;
# longer than the longest import). Workers with a heartbeat are judged by it (below).
SMARTCRM_JOB_ABANDONED_AFTER = int(os.environ.get("SMARTCRM_JOB_ABANDONED_AFTER", "1800"))
# The audit log's sealer chains the events written since its last turn; finished imports'
# files are forgotten after their days.
SMARTCRM_WORKER_PERIODIC = [
    "smartcrm.agenda.services.daily_agendas_dispatch",
    "smartcrm.audit.services.audit_seal_all",
    "smartcrm.imports.services.import_files_forget",
    "smartcrm.trash.services.trash_purge_due",
]
# A worker that loses its database (restart, network, SQLite's write lock held elsewhere)
# waits and tries again, 0.5 s, then twice as long each time up to this many seconds, and
# resumes by itself; only a configuration error (no such database, tables missing) stops it.
# E-mail jobs that meet the mail server down wait for it the same way (1 s, doubled, capped).
SMARTCRM_WORKER_BACKOFF_MAX = float(os.environ.get("SMARTCRM_WORKER_BACKOFF_MAX", "30"))
# Each worker writes a heartbeat this often (seconds), from a thread of its own; a job whose
# worker has been silent for SMARTCRM_WORKER_DEAD_AFTER seconds goes back to the queue at once
# (SMARTCRM_JOB_ABANDONED_AFTER stays for jobs of workers that write no heartbeat). Admins see
# a banner, and once an e-mail, when no worker has been heard of for SMARTCRM_WORKER_MISSING_AFTER
# seconds.
SMARTCRM_WORKER_HEARTBEAT_SECONDS = float(os.environ.get("SMARTCRM_WORKER_HEARTBEAT_SECONDS", "5"))
SMARTCRM_WORKER_DEAD_AFTER = float(os.environ.get("SMARTCRM_WORKER_DEAD_AFTER", "60"))
SMARTCRM_WORKER_MISSING_AFTER = float(os.environ.get("SMARTCRM_WORKER_MISSING_AFTER", "180"))
# A reminder delivered more than this many seconds after its time is marked late; one whose
# time had already passed by more than this when it was set is not scheduled at all.
SMARTCRM_REMINDER_LATE_AFTER = int(os.environ.get("SMARTCRM_REMINDER_LATE_AFTER", "120"))
# Activities planned without a reminder get one this many minutes before (calls, meetings).
SMARTCRM_ACTIVITY_REMINDER_MINUTES = int(os.environ.get("SMARTCRM_ACTIVITY_REMINDER_MINUTES", "15"))
