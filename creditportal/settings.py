"""Settings for creditportal, read from the environment (django-environ).

Every variable is listed in README.md. With DEBUG on, development defaults apply; with DEBUG off,
start-up fails with a clear message when a secret is missing.
"""

import datetime
import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# Development-only secrets: usable only while DEBUG is on, never in production.
_DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me-0123456789abcdef"  # noqa: S105  # nosec B105
_DEV_FIELD_ENCRYPTION_KEY = "ZGV2LW9ubHktZmllbGQta2V5LWRvLW5vdC11c2UtMDE="
_DEV_FIELD_HASH_KEY = "dev-only-blind-index-key-do-not-use-in-production"
_DEV_REGISTER_LOG_SIGNING_KEY = "ZGV2LW9ubHktcmVnaXN0ZXItbG9nLWtleS0wMDAwMDA="  # nosec B105
_DEV_AUDIT_WITNESS_SIGNING_KEY = "ZGV2LW9ubHktYXVkaXQtd2l0bmVzcy1rZXktMDAwMDA="  # nosec B105


def _secret(name, dev_default):
    value = env(name, default="")
    if value:
        return value
    if DEBUG:
        return dev_default
    raise ImproperlyConfigured(
        f"The environment variable {name} is required when DEBUG is off. See README.md, 'Configuration'."
    )


SECRET_KEY = _secret("SECRET_KEY", _DEV_SECRET_KEY)
# Newest key first; older keys only decrypt, so keys can be rotated (manage.py rotate_field_keys).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[]) or [
    _secret("FIELD_ENCRYPTION_KEYS", _DEV_FIELD_ENCRYPTION_KEY)
]
FIELD_HASH_KEY = _secret("FIELD_HASH_KEY", _DEV_FIELD_HASH_KEY)
# Ed25519 private key (32 raw bytes, base64) signing the public register's publication log and nothing else
# (issue 18): `python -c "import base64,os; print(base64.b64encode(os.urandom(32)).decode())"`. Required with DEBUG
# off, like the other secrets: a register whose log cannot be signed must not start.
REGISTER_LOG_SIGNING_KEY = _secret("REGISTER_LOG_SIGNING_KEY", _DEV_REGISTER_LOG_SIGNING_KEY)


def _credential(name):
    """A systemd credential of this unit (``LoadCredential=``): readable by this one process, not by the web's."""
    directory = os.environ.get("CREDENTIALS_DIRECTORY")
    path = Path(directory) / name if directory else None
    return path.read_text().strip() if path is not None and path.is_file() else ""


# The audit chain's witness (docs/audit.md, "The witness"): an Ed25519 key pair, 32 raw bytes base64 each. The
# private key is held only by the seal (`verify_audit --seal`, the purge timer's unit, as the systemd credential
# `audit-witness-key`), never by the web application, which gets the public key only. Unset, seals carry no witness.
AUDIT_WITNESS_SIGNING_KEY = (
    env("AUDIT_WITNESS_SIGNING_KEY", default="")
    or _credential("audit-witness-key")
    or (_DEV_AUDIT_WITNESS_SIGNING_KEY if DEBUG else "")
)
# Blank: derived from the signing key where this process holds it (development).
AUDIT_WITNESS_PUBLIC_KEY = env("AUDIT_WITNESS_PUBLIC_KEY", default="")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The admin, its default site swapped for one requiring a verified second factor (creditportal/admin_site.py).
    "creditportal.admin_site.CreditportalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "guardian",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    # Before the project's apps: cases.admin replaces the job admin django-tasks-db registers.
    "django_tasks",
    "django_tasks_db",
    # Append-only history and access log on PostgreSQL (DESIGN §8); triggers registered in audit.apps.
    "pgtrigger",
    "accounts",
    "audit",
    "entities",
    "cases",
    "portal",
    "dashboards",
    "imports",
    "register",
    # The data-sharing API (issue 19): REST framework, the OpenAPI schema and its docs page's assets (served locally).
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
    "creditportal",
    # Development only (demo data, the benchmark's generator); above every app, imported by none.
    "demo",
]

