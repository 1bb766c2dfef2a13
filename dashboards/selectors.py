"""What each dashboard counts: a few aggregate queries per role, every one scoped by the policy.

Each figure keeps the URL of the admin list that shows its rows, filtered the same way, so what a chart
counts is what the list behind it shows (to the same user, through the same ``scope``).
"""

import datetime
import itertools
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth, TruncWeek
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import scope
from audit.models import AccessLog, ChainHead
from cases.models import Case, Filing, Publication
from cases.workflow import State

from .charts import Chart, Part, Row, bar_chart

MONTHS = 12
PUBLICATION_WEEKS = 8
REVEAL_WEEKS = 8
ACCESS_DAYS = 30
# Unusual access: reads in the last week against the same user's weekly average over the weeks before.
RECENT_DAYS = 7
BASELINE_WEEKS = 8
UNUSUAL_FACTOR = 3
UNUSUAL_MIN_READS = 20
TOP_SERIES = 6

# A decided case's outcome, by the state it is in now (the later states all follow a decision imposing measures).
_SANCTIONED_STATES = (State.SANCTIONED, State.EXPIRED, State.REPAIRED, State.REVOKED)
_DECISION_OUTCOMES = {"sanction": gettext_lazy("measures imposed"), "dismiss": gettext_lazy("dismissed")}
# Each deadline of the week: the state the case waits in, and the date it waits for.
_DEADLINES = {
    "review": (State.SUBMITTED, "review_due_on", gettext_lazy("review due")),
    "statement": (State.NOTICE_ISSUED, "statement_window_ends_on", gettext_lazy("statement window ends")),
    "decision": (State.DECISION_PENDING, "decision_due_on", gettext_lazy("decision due")),
}
_WAITING_FILINGS = (Filing.Status.FILED, Filing.Status.CORRECTION_PROPOSED)
_AGES = (
    ("week", 0, 7, gettext_lazy("up to 7 days")),
    ("month", 7, 30, gettext_lazy("8 to 30 days")),
    ("quarter", 30, 60, gettext_lazy("31 to 60 days")),
    ("older", 60, None, gettext_lazy("over 60 days")),
)
_UPHELD = (Filing.Outcome.REVOKED, Filing.Outcome.CORRECTED, Filing.Outcome.PARTLY_UPHELD)
_READS = (AccessLog.Action.VIEW, AccessLog.Action.REVEAL_IDENTIFIER, AccessLog.Action.DOWNLOAD)


@dataclass(frozen=True)
class Figure:
    label: str
    value: object
    url: str
    alert: bool = False


def admin_list(model, **params) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def _iso(moment: datetime.datetime) -> str:
    return moment.isoformat()


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _month_starts(today: datetime.date, count: int) -> list[datetime.date]:
    """The first days of the last ``count`` months, oldest first, this month last."""
    starts = []
    year, month = today.year, today.month
    for _index in range(count):
        starts.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def _next_month(day: datetime.date) -> datetime.date:
    return datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _month_label(day: datetime.date) -> str:
    return formats.date_format(day, "YEAR_MONTH_FORMAT")


