"""Concurrent steps on the same filing: exactly one wins (issue 7). PostgreSQL row locks; CI runs it."""

import pytest
from django.core.exceptions import ValidationError

from accounts import roles
from cases.models import Filing, Notice
from cases.services import appeals
from cases.services.errors import ConflictError
from cases.services.filings import filing_objection_file
from cases.workflow import State
from tests.concurrency import race
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def decided(clock, firm, rep_acme, serve, sanction):
    return sanction(serve(firm))


def test_two_reviewers_deciding_one_objection_at_once_one_wins(decided, rep_acme):
    filing = filing_objection_file(case=decided, actor=rep_acme, text="Paid.")
    first, second = UserFactory(role=roles.APPEALS_REVIEWER), UserFactory(role=roles.APPEALS_REVIEWER)
    seen = filing.version
    results = race(
        lambda: appeals.filing_decide(
            filing=filing, actor=first, outcome="revoked", reasons="Paid.", expected_version=seen
        ),
        lambda: appeals.filing_decide(
            filing=filing, actor=second, outcome="dismissed", reasons="Unpaid.", expected_version=seen
        ),
    )
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1 and isinstance(losers[0], ConflictError), results
    filing.refresh_from_db()
    decided.refresh_from_db()
    assert filing.outcome == winners[0].outcome
    assert decided.state == (State.REVOKED if filing.outcome == "revoked" else State.SANCTIONED)
    assert decided.notices.filter(kind=Notice.Kind.FILING_DECISION).count() == 1


def test_the_same_objection_filed_twice_at_once_is_recorded_once(decided, rep_acme):
    results = race(
        lambda: filing_objection_file(case=decided, actor=rep_acme, text="Paid."),
        lambda: filing_objection_file(case=decided, actor=rep_acme, text="Paid."),
    )
    assert sum(not isinstance(r, Exception) for r in results) == 1, results
    assert all(isinstance(r, Filing | ValidationError) for r in results), results
    assert Filing.objects.filter(case=decided, kind="objection").count() == 1
