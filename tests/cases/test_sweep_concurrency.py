"""Two lifecycle sweeps at once have the effect of one (issue 5). PostgreSQL row locks; CI runs it."""

import datetime

import pytest

from accounts.services import system_actor
from cases import services
from cases.models import Case, Notice, Notification, Publication, Sanction
from cases.services.sweep import sweep
from cases.workflow import State
from tests.cases.frozen_clock import FrozenClock
from tests.concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

D = datetime.date


def _effects():
    return {
        "states": sorted(Case.objects.values_list("pk", "state", "version")),
        "case_history": Case.history.count(),
        "sanctions": sorted(Sanction.objects.values_list("pk", "status", "ended_on")),
        "sanction_history": Sanction.history.count(),
        "publications": sorted(Publication.objects.values_list("pk", "ended_on")),
        "notices": Notice.objects.count(),
        "notifications": Notification.objects.count(),
    }


@pytest.fixture
def due(monkeypatch, make_draft, caseworker, supervisor):
    """Cases that a sweep on 2029-10-09 moves: windows to close, measures to start, records to expire."""
    FrozenClock(monkeypatch, D(2026, 11, 16))
    cases = []
    for _n in range(3):
        cases.append(
            services.case_approve(case=services.case_submit(case=make_draft(), actor=caseworker), actor=supervisor)
        )
    for _n in range(3):
        case = services.case_approve(case=services.case_submit(case=make_draft(), actor=caseworker), actor=supervisor)
        case = services.case_record_statement(case=case, actor=caseworker, text="x")
        cases.append(services.case_sanction(case=case, actor=supervisor, reasons="ok"))
    system_actor()
    return cases


def test_two_sweeps_at_once_act_once(due):
    today = D(2029, 10, 9)
    reports = race(lambda: sweep(today=today), lambda: sweep(today=today))
    assert not any(isinstance(r, Exception) for r in reports), reports
    assert not any(r.errors for r in reports), [r.errors for r in reports]
    done = sorted(reports[0].done + reports[1].done)
    assert [a for a, _ in done].count("window_closed") == 3
    assert [a for a, _ in done].count("case_expired") == 3
    assert [a for a, _ in done].count("sanction_started") == 6
    assert set(Case.objects.values_list("state", flat=True)) == {State.DECISION_PENDING, State.EXPIRED}
    # Each case moved exactly once: one history row per transition, one expiry notice each.
    for case in due:
        reasons = list(case.history.values_list("history_change_reason", flat=True))
        moved = [r for r in reasons if r.startswith(("expire:", "close_statement_window:"))]
        assert len(moved) == 1, reasons
        versions = list(dict.fromkeys(case.history.order_by("history_id").values_list("version", flat=True)))
        assert versions == list(range(1, len(versions) + 1))  # every transition once, none twice
    assert Notice.objects.filter(kind="expiry").count() == 3
    after = _effects()
    assert sweep(today=today).nothing_done
    assert _effects() == after


def test_two_sweeps_creating_the_system_actor_at_once_share_one():
    results = race(system_actor, system_actor)
    assert not any(isinstance(r, Exception) for r in results), results
    assert results[0] == results[1]
