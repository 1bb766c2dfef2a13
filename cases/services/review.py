"""Moving a case through its lifecycle (DESIGN §5): the only code that changes ``Case.state``.

Every transition locks the case row, checks the table in ``cases.workflow``, the policy and the
four-eyes rule, refuses a stale page (``expected_version``), then writes the case, its history row
(actor and reason) and any decision or notice in one transaction.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import require
from audit.history import attribute

from .. import clocks, workflow
from ..calendar import add_months
from ..models import Case, Decision, Sanction, Statement
from ..workflow import Role
from . import authorship, lifecycle, notifications
from .drafts import submission_problems
from .errors import ConflictError, FourEyesError
from .notices import notice_issue

# The policy action each role's transitions need (accounts.permissions: "<action>_case" permissions).
_ACTION_FOR_ROLE = {Role.CASEWORKER: "submit", Role.SUPERVISOR: "review"}


def _begin(*, case: Case, actor, name: str, reasons: str, expected_version: int | None):
    """Lock the case and run every check the transition needs; returns (locked case, transition)."""
    locked = Case.objects.select_for_update(of=("self",)).select_related("catalogue_item", "entity").get(pk=case.pk)
    require(actor, "view", locked)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError
    transition = workflow.check(name, locked.state)
    action = _ACTION_FOR_ROLE.get(transition.role)
    if action is None:
        raise PermissionDenied
    require(actor, action, locked)
    if transition.four_eyes and locked.submitted_by_id == actor.pk:
        raise FourEyesError
    if transition.four_eyes:
        authorship.require_not_author(locked, actor)
    if transition.reason_required and not (reasons or "").strip():
        raise ValidationError({"reasons": ValidationError(_("State your reasons."), code="reasons_required")})
    return locked, transition


def transition_finish(case: Case, *, transition, actor, reasons: str) -> Case:
    """Move a locked, checked case to the transition's target and save it with its history row (actor, reason)."""
    case.state = transition.target
    case.version += 1
    case.overdue_since = None  # the step the case waited on is taken
    attribute(case, actor=actor, reason=f"{transition.name}: {reasons}".strip().rstrip(":"))
    case.save()
    return case


def _decide(case: Case, *, outcome: str, actor, reasons: str) -> Decision:
    decision = Decision(
        case=case,
        outcome=outcome,
        reasons=reasons,
        decided_by=actor,
        submitter_id=case.submitted_by_id,
        case_version=case.version,
        decided_at=timezone.now(),
    )
    attribute(decision, actor=actor, reason=outcome)
    decision.save()
    return decision


@transaction.atomic
def case_submit(*, case: Case, actor, expected_version: int | None = None) -> Case:
    """Send a complete draft to the department's supervisors for review."""
    case, transition = _begin(case=case, actor=actor, name="submit", reasons="", expected_version=expected_version)
    problems = submission_problems(case)
    if problems:
        raise ValidationError(problems)
    case.submitted_by = actor
    case.submitted_at = timezone.now()
    case.review_due_on = clocks.review_due(case, submitted_on=timezone.localdate(case.submitted_at))
    return transition_finish(case, transition=transition, actor=actor, reasons="")


@transaction.atomic
def case_withdraw(*, case: Case, actor, reasons: str, expected_version: int | None = None) -> Case:
    """The submitter takes a case back to draft before it is reviewed."""
    case, transition = _begin(
        case=case, actor=actor, name="withdraw", reasons=reasons, expected_version=expected_version
    )
    if case.submitted_by_id != actor.pk:
        raise PermissionDenied(_("Only the person who submitted the case can withdraw it."))
    case.review_due_on = None
    return transition_finish(case, transition=transition, actor=actor, reasons=reasons)


@transaction.atomic
def case_return(*, case: Case, actor, reasons: str, expected_version: int | None = None) -> Case:
    """A supervisor sends the case back to draft with what must change."""
    case, transition = _begin(case=case, actor=actor, name="return", reasons=reasons, expected_version=expected_version)
    _decide(case, outcome=Decision.Outcome.RETURN, actor=actor, reasons=reasons)
    case.review_due_on = None
    return transition_finish(case, transition=transition, actor=actor, reasons=reasons)


@transaction.atomic
def case_reject(*, case: Case, actor, reasons: str, expected_version: int | None = None) -> Case:
    """A supervisor refuses to record the case; it is closed."""
    case, transition = _begin(case=case, actor=actor, name="reject", reasons=reasons, expected_version=expected_version)
    _decide(case, outcome=Decision.Outcome.REJECT, actor=actor, reasons=reasons)
    case.review_due_on = None
    return transition_finish(case, transition=transition, actor=actor, reasons=reasons)


@transaction.atomic
def case_approve(*, case: Case, actor, reasons: str = "", expected_version: int | None = None) -> Case:
    """A second supervisor approves: the pre-decision notice is served and the statement window opens."""
    case, transition = _begin(
        case=case, actor=actor, name="approve", reasons=reasons, expected_version=expected_version
    )
    problems = submission_problems(case)  # the catalogue may have changed since submission
    if problems:
        raise ValidationError(problems)
    _decide(case, outcome=Decision.Outcome.APPROVE, actor=actor, reasons=reasons)
    served = timezone.now()
    case.approved_by = actor
    case.review_due_on = None
    case.notice_served_at = served
    case.statement_window_ends_on = clocks.statement_window_end(case, served_on=timezone.localdate(served))
    case.decision_due_on = clocks.decision_due(case, window_ends_on=case.statement_window_ends_on)
    case = transition_finish(case, transition=transition, actor=actor, reasons=reasons)
    notice_issue(case=case, kind="pre_decision", actor=actor, respond_by=case.statement_window_ends_on)
    return case


