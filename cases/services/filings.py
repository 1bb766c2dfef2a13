"""What an entity files itself through the portal (DESIGN §4, issues 6–7).

- the statement (陈述申辩) on the pre-decision notice, while the statement window is open;
- an objection to the record, an appeal against the decision, an application for credit repair
  (:class:`~cases.models.Filing`, decided by an appeals reviewer in ``cases.services.appeals``), and the
  documents an incomplete repair application was asked for;
- a short public statement beside the published entry.

The representative is the actor: the policy says which cases it may see (its entity's, from the notice
served on); the services here check the window or eligibility, lock the case, record the filing with a
history row naming the actor, serve a receipt notice and return the reference number. Proofs are checked
exactly like evidence (``cases.evidence.inspect_upload``) and kept in the same private storage.
"""

import datetime
import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import require
from audit.history import attribute
from creditportal.text import text_required

from .. import clocks, workflow
from ..evidence import inspect_upload
from ..models import Case, Filing, FilingAttachment, Notice, Publication, Statement, StatementAttachment
from ..workflow import State
from . import notifications
from .evidence import stored_files_discard
from .lifecycle import transition_finish
from .notices import notice_issue

STATEMENT_MAX_LENGTH = 10_000
TEXT_MAX_LENGTH = 10_000
MAX_ATTACHMENTS = 5
PUBLIC_STATEMENT_MAX_LENGTH = 500


def _check_uploads(uploads) -> list:
    """Every file is checked (size, real type by its bytes) before anything is stored."""
    uploads = list(uploads or [])
    if len(uploads) > MAX_ATTACHMENTS:
        raise ValidationError({"files": _("Attach at most %(n)d files.") % {"n": MAX_ATTACHMENTS}})
    checked = []
    for upload in uploads:
        try:
            checked.append((upload, inspect_upload(upload)))
        except ValidationError as error:
            raise ValidationError({"files": error}) from None
    return checked


def _store_attachments(checked, *, model, owner: dict, actor: User, now, stored: list, reason: str) -> None:
    """Store each checked upload as a ``model`` row of ``owner`` (its filing or statement); ``stored`` lists them."""
    for upload, facts in checked:
        attachment = model(
            **owner, original_name=facts.original_name, content_type=facts.content_type,
            size=facts.size, sha256=facts.sha256, uploaded_at=now,
        )  # fmt: skip
        attachment.file.save(facts.original_name, upload, save=False)
        stored.append(attachment)
        attribute(attachment, actor=actor, reason=reason)
        attachment.save()


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


def statement_file(*, case: Case, actor: User, text: str, uploads=()) -> Receipt:
    """A representative files the entity's statement or objection, with its evidence, while the window is open.

    ``Http404`` if the actor does not represent the case's entity (or the case is not served yet);
    ``ValidationError`` with a message stating when the window closed if it is not open, or naming the file
    that was refused; otherwise the statement and its documents are recorded with the actor, the case awaits
    decision (history names the actor) and a receipt comes back.
    """
    text = text_required(text, field="text", message=_("Enter the statement."))
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
    checked = _check_uploads(uploads)
    stored = []
    try:
        with transaction.atomic():
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
            _store_attachments(
                checked, model=StatementAttachment, owner={"statement": statement}, actor=actor, now=now,
                stored=stored, reason="evidence filed with the statement",
            )  # fmt: skip
            transition_finish(locked, transition=transition, actor=actor, reasons="statement filed through the portal")
    except BaseException:
        stored_files_discard(stored, case_id=case.pk)  # the stored files must not outlive their rows
        raise
    return statement_receipt(statement)


# -- objections, appeals and credit repair -----------------------------------------------------------------

_PREFIX = {Filing.Kind.OBJECTION: "O", Filing.Kind.APPEAL: "A", Filing.Kind.REPAIR: "R"}


def _open_filing(case: Case, kind: str) -> Filing | None:
    return Filing.objects.filter(case=case, kind=kind, status__in=Filing.OPEN_STATUSES).first()


def _already_open(case: Case, kind: str) -> str | None:
    pending = _open_filing(case, kind)
    if pending is None:
        return None
    return str(
        _("Your %(kind)s %(ref)s is still being reviewed; you can file another once it is decided.")
        % {"kind": pending.get_kind_display(), "ref": pending.reference}
    )


