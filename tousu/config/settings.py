"""Tousu settings, driven by environment variables so that one code base runs on a laptop
(SQLite, nothing else) and on many machines (PostgreSQL, background workers).

TOUSU_DATA_DIR       where the database, uploads and the generated secret key live (./var)
TOUSU_DATABASE_URL   e.g. postgresql://user@host:5432/db; SQLite under TOUSU_DATA_DIR when unset
TOUSU_DEBUG          1 for development error pages
TOUSU_ALLOWED_HOSTS  comma-separated host names (default: localhost, 127.0.0.1)
TOUSU_BROKER_URL     e.g. redis://127.0.0.1:6379/0: background jobs on Celery workers
TOUSU_EMAIL_FROM     the sender of notification e-mails (TOUSU_EMAIL_BACKEND, _HOST, _PORT…)
TOUSU_EARLIEST_RECEIVED  no complaint is received before this day (YYYY-MM-DD, Asia/Shanghai)
TOUSU_CHAIN_KEY      the key of the timeline and audit-log hash chains (default: generated
                     once into TOUSU_CHAIN_KEY_PATH, DATA_DIR/chain_key); back it up with the data
TOUSU_ARCHIVE_DAYS   closed complaints are archived (read-only) after this many days (180)
TOUSU_RETENTION_DAYS customers are anonymised this many days after their last complaint closed
                     (1095, three years; at least TOUSU_ARCHIVE_DAYS)
TOUSU_PUBLIC_URL     the address customers reach the public pages at, for links sent to them
                     (default http://localhost:8000)
TOUSU_HTTPS          1 behind a reverse proxy terminating HTTPS: secure cookies, HSTS, redirect

Every TOUSU_* variable is read through the env_* helpers below: a value that a setting cannot
take stops start-up with a message naming the variable and what it accepts.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from tousu.core.keys import secret_load

BASE_DIR = Path(__file__).resolve().parent.parent  # the `tousu` package


class SettingError(ImproperlyConfigured):
    """An environment variable holds a value its setting cannot take. Raised at start-up, so
    that a typo (`TOUSU_DEBUG=ture`) stops the server instead of silently meaning the default."""

    def __init__(self, name: str, value: str, accepts: str):
        super().__init__(f"{name}={value!r} is not valid: expected {accepts}")


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _env(name: str, environ: Mapping[str, str] | None) -> str | None:
    """The raw value, None when unset. `environ` lets tests pass their own mapping."""
    return (os.environ if environ is None else environ).get(name)


def _check_range(
    name: str, raw: str, value: float, minimum: float | None, maximum: float | None, kind: str
) -> None:
    if (minimum is None or value >= minimum) and (maximum is None or value <= maximum):
        return
    bounds = []
    if minimum is not None:
        bounds.append(f"at least {minimum}")
    if maximum is not None:
        bounds.append(f"at most {maximum}")
    raise SettingError(name, raw, f"{kind} {' and '.join(bounds)}")


def env_str(
    name: str,
    default: str = "",
    *,
    choices: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The variable as it is (a password may end in a space); with `choices`, one of them."""
    value = _env(name, environ)
    if value is None:
        return default
    if choices is not None and value not in choices:
        raise SettingError(name, value, f"one of {', '.join(choices)}")
    return value


def env_bool(name: str, default: bool = False, *, environ: Mapping[str, str] | None = None) -> bool:
    """1/true/yes/on or 0/false/no/off, in any case; set but empty means false."""
    raw = _env(name, environ)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value not in (*_TRUE, *_FALSE, ""):
        raise SettingError(name, raw, f"{'/'.join(_TRUE)} or {'/'.join(_FALSE)}")
    return value in _TRUE


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """A whole number, within [minimum, maximum] when given."""
    raw = _env(name, environ)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise SettingError(name, raw, "a whole number") from None
    _check_range(name, raw, value, minimum, maximum, "a whole number")
    return value


def env_float(
    name: str,
    default: float,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    environ: Mapping[str, str] | None = None,
) -> float:
    """A number, within [minimum, maximum] when given."""
    raw = _env(name, environ)
    if raw is None:
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        raise SettingError(name, raw, "a number") from None
    if not math.isfinite(value):  # "nan" parses, and then passes every range check
        raise SettingError(name, raw, "a finite number")
    _check_range(name, raw, value, minimum, maximum, "a number")
    return value


