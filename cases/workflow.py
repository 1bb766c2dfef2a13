"""The case lifecycle as one pure transition table (DESIGN §5). No database, no Django models.

Services look up a transition here, check the guards the table names, and are the only code that
change ``Case.state``. Reading this file tells the whole lifecycle.
"""

from dataclasses import dataclass

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class State(TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted for review")
    NOTICE_ISSUED = "notice_issued", _("notice issued")
    DECISION_PENDING = "decision_pending", _("decision pending")
    SANCTIONED = "sanctioned", _("sanctioned")
    DISMISSED = "dismissed", _("dismissed")
    REJECTED = "rejected", _("rejected")
    REPAIRED = "repaired", _("credit repaired")
    REVOKED = "revoked", _("revoked")
    EXPIRED = "expired", _("expired")


class Role(TextChoices):
    CASEWORKER = "caseworker", _("caseworker")
    SUPERVISOR = "supervisor", _("supervisor")
    APPEALS_REVIEWER = "appeals_reviewer", _("appeals reviewer")
    SYSTEM = "system", _("system")


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[State]
    target: State
    role: Role
    reason_required: bool = False
    # The four-eyes rule: the actor must not be the case's submitter.
    four_eyes: bool = False
    label: str = ""
    # The policy action (accounts.permissions, "<action>_case") a person needs to take it; "" for the
    # transitions nobody takes by a button on the case (the system's, the appeals reviewers' through filings).
    action: str = ""
    # Only the case's submitter may take it (withdraw).
    submitter_only: bool = False


# The policy action each role's transitions need.
_ACTION_FOR_ROLE = {Role.CASEWORKER: "submit", Role.SUPERVISOR: "review"}


def _t(name, sources, target, role, label, **kwargs):
    return Transition(
        name=name, sources=frozenset(sources), target=target, role=role, label=label,
        action=_ACTION_FOR_ROLE.get(role, ""), **kwargs,
    )  # fmt: skip


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        _t("submit", {State.DRAFT}, State.SUBMITTED, Role.CASEWORKER, _("submit for review")),
        _t("withdraw", {State.SUBMITTED}, State.DRAFT, Role.CASEWORKER, _("withdraw"), reason_required=True,
           submitter_only=True),
        _t(
            "return",
            {State.SUBMITTED},
            State.DRAFT,
            Role.SUPERVISOR,
            _("return for changes"),
            reason_required=True,
            four_eyes=True,
        ),
        _t("reject", {State.SUBMITTED}, State.REJECTED, Role.SUPERVISOR, _("reject"), reason_required=True,
           four_eyes=True),
        _t("approve", {State.SUBMITTED}, State.NOTICE_ISSUED, Role.SUPERVISOR, _("approve and issue notice"),
           four_eyes=True),
        _t("record_statement", {State.NOTICE_ISSUED}, State.DECISION_PENDING, Role.CASEWORKER,
           _("record the entity's statement")),
        _t("close_statement_window", {State.NOTICE_ISSUED}, State.DECISION_PENDING, Role.SYSTEM,
           _("close the statement window")),
        _t("sanction", {State.DECISION_PENDING}, State.SANCTIONED, Role.SUPERVISOR, _("decide: impose measures"),
           reason_required=True, four_eyes=True),
        _t("dismiss", {State.DECISION_PENDING}, State.DISMISSED, Role.SUPERVISOR, _("decide: dismiss"),
           reason_required=True, four_eyes=True),
        _t("repair", {State.SANCTIONED}, State.REPAIRED, Role.APPEALS_REVIEWER, _("grant credit repair"),
           reason_required=True),
        _t("revoke", {State.SANCTIONED}, State.REVOKED, Role.APPEALS_REVIEWER, _("revoke"), reason_required=True),
        _t("expire", {State.SANCTIONED}, State.EXPIRED, Role.SYSTEM, _("expire at the end of the period")),
    ]
}  # fmt: skip

TERMINAL_STATES = frozenset({State.DISMISSED, State.REJECTED, State.REPAIRED, State.REVOKED, State.EXPIRED})
# Whatever the grants say, a case is edited only while it is a draft: the rest of its life is the workflow's.
EDITABLE_STATES = frozenset({State.DRAFT})
# A case exists for its entity from service of the notice on: never as a draft, nor one refused before service.
HIDDEN_FROM_ENTITY_STATES = frozenset({State.DRAFT, State.SUBMITTED, State.REJECTED})


class TransitionError(Exception):
    """A transition that the table does not allow from the case's state."""

    def __init__(self, transition: Transition, state: State):
        self.transition, self.state = transition, state
        allowed = ", ".join(str(State(s).label) for s in sorted(transition.sources))
        super().__init__(
            _("“%(action)s” is not possible while the case is %(state)s; it is possible only when %(allowed)s.")
            % {"action": transition.label, "state": State(state).label, "allowed": allowed}
        )


def transition(name: str) -> Transition:
    return TRANSITIONS[name]


def check(name: str, state: str) -> Transition:
    """The transition ``name`` if the table allows it from ``state``; raises :class:`TransitionError`."""
    t = TRANSITIONS[name]
    if State(state) not in t.sources:
        raise TransitionError(t, State(state))
    return t


def available(state: str, role: Role | None = None) -> list[Transition]:
    """The transitions the table allows from ``state`` (for one role, if given), in table order."""
    return [t for t in TRANSITIONS.values() if State(state) in t.sources and (role is None or t.role == role)]
