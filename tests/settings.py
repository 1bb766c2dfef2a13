"""Test settings: the project's settings with development secrets and a fast password hasher.

The database still comes from DATABASE_URL, so the same suite runs on SQLite and on PostgreSQL.
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DEBUG", "1")

from creditportal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # test speed only
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
STATIC_ROOT = None  # whitenoise serves from the finders in tests; no collectstatic output needed
# The suite keeps its cache in memory whatever REDIS_URL says (a shared Redis); Redis tests override it (-m redis).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# With DATABASE_REPLICA_URL, the test database is created on the primary only; tests/creditportal/test_replica.py
# points the `replica` alias at the real replica (which streams the test database too) where it needs it.
if "replica" in DATABASES:  # noqa: F405
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # noqa: F405
REGISTER_DOWNLOAD_ROOT = Path(tempfile.mkdtemp(prefix="creditportal-register-"))  # never the real var/ directory
REGISTER_RATE_LIMIT = 10_000  # the whole suite shares one client address; tests of the limit set their own
