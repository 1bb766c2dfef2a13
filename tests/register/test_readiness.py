"""/readyz reports the register monitor's last full run (check_register), never running it on the probe."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from register import monitor
from register.monitor import StaleDisclosure


@pytest.fixture(autouse=True)
def _no_recorded_check():
    from django.core.cache import cache

    cache.delete(monitor._LAST_CHECK_KEY)


def test_a_monitor_that_has_not_run_is_a_warning(client, db):
    assert client.get("/readyz").json()["checks"]["register_monitor"] == "warning"


def test_a_clean_check_register_run_makes_it_ok(client, db):
    call_command("check_register", stdout=StringIO())
    assert client.get("/readyz").json()["checks"]["register_monitor"] == "ok"


def test_a_run_that_found_stale_disclosures_is_reported(client, db, monkeypatch):
    stale = [StaleDisclosure(where="pages", token="t0k3n", name="X", why="ended")]
    monkeypatch.setattr("register.management.commands.check_register.stale_disclosures", lambda: stale)
    with pytest.raises(CommandError):
        call_command("check_register", stdout=StringIO(), stderr=StringIO())
    assert (
        monitor.readiness_problem()
        == f"check_register found 1 stale disclosure(s) at {monitor.cache.get(monitor._LAST_CHECK_KEY)['at']}"
    )
    assert client.get("/readyz").json()["checks"]["register_monitor"] == "warning"
