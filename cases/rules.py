"""Looks up the periods in force from :class:`~cases.models.RulePeriod` and turns them into dates (DESIGN §4, §5).

The numbers are data, so administrators change them in the admin. Nothing here hard-codes a period.
Process deadlines that fall on a working day use :mod:`cases.calendar`.
"""

import datetime

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.utils.translation import gettext_lazy as _

from . import calendar
from .models import RulePeriod

REVIEW_DUE_KEY = "portal.review.due"
DECISION_DUE_KEY = "portal.decision.due"


class RuleMissing(Exception):
    """No row of the needed kind (or key) is in force on the date; an administrator must add one."""

    message = _("No “%(kind)s” rule is in force on %(date)s. An administrator must add one to the catalogue.")

    def __init__(self, kind: str, on: datetime.date, key: str | None = None):
        self.kind, self.on, self.key = kind, on, key
        super().__init__(kind, on, key)

    def __str__(self):
        try:
            label = str(RulePeriod.Kind(self.kind).label)
        except ValueError:
            label = self.kind
        if self.key:
            label = f"{label} ({self.key})"
        return str(self.message % {"kind": label, "date": self.on.isoformat()})


def rule_period(
    kind: str,
    *,
    on: datetime.date,
    severity: str = "any",
    catalogue_item=None,
    key: str | None = None,
) -> RulePeriod | None:
    """The ``kind`` row in force on ``on``, or None. This takes one query.

    A row is in force when ``effective_from <= on`` and ``effective_to`` is empty or later than ``on``.
    If there are several, the first rule below that separates them decides:

    1. A row restricted to ``catalogue_item`` (an instance or a pk) beats a general row.
    2. The exact ``severity`` beats ``"any"``.
    3. The latest ``effective_from`` wins.

    A general row is one with no catalogue items and no sector scope. Rows restricted to other items,
    or to a sector, never apply. If ``key`` is given, only that row is returned, and only if it is in force.
    """
    rows = RulePeriod.objects.filter(kind=kind, effective_from__lte=on).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=on)
    )
    if key is not None:
        return rows.filter(key=key).first()

    links = RulePeriod.catalogue_items.through.objects.filter(ruleperiod_id=OuterRef("pk"))
    general = ~Q(Exists(links)) & Q(sector_scope__isnull=True)
    if catalogue_item is None:
        rows = rows.filter(general).annotate(for_item=Value(0, output_field=IntegerField()))
    else:
        item_pk = getattr(catalogue_item, "pk", catalogue_item)
        for_item = Exists(links.filter(catalogueitem_id=item_pk))
        rows = rows.filter(Q(for_item) | general).annotate(
            for_item=Case(When(for_item, then=Value(1)), default=Value(0), output_field=IntegerField())
        )
    rows = rows.filter(severity__in={severity, "any"}).annotate(
        exact_severity=Case(When(severity=severity, then=Value(1)), default=Value(0), output_field=IntegerField())
    )
    return rows.order_by("-for_item", "-exact_severity", "-effective_from", "-pk").first()


def rule_periods(kind: str, *, on: datetime.date, keys: tuple[str, ...]) -> dict[str, RulePeriod]:
    """For each of ``keys``, the ``kind`` row in force on ``on`` (as ``rule_period(kind, on=on, key=...)``
    answers it), absent when none is. One query for them all."""
    rows = RulePeriod.objects.filter(kind=kind, key__in=keys, effective_from__lte=on).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=on)
    )
    found: dict[str, RulePeriod] = {}
    for row in rows:  # the model's ordering, as rule_period's .first()
        found.setdefault(row.key, row)
    return found


def deadline(period: RulePeriod, start: datetime.date) -> datetime.date:
    """The date ``period`` after ``start``, in its unit (calendar days, working days or months)."""
    if period.unit == RulePeriod.Unit.DAYS:
        return calendar.add_days(start, period.value)
    if period.unit == RulePeriod.Unit.WORKING_DAYS:
        return calendar.add_working_days(start, period.value)
    if period.unit == RulePeriod.Unit.MONTHS:
        return calendar.add_months(start, period.value)
    raise ValueError(f"unknown unit {period.unit!r} on rule period {period.key}")


def _required(kind: str, *, on: datetime.date, key: str | None = None, **lookup) -> RulePeriod:
    period = rule_period(kind, on=on, key=key, **lookup)
    if period is None:
        raise RuleMissing(kind, on, key)
    return period


def statement_window_end(served_on: datetime.date) -> datetime.date:
    """The last day the entity may make a statement or object, counted from service of the notice."""
    return deadline(_required(RulePeriod.Kind.STATEMENT_WINDOW, on=served_on), served_on)


def review_due(submitted_on: datetime.date) -> datetime.date:
    """When the supervisor's review of a submitted case is due (``portal.review.due``)."""
    return deadline(_required(RulePeriod.Kind.PROCESS_DEADLINE, on=submitted_on, key=REVIEW_DUE_KEY), submitted_on)


def decision_due(window_end: datetime.date) -> datetime.date:
    """When the decision is due, counted from the end of the statement window (``portal.decision.due``)."""
    return deadline(_required(RulePeriod.Kind.PROCESS_DEADLINE, on=window_end, key=DECISION_DUE_KEY), window_end)


def publication_period(
    severity: str, decided_on: datetime.date, catalogue_item=None
) -> tuple[datetime.date | None, datetime.date | None]:
    """The earliest and latest end of publication: ``(min end, max end)``, counted from ``decided_on``.

    If no rule sets one of the two, that end is None. For example, the minor tier has a maximum only.
    ``RuleMissing`` is raised when neither is set. The rules in force on ``decided_on`` apply. Some rows
    count from another date (``starts_from``, e.g. SAMR counts from publication); for those, pass that
    date instead.
    """
    lookup = {"on": decided_on, "severity": severity, "catalogue_item": catalogue_item}
    minimum = rule_period(RulePeriod.Kind.PUBLICATION_MIN, **lookup)
    maximum = rule_period(RulePeriod.Kind.PUBLICATION_MAX, **lookup)
    if minimum is None and maximum is None:
        raise RuleMissing(RulePeriod.Kind.PUBLICATION_MAX, decided_on)
    return (
        deadline(minimum, decided_on) if minimum else None,
        deadline(maximum, decided_on) if maximum else None,
    )
