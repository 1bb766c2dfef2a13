"""Appeals and credit-repair applications the entity files through the portal (issue 6, item 3).

Like the statement (``cases.services.filings``), each filing is checked against the policy (the actor
represents the case's entity) and its window, recorded with a history row naming the actor, and answered
with a reference number. Proofs are checked exactly like evidence (``cases.evidence.inspect_upload``) and
kept in the same private storage. Deciding them (an appeals reviewer's work) is not part of the portal.
"""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import require
from audit.history import attribute
from cases import clocks
from cases.evidence import inspect_upload
from cases.models import Case
from cases.workflow import State

from .models import Filing, FilingAttachment

logger = logging.getLogger(__name__)

TEXT_MAX_LENGTH = 10_000
MAX_ATTACHMENTS = 5
_PREFIX = {Filing.Kind.APPEAL: "A", Filing.Kind.REPAIR: "R"}


def appeal_deadline(case: Case) -> datetime.date | None:
    """The last day to appeal (administrative reconsideration) the sanction decision, or ``None`` if none yet."""
    if case.state != State.SANCTIONED or case.decided_at is None:
        return None
    decision = case.notices.filter(kind="decision").order_by("-served_at").first()
    if decision is None:
        return None
    reconsideration, _litigation = clocks.appeal_deadlines(case, served_on=timezone.localdate(decision.served_at))
    return reconsideration


def _pending(case: Case, kind: str) -> Filing | None:
    return Filing.objects.filter(case=case, kind=kind, status=Filing.Status.FILED).first()


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
    pending = _pending(case, Filing.Kind.APPEAL)
    if pending:
        return str(_("An appeal is already awaiting review (%(ref)s).") % {"ref": pending.reference})
    return None


def repair_refusal(case: Case, *, today: datetime.date | None = None) -> str | None:
    """Why the entity cannot apply for credit repair today, or ``None`` once it is eligible."""
    today = today or timezone.localdate()
    if case.state != State.SANCTIONED or case.repair_earliest_on is None:
        return str(_("Credit repair applies only to a case whose measures are imposed."))
    if today < case.repair_earliest_on:
        return str(_("Credit repair can be applied for from %(date)s.") % {"date": case.repair_earliest_on})
    pending = _pending(case, Filing.Kind.REPAIR)
    if pending:
        return str(
            _("An application for credit repair is already awaiting review (%(ref)s).") % {"ref": pending.reference}
        )
    return None


def _clean_text(text: str, field: str, message) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: ValidationError(message, code="required")})
    if len(text) > TEXT_MAX_LENGTH:
        raise ValidationError(
            {
                field: ValidationError(
                    _("Keep it to %(limit)d characters."), code="max_length", params={"limit": TEXT_MAX_LENGTH}
                )
            }
        )
    return text


def _file(*, case: Case, actor, kind: str, text: str, refusal_for, uploads=()) -> Filing:
    uploads = list(uploads or [])
    if len(uploads) > MAX_ATTACHMENTS:
        raise ValidationError({"files": _("Attach at most %(n)d files.") % {"n": MAX_ATTACHMENTS}})
    checked = []
    for upload in uploads:  # every file is checked before anything is stored
        try:
            checked.append((upload, inspect_upload(upload)))
        except ValidationError as error:
            raise ValidationError({"files": error}) from None
    stored = []
    try:
        with transaction.atomic():
            locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
            require(actor, "view", locked)
            refusal = refusal_for(locked)
            if refusal:
                raise ValidationError(refusal, code="not_open")
            ordinal = Filing.objects.filter(case=locked, kind=kind).count() + 1
            now = timezone.now()
            filing = Filing(
                case=locked, kind=kind, text=text, filed_by=actor, filed_at=now,
                reference=f"{_PREFIX[kind]}-{locked.number}-{ordinal}",
            )  # fmt: skip
            attribute(filing, actor=actor, reason=f"{kind} filed through the portal")
            filing.save()
            for upload, facts in checked:
                attachment = FilingAttachment(
                    filing=filing, original_name=facts.original_name, content_type=facts.content_type,
                    size=facts.size, sha256=facts.sha256, uploaded_at=now,
                )  # fmt: skip
                attachment.file.save(facts.original_name, upload, save=False)
                stored.append(attachment)
                attribute(attachment, actor=actor, reason="proof uploaded through the portal")
                attachment.save()
    except BaseException:
        for attachment in stored:  # the stored files must not outlive their rows
            try:
                attachment.file.storage.delete(attachment.file.name)
            except Exception:
                logger.exception("Could not delete an orphaned filing attachment of case %s", case.pk)
        raise
    return filing


def portal_appeal_file(*, case: Case, actor, text: str, uploads=()) -> Filing:
    """Appeal the sanction decision on ``case`` before its deadline; returns the filing (with its reference)."""
    text = _clean_text(text, "text", _("State the grounds of your appeal."))
    return _file(
        case=case, actor=actor, kind=Filing.Kind.APPEAL, text=text, refusal_for=appeal_refusal, uploads=uploads
    )


def portal_repair_apply(*, case: Case, actor, commitment: str, uploads=()) -> Filing:
    """Apply for credit repair once eligible, with a signed commitment and proof of the obligations fulfilled."""
    text = _clean_text(commitment, "commitment", _("Enter your commitment."))
    return _file(
        case=case, actor=actor, kind=Filing.Kind.REPAIR, text=text, refusal_for=repair_refusal, uploads=uploads
    )
