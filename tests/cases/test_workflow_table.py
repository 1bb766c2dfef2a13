"""The transition table alone: no database (DESIGN §5)."""

import pytest

from cases import workflow
from cases.workflow import TRANSITIONS, State, TransitionError


def test_the_lifecycle_of_the_design():
    path = {name: (sorted(t.sources), t.target) for name, t in TRANSITIONS.items()}
    assert path["submit"] == ([State.DRAFT], State.SUBMITTED)
    assert path["return"] == ([State.SUBMITTED], State.DRAFT)
    assert path["reject"] == ([State.SUBMITTED], State.REJECTED)
    assert path["approve"] == ([State.SUBMITTED], State.NOTICE_ISSUED)
    assert path["record_statement"] == ([State.NOTICE_ISSUED], State.DECISION_PENDING)
    assert path["close_statement_window"] == ([State.NOTICE_ISSUED], State.DECISION_PENDING)
    assert path["sanction"] == ([State.DECISION_PENDING], State.SANCTIONED)
    assert path["dismiss"] == ([State.DECISION_PENDING], State.DISMISSED)
    assert path["repair"] == ([State.SANCTIONED], State.REPAIRED)
    assert path["revoke"] == ([State.SANCTIONED], State.REVOKED)
    assert path["expire"] == ([State.SANCTIONED], State.EXPIRED)


def test_every_review_and_decision_needs_four_eyes():
    four_eyes = {name for name, t in TRANSITIONS.items() if t.four_eyes}
    assert four_eyes == {"return", "reject", "approve", "sanction", "dismiss"}


def test_reasons_are_required_for_every_step_that_goes_against_the_entity_or_back():
    needs_reason = {name for name, t in TRANSITIONS.items() if t.reason_required}
    assert {"return", "reject", "sanction", "dismiss", "withdraw", "revoke", "repair"} <= needs_reason
    assert "approve" not in needs_reason


def test_terminal_states_have_no_way_out():
    for state in workflow.TERMINAL_STATES:
        assert workflow.available(state) == []


def test_every_state_is_reachable_from_draft():
    reached, frontier = {State.DRAFT}, [State.DRAFT]
    while frontier:
        state = frontier.pop()
        for t in workflow.available(state):
            if t.target not in reached:
                reached.add(t.target)
                frontier.append(t.target)
    assert reached == set(State)


@pytest.mark.parametrize(
    ("name", "state"), [("approve", State.DRAFT), ("sanction", State.SUBMITTED), ("submit", State.SANCTIONED)]
)
def test_forbidden_transition_says_which_states_allow_it(name, state):
    with pytest.raises(TransitionError) as error:
        workflow.check(name, state)
    message = str(error.value)
    assert str(state.label) in message
    for allowed in TRANSITIONS[name].sources:
        assert str(allowed.label) in message


def test_available_filters_by_role():
    assert [t.name for t in workflow.available(State.SUBMITTED, workflow.Role.SUPERVISOR)] == [
        "return",
        "reject",
        "approve",
    ]
    assert [t.name for t in workflow.available(State.SUBMITTED, workflow.Role.CASEWORKER)] == ["withdraw"]