def env_date(
    name: str,
    default: dt.date,
    *,
    minimum: dt.date | None = None,
    maximum: dt.date | None = None,
    environ: Mapping[str, str] | None = None,
) -> dt.date:
    """A day written YYYY-MM-DD, within [minimum, maximum] when given."""
    raw = _env(name, environ)
    if raw is None:
        return default
    accepts = "a date YYYY-MM-DD"
    if minimum is not None:
        accepts += f" from {minimum.isoformat()}"
    if maximum is not None:
        accepts += f" to {maximum.isoformat()}"
    try:
        # Not fromisoformat, which takes 20000101 and 2000-W01-1 as well.
        value = dt.datetime.strptime(raw.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise SettingError(name, raw, accepts) from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise SettingError(name, raw, accepts)
    return value


def env_list(
    name: str, default: Sequence[str] = (), *, environ: Mapping[str, str] | None = None
) -> list[str]:
    """Comma-separated items, spaces around them removed, empty ones dropped."""
    raw = _env(name, environ)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


HSTS_ONE_YEAR = 365 * 24 * 60 * 60


def https_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Django's HTTPS settings, from TOUSU_HTTPS (off: a plain local server, the default).

    `tousu serve` (waitress) speaks plain HTTP, so HTTPS means a reverse proxy in front that
    terminates TLS and sets `X-Forwarded-Proto: https` — replacing any such header the client
    sent, since Django then trusts it. On, Django:
    - sends cookies (session, CSRF) over HTTPS only;
    - answers with HSTS for TOUSU_HSTS_SECONDS (a year), the host alone unless
      TOUSU_HSTS_INCLUDE_SUBDOMAINS=1 (other intranet hosts under the domain may be plain HTTP);
    - redirects a plain-HTTP request to HTTPS: a direct request to the server, bypassing the
      proxy, then fails loudly instead of working without secure cookies (login would fail in
      confusing ways). A proxy that does not set the header makes every request look plain and
      loop on the redirect: set the header.
    """
    on = env_bool("TOUSU_HTTPS", environ=environ)
    hsts_seconds = env_int("TOUSU_HSTS_SECONDS", HSTS_ONE_YEAR, minimum=0, environ=environ)
    subdomains = env_bool("TOUSU_HSTS_INCLUDE_SUBDOMAINS", environ=environ)
    return {
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https") if on else None,
        "SECURE_SSL_REDIRECT": on,
        "SECURE_HSTS_SECONDS": hsts_seconds if on else 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": on and subdomains,
        "SESSION_COOKIE_SECURE": on,
        "CSRF_COOKIE_SECURE": on,
    }


def load_secret_key(data_dir: Path) -> str:
    """The key is generated once per installation and kept beside the data it protects."""
    return secret_load(env="TOUSU_SECRET_KEY", path=data_dir / "secret_key")


DATA_DIR = Path(env_str("TOUSU_DATA_DIR", str(Path.cwd() / "var"))).resolve()
DEBUG = env_bool("TOUSU_DEBUG")
SECRET_KEY = load_secret_key(DATA_DIR)
# The key of the hash chains (timelines, seals, audit log), read when first needed
# (tousu.complaints.timeline.chain_key): TOUSU_CHAIN_KEY, else this file, generated once. It is
# kept out of the database on purpose — whoever can rewrite rows cannot recompute the chains —
# so it must be backed up with the database (`tousu backup` copies this path).
TOUSU_CHAIN_KEY_PATH = Path(env_str("TOUSU_CHAIN_KEY_PATH", str(DATA_DIR / "chain_key")))
ALLOWED_HOSTS = env_list("TOUSU_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("TOUSU_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "tousu.core",
    "tousu.accounts",
    "tousu.customers",
    "tousu.classification",
    "tousu.complaints",
    "tousu.intake",
    "tousu.routing",
    "tousu.sla",
    "tousu.resolution",
    "tousu.knowledge",
    "tousu.callbacks",
    "tousu.messages",
    "tousu.analytics",
    "tousu.early_warning",
    "tousu.repair",
    "tousu.quality",
    "tousu.notifications",
    "tousu.desk",
    "tousu.setup",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files are answered here, before the two below: they keep WhiteNoise's caching.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tousu.core.middleware.ContentSecurityPolicyMiddleware",
    "tousu.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tousu.core.middleware.LoginRequiredMiddleware",
    "tousu.config.middleware.ApiErrorShapeMiddleware",
    # Last: turns the login page of a locked-out attempt into a 429 (see AXES_* below).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tousu.config.urls"
WSGI_APPLICATION = "tousu.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "tousu.notifications.context_processors.unread",
            ],
        },
    },
]

_database_url = env_str("TOUSU_DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Prepared statements on, but only where asked for (`core.rows.prepared_cursor`, the
        # registration's INSERTs): Django's cursors bind on the client and never prepare, and
        # no statement is prepared for being run often. Django's default (None) turns them off
        # altogether, for connection poolers in transaction mode; run one in session mode.
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "tousu.sqlite3"),
            # WAL lets the web server read while a job writes; IMMEDIATE takes the write lock
            # at BEGIN so that two writers queue instead of failing with "database is locked".
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: admits a password check only while the user name and the address are under their
    # failure limits (tousu/accounts/lockout.py); it checks no password itself.
    "tousu.accounts.lockout.LoginLockBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "desk:queue"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Idle sessions end after 30 minutes: staff leave screens with personal data unattended.
SESSION_COOKIE_AGE = env_int("TOUSU_SESSION_SECONDS", 30 * 60, minimum=1)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# HTTPS behind a reverse proxy: off unless TOUSU_HTTPS=1 (see https_settings).
_HTTPS = https_settings()
SECURE_PROXY_SSL_HEADER = _HTTPS["SECURE_PROXY_SSL_HEADER"]
SECURE_SSL_REDIRECT = _HTTPS["SECURE_SSL_REDIRECT"]
SECURE_HSTS_SECONDS = _HTTPS["SECURE_HSTS_SECONDS"]
SECURE_HSTS_INCLUDE_SUBDOMAINS = _HTTPS["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
SESSION_COOKIE_SECURE = _HTTPS["SESSION_COOKIE_SECURE"]
CSRF_COOKIE_SECURE = _HTTPS["CSRF_COOKIE_SECURE"]

# The Content-Security-Policy of every response Django makes (tousu.core.middleware), under the
# setting's name in Django 6, whose own middleware reads the same shape. Scripts and styles come
# from this server's files only: no inline <script>, event-handler attribute, <style> element or
# style attribute in a template (data for scripts goes in json_script blocks, which are not run).
SECURE_CSP: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
# Set only by deployments that run `collectstatic` behind a web server; by default WhiteNoise
# serves straight from the package and there is no folder to keep in step.
STATIC_ROOT = env_str("TOUSU_STATIC_ROOT") or None
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve straight from the package: no collectstatic step in the two-command set-up.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "uploads"
MEDIA_URL = "media/"  # never served publicly: evidence is downloaded through a permission check

# A request body over this answers 413 (API) — large enough for a 10,000-character complaint.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "tousu_cache",
    }
}

EMAIL_BACKEND = env_str("TOUSU_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("TOUSU_EMAIL_FROM", "tousu@localhost")
EMAIL_HOST = env_str("TOUSU_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("TOUSU_EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("TOUSU_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("TOUSU_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("TOUSU_EMAIL_TLS")
# Seconds; a hung server is a retry.
EMAIL_TIMEOUT = env_int("TOUSU_EMAIL_TIMEOUT", 30, minimum=1)

# The complaints mailbox read by the `intake.mail_fetch` job (issue 17): unset host → the job
# does nothing. Security: ssl (IMAPS, port 993), starttls (port 143) or none (loopback only).
TOUSU_MAIL_IMAP_HOST = env_str("TOUSU_MAIL_IMAP_HOST")
TOUSU_MAIL_IMAP_SECURITY = env_str(
    "TOUSU_MAIL_IMAP_SECURITY", "ssl", choices=("ssl", "starttls", "none")
)
TOUSU_MAIL_IMAP_PORT = env_int(
    "TOUSU_MAIL_IMAP_PORT",
    993 if TOUSU_MAIL_IMAP_SECURITY == "ssl" else 143,
    minimum=1,
    maximum=65535,
)
TOUSU_MAIL_IMAP_USER = env_str("TOUSU_MAIL_IMAP_USER")
TOUSU_MAIL_IMAP_PASSWORD = env_str("TOUSU_MAIL_IMAP_PASSWORD")
TOUSU_MAIL_IMAP_FOLDER = env_str("TOUSU_MAIL_IMAP_FOLDER", "INBOX")
# Where mails acted on are moved (blank: they stay, marked seen).
TOUSU_MAIL_IMAP_DONE_FOLDER = env_str("TOUSU_MAIL_IMAP_DONE_FOLDER")
TOUSU_MAIL_IMAP_TIMEOUT = env_int("TOUSU_MAIL_IMAP_TIMEOUT", 30, minimum=1)
# A mail larger than this (bytes) is read by its headers only: registered by its subject, its
# body and attachments left in the mailbox (a 10 MB attachment is ~14 MB once encoded).
TOUSU_MAIL_MAX_BYTES = env_int("TOUSU_MAIL_MAX_BYTES", 40 * 1024 * 1024, minimum=1024)
# Acknowledgements to one address per hour at most: two auto-responders answering each other
# stop here, whatever they put in their headers.
TOUSU_MAIL_ACK_PER_HOUR = env_int("TOUSU_MAIL_ACK_PER_HOUR", 3, minimum=0)

# WeChat official account (公众号, issue 17): the webhook /wechat/ answers only when a token is
# set (the one typed into the account's server configuration); the app id and secret let the
# WeChat transport send template messages (TOUSU_WECHAT_TEMPLATE_ID, the account's progress
# template). The API base is configurable so that tests and intranet proxies can stand in.
TOUSU_WECHAT_TOKEN = env_str("TOUSU_WECHAT_TOKEN")
TOUSU_WECHAT_APPID = env_str("TOUSU_WECHAT_APPID")
TOUSU_WECHAT_SECRET = env_str("TOUSU_WECHAT_SECRET")
TOUSU_WECHAT_TEMPLATE_ID = env_str("TOUSU_WECHAT_TEMPLATE_ID")
TOUSU_WECHAT_API_BASE = env_str("TOUSU_WECHAT_API_BASE", "https://api.weixin.qq.com")
# Requests per minute from one address: WeChat's servers are few addresses carrying every
# follower's messages, so the limit is generous; it stops a flood, not a busy day.
TOUSU_WECHAT_RATE_LIMIT = env_int("TOUSU_WECHAT_RATE_LIMIT", 1200, minimum=0)

# Messages to customers (issue 17), one transport per channel. "file" (the default) writes each
# message under DATA_DIR/outbox, like Django's file e-mail backend: the demo's messages show as
# sent and nothing leaves the machine until a real transport is configured.
TOUSU_SMS_TRANSPORT = env_str("TOUSU_SMS_TRANSPORT", "file", choices=("file", "smpp", "http"))
TOUSU_CUSTOMER_EMAIL_TRANSPORT = env_str(
    "TOUSU_CUSTOMER_EMAIL_TRANSPORT", "file", choices=("file", "smtp")
)
TOUSU_OUTBOX_DIR = Path(env_str("TOUSU_OUTBOX_DIR", str(DATA_DIR / "outbox")))
# E-mail to customers goes through TOUSU_EMAIL_HOST/_PORT/_USER/_PASSWORD/_TLS, from this
# address; replies go to the Reply-To (the mailbox that e-mail intake reads).
TOUSU_CUSTOMER_EMAIL_FROM = env_str("TOUSU_CUSTOMER_EMAIL_FROM", "tousu@localhost")
TOUSU_CUSTOMER_EMAIL_REPLY_TO = env_str("TOUSU_CUSTOMER_EMAIL_REPLY_TO")
# SMPP 3.4 (the operator's SMS centre): where, who we bind as, the sender number.
TOUSU_SMPP_HOST = env_str("TOUSU_SMPP_HOST", "127.0.0.1")
TOUSU_SMPP_PORT = env_int("TOUSU_SMPP_PORT", 2775, minimum=1, maximum=65535)
TOUSU_SMPP_SYSTEM_ID = env_str("TOUSU_SMPP_SYSTEM_ID")
TOUSU_SMPP_PASSWORD = env_str("TOUSU_SMPP_PASSWORD")
TOUSU_SMPP_SOURCE = env_str("TOUSU_SMPP_SOURCE", "10086")
TOUSU_SMPP_TIMEOUT = env_float("TOUSU_SMPP_TIMEOUT", 10.0, minimum=0.1)
# How long the receipts job listens for delivery receipts once none arrive (seconds).
TOUSU_SMPP_RECEIPT_IDLE = env_float("TOUSU_SMPP_RECEIPT_IDLE", 5.0, minimum=0.05)
# An SMS platform's HTTP API: POST JSON signed with HMAC-SHA256 of the secret.
TOUSU_SMS_GATEWAY_URL = env_str("TOUSU_SMS_GATEWAY_URL")
TOUSU_SMS_GATEWAY_KEY = env_str("TOUSU_SMS_GATEWAY_KEY")
TOUSU_SMS_GATEWAY_SECRET = env_str("TOUSU_SMS_GATEWAY_SECRET")
# Where customers reach the public pages: the status and survey links in messages to them
# (an SMS needs a full address). Unset, `tousu serve` makes it the address it serves.
TOUSU_PUBLIC_URL = env_str("TOUSU_PUBLIC_URL", "http://localhost:8000").rstrip("/")
TOUSU_SMS_GATEWAY_TIMEOUT = env_float("TOUSU_SMS_GATEWAY_TIMEOUT", 10.0, minimum=0.1)

# Background jobs (D5): on Celery workers when a broker is set (redis://127.0.0.1:6379/0),
# otherwise in-process (see tousu/config/runner.py).
TOUSU_BROKER_URL = env_str("TOUSU_BROKER_URL")
# How a domain app's `core.jobs.enqueue_on_commit` reaches the job wiring (not an environment knob).
TOUSU_JOB_ENQUEUE = "tousu.config.jobs.enqueue"
# Seconds before Redis hands an unacknowledged task (its worker killed) to another worker.
TOUSU_CELERY_VISIBILITY_TIMEOUT = env_int("TOUSU_CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1)

# The names logging accepts (it refuses "warn" or "warning" with a less helpful message).
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env_str("TOUSU_LOG_LEVEL", "WARNING", choices=LOG_LEVELS),
    },
}

# Product settings (named numbers, overridable per deployment).
# 0 refuses every public request: a way to close the public pages. A login limit of 0 would
# lock everyone out, so it takes at least 1.
TOUSU_PUBLIC_RATE_LIMIT = env_int("TOUSU_PUBLIC_RATE_LIMIT", 20, minimum=0)  # per IP per hour
# Login lockout, one policy for every login form (/login/ and /admin/login/): a user name is
# refused from every address after TOUSU_LOGIN_FAILURE_LIMIT failed logins, an address after
# TOUSU_LOGIN_ADDRESS_FAILURE_LIMIT failures across user names (one password tried on many
# names); failures are forgotten, and a lock lifts, TOUSU_LOGIN_COOLOFF_MINUTES after them.
TOUSU_LOGIN_FAILURE_LIMIT = env_int("TOUSU_LOGIN_FAILURE_LIMIT", 5, minimum=1)
# Larger than a user name's: staff behind one office NAT share an address.
TOUSU_LOGIN_ADDRESS_FAILURE_LIMIT = env_int("TOUSU_LOGIN_ADDRESS_FAILURE_LIMIT", 20, minimum=1)
TOUSU_LOGIN_COOLOFF_MINUTES = env_int("TOUSU_LOGIN_COOLOFF_MINUTES", 15, minimum=1)
TOUSU_CALLBACK_DUE_HOURS = env_int("TOUSU_CALLBACK_DUE_HOURS", 48, minimum=0)
# Who is told of a complaint spike (R10.1): every active user with one of these roles.
TOUSU_ALERT_ROLES = env_list("TOUSU_ALERT_ROLES", ["supervisor", "dept_head", "analyst"])
# The callback team (回访组), whose work queue holds the callbacks: comma-separated terms
# `role:ROLE` (every user of that role) or `dept:CODE` (every user of that department), e.g.
# "dept:callback_center". By default the front line and quality staff, who call customers.
TOUSU_CALLBACK_TEAM = env_str("TOUSU_CALLBACK_TEAM", "role:agent,role:quality")
if not re.fullmatch(r"\s*(role|dept):[\w.-]+\s*(,\s*(role|dept):[\w.-]+\s*)*", TOUSU_CALLBACK_TEAM):
    raise SettingError(
        "TOUSU_CALLBACK_TEAM", TOUSU_CALLBACK_TEAM, "terms like role:agent or dept:CODE"
    )
# Failed calls (no answer, busy, switched off …) before a callback ends as unreachable.
TOUSU_CALLBACK_ATTEMPTS = env_int("TOUSU_CALLBACK_ATTEMPTS", 3, minimum=1, maximum=10)
# How long before its due time the team is reminded of a callback not yet done.
TOUSU_CALLBACK_REMIND_HOURS = env_int("TOUSU_CALLBACK_REMIND_HOURS", 4, minimum=0)
# Quality inspection (R12.3): the handler may appeal a score until the close of business of
# this many working days after it was given; an inspector has this many days to score a task.
TOUSU_INSPECTION_APPEAL_DAYS = env_int("TOUSU_INSPECTION_APPEAL_DAYS", 3, minimum=0, maximum=30)
TOUSU_INSPECTION_DUE_DAYS = env_int("TOUSU_INSPECTION_DUE_DAYS", 5, minimum=1, maximum=60)
# A complaint from the same customer about the same issue within this many days is a repeat.
TOUSU_REPEAT_WINDOW_DAYS = env_int("TOUSU_REPEAT_WINDOW_DAYS", 30, minimum=0)
# Records (R5.4, R12.2). A complaint closed this many days ago is archived (归档): read-only,
# still listed, searched and counted. 180 days: well after everything that may still write to
# a closed complaint — the callback (TOUSU_CALLBACK_DUE_HOURS, its attempts), the repeat window
# (TOUSU_REPEAT_WINDOW_DAYS), a reopen on the customer's dissatisfaction, the repair programme's
# 90-day effect — and two quarterly reviews; a customer who comes back later opens a new
# complaint, linked as a repeat.
TOUSU_ARCHIVE_DAYS = env_int("TOUSU_ARCHIVE_DAYS", 180, minimum=1)
# A customer whose last complaint closed this many days ago, with none open, is anonymised
# (PIPL: personal data kept no longer than the purpose needs): name, phone, ID number, address
# and the personal data in the texts of their complaints. Three years: the limitation period of
# a civil claim (民法典 art. 188), within which the complaint record may be needed as evidence.
# Never shorter than the archive period: only archived complaints are anonymised.
TOUSU_RETENTION_DAYS = env_int("TOUSU_RETENTION_DAYS", 3 * 365, minimum=TOUSU_ARCHIVE_DAYS)
# No complaint is received before this Asia/Shanghai day, and no date a user or client gives
# (a list filter, a report period) lies before it: a complaint received in 1900 is overdue at
# once and climbs every escalation step, one from year 1 overflows the time arithmetic. From
# 1970 (the count tables number hours from the Unix epoch) to today: a later day would refuse
# every complaint.
TOUSU_EARLIEST_RECEIVED = env_date(
    "TOUSU_EARLIEST_RECEIVED",
    dt.date(2000, 1, 1),
    minimum=dt.date(1970, 1, 1),
    maximum=dt.datetime.now(ZoneInfo(TIME_ZONE)).date(),
)
# Escalation risk (R2.4, R2.6): a complaint scoring at least this much is high risk — its level
# goes up one step and it appears on the supervisors' watch list.
TOUSU_RISK_HIGH = env_float("TOUSU_RISK_HIGH", 0.7, minimum=0, maximum=1)
# Below this model confidence a complaint is not classified automatically: it waits in triage.
TOUSU_TRIAGE_CONFIDENCE = env_float("TOUSU_TRIAGE_CONFIDENCE", 0.5, minimum=0, maximum=1)
# Customer value tiers as the CRM names them, best first (orders the care lists), and the ones
# that count as high value (a reason to call them first when a known fault hits them).
TOUSU_VALUE_TIERS = env_list("TOUSU_VALUE_TIERS", ["五星", "四星", "三星", "二星", "一星"])
TOUSU_HIGH_VALUE_TIERS = env_list("TOUSU_HIGH_VALUE_TIERS", ["五星", "四星"])
# A customer hit by a known fault is put on its care list (issue 15) with earlier complaints,
# a high value tier, or a customer-level risk of at least this much.
TOUSU_CARE_RISK_MIN = env_float("TOUSU_CARE_RISK_MIN", 0.3, minimum=0, maximum=1)
# django-axes, configured for the login policy above; tousu/accounts/lockout.py holds the parts
# these names point at. Its handler applies both limits and counts an attempt before its
# password is checked, so that concurrent guesses cannot all pass one check.
AXES_HANDLER = "tousu.accounts.lockout.LoginPolicyHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = TOUSU_LOGIN_FAILURE_LIMIT  # what axes' own admin pages show
AXES_COOLOFF_TIME = "tousu.accounts.lockout.cool_off"
AXES_USERNAME_CALLABLE = "tousu.accounts.lockout.username_of"
# The address as the public rate limit takes it (tousu/core/ratelimit.py): REMOTE_ADDR, never
# a forgeable X-Forwarded-For.
AXES_CLIENT_IP_CALLABLE = "tousu.accounts.lockout.address_of"
AXES_LOCKOUT_CALLABLE = "tousu.accounts.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# A success forgets the user name's failures from that address only (the handler does it):
# axes' own reset would also forget the address's failures on other user names.
AXES_RESET_ON_SUCCESS = False
# Attempts refused during a lock are not counted: the lock ends when the cool-off says.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