def appeal_deadline(case: Case) -> datetime.date | None:
    """The last day to appeal the sanction decision, or ``None`` if there is none yet."""
    if case.state != State.SANCTIONED or case.decided_at is None:
        return None
    decision = case.notices.filter(kind=Notice.Kind.DECISION).order_by("-served_at").first()
    if decision is None:
        return None
    reconsideration, _litigation = clocks.appeal_deadlines(case, served_on=timezone.localdate(decision.served_at))
    return reconsideration


def objection_refusal(case: Case) -> str | None:
    """Why the entity cannot object to the record today, or ``None`` while it can (any time it is in force)."""
    if case.state != State.SANCTIONED:
        return str(_("An objection can be filed against a record in force; this case is %(state)s.")) % {
            "state": case.get_state_display()
        }
    return _already_open(case, Filing.Kind.OBJECTION)


def appeal_refusal(case: Case, *, today: datetime.date | None = None) -> str | None:
    """Why the entity cannot appeal today, or ``None`` while it can."""
    today = today or timezone.localdate()
    try:
        deadline = appeal_deadline(case)
    except clocks.RuleMissingError as error:
        return error.messages[0]
    if deadline is None:
        return str(_("There is no sanction decision to appeal on this case."))
    if today > deadline:
        return str(_("The deadline to appeal this decision was %(date)s.") % {"date": deadline})
    return _already_open(case, Filing.Kind.APPEAL)


def repair_refusal(case: Case, *, today: datetime.date | None = None) -> str | None:
    """Why the entity cannot apply for credit repair today, or ``None`` once it is eligible."""
    today = today or timezone.localdate()
    if case.state != State.SANCTIONED or case.repair_earliest_on is None:
        return str(_("Credit repair applies only to a case whose measures are imposed."))
    if today < case.repair_earliest_on:
        return str(_("Credit repair can be applied for from %(date)s.") % {"date": case.repair_earliest_on})
    return _already_open(case, Filing.Kind.REPAIR)


REFUSALS = {
    Filing.Kind.OBJECTION: objection_refusal,
    Filing.Kind.APPEAL: appeal_refusal,
    Filing.Kind.REPAIR: repair_refusal,
}


def _clean_text(text: str, field: str, message, limit: int = TEXT_MAX_LENGTH) -> str:
    text = text_required(text, field=field, message=message)
    if len(text) > limit:
        raise ValidationError(
            {field: ValidationError(_("Keep it to %(limit)d characters."), code="max_length", params={"limit": limit})}
        )
    return text


def case_flag_objection(case: Case, *, actor: User) -> None:
    """Set or clear the "under objection" flag of a locked case from its open objections and appeals."""
    flagged = Filing.objects.filter(case=case, kind__in=Filing.DISPUTES, status__in=Filing.OPEN_STATUSES).exists()
    if case.under_objection != flagged:
        case.under_objection = flagged
        attribute(case, actor=actor, reason="under objection" if flagged else "no longer under objection")
        case.save(update_fields=["under_objection"])


def _file(*, case: Case, actor: User, kind: str, text: str, uploads=()) -> Filing:
    checked = _check_uploads(uploads)
    stored = []
    try:
        with transaction.atomic():
            locked = Case.objects.select_for_update(of=("self",)).select_related("entity").get(pk=case.pk)
            require(actor, "view", locked)
            refusal = REFUSALS[kind](locked)
            if refusal:
                raise ValidationError(refusal, code="not_open")
            now = timezone.now()
            received_on = timezone.localdate(now)
            ordinal = Filing.objects.filter(case=locked, kind=kind).count() + 1
            filing = Filing(
                case=locked, kind=kind, text=text, filed_by=actor, filed_at=now,
                reference=f"{_PREFIX[kind]}-{locked.number}-{ordinal}",
                due_on=clocks.filing_due(kind, received_on=received_on),
                case_submitter_id=locked.submitted_by_id, case_decider_id=locked.decided_by_id,
            )  # fmt: skip
            attribute(filing, actor=actor, reason=f"{kind} filed through the portal")
            filing.save()
            _store_attachments(
                checked,
                model=FilingAttachment,
                owner={"filing": filing},
                actor=actor,
                now=now,
                stored=stored,
                reason="proof uploaded",
            )
            if kind in Filing.DISPUTES:
                case_flag_objection(locked, actor=actor)
            notice_issue(case=locked, kind=Notice.Kind.FILING_RECEIPT, actor=actor, filing=filing)
            notifications.notification_send_filing_received(filing, actor=actor)
    except BaseException:
        stored_files_discard(stored, case_id=case.pk)  # the stored files must not outlive their rows
        raise
    return filing


