"""Django settings, read from the environment.

Defaults give a zero-set-up laptop install: a SQLite file and a generated
secret key under ``./var/``. Production sets ``DATABASE_URL`` (PostgreSQL via
psycopg 3), ``SECRET_KEY`` and ``RAPPORT_DEBUG=0``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("RAPPORT_VAR_DIR", Path.cwd() / "var")).resolve()


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """The key from the environment, else one generated once and kept under var/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("RAPPORT_DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rapport.common",
    "rapport.core",
    "rapport.customers",
    "rapport.sales",
    "rapport.marketing",
    "rapport.service",
    "rapport.dataops",
    "rapport.analytics",
    "rapport.api",
    "rapport.web",
]

MIDDLEWARE = [
    "rapport.core.gc_freeze.FreezeAfterWarmUpMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "rapport.core.request_deadline.RequestDeadlineMiddleware",
    # Before anything reads request.POST: it counts uploaded files' bytes as they stream in.
    "rapport.common.uploads.UploadLimitMiddleware",
    "rapport.core.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "rapport.web.middleware.SecondFactorMiddleware",
    "rapport.api.middleware.ApiRateLimitMiddleware",
    "rapport.api.middleware.IdempotencyMiddleware",
    "rapport.web.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "rapport.core.middleware.UserTimezoneMiddleware",
]

ROOT_URLCONF = "rapport.urls"
WSGI_APPLICATION = "rapport.wsgi.application"
ASGI_APPLICATION = "rapport.asgi.application"

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
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'rapport.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and a writer work at once; IMMEDIATE takes the write lock
    # at BEGIN so concurrent writers queue on the busy timeout instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # WAL is set once per file (core.apps): asking on every connection failed while another process wrote.
        "init_command": "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    # A web process keeps its connection like on PostgreSQL (CONN_MAX_AGE): opened for every request, it
    # cost 4-5 ms, most of it SQLite reading the schema again. Between requests it holds no transaction, so
    # it keeps no other process from writing and no checkpoint from running.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters sent apart from the SQL let psycopg prepare a statement the fifth time a connection
    # runs it (Django turns that off for connection poolers, which Rapport does not use), and
    # PostgreSQL then skips planning: the 360 pages' joins took 1.5-6 ms to plan each time and under
    # 1 ms to run. RAPPORT_PG_PREPARE=0 turns it off, behind a pooler in transaction mode.
    prepare = os.environ.get("RAPPORT_PG_PREPARE", "1") != "0"
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5 if prepare else None}
    # Django's backend with bulk writes cut under the 65,535 parameters a bound statement takes.
    DATABASES["default"]["ENGINE"] = "rapport.core.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = ["rapport.core.security.ThrottledModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