MIDDLEWARE = [
    # First and (next to) last: request latency for Prometheus (django-prometheus; /metrics, docs/operations.md).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # A read whose database connection dies is tried once more; otherwise the translated 503 page.
    "creditportal.middleware.DatabaseUnavailableMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "audit.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # /zh-hans/<path> and /en/<path>: shareable links in a language (creditportal/language_links.py).
    "creditportal.language_links.LanguageLinkMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check reads the body: more files than allowed become the form's own error.
    "creditportal.uploads.TooManyFilesMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SlidingSessionMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.StaffTwoFactorMiddleware",
    "accounts.middleware.NoStoreForAuthenticatedMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Next to last: django-axes must stay last.
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as django-axes requires: turns a lockout flagged during authentication into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "creditportal.urls"
WSGI_APPLICATION = "creditportal.wsgi.application"
ASGI_APPLICATION = "creditportal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: embedded SQLite under var/ by default; PostgreSQL in production and CI via DATABASE_URL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'creditportal.sqlite3'}")}
# A domain row never commits without its history row (DESIGN §8).
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The planner prices the scoped lists' EXISTS-over-grants filters high enough to JIT-compile them, which costs
    # more than the index probes themselves (docs/performance.md); short OLTP queries never gain from the JIT.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    # PostgreSQL unreachable: give up connecting after this many seconds and answer 503 (creditportal/middleware.py).
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=3))
    # Behind PgBouncer in transaction mode (docs/operations.md, "PgBouncer"): no named cursors across transactions, and
    # no `options` startup parameter, which PgBouncer refuses (set jit=off on the database instead).
    if env.bool("DATABASE_PGBOUNCER", default=False):
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
        DATABASES["default"]["OPTIONS"].pop("options", None)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username+address is refused before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading permissions and groups in one query (accounts/backends.py).
    "accounts.backends.PermissionBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# Staff land on their dashboards after signing in (dashboards/), not on Django's /accounts/profile/.
LOGIN_REDIRECT_URL = "dashboards:index"

# django-guardian: anonymous users hold no object permissions; no generic-table fallbacks.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

# django-simple-history: history is read-only in the admin (revert would bypass the workflow).
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_ENFORCE_HISTORY_MODEL_PERMISSIONS = False
# pgtrigger: triggers are registered in code (audit.apps) and installed after every migrate, so no app needs
# trigger migrations; a no-op on SQLite.
PGTRIGGER_MIGRATIONS = False
PGTRIGGER_INSTALL_ON_MIGRATE = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
# One date format on every page, in both languages (creditportal/formats/).
FORMAT_MODULE_PATH = ["creditportal.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "creditportal" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": VAR_DIR / "private"}},
    # Evidence is never served by URL: only the permission-checked download view reads it.
    "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env.path("EVIDENCE_ROOT", default=VAR_DIR / "private" / "evidence"), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# The e-mail settings from one URL (EMAIL_URL), each named here rather than injected into the module.
_email = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
EMAIL_PORT = _email["EMAIL_PORT"] or 25
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = _email.get("OPTIONS", {}).get("TIMEOUT")
EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"] or None
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="creditportal@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Idle timeout: a signed-in user's requests push the expiry SESSION_COOKIE_AGE further, so it ends after that long
# unused. Saved at most every SESSION_REFRESH_SECONDS (accounts.middleware.SlidingSessionMiddleware), not on every
# request: a session write and commit per page view would double the commits of every request (issue 11).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=30 * 60)
SESSION_REFRESH_SECONDS = env.int("SESSION_REFRESH_SECONDS", default=60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# No JavaScript of ours reads the CSRF cookie; the token travels in the form.
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Production-like over plain HTTP (README "Trying production settings locally"): DEBUG off but no HTTPS-only
# redirects, cookies or HSTS, for loopback host names only, so it can never serve a real address.
PLAIN_HTTP = env.bool("PLAIN_HTTP", default=False)
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]"}
if PLAIN_HTTP and not DEBUG and not set(ALLOWED_HOSTS) <= _LOOPBACK_HOSTS:
    raise ImproperlyConfigured("PLAIN_HTTP is for local trials: ALLOWED_HOSTS may name loopback hosts only.")