def filing_objection_file(*, case: Case, actor: User, text: str, uploads=()) -> Filing:
    """Object to the record (an error, an omission, a period overrun ...); it is flagged at once."""
    text = _clean_text(text, "text", _("State what is wrong in the record and why."))
    return _file(case=case, actor=actor, kind=Filing.Kind.OBJECTION, text=text, uploads=uploads)


def filing_appeal_file(*, case: Case, actor: User, text: str, uploads=()) -> Filing:
    """Appeal the sanction decision on ``case`` before its deadline; returns the filing (with its reference)."""
    text = _clean_text(text, "text", _("State the grounds of your appeal."))
    return _file(case=case, actor=actor, kind=Filing.Kind.APPEAL, text=text, uploads=uploads)


def filing_repair_apply(*, case: Case, actor: User, commitment: str, uploads=()) -> Filing:
    """Apply for credit repair once eligible, with a signed commitment and proof of the obligations fulfilled."""
    text = _clean_text(commitment, "commitment", _("Enter your commitment."))
    return _file(case=case, actor=actor, kind=Filing.Kind.REPAIR, text=text, uploads=uploads)


def supplement_refusal(filing: Filing) -> str | None:
    if filing.status != Filing.Status.INCOMPLETE:
        return str(_("No documents are requested on %(ref)s.") % {"ref": filing.reference})
    return None


def filing_repair_supplement(*, filing: Filing, actor: User, note: str, uploads=()) -> Filing:
    """Supply the documents an incomplete repair application was asked for; the review clock starts again."""
    note = (note or "").strip()
    if len(note) > TEXT_MAX_LENGTH:
        raise ValidationError({"note": _("Keep it to %(limit)d characters.") % {"limit": TEXT_MAX_LENGTH}})
    checked = _check_uploads(uploads)
    if not checked:
        raise ValidationError({"files": _("Attach the documents that were requested.")})
    stored = []
    try:
        with transaction.atomic():
            Case.objects.select_for_update(of=("self",)).get(pk=filing.case_id)
            locked = Filing.objects.select_for_update(of=("self",)).select_related("case").get(pk=filing.pk)
            require(actor, "view", locked.case)
            refusal = supplement_refusal(locked)
            if refusal:
                raise ValidationError(refusal, code="not_open")
            now = timezone.now()
            _store_attachments(
                checked,
                model=FilingAttachment,
                owner={"filing": locked},
                actor=actor,
                now=now,
                stored=stored,
                reason="documents supplied",
            )
            if note:
                locked.text = f"{locked.text}\n\n{note}"
            locked.status = Filing.Status.FILED
            locked.supplemented_at = now
            locked.due_on = clocks.filing_due(locked.kind, received_on=timezone.localdate(now))
            locked.version += 1
            attribute(locked, actor=actor, reason="requested documents supplied")
            locked.save()
            notifications.notification_send_filing_received(locked, actor=actor)
    except BaseException:
        stored_files_discard(stored, case_id=filing.case_id)
        raise
    return locked


def public_statement_refusal(case: Case, *, today: datetime.date | None = None) -> str | None:
    publication = getattr(case, "publication", None)
    if publication is None or not publication.is_visible(today):
        return str(_("This record is not published, so there is nothing to add a public statement to."))
    return None


@transaction.atomic
def publication_statement_set(*, case: Case, actor: User, text: str) -> Publication:
    """Add (or replace) the entity's short statement shown with its published entry; empty text removes it."""
    text = (text or "").strip()
    if len(text) > PUBLIC_STATEMENT_MAX_LENGTH:
        raise ValidationError({"text": _("Keep it to %(limit)d characters.") % {"limit": PUBLIC_STATEMENT_MAX_LENGTH}})
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    require(actor, "view", locked)
    refusal = public_statement_refusal(locked)
    if refusal:
        raise ValidationError(refusal, code="not_published")
    publication = Publication.objects.select_for_update(of=("self",)).get(case=locked)
    publication.entity_statement = text
    publication.entity_statement_at = timezone.now() if text else None
    attribute(publication, actor=actor, reason="public statement of the entity" if text else "public statement removed")
    publication.save()
    return publication
