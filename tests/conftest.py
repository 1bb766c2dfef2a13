import os

import pytest
from django.test import Client
from django.utils import translation

from accounts import roles
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def english():
    """Assertions compare English messages; each test that needs Chinese activates it itself."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate limits and back-off live in the cache (accounts.throttle): each test starts with none counted."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client():
    """A browser that asks for English pages (the portal's default language is Simplified Chinese)."""
    return Client(headers={"Accept-Language": "en"})


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def role_user(db):
    """``role_user(roles.SUPERVISOR)`` → a staff user of that role."""

    def make(role, **kwargs):
        return UserFactory(role=role, **kwargs)

    return make


ROLES = [roles.CASEWORKER, roles.SUPERVISOR, roles.APPEALS_REVIEWER, roles.AUDITOR, roles.ADMINISTRATOR]


def pytest_report_header(config):
    from django.db import connection

    return f"database: {connection.vendor} ({connection.settings_dict['NAME']})"


def pytest_collection_modifyitems(config, items):
    """``@pytest.mark.postgres`` tests (locks, triggers) run only where the database is PostgreSQL (CI)."""
    from django.db import connection

    if not os.environ.get("DATABASE_REPLICA_URL"):
        for item in items:
            if "replica" in item.keywords:
                item.add_marker(pytest.mark.skip(reason="needs a replica: make replica-up, set DATABASE_REPLICA_URL"))
    if not os.environ.get("REDIS_URL"):
        for item in items:
            if "redis" in item.keywords:
                item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL"))
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: run `make test-pg`")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
