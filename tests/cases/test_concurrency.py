"""Concurrent decisions on the same case: exactly one wins (DESIGN §5). PostgreSQL row locks; CI runs it."""

import threading

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


def test_supervisors_approving_from_the_admin_at_once_losers_see_the_conflict_message(
    make_draft, caseworker, supervisor, second_supervisor, monkeypatch
):
    """Through the admin, as the browsers do: one decision, and every loser is told of the conflict, never 403.

    Two requests race for the row lock; a third reads the case only once one of them has answered (so after the
    winner's commit: the order that showed 6 of 9 losers "access denied").
    """
    from django.test import Client
    from django.urls import reverse

    from cases.admin.case import CaseAdmin

    third = UserFactory(role=roles.SUPERVISOR, department=caseworker.department)
    late = threading.local()
    one_answered = threading.Event()
    get_object = CaseAdmin.get_object

    def get_object_after_the_first_answer(self, request, object_id, from_field=None):
        if getattr(late, "waits", False):
            assert one_answered.wait(timeout=60)
        return get_object(self, request, object_id, from_field)

    monkeypatch.setattr(CaseAdmin, "get_object", get_object_after_the_first_answer)
    outcomes = []
    for _ in range(3):
        case = services.case_submit(case=make_draft(), actor=caseworker)
        url = reverse("admin:cases_case_transition", args=[case.pk, "approve"])
        one_answered.clear()

        def approve(user, waits, case=case, url=url):
            late.waits = waits
            browser = Client(headers={"Accept-Language": "en"})
            browser.force_login(user)
            response = browser.post(url, {"version": case.version, "reasons": "Verified."}, follow=True)
            one_answered.set()
            return response.status_code, response.content.decode()

        results = race(
            lambda: approve(supervisor, False), lambda: approve(second_supervisor, False), lambda: approve(third, True)
        )
        assert not [r for r in results if isinstance(r, Exception)], results
        assert Decision.objects.filter(case=case).count() == 1
        outcomes += [
            "won" if "The case was approved" in body else "conflict" if "changed by someone else" in body else status
            for status, body in results
        ]
        assert outcomes[-1] == "conflict"
    assert sorted(outcomes) == ["conflict"] * 6 + ["won"] * 3, outcomes