FORMAT_MODULE_PATH = ["rapport.web.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("RAPPORT_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"


def _cache(url: str) -> dict[str, object]:
    """Login throttles and API rate limits count in the cache, so every web process must share it.

    A cache server (``RAPPORT_CACHE_URL=redis://host:6379/0``) serves several machines; without one,
    the processes of one machine (``rapport serve`` runs one per core) share files under var/cache/.
    """
    if url:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    return {"BACKEND": "rapport.core.shared_cache.SharedFileCache", "LOCATION": str(VAR_DIR / "cache")}


CACHES = {"default": _cache(os.environ.get("RAPPORT_CACHE_URL", "").strip())}

# Behind HTTPS (production): secure cookies, HSTS and redirects.
if _env_bool("RAPPORT_HTTPS", False):
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("RAPPORT_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Uploaded files (contract documents...): the largest accepted, counted while it streams in,
# and how much a DOCX/XLSX may expand to (rapport.common.uploads).
RAPPORT_MAX_UPLOAD_BYTES = int(os.environ.get("RAPPORT_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
RAPPORT_MAX_UPLOAD_UNCOMPRESSED = int(os.environ.get("RAPPORT_MAX_UPLOAD_UNCOMPRESSED", str(50 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("RAPPORT_MAX_REQUEST_BYTES", str(2 * 1024 * 1024)))

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# Background work (rapport.core.jobs; docs/adr/0003-background-work.md).
RAPPORT_TASK_MAX_ATTEMPTS = int(os.environ.get("RAPPORT_TASK_MAX_ATTEMPTS", "3"))
# A worker not heard from for this long is lost: its running tasks go back to the queue.
RAPPORT_WORKER_STALE_SECONDS = float(os.environ.get("RAPPORT_WORKER_STALE_SECONDS", "30"))
RAPPORT_TASK_RESULT_DAYS = int(os.environ.get("RAPPORT_TASK_RESULT_DAYS", "14"))
RAPPORT_FAILED_TASK_DAYS = int(os.environ.get("RAPPORT_FAILED_TASK_DAYS", "90"))

EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Rapport <crm@localhost>")

# Rapport's own settings.
RAPPORT_DEFAULT_REGION = os.environ.get("RAPPORT_DEFAULT_REGION", "CN")
RAPPORT_BASE_CURRENCY = os.environ.get("RAPPORT_BASE_CURRENCY", "CNY")
RAPPORT_WAREHOUSE_DIR = Path(os.environ.get("RAPPORT_WAREHOUSE_DIR", VAR_DIR / "warehouse")).resolve()
RAPPORT_TOKEN_DEFAULT_DAYS = int(os.environ.get("RAPPORT_TOKEN_DEFAULT_DAYS", "90"))
RAPPORT_LOGIN_MAX_FAILURES_PER_ACCOUNT = int(os.environ.get("RAPPORT_LOGIN_MAX_FAILURES_PER_ACCOUNT", "5"))
RAPPORT_LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("RAPPORT_LOGIN_MAX_FAILURES_PER_ADDRESS", "50"))
RAPPORT_LOGIN_LOCKOUT_SECONDS = int(os.environ.get("RAPPORT_LOGIN_LOCKOUT_SECONDS", "900"))
# Password reset: requests per typed address and per client address in a window; links live an hour.
RAPPORT_PASSWORD_RESET_MAX_PER_ACCOUNT = int(os.environ.get("RAPPORT_PASSWORD_RESET_MAX_PER_ACCOUNT", "3"))
RAPPORT_PASSWORD_RESET_MAX_PER_ADDRESS = int(os.environ.get("RAPPORT_PASSWORD_RESET_MAX_PER_ADDRESS", "20"))
RAPPORT_PASSWORD_RESET_WINDOW_SECONDS = int(os.environ.get("RAPPORT_PASSWORD_RESET_WINDOW_SECONDS", "3600"))
# Links in mail (password reset) start with this; empty: the address the request came in on (ALLOWED_HOSTS checks it).
RAPPORT_BASE_URL = os.environ.get("RAPPORT_BASE_URL", "")
PASSWORD_RESET_TIMEOUT = int(os.environ.get("RAPPORT_PASSWORD_RESET_LINK_SECONDS", "3600"))
# Second factor (TOTP, django-otp): staff (administrators) must enrol before they reach any page.
RAPPORT_REQUIRE_STAFF_TOTP = _env_bool("RAPPORT_REQUIRE_STAFF_TOTP", False)
OTP_TOTP_ISSUER = "Rapport"
# Wrong codes are counted by rapport.core.security.LOGIN (one throttle for every guess), not by django-otp.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
RAPPORT_TRUSTED_PROXY_HEADER = os.environ.get("RAPPORT_TRUSTED_PROXY_HEADER", "")
# API requests per token (or session) per minute.
RAPPORT_API_RATE_PER_MINUTE = int(os.environ.get("RAPPORT_API_RATE_PER_MINUTE", "1200"))
RAPPORT_IDEMPOTENCY_HOURS = int(os.environ.get("RAPPORT_IDEMPOTENCY_HOURS", "24"))
# A request's queries are stopped after this many seconds (503); 0: no limit. Background tasks have none.
RAPPORT_REQUEST_SECONDS = float(os.environ.get("RAPPORT_REQUEST_SECONDS", "30"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("RAPPORT_LOG_LEVEL", "WARNING")},
    "loggers": {"rapport": {"level": os.environ.get("RAPPORT_LOG_LEVEL", "INFO"), "propagate": True}},
}
