"""Every deadline of a case and of its measures, computed in one place (DESIGN §5 "Clocks").

Which rules: the rule periods in force on the date of the legal document the case rests on (a case keeps
the rules of its document's date, domain rules §2.3 and §6.6); a draft without a document uses today.
From when: each deadline counts from its own event — the statement window from service of the notice,
the decision from the end of the window, the appeal deadlines from service of the decision, and the
publication and repair periods from the legal document's date (Order 36: "the period starts on the date
of the document"), except rules that say they count from publication (``starts_from="publication_date"``).
Units and working days come from :mod:`cases.rules` and :mod:`cases.calendar`.

A rule missing for the date is a configuration error, :class:`RuleMissingError`: a ``ValidationError``
naming the rule and the date, which the admin shows like any other refusal and the sweep reports per case.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import calendar, rules
from .models import Case, Notice, RulePeriod, Sanction
from .workflow import State

APPEAL_RECONSIDERATION_KEY = "admin_reconsideration_law.filing"
APPEAL_LITIGATION_KEY = "admin_litigation_law.filing"
# RulePeriod.starts_from values that count from publication rather than from the legal document.
_FROM_PUBLICATION = {"publication_date"}

# The reviewer's deadline for each kind of filing (issue 7), the first key in force on the filing date winning:
# the national repair reply deadline from 2025-06-22 (NDRC Order 36 from 2026-04-01), else the project default.
FILING_DUE_KEYS = {
    "objection": ("portal.objection.decision",),
    "appeal": ("portal.appeal.decision",),
    "repair": (
        "ndrc36.repair.credit_china_feedback",
        "sc2025.repair.credit_china_feedback",
        "portal.repair.decision",
    ),
}


class RuleMissingError(ValidationError):
    """No rule period of the needed kind is in force on the date: an administrator must add one."""

    def __init__(self, missing: rules.RuleMissing):
        self.missing = missing
        super().__init__(str(missing), code="rule_missing")


def _required(kind: str, *, on: datetime.date, key: str | None = None, **lookup) -> RulePeriod:
    period = rules.rule_period(kind, on=on, key=key, **lookup)
    if period is None:
        raise RuleMissingError(rules.RuleMissing(kind, on, key))
    return period


def rules_date(case: Case) -> datetime.date:
    """The date whose rules govern the case: its legal document's date (today while it has none)."""
    document = getattr(case, "legal_document", None)
    return document.issued_on if document else timezone.localdate()


def review_due(case: Case, *, submitted_on: datetime.date) -> datetime.date:
    period = _required(RulePeriod.Kind.PROCESS_DEADLINE, on=rules_date(case), key=rules.REVIEW_DUE_KEY)
    return rules.deadline(period, submitted_on)


def statement_window_end(case: Case, *, served_on: datetime.date) -> datetime.date:
    """The last day the entity may make a statement or object."""
    return rules.deadline(_required(RulePeriod.Kind.STATEMENT_WINDOW, on=rules_date(case)), served_on)


def decision_due(case: Case, *, window_ends_on: datetime.date) -> datetime.date:
    period = _required(RulePeriod.Kind.PROCESS_DEADLINE, on=rules_date(case), key=rules.DECISION_DUE_KEY)
    return rules.deadline(period, window_ends_on)


