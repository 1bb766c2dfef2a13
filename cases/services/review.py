"""Moving a case through its lifecycle (DESIGN §5): the only code that changes ``Case.state``.

Every transition locks the case row, checks the table in ``cases.workflow``, the policy and the
four-eyes rule, refuses a stale page (``expected_version``), then writes the case, its history row
(actor and reason) and any decision or notice in one transaction.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import can, can_each
from audit.history import attribute
from creditportal.text import text_required

from .. import clocks, workflow
from ..calendar import add_months
from ..models import Case, Decision, Sanction, Statement
from . import authorship, lifecycle, notifications
from .drafts import submission_check, submission_problems
from .errors import ConflictError, FourEyesError
from .lifecycle import transition_finish
from .notices import notice_issue


def _four_eyes_refused(transition, case: Case, actor: User) -> bool:
    return transition.four_eyes and case.submitted_by_id == actor.pk


def _submitter_only_refused(transition, case: Case, actor: User) -> bool:
    return transition.submitter_only and case.submitted_by_id != actor.pk


def case_transition_allowed(
    *, case: Case, actor: User, transition: workflow.Transition, may: Callable[[str, Case], bool] | None = None
) -> bool:
    """Whether ``actor`` may ever take ``transition`` on ``case``, whatever state the case is in now: the role, the
    policy, the four-eyes rule and who may withdraw. A page uses it to tell "never yours" (refused) from "the case
    has moved on" (a conflict: someone else acted first)."""
    may = may or (lambda action, obj: can(actor, action, obj))
    return bool(
        transition.action
        and may(transition.action, case)
        and not _four_eyes_refused(transition, case, actor)
        and not _submitter_only_refused(transition, case, actor)
    )


def case_transitions_available(*, case: Case, actor: User, may: Callable[[str, Case], bool] | None = None) -> list:
    """The transitions ``actor`` may take on ``case`` now, by the rules the services enforce (the one source the
    admin renders its buttons from). ``may(action, case)`` answers the policy; by default ``can``."""
    return [
        t
        for t in workflow.available(case.state)
        if case_transition_allowed(case=case, actor=actor, transition=t, may=may)
    ]


def _begin(*, case: Case, actor: User, name: str, reasons: str, expected_version: int | None):
    """Lock the case and run every check the transition needs; returns (locked case, transition)."""
    # The legal document and the department are joined: the checks, the clocks and the notice read them (issue 22).
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("catalogue_item", "entity", "legal_document", "department")
        .get(pk=case.pk)
    )
    # The policy's answers for viewing the case and for the transition's action, in one query (issue 22).
    action = workflow.transition(name).action
    allowed = can_each(actor, ["view", *([action] if action else [])], locked)
    if not allowed["view"]:
        raise Http404
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError
    transition = workflow.check(name, locked.state)
    if not transition.action:
        raise PermissionDenied
    if not allowed[transition.action]:
        raise PermissionDenied
    if _four_eyes_refused(transition, locked, actor):
        raise FourEyesError
    if transition.four_eyes:
        authorship.require_not_author(locked, actor)
    if transition.reason_required:
        text_required(reasons, field="reasons", message=_("State your reasons."), code="reasons_required")
    if _submitter_only_refused(transition, locked, actor):
        raise PermissionDenied(_("Only the person who submitted the case can withdraw it."))
    return locked, transition


def _decide(case: Case, *, outcome: str, actor: User, reasons: str) -> Decision:
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
def case_submit(*, case: Case, actor: User, expected_version: int | None = None) -> Case:
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
def case_withdraw(*, case: Case, actor: User, reasons: str, expected_version: int | None = None) -> Case:
    """The submitter takes a case back to draft before it is reviewed."""
    case, transition = _begin(
        case=case, actor=actor, name="withdraw", reasons=reasons, expected_version=expected_version
    )
    case.review_due_on = None
    return transition_finish(case, transition=transition, actor=actor, reasons=reasons)


@transaction.atomic
def case_return(*, case: Case, actor: User, reasons: str, expected_version: int | None = None) -> Case:
    """A supervisor sends the case back to draft with what must change."""
    case, transition = _begin(case=case, actor=actor, name="return", reasons=reasons, expected_version=expected_version)
    _decide(case, outcome=Decision.Outcome.RETURN, actor=actor, reasons=reasons)
    case.review_due_on = None
    return transition_finish(case, transition=transition, actor=actor, reasons=reasons)


@transaction.atomic
def case_reject(*, case: Case, actor: User, reasons: str, expected_version: int | None = None) -> Case:
    """A supervisor refuses to record the case; it is closed."""
    case, transition = _begin(case=case, actor=actor, name="reject", reasons=reasons, expected_version=expected_version)
    _decide(case, outcome=Decision.Outcome.REJECT, actor=actor, reasons=reasons)
    case.review_due_on = None
    return transition_finish(case, transition=transition, actor=actor, reasons=reasons)


@transaction.atomic
def case_approve(*, case: Case, actor: User, reasons: str = "", expected_version: int | None = None) -> Case:
    """A second supervisor approves: the pre-decision notice is served and the statement window opens."""
    case, transition = _begin(
        case=case, actor=actor, name="approve", reasons=reasons, expected_version=expected_version
    )
    problems, sanctions = submission_check(case)  # the catalogue may have changed since submission
    if problems:
        raise ValidationError(problems)
    decision = _decide(case, outcome=Decision.Outcome.APPROVE, actor=actor, reasons=reasons)
    served = timezone.now()
    case.approved_by = actor
    case.review_due_on = None
    case.notice_served_at = served
    case.statement_window_ends_on = clocks.statement_window_end(case, served_on=timezone.localdate(served))
    case.decision_due_on = clocks.decision_due(case, window_ends_on=case.statement_window_ends_on)
    case = transition_finish(case, transition=transition, actor=actor, reasons=reasons)
    # The notice shows the measures just checked and this decision: passed on rather than read again (issue 22).
    shown = [sanction for sanction in sanctions if sanction.status != Sanction.Status.WITHDRAWN]
    rows = {"sanctions": shown, "decision": decision}
    notice_issue(case=case, kind="pre_decision", actor=actor, respond_by=case.statement_window_ends_on, rows=rows)
    return case


@transaction.atomic
def case_record_statement(*, case: Case, actor: User, text: str, received_on=None, expected_version: int | None = None):
    """Record what the entity said in answer to the notice; the case is then ready for decision."""
    text_required(text, field="text", message=_("Enter the statement."))
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
def case_close_statement_window(*, case: Case, actor: User, today=None) -> Case:
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
    notifications.notification_send_decision_due(case, actor=actor)
    return case


def _decide_case(*, case, actor: User, name, outcome, reasons, expected_version):
    case, transition = _begin(case=case, actor=actor, name=name, reasons=reasons, expected_version=expected_version)
    _decide(case, outcome=outcome, actor=actor, reasons=reasons)
    case.decided_by = actor
    case.decided_at = timezone.now()
    return case, transition


@transaction.atomic
def case_sanction(
    *, case: Case, actor: User, reasons: str, expected_version: int | None = None, publish: bool | None = None
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
def case_dismiss(*, case: Case, actor: User, reasons: str, expected_version: int | None = None) -> Case:
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
