"""Cache and sessions in Redis when REDIS_URL is set, shared by every app server; local memory otherwise."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

BASE_DIR = Path(__file__).resolve().parents[2]


def _settings_with(env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(DEBUG="1", DJANGO_SETTINGS_MODULE="creditportal.settings", **env_overrides)
    script = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps([s.CACHES['default']['BACKEND'], s.SESSION_ENGINE]))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_local_memory_cache_and_database_sessions_by_default():
    assert _settings_with({}) == [
        "django.core.cache.backends.locmem.LocMemCache",
        "django.contrib.sessions.backends.db",
    ]


def test_redis_url_puts_cache_and_sessions_in_redis():
    assert _settings_with({"REDIS_URL": "redis://127.0.0.1:6379/0"}) == [
        "django.core.cache.backends.redis.RedisCache",
        "django.contrib.sessions.backends.cache",
    ]


@pytest.fixture
def redis_cache():
    """The project's Redis cache settings, on a key prefix of this test's own (the Redis may be shared)."""
    prefix = f"test-{uuid.uuid4().hex}"
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": prefix,
        }
    }
    with override_settings(CACHES=caches, SESSION_ENGINE="django.contrib.sessions.backends.cache"):
        yield prefix
        from redis import Redis

        server = Redis.from_url(os.environ["REDIS_URL"])
        for key in server.scan_iter(f"{prefix}:*"):  # only this test's keys: never FLUSHDB a shared Redis
            server.delete(key)


@pytest.mark.redis
def test_a_session_made_on_one_server_is_valid_on_another(redis_cache, superuser):
    first_server = Client(headers={"Accept-Language": "en"})
    first_server.force_login(superuser)
    cookie = first_server.cookies[settings.SESSION_COOKIE_NAME].value

    from redis import Redis

    assert Redis.from_url(os.environ["REDIS_URL"]).keys(f"{redis_cache}:*{cookie}")
    second_server = Client(headers={"Accept-Language": "en"})
    second_server.cookies[settings.SESSION_COOKIE_NAME] = cookie
    assert second_server.get("/admin/").status_code == 200
    first_server.post("/admin/logout/")
    assert second_server.get("/admin/").status_code == 302  # signing out on one server signs out everywhere


@pytest.mark.redis
def test_readyz_checks_the_redis_cache(redis_cache, client, db):
    assert client.get("/readyz").json()["checks"]["cache"] == "ok"
