"""Concurrent decisions on the same case: exactly one wins (DESIGN §5). PostgreSQL row locks; CI runs it."""

import pytest

from accounts import roles
from cases import services
from cases.models import Decision
from cases.services import ConflictError
from cases.workflow import State
from tests.concurrency import race
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_two_supervisors_approving_at_once_one_wins(make_draft, caseworker, supervisor, second_supervisor):
    case = services.case_submit(case=make_draft(), actor=caseworker)
    seen = case.version
    results = race(
        lambda: services.case_approve(case=case, actor=supervisor, expected_version=seen),
        lambda: services.case_reject(case=case, actor=second_supervisor, reasons="duplicate", expected_version=seen),
    )
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1, results
    assert len(losers) == 1 and isinstance(losers[0], ConflictError), results
    assert Decision.objects.filter(case=case).count() == 1
    case.refresh_from_db()
    assert case.state in (State.NOTICE_ISSUED, State.REJECTED)
    assert case.version == seen + 1


def test_the_same_decision_twice_at_once_is_applied_once(make_draft, caseworker, supervisor):
    case = services.case_submit(case=make_draft(), actor=caseworker)
    other = UserFactory(role=roles.SUPERVISOR, department=caseworker.department)
    results = race(
        lambda: services.case_approve(case=case, actor=supervisor),
        lambda: services.case_approve(case=case, actor=other),
    )
    assert sum(not isinstance(r, Exception) for r in results) == 1, results
    assert Decision.objects.filter(case=case, outcome="approve").count() == 1
    assert case.notices.count() == 1
