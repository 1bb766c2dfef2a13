"""What every dashboard shares: key figures, links to the admin lists behind them, months and weeks."""

import datetime
from dataclasses import dataclass

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode

from cases.models import Filing

MONTHS = 12
# Series drawn one by one in a chart; the rest are summed as "other".
TOP_SERIES = 6
# Objection and appeal outcomes that uphold what was filed.
UPHELD = (Filing.Outcome.REVOKED, Filing.Outcome.CORRECTED, Filing.Outcome.PARTLY_UPHELD)


@dataclass(frozen=True)
class Figure:
    label: str
    value: object
    url: str
    alert: bool = False


def admin_list(model, **params) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def iso(moment: datetime.datetime) -> str:
    return moment.isoformat()


def midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def month_starts(today: datetime.date, count: int) -> list[datetime.date]:
    """The first days of the last ``count`` months, oldest first, this month last."""
    starts = []
    year, month = today.year, today.month
    for _index in range(count):
        starts.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def next_month(day: datetime.date) -> datetime.date:
    return datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_label(day: datetime.date) -> str:
    return formats.date_format(day, "YEAR_MONTH_FORMAT")


def as_date(value) -> datetime.date:
    """A truncated date-time as the local date it starts (SQLite and PostgreSQL both answer aware values)."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value
