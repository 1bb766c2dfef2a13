"""Calendar arithmetic for deadlines: calendar days, months, and working days under the State Council's holiday notices.

A date is a working day if it is a make-up ``workday`` in :class:`~cases.models.CalendarDay`, or a
Monday-to-Friday date that is not listed as a ``holiday`` (``cn-holidays.md``, "How to compute working days").

Some years have no notice loaded yet (no ``CalendarDay`` row): the notice for a year is published late in the
year before. For those years the count uses the year's **statutory holidays** (全国年节及纪念日放假办法: New
Year, Spring Festival from its eve, Qingming, Labour Day, Dragon Boat, Mid-Autumn, National Day, with the
weekday substitutes the law gives; lunar dates computed by the pinned ``holidays`` package), without any
make-up working days, and never fails. Deadlines computed on such a year are **provisional**
(:func:`is_provisional`); when the notice is loaded, ``cases.services.deadlines`` recomputes the open ones. A
warning is logged once per process for each such year, and from 1 November a system check and the admin warn
administrators that next year's notice is missing (:func:`missing_years`).

Each computation reads the special days in one query: whole years, which are about 40 rows each. It
runs a second query only if the count goes past the years fetched first. No data is cached between
calls, so an edit in the admin applies to the next computation.
"""

import datetime
import logging
from collections.abc import Iterable
from functools import cache

import holidays
from django.core.cache import cache as django_cache
from django.db import transaction
from django.utils import timezone

from .models import CalendarDay

logger = logging.getLogger(__name__)

# Only de-duplicates the log message; it never decides a result, so it cannot go stale.
_warned_missing_years: set[int] = set()

_ONE_DAY = datetime.timedelta(days=1)


class _SpecialDays:
    """The holiday and make-up days of a span of whole years, for one computation."""

    def __init__(self):
        self.kinds: dict[datetime.date, str] = {}
        self.missing: set[int] = set()
        self.first_year: int | None = None
        self.last_year: int | None = None

    def cover(self, first: datetime.date, last: datetime.date) -> None:
        """Make sure every year from ``first`` to ``last`` is loaded, in one query if any is not."""
        lo, hi = min(first.year, last.year), max(first.year, last.year)
        if self.first_year is not None and self.first_year <= lo and hi <= self.last_year:
            return
        if self.first_year is not None:
            lo, hi = min(lo, self.first_year), max(hi, self.last_year)
        # Re-reading the already covered years is cheaper than a second query for the gap.
        rows = CalendarDay.objects.filter(
            date__gte=datetime.date(lo, 1, 1), date__lte=datetime.date(hi, 12, 31)
        ).values_list("date", "kind")
        self.kinds = dict(rows)
        self.missing = set(range(lo, hi + 1)) - {d.year for d in self.kinds}
        for year in self.missing:
            self.kinds.update(dict.fromkeys(statutory_holidays(year), CalendarDay.Kind.HOLIDAY))
        self.first_year, self.last_year = lo, hi

    def is_working_day(self, d: datetime.date) -> bool:
        if not (self.first_year <= d.year <= self.last_year):
            self.cover(d, d)
        kind = self.kinds.get(d)
        if kind == CalendarDay.Kind.WORKDAY:
            return True
        if kind == CalendarDay.Kind.HOLIDAY:
            return False
        if d.year in self.missing:
            _warn_missing_year(d.year)
        return d.weekday() < 5


def _warn_missing_year(year: int) -> None:
    if year not in _warned_missing_years:
        _warned_missing_years.add(year)
        logger.warning(
            "No holiday notice is loaded for %s: working days in that year count weekends and the statutory "
            "holidays only, and deadlines are provisional. Load the notice's holidays and make-up working days.",
            year,
        )


@cache
def statutory_holidays(year: int) -> frozenset[datetime.date]:
    """The days off the national holiday law gives in ``year``, before any State Council adjustment."""
    return frozenset(holidays.China(years=year))


