"""Settings for creditportal, read from the environment (django-environ).

Every variable is listed in README.md. With DEBUG on, development defaults apply; with DEBUG off,
start-up fails with a clear message when a secret is missing.
"""

import datetime
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
# (issue 18): `python -c "import base64,os; print(base64.b64encode(os.urandom(32)).decode())"`. Without it (and
# DEBUG off) the log page and its download answer an error; everything else runs.
REGISTER_LOG_SIGNING_KEY = env("REGISTER_LOG_SIGNING_KEY", default=_DEV_REGISTER_LOG_SIGNING_KEY if DEBUG else "")

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
    "register",
    "creditportal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "audit.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SlidingSessionMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.StaffTwoFactorMiddleware",
    "accounts.middleware.NoStoreForAuthenticatedMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
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

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
vars().update(EMAIL_CONFIG)
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
if not DEBUG:
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

# Two-factor authentication (django-otp, TOTP) for staff. Required unless switched off for a local demo.
REQUIRE_STAFF_2FA = env.bool("REQUIRE_STAFF_2FA", default=not DEBUG)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="creditportal")
# Device keys and QR codes are never shown in the admin; a lost device is deleted and the user enrols again.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Evidence uploads: per-file limit and the content types accepted (decided from the bytes, not the name).
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)
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

# The public credit register (issue 18): requests per client address per window, then the 429 page; how long
# shared caches may keep a page (entries changed meanwhile get a new ETag at once).
REGISTER_RATE_LIMIT = env.int("REGISTER_RATE_LIMIT", default=60)
REGISTER_RATE_WINDOW_SECONDS = env.int("REGISTER_RATE_WINDOW_SECONDS", default=60)
REGISTER_CACHE_SECONDS = env.int("REGISTER_CACHE_SECONDS", default=60)
# Where the background task writes the bulk downloads, and the site address their record links start with.
REGISTER_DOWNLOAD_ROOT = env.path("REGISTER_DOWNLOAD_ROOT", default=VAR_DIR / "register")
REGISTER_PUBLIC_BASE_URL = env("REGISTER_PUBLIC_BASE_URL", default="http://localhost:8000")
