"""Published cases for the register's tests, made through the services (decided 2026-11-16, Shanghai time)."""

import datetime

import pytest
from django.core.cache import cache

from cases import services
from register.models import Listing
from tests.cases.conftest import caseworker, firm, make_draft, supervisor, tax  # noqa: F401
from tests.cases.frozen_clock import FrozenClock

DECIDED_ON = datetime.date(2026, 11, 16)


@pytest.fixture(autouse=True)
def clear_cache():
    """Rate-limit counters and the register's version stamp live in the cache: each test starts afresh."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def download_root(settings, tmp_path):
    """Each test writes its own download files."""
    settings.REGISTER_DOWNLOAD_ROOT = tmp_path / "register"
    return settings.REGISTER_DOWNLOAD_ROOT


@pytest.fixture
def clock(monkeypatch):
    return FrozenClock(monkeypatch, DECIDED_ON)


@pytest.fixture
def publish(clock, make_draft, caseworker, supervisor):  # noqa: F811
    """``publish(entity=None, measures=...)`` → the register listing of a case sanctioned and published."""

    def run(*, entity=None, measures=(("public_disclosure", 24),)):
        draft = make_draft(entity=entity, measures=measures)
        case = services.case_approve(case=services.case_submit(case=draft, actor=caseworker), actor=supervisor)
        case = services.case_record_statement(case=case, actor=caseworker, text="No objection.")
        case = services.case_sanction(case=case, actor=supervisor, reasons="Facts established.", publish=True)
        return Listing.objects.get(publication__case=case)

    return run


@pytest.fixture
def market_department(db):
    from tests.factories import DepartmentFactory

    return DepartmentFactory(code="MKT", name="Market regulation bureau")