if not DEBUG and not PLAIN_HTTP:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies are HTTPS-only, host-only and path=/: no subdomain can set or overwrite them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy (django-csp 4): our own origin only; no inline script or style, no third party.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# Login protection (django-axes): after AXES_FAILURE_LIMIT failures for one username from one address,
# that pair is refused for AXES_COOLOFF_TIME; an administrator can lift it earlier (Access attempts).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=60))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# Registered by accounts/security_admin.py instead, limited to administrators.
AXES_ENABLE_ADMIN = False
AXES_SENSITIVE_PARAMETERS = ["otp_token", "token"]

# Rate limits and back-off live in the cache (accounts.throttle): this process's memory by default; with several
# worker processes or servers set REDIS_URL (below) so they share it.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Password-reset mails: at most this many per address and per source address in the window.
PASSWORD_RESET_MAX_PER_ADDRESS = env.int("PASSWORD_RESET_MAX_PER_ADDRESS", default=3)
PASSWORD_RESET_MAX_PER_SOURCE = env.int("PASSWORD_RESET_MAX_PER_SOURCE", default=10)
PASSWORD_RESET_WINDOW_SECONDS = env.int("PASSWORD_RESET_WINDOW_SECONDS", default=3600)

# Bulk import (imports/, docs/operations.md): the largest file and the most rows one upload may hold.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=10_000)

# Two-factor authentication (django-otp, TOTP) for staff. Required unless switched off for a local demo.
REQUIRE_STAFF_2FA = env.bool("REQUIRE_STAFF_2FA", default=not DEBUG)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="creditportal")
# Wrong codes back off in accounts.twofactor (per device, per session, per source, capped), not in django-otp
# (per device only and uncapped: a stranger with the password could keep the owner out).
OTP_TOTP_THROTTLE_FACTOR = 0
TOTP_THROTTLE_MAX_WAIT_SECONDS = env.int("TOTP_THROTTLE_MAX_WAIT_SECONDS", default=15 * 60)
TOTP_DEVICE_MAX_WAIT_SECONDS = env.int("TOTP_DEVICE_MAX_WAIT_SECONDS", default=60)
# Device keys and QR codes are never shown in the admin; a lost device is deleted and the user enrols again.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Evidence uploads: per-file limit and the content types accepted (decided from the bytes, not the name).
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)
# Office documents are ZIP archives, checked from their directory (cases.evidence): parts, unpacked size, ratio.
OFFICE_MAX_MEMBERS = env.int("OFFICE_MAX_MEMBERS", default=10_000)
OFFICE_MAX_UNCOMPRESSED_BYTES = env.int("OFFICE_MAX_UNCOMPRESSED_BYTES", default=200 * 1024 * 1024)
OFFICE_MAX_COMPRESSION_RATIO = env.int("OFFICE_MAX_COMPRESSION_RATIO", default=100)
# Request limits: anything beyond answers the project's 400 page. Form fields: a 100-row admin action plus
# a case page with its inlines stay far below 1000. Files: a few evidence files per save. Body without
# files: 2.5 MB. Uploads above 2.5 MB are streamed to a temporary file, never held in memory.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("DATA_UPLOAD_MAX_NUMBER_FILES", default=10)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Stored files are readable by the application's user only.
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Identity numbers never reach a log line, whoever logs them (DESIGN §4).
    "filters": {"mask_identity_numbers": {"()": "entities.logging.MaskIdentityNumbersFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_identity_numbers"]}
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # Django's own loggers (requests, runserver lines with their URLs) go through the masking handler too.
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        # Failures and lockouts (WARNING) only; successful sign-ins are in axes' access log table.
        "axes": {"level": "WARNING"},
        # One INFO line per trigger on every migrate otherwise.
        "pgtrigger": {"level": "WARNING"},
    },
}
CSRF_FAILURE_VIEW = "creditportal.views.csrf_failure"

