"""The supervisor's and department's dashboard: cases, deadlines, decisions, filings, publications."""

import datetime
import itertools

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import scope
from cases.models import Case, Filing, Publication
from cases.workflow import State

from ..charts import Chart, Part, Row, bar_chart
from .common import MONTHS, UPHELD, Figure, admin_list, as_date, iso, midnight, month_label, month_starts, next_month

PUBLICATION_WEEKS = 8
# A decided case's outcome, by the state it is in now (the later states all follow a decision imposing measures).
_SANCTIONED_STATES = (State.SANCTIONED, State.EXPIRED, State.REPAIRED, State.REVOKED)
_DECISION_OUTCOMES = {"sanction": gettext_lazy("measures imposed"), "dismiss": gettext_lazy("dismissed")}
# Each deadline of the week: the state the case waits in, and the date it waits for.
_DEADLINES = {
    "review": (State.SUBMITTED, "review_due_on", gettext_lazy("review due")),
    "statement": (State.NOTICE_ISSUED, "statement_window_ends_on", gettext_lazy("statement window ends")),
    "decision": (State.DECISION_PENDING, "decision_due_on", gettext_lazy("decision due")),
}


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
    months = month_starts(today, MONTHS)
    rows = (
        cases.filter(decided_at__gte=midnight(months[0]))
        .annotate(month=TruncMonth("decided_at"))
        .values_list("month", "state")
        .annotate(n=Count("pk"))
    )
    tally: dict[tuple[datetime.date, str], int] = {}
    for month, state, n in rows:
        outcome = "dismiss" if state == State.DISMISSED else "sanction"
        key = (as_date(month), outcome)
        tally[key] = tally.get(key, 0) + n
    states = {"sanction": ",".join(_SANCTIONED_STATES), "dismiss": State.DISMISSED}
    chart_rows = []
    for month in months:
        window = {"decided_at__gte": iso(midnight(month)), "decided_at__lt": iso(midnight(next_month(month)))}
        parts = [
            Part(outcome, tally.get((month, outcome), 0), admin_list(Case, state__in=states[outcome], **window))
            for outcome in _DECISION_OUTCOMES
        ]
        chart_rows.append(Row(month_label(month), admin_list(Case, **window), parts))
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
    outcomes = {outcome.value: str(outcome.label) for outcome in (*UPHELD, Filing.Outcome.DISMISSED)}
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