def appeal_deadlines(case: Case, *, served_on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last days to apply for administrative reconsideration and to sue, counted from service of the decision."""
    on, kind = rules_date(case), RulePeriod.Kind.PROCESS_DEADLINE
    periods = rules.rule_periods(kind, on=on, keys=(APPEAL_RECONSIDERATION_KEY, APPEAL_LITIGATION_KEY))
    for key in (APPEAL_RECONSIDERATION_KEY, APPEAL_LITIGATION_KEY):
        if key not in periods:
            raise RuleMissingError(rules.RuleMissing(kind, on, key))
    return (
        rules.deadline(periods[APPEAL_RECONSIDERATION_KEY], served_on),
        rules.deadline(periods[APPEAL_LITIGATION_KEY], served_on),
    )


def filing_due(kind: str, *, received_on: datetime.date) -> datetime.date:
    """When the reviewer's decision on a filing received on ``received_on`` is due (process rules of that day)."""
    keys = FILING_DUE_KEYS[kind]
    for key in keys:
        period = rules.rule_period(RulePeriod.Kind.PROCESS_DEADLINE, on=received_on, key=key)
        if period is not None:
            return rules.deadline(period, received_on)
    raise RuleMissingError(rules.RuleMissing(RulePeriod.Kind.PROCESS_DEADLINE, received_on, keys[-1]))


@dataclass(frozen=True)
class RecordPeriod:
    """How long a sanctioned case stays on record and published, and when credit repair becomes possible."""

    published_from: datetime.date
    min_end_on: datetime.date | None
    max_end_on: datetime.date
    repair_earliest_on: datetime.date


def record_period(case: Case, *, decided_on: datetime.date) -> RecordPeriod:
    """The record period of a case decided on ``decided_on``; publication, if any, starts that day.

    The maximum is required (nothing stays on record for ever); without a minimum, publication may end
    early at any time. Credit repair is possible from the repair rule's date, else from the minimum.
    """
    on = rules_date(case)
    lookup = {
        "on": on,
        "severity": case.severity or getattr(case.catalogue_item, "default_severity", "any"),
        "catalogue_item": case.catalogue_item_id,
    }

    def end(period: RulePeriod) -> datetime.date:
        return rules.deadline(period, decided_on if period.starts_from in _FROM_PUBLICATION else on)

    maximum = rules.rule_period(RulePeriod.Kind.PUBLICATION_MAX, **lookup)
    if maximum is None:
        raise RuleMissingError(rules.RuleMissing(RulePeriod.Kind.PUBLICATION_MAX, on))
    minimum = rules.rule_period(RulePeriod.Kind.PUBLICATION_MIN, **lookup)
    repair = rules.rule_period(RulePeriod.Kind.REPAIR_EARLIEST, **lookup)
    max_end_on = end(maximum)
    min_end_on = min(end(minimum), max_end_on) if minimum else None
    repair_earliest_on = end(repair) if repair else (min_end_on or on)
    return RecordPeriod(
        published_from=decided_on,
        min_end_on=min_end_on,
        max_end_on=max_end_on,
        repair_earliest_on=min(max(repair_earliest_on, on), max_end_on),
    )


# -- what the admin (and later the entity portal) shows --------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """One date on a record: what it is, when, and whether it is the one being waited on or already missed."""

    name: str
    label: str
    on: datetime.date | None
    running: bool = False  # the case or measure is waiting on this date now
    overdue: bool = False  # running, and the date has passed without the step being taken
    note: str = ""


def _clock(name, label, on, *, running, today, overdue_on_the_day=False, note=""):
    passed = on is not None and (today >= on if overdue_on_the_day else today > on)
    return Clock(name=name, label=str(label), on=on, running=running, overdue=running and passed, note=note)


# When the case's decision notice was served: annotate a case with it (``decision_served_at``) to spare
# ``case_clocks`` a query, as the case page does.
DECISION_SERVED_AT = Subquery(
    Notice.objects.filter(case=OuterRef("pk"), kind="decision").order_by("-served_at").values("served_at")[:1]
)


def _decision_served_at(case: Case) -> datetime.datetime | None:
    if "decision_served_at" in case.__dict__:
        return case.__dict__["decision_served_at"]
    notice = case.notices.filter(kind="decision").order_by("-served_at").only("served_at").first()
    return notice.served_at if notice else None


PROVISIONAL_NOTE = _(
    "Provisional: counted on the statutory holidays because the year's holiday notice is not loaded yet; "
    "recomputed when it is."
)


def _provisional_notes(case: Case) -> dict[str, str]:
    """The still open working-day deadlines of ``case`` counted through a year with no notice (at most one query)."""
    spans = {}
    if case.review_due_on and case.submitted_at and case.state == State.SUBMITTED:
        spans["review_due"] = (timezone.localdate(case.submitted_at), case.review_due_on)
    waiting_for_decision = case.state in (State.NOTICE_ISSUED, State.DECISION_PENDING)
    if case.decision_due_on and case.statement_window_ends_on and waiting_for_decision:
        spans["decision_due"] = (case.statement_window_ends_on, case.decision_due_on)
    if not spans:
        return {}
    years = {year for start, end in spans.values() for year in range(start.year, end.year + 1)}
    missing = calendar.missing_years(years)
    if not missing:
        return {}
    return {
        name: str(PROVISIONAL_NOTE)
        for name, (start, end) in spans.items()
        if calendar.is_provisional(start, end, missing=missing)
    }


def case_clocks(case: Case, *, today: datetime.date | None = None) -> list[Clock]:
    """The clocks of ``case`` that apply to it so far, in the order they run."""
    today = today or timezone.localdate()
    state = case.state
    clocks = []
    provisional = _provisional_notes(case)
    if case.review_due_on:
        clocks.append(
            _clock("review_due", _("review due"), case.review_due_on, running=state == State.SUBMITTED, today=today,
                   note=provisional.get("review_due", ""))
        )  # fmt: skip
    if case.statement_window_ends_on:
        # The sweep closes the window the day after it ends; still open after that is overdue.
        clocks.append(
            _clock("statement_window_end", _("statement window ends"), case.statement_window_ends_on,
                   running=state == State.NOTICE_ISSUED, today=today)
        )  # fmt: skip
    if case.decision_due_on:
        clocks.append(
            _clock("decision_due", _("decision due"), case.decision_due_on,
                   running=state == State.DECISION_PENDING, today=today, note=provisional.get("decision_due", ""))
        )  # fmt: skip
    served_at = _decision_served_at(case) if case.decided_at and state == State.SANCTIONED else None
    if served_at is not None:
        try:
            reconsideration, litigation = appeal_deadlines(case, served_on=timezone.localdate(served_at))
        except RuleMissingError as error:
            clocks.append(Clock(name="appeal", label=str(_("appeal deadlines")), on=None, note=error.messages[0]))
        else:
            clocks += [
                _clock("reconsideration_by", _("administrative reconsideration by"), reconsideration,
                       running=today <= reconsideration, today=today),
                _clock("litigation_by", _("administrative lawsuit by"), litigation,
                       running=today <= litigation, today=today),
            ]  # fmt: skip
    publication = getattr(case, "publication", None)
    if publication is not None:
        running = publication.ended_on is None
        clocks += [
            _clock("published_from", _("published from"), publication.published_from, running=False, today=today),
            _clock("publication_min_end", _("publication may end early from"), publication.min_end_on,
                   running=False, today=today),
            _clock("publication_max_end", _("publication ends at the latest"), publication.max_end_on,
                   running=running, today=today, overdue_on_the_day=True),
        ]  # fmt: skip
    if case.repair_earliest_on:
        clocks.append(
            _clock("repair_earliest", _("credit repair possible from"), case.repair_earliest_on, running=False,
                   today=today)
        )  # fmt: skip
    if case.record_ends_on:
        clocks.append(
            _clock("record_end", _("record period ends"), case.record_ends_on, running=state == State.SANCTIONED,
                   today=today, overdue_on_the_day=True)
        )  # fmt: skip
    return clocks


def sanction_clocks(sanction: Sanction, *, today: datetime.date | None = None) -> list[Clock]:
    """The start and planned end of an imposed measure; a start or end the sweep has not applied is overdue."""
    today = today or timezone.localdate()
    if sanction.starts_on is None:
        return []
    pending, active = sanction.status == Sanction.Status.PENDING, sanction.status == Sanction.Status.ACTIVE
    clocks = [_clock("starts_on", _("starts on"), sanction.starts_on, running=pending, today=today)]
    if sanction.planned_end_on:
        clocks.append(
            _clock("planned_end", _("planned end"), sanction.planned_end_on, running=pending or active, today=today,
                   overdue_on_the_day=True)
        )  # fmt: skip
    return clocks