# Background tasks and notifications (README: "Background jobs and notifications").
# With DEBUG each task runs at once in the process that enqueues it, so the demo needs no worker; otherwise tasks
# are stored in the database and run by `manage.py db_worker`. TASKS_BACKEND=immediate|database overrides.
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
_TASK_BACKEND = env("TASKS_BACKEND", default="immediate" if DEBUG else "database")
if _TASK_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {', '.join(_TASK_BACKENDS)}, not {_TASK_BACKEND!r}.")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[_TASK_BACKEND], "QUEUES": ["default"]}}
# A failed notification e-mail is tried again after 1, 4, 16, ... times this many seconds, up to the maximum.
NOTIFICATION_EMAIL_MAX_ATTEMPTS = env.int("NOTIFICATION_EMAIL_MAX_ATTEMPTS", default=5)
NOTIFICATION_EMAIL_RETRY_SECONDS = env.int("NOTIFICATION_EMAIL_RETRY_SECONDS", default=60)
# The lifecycle sweep (`manage.py run_lifecycle`): reminders this many days before a deadline, recorded as this account.
LIFECYCLE_REMINDER_DAYS = env.int("LIFECYCLE_REMINDER_DAYS", default=3)
LIFECYCLE_SYSTEM_USERNAME = env("LIFECYCLE_SYSTEM_USERNAME", default="system")

# Operations (docs/operations.md): /readyz and /metrics.
# /readyz warns (200, "warning") when the oldest due background task has waited longer than this.
READYZ_MAX_TASK_LAG_SECONDS = env.int("READYZ_MAX_TASK_LAG_SECONDS", default=300)
# /metrics answers only a bearer token or these addresses (networks allowed); otherwise 404. Behind a reverse proxy
# on the same host every request comes from 127.0.0.1: then use the token, or do not forward /metrics.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
# Cache and sessions: this process's memory by default (one server, the demo); with REDIS_URL, Redis shared by every
# app server, so sessions and cached figures (the last lifecycle sweep's metrics) hold whichever server answers.
# Lockouts (django-axes) are in the database, shared already.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "creditportal",
            # A Redis that does not answer fails the request in a second rather than holding a worker.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
# Read replica (docs/operations.md, "Read replicas"): with DATABASE_REPLICA_URL, GET and HEAD of read-only pages read
# from it (creditportal/replica.py) unless it is down or lags; writes, and a client's reads just after its own write,
# stay on the primary.
REPLICA_READ_VIEW_NAMES = ["admin:*_changelist"]  # plus every view marked @reads_from_replica
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=15)
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=5.0)
REPLICA_CHECK_SECONDS = env.float("REPLICA_CHECK_SECONDS", default=5.0)
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    for _name in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "OPTIONS"):
        if _name in DATABASES["default"]:
            DATABASES["replica"][_name] = DATABASES["default"][_name]
    # A replica that does not answer is given up on in 2 s; the page then reads from the primary.
    DATABASES["replica"]["OPTIONS"] = {**DATABASES["replica"].get("OPTIONS", {}), "connect_timeout": 2}
    DATABASE_ROUTERS = ["creditportal.replica.ReplicaRouter"]
    MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
                      "creditportal.replica.ReplicaReadsMiddleware")  # fmt: skip
# The public credit register (issue 18): requests per client address per window, then the 429 page; how long
# shared caches may keep a page (entries changed meanwhile get a new ETag at once).
REGISTER_RATE_LIMIT = env.int("REGISTER_RATE_LIMIT", default=60)
REGISTER_RATE_WINDOW_SECONDS = env.int("REGISTER_RATE_WINDOW_SECONDS", default=60)
REGISTER_CACHE_SECONDS = env.int("REGISTER_CACHE_SECONDS", default=60)
# Where the background task writes the bulk downloads, and the site address their record links start with.
REGISTER_DOWNLOAD_ROOT = env.path("REGISTER_DOWNLOAD_ROOT", default=VAR_DIR / "register")
REGISTER_PUBLIC_BASE_URL = env("REGISTER_PUBLIC_BASE_URL", default="http://localhost:8000")

# The data-sharing API (issue 19, api/): token authentication, scopes and purposes are the api app's own; errors are
# RFC 9457 problem documents; rate limits per client live in the cache (Redis when REDIS_URL, shared by servers).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttles.ApiClientThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.problem_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_VERSIONING_CLASS": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "creditportal data-sharing API",
    "DESCRIPTION": "Register, status, case and screening reads for authorised department systems (issue 19).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}
# Requests per client per minute unless the client's own limit says otherwise (set in the admin).
API_RATE_PER_MINUTE = env.int("API_RATE_PER_MINUTE", default=600)
# How long a new token is valid unless the administrator chooses otherwise.
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=365)
