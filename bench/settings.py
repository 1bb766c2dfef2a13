"""Benchmark settings: the project's settings as production runs them (DEBUG off, staff 2FA on), on a bench database.

The development secrets come from DEBUG=1 at import time; DEBUG is then switched off so no query log, debug
templates or debug toolbar distort the timings. ``bench.urls`` adds the naive admin beside the real one.
"""

import os

os.environ["DEBUG"] = "1"

from creditportal.settings import *  # noqa: F403

DEBUG = False
REQUIRE_STAFF_2FA = True
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.urls"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"handlers": [], "level": "ERROR"}}