@transaction.atomic
def case_record_statement(*, case: Case, actor, text: str, received_on=None, expected_version: int | None = None):
    """Record what the entity said in answer to the notice; the case is then ready for decision."""
    if not (text or "").strip():
        raise ValidationError({"text": ValidationError(_("Enter the statement."), code="required")})
    case, transition = _begin(
        case=case, actor=actor, name="record_statement", reasons="", expected_version=expected_version
    )
    received_on = received_on or timezone.localdate()
    if received_on > case.statement_window_ends_on:
        raise ValidationError(
            {"received_on": _("The statement window closed on %(date)s.") % {"date": case.statement_window_ends_on}}
        )
    statement = Statement(case=case, text=text, received_on=received_on, recorded_by=actor)
    attribute(statement, actor=actor, reason="statement recorded")
    statement.save()
    return transition_finish(case, transition=transition, actor=actor, reasons="statement received")


@transaction.atomic
def case_close_statement_window(*, case: Case, actor, today=None) -> Case:
    """After the window ends without a statement, the case awaits decision (a system transition: the sweep runs it).

    Checks the workflow table and the date, not user permissions: ``actor`` is the system account.
    """
    locked = Case.objects.select_for_update(of=("self",)).select_related("department").get(pk=case.pk)
    transition = workflow.check("close_statement_window", locked.state)
    today = today or timezone.localdate()
    if locked.statement_window_ends_on and today <= locked.statement_window_ends_on:
        raise ValidationError(
            _("The statement window is open until %(date)s.") % {"date": locked.statement_window_ends_on},
            code="window_open",
        )
    case = transition_finish(locked, transition=transition, actor=actor, reasons="statement window ended")
    notifications.notify_decision_due(case, actor=actor)
    return case


def _decide_case(*, case, actor, name, outcome, reasons, expected_version):
    case, transition = _begin(case=case, actor=actor, name=name, reasons=reasons, expected_version=expected_version)
    _decide(case, outcome=outcome, actor=actor, reasons=reasons)
    case.decided_by = actor
    case.decided_at = timezone.now()
    return case, transition


@transaction.atomic
def case_sanction(
    *, case: Case, actor, reasons: str, expected_version: int | None = None, publish: bool | None = None
) -> Case:
    """Decide to impose the proposed measures; they start on the decision date (DESIGN §5).

    The record period (how long the case stays on record and, if published, public) comes from the rules in
    force on the legal document's date (``cases.clocks``). A measure with a duration ends after it, never after
    the record period; one without ends with the record period. ``publish`` is the supervisor's choice for
    conduct the catalogue publishes "per case" (default: not published); minors and conduct the catalogue
    keeps private are never published (``lifecycle.publication_decide``).
    """
    case, transition = _decide_case(
        case=case, actor=actor, name="sanction", outcome=Decision.Outcome.SANCTION, reasons=reasons,
        expected_version=expected_version,
    )  # fmt: skip
    starts_on = timezone.localdate(case.decided_at)
    period = clocks.record_period(case, decided_on=starts_on)
    if period.max_end_on <= starts_on:
        raise ValidationError(
            _(
                "Under the rules in force on the legal document's date (%(document_date)s) the record period "
                "ended on %(date)s; no measure can be imposed now."
            )
            % {"document_date": clocks.rules_date(case), "date": period.max_end_on},
            code="record_period_over",
        )
    published = lifecycle.publication_decide(case, publish=publish, decided_on=starts_on)
    for sanction in case.sanctions.filter(status=Sanction.Status.PROPOSED):
        sanction.status = Sanction.Status.PENDING
        sanction.starts_on = starts_on
        if sanction.duration_months:
            sanction.planned_end_on = min(add_months(starts_on, sanction.duration_months), period.max_end_on)
        else:
            sanction.planned_end_on = None  # for the record period: ends when the case expires
        attribute(sanction, actor=actor, reason="imposed by decision")
        sanction.save()
    case.record_ends_on = period.max_end_on
    case.repair_earliest_on = period.repair_earliest_on
    case = transition_finish(case, transition=transition, actor=actor, reasons=reasons)
    if published:
        lifecycle.publication_create(case, period=period, actor=actor)
    notice_issue(case=case, kind="decision", actor=actor)
    return case


@transaction.atomic
def case_dismiss(*, case: Case, actor, reasons: str, expected_version: int | None = None) -> Case:
    """Decide not to impose anything; proposed measures are marked not imposed."""
    case, transition = _decide_case(
        case=case, actor=actor, name="dismiss", outcome=Decision.Outcome.DISMISS, reasons=reasons,
        expected_version=expected_version,
    )  # fmt: skip
    for sanction in case.sanctions.filter(status=Sanction.Status.PROPOSED):
        sanction.status = Sanction.Status.WITHDRAWN
        attribute(sanction, actor=actor, reason="not imposed: case dismissed")
        sanction.save()
    case = transition_finish(case, transition=transition, actor=actor, reasons=reasons)
    notice_issue(case=case, kind="decision", actor=actor)
    return case
