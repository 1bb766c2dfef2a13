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
REGISTER_DOWNLOAD_ROOT = Path(tempfile.mkdtemp(prefix="creditportal-register-"))  # never the real var/ directory
REGISTER_RATE_LIMIT = 10_000  # the whole suite shares one client address; tests of the limit set their own
