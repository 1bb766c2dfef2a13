"""The supervisor's review queue: most urgent first across both waiting states, at most QUEUE_LIMIT (issue 11)."""

import datetime

import pytest
from django.utils import timezone

from accounts import roles
from cases.selectors.queues import review_queue
from cases.workflow import State
from tests.cases.conftest import item
from tests.factories import CaseFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 1)


@pytest.fixture
def waiting(caseworker, firm):
    def make(number, state, due, submitted_hours_ago=1, **fields):
        due_field = "review_due_on" if state == State.SUBMITTED else "decision_due_on"
        return CaseFactory(
            department=caseworker.department, entity=firm, caseworker=caseworker, submitted_by=caseworker,
            catalogue_item=item("tax_major_violation"), severity="serious", state=state, number=number,
            submitted_at=timezone.now() - datetime.timedelta(hours=submitted_hours_ago), **{due_field: due}, **fields,
        )  # fmt: skip

    return make


def test_both_states_merge_by_due_date_then_submission(supervisor, waiting):
    waiting("R-late", State.SUBMITTED, DAY + datetime.timedelta(days=5))
    waiting("D-soon", State.DECISION_PENDING, DAY)
    waiting("R-soon-older", State.SUBMITTED, DAY + datetime.timedelta(days=1), submitted_hours_ago=9)
    waiting("R-soon-newer", State.SUBMITTED, DAY + datetime.timedelta(days=1), submitted_hours_ago=2)
    waiting("D-none", State.DECISION_PENDING, None)
    waiting("not waiting", State.NOTICE_ISSUED, None)
    numbers = [case.number for case in review_queue(supervisor)]
    # No due date on record first (someone must look), then by due date, then the longest waiting.
    assert numbers == ["D-none", "D-soon", "R-soon-older", "R-soon-newer", "R-late"]
    assert [case.due_on for case in review_queue(supervisor)][1] == DAY


def test_the_limit_keeps_the_most_urgent_of_either_state(supervisor, waiting):
    for n in range(3):
        waiting(f"R{n}", State.SUBMITTED, DAY + datetime.timedelta(days=2 * n))
        waiting(f"D{n}", State.DECISION_PENDING, DAY + datetime.timedelta(days=2 * n + 1))
    assert [case.number for case in review_queue(supervisor, limit=4)] == ["R0", "D0", "R1", "D1"]


def test_only_cases_the_supervisor_may_review(supervisor, waiting):
    waiting("mine", State.SUBMITTED, DAY)
    CaseFactory(state=State.SUBMITTED, number="other department", review_due_on=DAY)
    assert [case.number for case in review_queue(supervisor)] == ["mine"]
    assert review_queue(UserFactory(role=roles.CASEWORKER)) == []
