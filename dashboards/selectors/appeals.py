"""The appeals reviewer's dashboard: the queue by kind and age, decisions per month, the upheld rate."""

import datetime

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import scope
from cases.models import Filing

from ..charts import Part, Row, bar_chart
from .common import MONTHS, UPHELD, Figure, admin_list, as_date, iso, midnight, month_label, month_starts, next_month

_WAITING_FILINGS = (Filing.Status.FILED, Filing.Status.CORRECTION_PROPOSED)
_AGES = (
    ("week", 0, 7, gettext_lazy("up to 7 days")),
    ("month", 7, 30, gettext_lazy("8 to 30 days")),
    ("quarter", 30, 60, gettext_lazy("31 to 60 days")),
    ("older", 60, None, gettext_lazy("over 60 days")),
)


def appeals_dashboard(user, today: datetime.date) -> dict:
    filings = scope(Filing.objects.all(), user, "view").order_by()
    now = timezone.now()
    waiting_status = ",".join(_WAITING_FILINGS)
    buckets = {}
    for key, newest, oldest, _label in _AGES:
        condition = Q(filed_at__lte=now - datetime.timedelta(days=newest))
        if oldest is not None:
            condition &= Q(filed_at__gt=now - datetime.timedelta(days=oldest))
        buckets[key] = Count("pk", filter=condition)
    buckets["overdue"] = Count("pk", filter=Q(due_on__lt=today))
    queue = {row["kind"]: row for row in filings.filter(status__in=_WAITING_FILINGS).values("kind").annotate(**buckets)}
    queue_rows = []
    for kind in Filing.Kind:
        parts = []
        for key, newest, oldest, _label in _AGES:
            window = {"filed_at__lte": iso(now - datetime.timedelta(days=newest))}
            if oldest is not None:
                window["filed_at__gt"] = iso(now - datetime.timedelta(days=oldest))
            url = admin_list(Filing, kind__exact=kind, status__in=waiting_status, **window)
            parts.append(Part(key, queue.get(kind.value, {}).get(key, 0), url))
        queue_rows.append(Row(str(kind.label), admin_list(Filing, kind__exact=kind, status__in=waiting_status), parts))
    queue_chart = bar_chart(
        title=_("Queue by kind and age"),
        slug="queue-by-kind-and-age",
        rows=queue_rows,
        series={key: str(label) for key, _newest, _oldest, label in _AGES},
    )

    months = month_starts(today, MONTHS)
    decided = (
        filings.filter(status=Filing.Status.DECIDED, decided_at__gte=midnight(months[0]))
        .annotate(month=TruncMonth("decided_at"))
        .values_list("month", "outcome")
        .annotate(n=Count("pk"))
    )
    tally: dict[tuple[datetime.date, str], int] = {}
    for month, outcome, n in decided:
        key = (as_date(month), outcome)
        tally[key] = tally.get(key, 0) + n
    rows = []
    for month in months:
        window = {"decided_at__gte": iso(midnight(month)), "decided_at__lt": iso(midnight(next_month(month)))}
        parts = [
            Part(
                outcome.value,
                tally.get((month, outcome.value), 0),
                admin_list(Filing, outcome__exact=outcome, **window),
            )
            for outcome in Filing.Outcome
        ]
        rows.append(Row(month_label(month), admin_list(Filing, status__exact=Filing.Status.DECIDED, **window), parts))
    decisions_chart = bar_chart(
        title=_("Decisions per month"),
        slug="filing-decisions-per-month",
        rows=rows,
        series={outcome.value: str(outcome.label) for outcome in Filing.Outcome},
    )

    upheld = sum(n for (_month, outcome), n in tally.items() if outcome in UPHELD)
    dismissed = sum(n for (_month, outcome), n in tally.items() if outcome == Filing.Outcome.DISMISSED)
    decided_total = upheld + dismissed
    since = {"decided_at__gte": iso(midnight(months[0]))}
    overdue = sum(row["overdue"] for row in queue.values())
    figures = [
        Figure(
            _("Waiting for a reviewer"),
            sum(row[key] for row in queue.values() for key, *_rest in _AGES),
            admin_list(Filing, status__in=waiting_status),
        ),
        Figure(_("Overdue"), overdue, admin_list(Filing, overdue="yes"), alert=overdue > 0),
        Figure(
            _("Upheld rate (objections and appeals, %(months)s months)") % {"months": MONTHS},
            f"{round(100 * upheld / decided_total)} %" if decided_total else "—",
            admin_list(Filing, outcome__in=",".join(UPHELD), **since),
        ),
    ]
    return {"figures": figures, "charts": [queue_chart, decisions_chart]}