def _as_date(value) -> datetime.date:
    """A truncated date-time as the local date it starts (SQLite and PostgreSQL both answer aware values)."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


# -- supervisor / department ------------------------------------------------------------------------------------
def case_dashboard(user, today: datetime.date) -> dict:
    cases = scope(Case.objects.all(), user, "view").order_by()
    by_state = dict(cases.values_list("state").annotate(n=Count("pk")))
    state_chart = bar_chart(
        title=_("Cases by state"),
        slug="cases-by-state",
        rows=[
            Row(
                label=str(state.label),
                url=admin_list(Case, state__exact=state.value),
                parts=[Part("cases", by_state.get(state.value, 0), admin_list(Case, state__exact=state.value))],
            )
            for state in State
        ],
        series={"cases": _("cases")},
    )

    week = [today + datetime.timedelta(days=offset) for offset in range(7)]
    counts = {
        "review_waiting": Count("pk", filter=Q(state=State.SUBMITTED)),
        "review_overdue": Count("pk", filter=Q(state=State.SUBMITTED, review_due_on__lt=today)),
        "decision_waiting": Count("pk", filter=Q(state=State.DECISION_PENDING)),
        "decision_overdue": Count("pk", filter=Q(state=State.DECISION_PENDING, decision_due_on__lt=today)),
    }
    for kind, (state, due_field, _label) in _DEADLINES.items():
        for offset, day in enumerate(week):
            counts[f"{kind}_{offset}"] = Count("pk", filter=Q(state=state, **{due_field: day}))
    totals = cases.aggregate(**counts)
    figures = [
        Figure(
            _("Waiting for review"),
            totals["review_waiting"],
            admin_list(Case, state__exact=State.SUBMITTED),
        ),
        Figure(
            _("Reviews overdue"),
            totals["review_overdue"],
            admin_list(Case, state__exact=State.SUBMITTED, overdue="yes"),
            alert=totals["review_overdue"] > 0,
        ),
        Figure(
            _("Waiting for a decision"),
            totals["decision_waiting"],
            admin_list(Case, state__exact=State.DECISION_PENDING),
        ),
        Figure(
            _("Decisions overdue"),
            totals["decision_overdue"],
            admin_list(Case, state__exact=State.DECISION_PENDING, overdue="yes"),
            alert=totals["decision_overdue"] > 0,
        ),
    ]
    week_rows = []
    for offset, day in enumerate(week):
        parts = []
        for kind, (state, due_field, _label) in _DEADLINES.items():
            url = admin_list(Case, state__exact=state, **{f"{due_field}__gte": day, f"{due_field}__lte": day})
            parts.append(Part(kind, totals[f"{kind}_{offset}"], url))
        # Three deadlines a day, on three date fields: each segment links to its own list, the day to none.
        week_rows.append(Row(formats.date_format(day, "DATE_FORMAT"), "", parts))
    deadline_chart = bar_chart(
        title=_("Deadlines this week"),
        slug="deadlines-this-week",
        rows=week_rows,
        series={kind: str(label) for kind, (_state, _field, label) in _DEADLINES.items()},
    )
    return {
        "figures": figures,
        "charts": [
            state_chart,
            deadline_chart,
            _decisions_chart(cases, today),
            _filing_outcomes_chart(user),
            _publications_chart(user, today),
        ],
    }


def _decisions_chart(cases, today: datetime.date) -> Chart:
    months = _month_starts(today, MONTHS)
    rows = (
        cases.filter(decided_at__gte=_midnight(months[0]))
        .annotate(month=TruncMonth("decided_at"))
        .values_list("month", "state")
        .annotate(n=Count("pk"))
    )
    tally: dict[tuple[datetime.date, str], int] = {}
    for month, state, n in rows:
        outcome = "dismiss" if state == State.DISMISSED else "sanction"
        key = (_as_date(month), outcome)
        tally[key] = tally.get(key, 0) + n
    states = {"sanction": ",".join(_SANCTIONED_STATES), "dismiss": State.DISMISSED}
    chart_rows = []
    for month in months:
        window = {"decided_at__gte": _iso(_midnight(month)), "decided_at__lt": _iso(_midnight(_next_month(month)))}
        parts = [
            Part(outcome, tally.get((month, outcome), 0), admin_list(Case, state__in=states[outcome], **window))
            for outcome in _DECISION_OUTCOMES
        ]
        chart_rows.append(Row(_month_label(month), admin_list(Case, **window), parts))
    return bar_chart(
        title=_("Decisions per month by outcome"),
        slug="decisions-per-month",
        rows=chart_rows,
        series={key: str(label) for key, label in _DECISION_OUTCOMES.items()},
    )


def _filing_outcomes_chart(user) -> Chart:
    kinds = (Filing.Kind.OBJECTION, Filing.Kind.APPEAL)
    decided = scope(Filing.objects.filter(kind__in=kinds, status=Filing.Status.DECIDED), user, "view").order_by()
    tally = {(kind, outcome): n for kind, outcome, n in decided.values_list("kind", "outcome").annotate(n=Count("pk"))}
    outcomes = {outcome.value: str(outcome.label) for outcome in (*_UPHELD, Filing.Outcome.DISMISSED)}
    rows = [
        Row(
            str(kind.label),
            admin_list(Filing, kind__exact=kind, status__exact=Filing.Status.DECIDED),
            [
                Part(
                    outcome,
                    tally.get((kind.value, outcome), 0),
                    admin_list(Filing, kind__exact=kind, outcome__exact=outcome),
                )
                for outcome in outcomes
            ],
        )
        for kind in kinds
    ]
    return bar_chart(title=_("Objection and appeal outcomes"), slug="filing-outcomes", rows=rows, series=outcomes)


def _publications_chart(user, today: datetime.date) -> Chart:
    running = scope(Publication.objects.filter(ended_on__isnull=True), user, "view").order_by()
    weeks = [today + datetime.timedelta(weeks=offset) for offset in range(PUBLICATION_WEEKS + 1)]
    ranges = list(itertools.pairwise(weeks))
    totals = running.aggregate(
        **{
            f"w{index}": Count("pk", filter=Q(max_end_on__gte=start, max_end_on__lt=end))
            for index, (start, end) in enumerate(ranges)
        }
    )
    rows = []
    for index, (start, end) in enumerate(ranges):
        url = admin_list(Publication, ended_on__isnull="True", max_end_on__gte=start, max_end_on__lt=end)
        label = _("from %(date)s") % {"date": formats.date_format(start, "DATE_FORMAT")}
        rows.append(Row(label, url, [Part("publications", totals[f"w{index}"], url)]))
    return bar_chart(
        title=_("Publications ending in the next %(weeks)s weeks") % {"weeks": PUBLICATION_WEEKS},
        slug="publications-ending",
        rows=rows,
        series={"publications": _("publications")},
    )


# -- appeals reviewer -------------------------------------------------------------------------------------------
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
            window = {"filed_at__lte": _iso(now - datetime.timedelta(days=newest))}
            if oldest is not None:
                window["filed_at__gt"] = _iso(now - datetime.timedelta(days=oldest))
            url = admin_list(Filing, kind__exact=kind, status__in=waiting_status, **window)
            parts.append(Part(key, queue.get(kind.value, {}).get(key, 0), url))
        queue_rows.append(Row(str(kind.label), admin_list(Filing, kind__exact=kind, status__in=waiting_status), parts))
    queue_chart = bar_chart(
        title=_("Queue by kind and age"),
        slug="queue-by-kind-and-age",
        rows=queue_rows,
        series={key: str(label) for key, _newest, _oldest, label in _AGES},
    )

    months = _month_starts(today, MONTHS)
    decided = (
        filings.filter(status=Filing.Status.DECIDED, decided_at__gte=_midnight(months[0]))
        .annotate(month=TruncMonth("decided_at"))
        .values_list("month", "outcome")
        .annotate(n=Count("pk"))
    )
    tally: dict[tuple[datetime.date, str], int] = {}
    for month, outcome, n in decided:
        key = (_as_date(month), outcome)
        tally[key] = tally.get(key, 0) + n
    rows = []
    for month in months:
        window = {"decided_at__gte": _iso(_midnight(month)), "decided_at__lt": _iso(_midnight(_next_month(month)))}
        parts = [
            Part(
                outcome.value,
                tally.get((month, outcome.value), 0),
                admin_list(Filing, outcome__exact=outcome, **window),
            )
            for outcome in Filing.Outcome
        ]
        rows.append(Row(_month_label(month), admin_list(Filing, status__exact=Filing.Status.DECIDED, **window), parts))
    decisions_chart = bar_chart(
        title=_("Decisions per month"),
        slug="filing-decisions-per-month",
        rows=rows,
        series={outcome.value: str(outcome.label) for outcome in Filing.Outcome},
    )

    upheld = sum(n for (_month, outcome), n in tally.items() if outcome in _UPHELD)
    dismissed = sum(n for (_month, outcome), n in tally.items() if outcome == Filing.Outcome.DISMISSED)
    decided_total = upheld + dismissed
    since = {"decided_at__gte": _iso(_midnight(months[0]))}
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
            admin_list(Filing, outcome__in=",".join(_UPHELD), **since),
        ),
    ]
    return {"figures": figures, "charts": [queue_chart, decisions_chart]}


# -- auditor ----------------------------------------------------------------------------------------------------
def audit_dashboard(user, today: datetime.date) -> dict:
    logs = scope(AccessLog.objects.all(), user, "view").order_by()
    now = timezone.now()
    return {
        "figures": [_chain_status()],
        "charts": [_access_volume_chart(logs, now), _reveals_chart(logs, today)],
        "unusual": _unusual_access(logs, now),
        "unusual_rule": {"factor": UNUSUAL_FACTOR, "minimum": UNUSUAL_MIN_READS, "weeks": BASELINE_WEEKS},
    }


def _chain_status() -> Figure:
    """The last sealed head: ``verify_audit --seal`` seals only after a clean verification of the whole chain."""
    head = ChainHead.objects.order_by("-sealed_at", "-seq").first()
    if head is None:
        return Figure(_("Audit chain"), _("not verified yet"), "", alert=True)
    when = formats.date_format(timezone.localtime(head.sealed_at), "DATETIME_FORMAT")
    return Figure(
        _("Audit chain"), _("intact up to link #%(seq)s, verified %(when)s") % {"seq": head.seq, "when": when}, ""
    )


def _access_volume_chart(logs, now: datetime.datetime) -> Chart:
    since = now - datetime.timedelta(days=ACCESS_DAYS)
    rows = (
        logs.filter(at__gte=since)
        .values_list("actor_department_id", "actor_department__name", "purpose")
        .annotate(n=Count("pk"))
    )
    per_purpose: dict[str, int] = {}
    departments: dict[int | None, str] = {}
    tally: dict[tuple[int | None, str], int] = {}
    for department_id, department_name, purpose, n in rows:
        departments[department_id] = department_name or _("no department")
        per_purpose[purpose] = per_purpose.get(purpose, 0) + n
        tally[(department_id, purpose)] = n
    top = sorted(per_purpose, key=lambda purpose: (-per_purpose[purpose], purpose))[:TOP_SERIES]
    series = {f"p{index}": purpose for index, purpose in enumerate(top)}
    series["other"] = _("other purposes")
    key_of = {purpose: key for key, purpose in series.items() if key != "other"}
    window = {"at__gte": _iso(since)}
    chart_rows = []
    for department_id, name in sorted(departments.items(), key=lambda item: item[1]):
        where = (
            {"actor_department__id__exact": department_id} if department_id else {"actor_department__isnull": "True"}
        )
        parts: dict[str, int] = {}
        for (tally_department, purpose), n in tally.items():
            if tally_department == department_id:
                key = key_of.get(purpose, "other")
                parts[key] = parts.get(key, 0) + n
        chart_rows.append(
            Row(
                name,
                admin_list(AccessLog, **where, **window),
                [
                    Part(
                        key,
                        n,
                        admin_list(AccessLog, **where, **window)
                        if key == "other"
                        else admin_list(AccessLog, **where, purpose__exact=series[key], **window),
                    )
                    for key, n in parts.items()
                ],
            )
        )
    return bar_chart(
        title=_("Access-log volume by department and purpose, last %(days)s days") % {"days": ACCESS_DAYS},
        slug="access-volume",
        rows=chart_rows,
        series=series,
    )


def _reveals_chart(logs, today: datetime.date) -> Chart:
    monday = today - datetime.timedelta(days=today.weekday())
    weeks = [monday - datetime.timedelta(weeks=offset) for offset in range(REVEAL_WEEKS - 1, -1, -1)]
    rows = (
        logs.filter(action=AccessLog.Action.REVEAL_IDENTIFIER, at__gte=_midnight(weeks[0]))
        .annotate(week=TruncWeek("at"))
        .values_list("week", "actor_id", "actor__username")
        .annotate(n=Count("pk"))
    )
    per_user: dict[int, int] = {}
    names: dict[int, str] = {}
    tally: dict[tuple[datetime.date, int], int] = {}
    for week, actor_id, username, n in rows:
        names[actor_id] = username
        per_user[actor_id] = per_user.get(actor_id, 0) + n
        tally[(_as_date(week), actor_id)] = n
    top = sorted(per_user, key=lambda actor_id: (-per_user[actor_id], names[actor_id]))[:TOP_SERIES]
    series = {str(actor_id): names[actor_id] for actor_id in top}
    series["other"] = _("other users")
    chart_rows = []
    for week in weeks:
        window = {
            "action__exact": AccessLog.Action.REVEAL_IDENTIFIER,
            "at__gte": _iso(_midnight(week)),
            "at__lt": _iso(_midnight(week + datetime.timedelta(weeks=1))),
        }
        parts: dict[str, int] = {}
        for (tally_week, actor_id), n in tally.items():
            if tally_week == week:
                key = str(actor_id) if str(actor_id) in series else "other"
                parts[key] = parts.get(key, 0) + n
        chart_rows.append(
            Row(
                _("week of %(date)s") % {"date": formats.date_format(week, "DATE_FORMAT")},
                admin_list(AccessLog, **window),
                [
                    Part(
                        key,
                        n,
                        admin_list(AccessLog, **window)
                        if key == "other"
                        else admin_list(AccessLog, actor__id__exact=key, **window),
                    )
                    for key, n in parts.items()
                ],
            )
        )
    return bar_chart(
        title=_("Identifier reveals per user, last %(weeks)s weeks") % {"weeks": REVEAL_WEEKS},
        slug="reveals-per-user",
        rows=chart_rows,
        series=series,
    )


@dataclass(frozen=True)
class UnusualAccess:
    username: str
    recent: int
    usual: float
    url: str


def _unusual_access(logs, now: datetime.datetime) -> list[UnusualAccess]:
    """Users who read far more records in the last week than their own weekly average over the weeks before.

    Far more: at least ``UNUSUAL_MIN_READS`` reads and more than ``UNUSUAL_FACTOR`` times the usual week (a user
    with no earlier reads has no usual pattern yet, so the minimum alone counts).
    """
    recent_from = now - datetime.timedelta(days=RECENT_DAYS)
    baseline_from = recent_from - datetime.timedelta(weeks=BASELINE_WEEKS)
    rows = (
        logs.filter(action__in=_READS, at__gte=baseline_from)
        .values_list("actor_id", "actor__username")
        .annotate(
            recent=Count("pk", filter=Q(at__gte=recent_from)),
            baseline=Count("pk", filter=Q(at__lt=recent_from)),
        )
        .filter(recent__gte=UNUSUAL_MIN_READS)
    )
    unusual = []
    for actor_id, username, recent, baseline in rows:
        usual = baseline / BASELINE_WEEKS
        if recent > UNUSUAL_FACTOR * usual:
            url = admin_list(AccessLog, actor__id__exact=actor_id, at__gte=_iso(recent_from))
            unusual.append(UnusualAccess(username, recent, round(usual, 1), url))
    return sorted(unusual, key=lambda row: (-row.recent, row.username))
