"""What an entity files itself through the portal (DESIGN §4, issue 6): statements and objections.

The representative is the actor: the policy says which cases it may see (its entity's, from the notice
served on); the services here check the window and record the filing with a history row, exactly as the
staff service records a statement received on paper, and return a receipt with a reference number.
"""

import datetime
import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import require
from audit.history import attribute

from .. import workflow
from ..models import Case, Statement
from ..workflow import State
from .review import _finish

STATEMENT_MAX_LENGTH = 10_000


@dataclass(frozen=True)
class Receipt:
    """What the entity keeps as proof of a filing."""

    reference: str
    statement_id: int
    case_number: str
    kind: str
    filed_at: datetime.datetime
    received_on: datetime.date
    text_sha256: str


def statement_reference(statement: Statement) -> str:
    """``S-<case number>-<n>``: the n-th statement on the case (statements are never deleted)."""
    ordinal = Statement.objects.filter(case_id=statement.case_id, pk__lte=statement.pk).count()
    return f"S-{statement.case.number}-{ordinal}"


def statement_receipt(statement: Statement) -> Receipt:
    return Receipt(
        reference=statement_reference(statement),
        statement_id=statement.pk,
        case_number=statement.case.number,
        kind="statement",
        filed_at=statement.recorded_at,
        received_on=statement.received_on,
        text_sha256=hashlib.sha256(statement.text.encode()).hexdigest(),
    )


def statement_window_refusal(case: Case, *, today: datetime.date | None = None) -> str | None:
    """Why the entity cannot file a statement on ``case`` today, or ``None`` while the window is open."""
    today = today or timezone.localdate()
    ends_on = case.statement_window_ends_on
    if case.state == State.NOTICE_ISSUED and ends_on is not None and today <= ends_on:
        return None
    if case.state in (State.DRAFT, State.SUBMITTED, State.REJECTED) or ends_on is None:
        return str(_("No statement window is open on this case."))
    if case.state != State.NOTICE_ISSUED and case.statements.exists():
        return str(
            _("A statement has already been filed on this case; the window closed on %(date)s.") % {"date": ends_on}
        )
    return str(_("The statement window closed on %(date)s.") % {"date": ends_on})


@transaction.atomic
def portal_statement_file(*, case: Case, actor, text: str) -> Receipt:
    """A representative files the entity's statement or objection while the statement window is open.

    ``Http404`` if the actor does not represent the case's entity (or the case is not served yet);
    ``ValidationError`` with a message stating when the window closed if it is not open; otherwise the
    statement is recorded with the actor, the case awaits decision (history names the actor) and a
    receipt comes back.
    """
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": ValidationError(_("Enter the statement."), code="required")})
    if len(text) > STATEMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "text": ValidationError(
                    _("Keep the statement to %(limit)d characters."),
                    code="max_length",
                    params={"limit": STATEMENT_MAX_LENGTH},
                )
            }
        )
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    require(actor, "view", locked)
    refusal = statement_window_refusal(locked)
    if refusal:
        raise ValidationError(refusal, code="window_closed")
    transition = workflow.check("record_statement", locked.state)
    now = timezone.now()
    statement = Statement(
        case=locked, text=text, received_on=timezone.localdate(now), recorded_by=actor, recorded_at=now
    )
    attribute(statement, actor=actor, reason="statement filed through the portal")
    statement.save()
    _finish(locked, transition=transition, actor=actor, reasons="statement filed through the portal")
    return statement_receipt(statement)
