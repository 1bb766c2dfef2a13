"""Recomputing open deadlines when a year's holiday notice is loaded or changed (issue 20 §4).

Deadlines counted through a year with no notice used its statutory holidays only (``cases.calendar``). Once the
notice is in, every open deadline is counted again on it. A deadline already notified to the entity (the end of
the statement window, printed on the pre-decision notice) may move later, never earlier: the entity was told
that date. Internal deadlines (review due, decision due) follow the calendar both ways.

Open filings' review deadlines (``Filing.due_on``) are counted again too, and only ever move later: the filing
receipt served on the entity and its portal page state that date. Their review clock starts on the filing date, or
restarts on the day the requested documents were supplied (``supplemented_at``; documents are asked for once), so
the start is always stored. A filing waiting for documents has no deadline (its clock is stopped) and is left.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from audit.history import attribute

from .. import calendar, clocks
from ..models import Case, Filing
from ..workflow import State


@dataclass
class Recomputed:
    case_number: str  # or the filing's reference, for a filing's review deadline
    field: str
    old: datetime.date
    new: datetime.date


@transaction.atomic
def deadlines_recompute(*, actor: User, years: set[int]) -> list[Recomputed]:
    """Recount the open cases' working-day deadlines that may run through ``years``; returns what moved."""
    if not years:
        return []
    calendar.missing_years_forget()
    first = datetime.date(min(years) - 1, 1, 1)  # a count that starts late in the year before can end in the year
    moved: list[Recomputed] = []
    open_states = (State.SUBMITTED, State.NOTICE_ISSUED, State.DECISION_PENDING)
    # Open filings whose deadline may run through ``years`` (a stopped clock has none, so is left out).
    filings = Filing.objects.filter(status__in=Filing.OPEN_STATUSES, due_on__gte=first)
    # Every writer locks the case, then the filing: lock the open cases and the filings' cases in one ordered pass.
    locked_cases = (
        Case.objects.select_for_update(of=("self",))
        .filter(Q(state__in=open_states) | Q(pk__in=filings.values("case_id")))
        .select_related("legal_document")
        .order_by("pk")
    )
    for case in locked_cases:
        if case.state not in open_states:  # locked for its filings only
            continue
        changes = {}
        if case.state == State.SUBMITTED and case.review_due_on and first <= case.review_due_on:
            changes["review_due_on"] = clocks.review_due(case, submitted_on=timezone.localdate(case.submitted_at))
        if case.statement_window_ends_on and case.notice_served_at and first <= case.statement_window_ends_on:
            if case.state == State.NOTICE_ISSUED:
                recount = clocks.statement_window_end(case, served_on=timezone.localdate(case.notice_served_at))
                changes["statement_window_ends_on"] = max(recount, case.statement_window_ends_on)  # notified
            window_end = changes.get("statement_window_ends_on", case.statement_window_ends_on)
            if case.decision_due_on:
                changes["decision_due_on"] = clocks.decision_due(case, window_ends_on=window_end)
        changed = {name: new for name, new in changes.items() if new != getattr(case, name)}
        if not changed:
            continue
        for name, new in changed.items():
            moved.append(Recomputed(case.number, name, getattr(case, name), new))
            setattr(case, name, new)
        attribute(case, actor=actor, reason=f"deadlines recomputed on the holiday notice for {sorted(years)}")
        case.save(update_fields=list(changed))
    for filing in filings.select_for_update(of=("self",)).order_by("pk"):
        clock_started = timezone.localdate(filing.supplemented_at or filing.filed_at)
        recount = clocks.filing_due(filing.kind, received_on=clock_started)
        new = max(recount, filing.due_on)  # notified on the filing receipt: later, never earlier
        if new == filing.due_on:
            continue
        moved.append(Recomputed(filing.reference, "due_on", filing.due_on, new))
        filing.due_on = new
        attribute(filing, actor=actor, reason=f"review deadline recomputed on the holiday notice for {sorted(years)}")
        filing.save(update_fields=["due_on"])
    return moved


@dataclass(frozen=True)
class NoticeDay:
    """One line of a holiday notice: a day off (or block of them) or a make-up working day."""

    first: datetime.date
    last: datetime.date
    name_zh: str
    name_en: str


@transaction.atomic
def calendar_notice_enter(
    *, actor: User, year: int, notice: str, source: str, holidays: list[NoticeDay], workdays: list[NoticeDay]
) -> list[Recomputed]:
    """Enter (or replace) ``year``'s State Council holiday notice, then recompute the open deadlines.

    Every day of each holiday block becomes a ``holiday`` row, each make-up day a ``workday`` row; the year's
    previous rows are removed (their history keeps them). Refuses days outside ``year``, a make-up working day
    that is not a Saturday or Sunday, a date given twice, and a notice with no holidays, keyed by field.
    """
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from ..models import CalendarDay

    errors: dict[str, str] = {}
    days: dict[datetime.date, tuple[str, NoticeDay]] = {}
    for field, kind, lines in (("holidays", "holiday", holidays), ("workdays", "workday", workdays)):
        for line in lines:
            day = line.first
            while day <= line.last:
                if day.year != year:
                    errors.setdefault(field, _("%(date)s is not in %(year)s.") % {"date": day, "year": year})
                elif day in days:
                    errors.setdefault(field, _("%(date)s is given twice.") % {"date": day})
                elif kind == "workday" and day.weekday() < 5:
                    message = _("%(date)s is a weekday: a make-up working day is a Saturday or Sunday.")
                    errors.setdefault(field, message % {"date": day})
                days[day] = (kind, line)
                day += datetime.timedelta(days=1)
    if not holidays:
        errors["holidays"] = _("Enter the notice's holidays.")
    if not (notice or "").strip():
        errors["notice"] = _("Enter the notice's title and document number.")
    if not (source or "").strip():
        errors["source"] = _("Enter where the notice was read (its gov.cn address or a reprint).")
    if errors:
        raise ValidationError(errors)
    for old in CalendarDay.objects.filter(date__year=year):
        attribute(old, actor=actor, reason=f"replaced by the notice entered for {year}")
        old.delete()
    for day, (kind, line) in sorted(days.items()):
        row = CalendarDay(
            date=day, kind=kind, name_zh=line.name_zh, name_en=line.name_en, notice=notice.strip(),
            source=source.strip(),
        )  # fmt: skip
        row.full_clean()
        attribute(row, actor=actor, reason=f"holiday notice for {year} entered")
        row.save()
    return deadlines_recompute(actor=actor, years={year})
