"""The work queues: what waits for a supervisor (review and decision) and for an appeals reviewer (filings).

Reads only (STYLE: selectors read); every row comes through the one policy (``scope``).
"""

import datetime

from django.db import models
from django.db.models import F, Q, Value, When
from django.db.models.functions import Coalesce

from accounts.permissions import scope

from ..models import Case, Filing
from ..workflow import State

# The date a case waits on in each state: what "due" and "overdue" mean on lists and in the queue.
DUE_DATE = models.Case(
    When(state=State.SUBMITTED, then=F("review_due_on")),
    When(state=State.NOTICE_ISSUED, then=F("statement_window_ends_on")),
    When(state=State.DECISION_PENDING, then=F("decision_due_on")),
    default=Value(None),
)


# What each waiting state waits on: the review queue reads each through its own partial index (issue 11).
_QUEUE_STATES = ((State.SUBMITTED, "review_due_on"), (State.DECISION_PENDING, "decision_due_on"))
QUEUE_LIMIT = 200
# What the queue shows of each case, its entity, conduct and submitter: nothing else is read (issue 22: not the
# facts and notes, not the entity's encrypted identity number, which would be decrypted for every row).
QUEUE_COLUMNS = (
    "number", "state", "severity", "submitted_at", "review_due_on", "decision_due_on", "entity__name",
    "entity__kind", "entity__uscc", "entity__id_number_masked", "catalogue_item__name_zh",
    "catalogue_item__name_en", "submitted_by__username",
)  # fmt: skip


def review_queue(user, limit: int = QUEUE_LIMIT) -> list[Case]:
    """The cases ``user`` may review that wait for review or decision, most urgent first, at most ``limit``.

    Most urgent: a case with no due date on record first (it should not happen, and someone must look), then
    by due date, then by submission. Each waiting state is read in the order of its partial index
    (``case_review_queue_idx``, ``case_decision_queue_idx``) and stops after ``limit`` in-scope rows, so the
    queue is an index walk however many cases the office holds; the two short lists are then merged.
    """
    waiting = []
    for state, due_field in _QUEUE_STATES:
        waiting += (
            scope(Case.objects.filter(state=state), user, "review")
            .annotate(due_on=F(due_field))
            .select_related("entity", "catalogue_item", "submitted_by")
            .only(*QUEUE_COLUMNS)
            .order_by(F(due_field).asc(nulls_first=True), "submitted_at", "pk")[:limit]
        )
    waiting.sort(key=_urgency)
    return waiting[:limit]


def _urgency(case: Case) -> tuple:
    # None first, and never compared with a date.
    return case.due_on is not None, case.due_on, case.submitted_at is not None, case.submitted_at, case.pk


# Work waiting on a reviewer: open filings, and corrections waiting for a second reviewer (an incomplete
# application waits on the entity instead).
FILING_QUEUE_STATUSES = (Filing.Status.FILED, Filing.Status.CORRECTION_PROPOSED)
FILING_QUEUE_LIMIT = 300


def filing_queue(user, *, today: datetime.date, limit: int = FILING_QUEUE_LIMIT) -> list[Filing]:
    """The open filings ``user`` may see, most overdue first, each marked ``excluded`` when the user may not
    decide it (they submitted or decided the case: the reviewer's independence, issue 7)."""
    independent = ~Q(case_submitter=user) & ~Q(case_decider=user) & ~Q(case__submitted_by=user)
    independent &= ~Q(case__decided_by=user)
    return list(
        scope(Filing.objects.all(), user, "view")
        .filter(status__in=FILING_QUEUE_STATUSES)
        .select_related("case__entity", "case__department", "case__catalogue_item", "reviewer")
        .annotate(excluded=models.Case(When(independent, then=Value(False)), default=Value(True)))
        .order_by(Coalesce("due_on", Value(today)), "filed_at", "pk")[:limit]
    )
