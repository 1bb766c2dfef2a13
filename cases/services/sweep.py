"""The periodic lifecycle sweep (DESIGN §5; issue 5): ``manage.py run_lifecycle`` runs :func:`sweep`.

The sweep is the composition root of the scheduled work: it picks the rows the clock has made due and hands
each to one step — a service of ``lifecycle``, ``review`` or ``notifications`` — as the system account
(``accounts.services.system_actor``). It sits above the services it calls and none of them imports it, so
the services stay free of circles (docs/architecture.md).

Every step carries its own report label (:class:`Step`): a new step cannot be added without one, and the
report never looks a label up elsewhere (issue 20: a missing label crashed the report after the work had
committed).
"""

import datetime
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import system_actor

from .. import workflow
from ..models import Case, Filing, Publication, Sanction
from ..workflow import State
from . import lifecycle, notifications
from .review import case_close_statement_window

logger = logging.getLogger(__name__)

EMAIL_REQUEUED = "email_requeued"
EMAIL_REQUEUED_LABEL = _("e-mail enqueued again")


@dataclass(frozen=True)
class Step:
    """One kind of work the sweep does: its report key and label, the rows it looks at, and what it does to one."""

    action: str
    label: str | Promise
    rows: QuerySet
    run: Callable


@dataclass
class SweepReport:
    """What one sweep did: (action, record) pairs in order, and the records it could not move, with why."""

    today: datetime.date
    done: list[tuple[str, str]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    # The label of every action that ran, as its step carried it.
    labels: dict[str, str | Promise] = field(default_factory=dict)

    def counts(self) -> Counter:
        return Counter(action for action, _record in self.done)

    @property
    def nothing_done(self) -> bool:
        return not self.done and not self.errors


def _label(obj) -> str:
    """How the report names a record: a measure by its case number and name."""
    return f"{obj.case.number} {obj}" if isinstance(obj, Sanction) else str(obj)


def _each(report: SweepReport, step: Step) -> None:
    report.labels[step.action] = step.label
    for obj in list(step.rows.order_by("pk")):
        try:
            result = step.run(obj)
        except workflow.TransitionError:
            continue  # another sweep (or a person) moved it since the query: nothing left to do
        except ValidationError as error:
            report.errors.append((_label(obj), " ".join(error.messages)))
        except Exception as error:
            logger.exception("Lifecycle sweep: %s failed for %s", step.action, _label(obj))
            report.errors.append((_label(obj), f"{type(error).__name__}: {error}"))
        else:
            # Steps answer True/False, a count (reminders), or the moved case.
            count = int(result) if isinstance(result, bool | int) else 1
            report.done.extend([(step.action, _label(obj))] * count)


def sweep_steps(*, today: datetime.date, actor: User) -> list[Step]:
    """The sweep's steps, in the order they run, each over the rows its query finds when it starts (so a case
    whose window closes is already "decision pending" for the overdue and reminder steps of the same run)."""
    horizon = today + datetime.timedelta(days=settings.LIFECYCLE_REMINDER_DAYS)
    cases = Case.objects.select_related("entity", "department")
    sanctions = Sanction.objects.select_related("case", "measure_type")
    waiting = Q(state=State.SUBMITTED, review_due_on__lt=today) | Q(
        state=State.DECISION_PENDING, decision_due_on__lt=today
    )
    due_soon = Q(state=State.NOTICE_ISSUED, statement_window_ends_on__range=(today, horizon)) | Q(
        state=State.DECISION_PENDING, decision_due_on__range=(today, horizon)
    )
    return [
        Step("window_closed", _("statement window closed: decision pending"),
             cases.filter(state=State.NOTICE_ISSUED, statement_window_ends_on__lt=today),
             lambda c: case_close_statement_window(case=c, actor=actor, today=today)),
        Step("sanction_started", _("measure in force"),
             sanctions.filter(status=Sanction.Status.PENDING, starts_on__lte=today, case__state=State.SANCTIONED),
             lambda s: lifecycle.sanction_start(sanction=s, actor=actor, today=today)),
        Step("case_expired", _("record period ended: case expired"),
             cases.filter(state=State.SANCTIONED, record_ends_on__lte=today),
             lambda c: lifecycle.case_expire(case=c, actor=actor, today=today)),
        Step("sanction_ended", _("measure ended at its planned end"),
             sanctions.filter(status=Sanction.Status.ACTIVE, planned_end_on__lte=today),
             lambda s: lifecycle.sanction_expire(sanction=s, actor=actor, today=today)),
        Step("publication_ended", _("publication ended at its maximum"),
             Publication.objects.select_related("case").filter(ended_on=None, max_end_on__lte=today),
             lambda p: lifecycle.publication_expire(publication=p, actor=actor, today=today)),
        Step("repair_eligible", _("eligible for credit repair"),
             cases.filter(state=State.SANCTIONED, repair_earliest_on__lte=today, repair_eligible_since=None),
             lambda c: lifecycle.case_mark_repair_eligible(case=c, actor=actor, today=today)),
        Step("overdue", _("flagged overdue"),
             cases.filter(waiting, overdue_since=None),
             lambda c: lifecycle.case_flag_overdue(case=c, actor=actor, today=today)),
        Step("reminder", _("reminders sent"),
             cases.filter(due_soon),
             lambda c: lifecycle.case_remind(case=c, actor=actor, today=today)),
        Step("filing_overdue", _("filing past its review deadline: reviewers told"),
             Filing.objects.select_related("case__entity", "case__department").filter(
                 status__in=(Filing.Status.FILED, Filing.Status.CORRECTION_PROPOSED), due_on__lt=today),
             lambda f: lifecycle.filing_remind_overdue(filing=f, actor=actor, today=today)),
    ]  # fmt: skip


def sweep(*, today: datetime.date | None = None) -> SweepReport:
    """Apply everything the clock has made due by ``today``. Idempotent; safe to run concurrently."""
    today = today or timezone.localdate()
    actor = system_actor()
    report = SweepReport(today=today)
    for step in sweep_steps(today=today, actor=actor):
        _each(report, step)
    report.labels[EMAIL_REQUEUED] = EMAIL_REQUEUED_LABEL
    for notification in notifications.notifications_requeue(actor=actor):
        report.done.append((EMAIL_REQUEUED, str(notification)))
    return report