def _calendar_span(working_days: int) -> datetime.timedelta:
    """A generous calendar span for ``working_days`` (weekends plus the longest holiday blocks)."""
    return datetime.timedelta(days=working_days * 7 // 5 + 30)


def is_working_day(d: datetime.date) -> bool:
    """Whether ``d`` is a working day (one query)."""
    days = _SpecialDays()
    days.cover(d, d)
    return days.is_working_day(d)


def add_working_days(start: datetime.date, n: int) -> datetime.date:
    """The date ``n`` working days after ``start``; ``start`` itself is not counted and ``n == 0`` gives ``start``."""
    if n < 0:
        raise ValueError("n must be zero or more")
    if n == 0:
        return start
    days = _SpecialDays()
    days.cover(start, start + _calendar_span(n))
    current, remaining = start, n
    while remaining:
        current += _ONE_DAY
        if current.year > days.last_year:
            # Past the estimate: fetch once more, far enough for what is left.
            days.cover(start, current + _calendar_span(remaining))
        if days.is_working_day(current):
            remaining -= 1
    return current


def working_days_between(a: datetime.date, b: datetime.date) -> int:
    """The number of working days after ``a`` up to and including ``b``.

    This is 0 when ``a == b``. When ``b`` is before ``a`` the result is negative:
    ``-working_days_between(b, a)``. So ``working_days_between(a, add_working_days(a, n)) == n``.
    """
    if b == a:
        return 0
    if b < a:
        return -working_days_between(b, a)
    days = _SpecialDays()
    days.cover(a, b)
    count, current = 0, a
    while current < b:
        current += _ONE_DAY
        count += days.is_working_day(current)
    return count


def add_days(start: datetime.date, n: int) -> datetime.date:
    """The date ``n`` calendar days after ``start``. A negative ``n`` counts back."""
    return start + datetime.timedelta(days=n)


def add_months(start: datetime.date, n: int) -> datetime.date:
    """The same day ``n`` months later, clamped to the month's last day (Jan 31 + 1 month = Feb 28 or 29)."""
    month_index = start.year * 12 + (start.month - 1) + n
    year, month = divmod(month_index, 12)
    month += 1
    next_month_first = datetime.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month_first - _ONE_DAY).day
    return datetime.date(year, month, min(start.day, last_day))


def loaded_years() -> set[int]:
    """The years that have at least one holiday-calendar row."""
    return {d.year for d in CalendarDay.objects.dates("date", "year")}


# From this day of the year (1 November) next year's notice is expected and its absence is reported.
NEXT_YEAR_WARNING_FROM = (11, 1)


def years_to_check(today: datetime.date) -> set[int]:
    """The years whose notice must be loaded on ``today``: this year, and from 1 November the next one too."""
    return {today.year, today.year + 1} if (today.month, today.day) >= NEXT_YEAR_WARNING_FROM else {today.year}


def missing_years(years_or_today: Iterable[int] | datetime.date) -> set[int]:
    """The years with no holiday-calendar row (their notice is not loaded).

    Given a date, the years :func:`years_to_check` names for it (the system check, the admin banner and the
    readiness endpoint ask this way); given years, those of them.
    """
    if isinstance(years_or_today, datetime.date):
        years = years_to_check(years_or_today)
    else:
        years = set(years_or_today)
    if not years:
        return set()
    present = CalendarDay.objects.filter(
        date__gte=datetime.date(min(years), 1, 1), date__lte=datetime.date(max(years), 12, 31)
    ).dates("date", "year")
    return years - {d.year for d in present}


# The admin banner asks on every admin page an administrator opens: the answer is kept this long in Django's cache.
MISSING_YEARS_CACHE_SECONDS = 300


def _missing_years_key(today: datetime.date) -> str:
    return f"cases:calendar:missing:{today.isoformat()}"


def missing_years_cached(today: datetime.date) -> set[int]:
    """:func:`missing_years` for ``today``, read from Django's cache (at most one query per few minutes)."""
    key = _missing_years_key(today)
    missing = django_cache.get(key)
    if missing is None:
        missing = sorted(missing_years(today))
        django_cache.set(key, missing, MISSING_YEARS_CACHE_SECONDS)
    return set(missing)


def missing_years_forget() -> None:
    """Drop the cached answer once the transaction that changed the calendar commits (the banner goes at once)."""
    key = _missing_years_key(timezone.localdate())
    transaction.on_commit(lambda: django_cache.delete(key))


def readiness_problem(today: datetime.date | None = None, days: int = 60) -> str | None:
    """`/readyz` check: the holiday notices cover today and the next ``days`` days (None when they do)."""
    today = today or timezone.localdate()
    missing = missing_years(range(today.year, (today + datetime.timedelta(days=days)).year + 1))
    if missing:
        return f"no holiday notice loaded for {', '.join(map(str, sorted(missing)))}"
    return None


def is_provisional(start: datetime.date, end: datetime.date, *, missing: set[int] | None = None) -> bool:
    """Whether a working-day count from ``start`` to ``end`` ran through a year whose notice is not loaded.

    ``missing``: the years known to be missing, to spare the query when several dates are checked.
    """
    years = set(range(min(start, end).year, max(start, end).year + 1))
    return bool(years & (missing if missing is not None else missing_years(years)))
