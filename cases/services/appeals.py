"""The independent review of objections, appeals and credit-repair applications (DESIGN §4–5, issue 7).

An appeals reviewer decides what the entity filed (``cases.services.filings``). Every step locks the case,
then the filing; checks the policy, the reviewer's independence (neither the case's submitter nor its
deciding supervisor: here and as a CHECK constraint), the filing's state and the page's version; and writes
the filing, the case, the measures, the publication and a notice to the entity in one transaction, each with
a history row naming the actor and the reasons.

Outcomes and their effect:

- objection / appeal upheld, **revoked**: the case becomes REVOKED, running measures end ("revoked"), the
  publication is removed;
- upheld, **corrected**, or **partly upheld**: the reviewer proposes which measures end or end earlier and
  whether the publication ends; nothing changes until a second independent reviewer confirms it;
- **dismissed**: the record stands;
- repair **granted**: the case becomes REPAIRED, measures and publication end early ("repaired");
  repair **refused**: reasons; **incomplete**: the list of what is missing, asked for once (the clock stops
  until the entity supplies it).
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import require
from audit.history import attribute
from creditportal.text import text_required

from .. import workflow
from ..models import Case, Filing, Notice, Publication, Sanction
from .errors import ConflictError
from .filings import case_flag_objection
from .lifecycle import RUNNING, publication_end, publication_refresh, sanction_end, transition_finish
from .notices import notice_issue

Outcome = Filing.Outcome


class IndependenceError(PermissionDenied):
    """Who submitted or decided a case never reviews what the entity filed against it."""

    def __init__(self):
        super().__init__(
            _("You submitted or decided this case, so another appeals reviewer must review what was filed against it.")
        )


class SecondPersonError(PermissionDenied):
    def __init__(self):
        super().__init__(_("You proposed this correction, so a second appeals reviewer must confirm it."))


def may_review(user, filing: Filing) -> bool:
    """Whether ``user`` may take review steps on ``filing`` (the services check again)."""
    return user.is_active and user.has_perm("cases.decide_filing") and user.pk not in _excluded(filing)


def _excluded(filing: Filing) -> set:
    case = filing.case
    return {
        pk for pk in (filing.case_submitter_id, filing.case_decider_id, case.submitted_by_id, case.decided_by_id) if pk
    }


def _begin(*, filing: Filing, actor: User, expected_version: int | None, statuses) -> tuple[Filing, Case]:
    """Lock the case, then the filing (the order every writer uses), and run every check a review step needs."""
    case = Case.objects.select_for_update(of=("self",)).select_related("entity", "department").get(pk=filing.case_id)
    locked = Filing.objects.select_for_update(of=("self",)).get(pk=filing.pk)
    locked.case = case
    require(actor, "view", case)
    if not actor.has_perm("cases.decide_filing"):
        raise PermissionDenied
    if actor.pk in _excluded(locked):
        raise IndependenceError
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError
    if locked.status not in statuses:
        raise ValidationError(
            _("%(ref)s is %(status)s; this step is no longer possible.")
            % {"ref": locked.reference, "status": locked.get_status_display()},
            code="filing_state",
        )
    return locked, case


def _reasons(reasons: str) -> str:
    return text_required(reasons, field="reasons", message=_("State your reasons."), code="reasons_required")


def _end_running(case: Case, *, reason: str, on: datetime.date, actor: User, why: str) -> None:
    for sanction in Sanction.objects.select_for_update(of=("self",)).filter(case=case, status__in=RUNNING):
        sanction_end(sanction, reason=reason, on=on, actor=actor, why=why)
    publication = Publication.objects.select_for_update(of=("self",)).filter(case=case, ended_on=None).first()
    if publication is not None:
        publication_end(publication, reason=reason, on=on, actor=actor, why=why)


def _close(filing: Filing, case: Case, *, outcome: str, reasons: str, actor: User, now) -> Filing:
    """Record the final outcome, lift the "under objection" flag if nothing else is open, tell the entity."""
    filing.status = Filing.Status.DECIDED
    filing.outcome = outcome
    filing.decided_at = now
    filing.version += 1
    attribute(filing, actor=actor, reason=f"{outcome}: {reasons}")
    filing.save()
    case_flag_objection(case, actor=actor)
    notice_issue(case=case, kind=Notice.Kind.FILING_DECISION, actor=actor, filing=filing)
    return filing


@transaction.atomic
def filing_decide(
    *, filing: Filing, actor: User, outcome: str, reasons: str, expected_version: int | None = None
) -> Filing:
    """Decide a filing with a final outcome: revoked or dismissed (objection, appeal); granted or refused (repair).

    Corrections (``corrected``, ``partly_upheld``) go through :func:`filing_propose_correction` instead.
    """
    reasons = _reasons(reasons)
    filing, case = _begin(filing=filing, actor=actor, expected_version=expected_version, statuses=[Filing.Status.FILED])
    allowed = Filing.REPAIR_OUTCOMES if filing.kind == Filing.Kind.REPAIR else (Outcome.REVOKED, Outcome.DISMISSED)
    if outcome not in allowed:
        raise ValidationError({"outcome": _("Choose one of the outcomes offered for this filing.")})
    now = timezone.now()
    today = timezone.localdate(now)
    filing.reviewer, filing.reviewed_at, filing.reasons = actor, now, reasons
    if outcome in (Outcome.REVOKED, Outcome.REPAIRED):
        name = "revoke" if outcome == Outcome.REVOKED else "repair"
        transition = workflow.check(name, case.state)
        end_reason = Sanction.EndReason.REVOKED if name == "revoke" else Sanction.EndReason.REPAIRED
        why = f"{filing.reference}: {outcome}"
        _end_running(case, reason=end_reason, on=today, actor=actor, why=why)
        transition_finish(case, transition=transition, actor=actor, reasons=f"{filing.reference}: {reasons}")
    return _close(filing, case, outcome=outcome, reasons=reasons, actor=actor, now=now)


def _correction(case: Case, *, changes: dict, end_publication: bool) -> dict:
    """Check a proposed correction against the case's running measures; returns it in its stored form.

    ``changes`` maps a running measure's id to ``"end"`` or to a new, earlier end date. A correction can
    only lighten the record: a date later than the current end, or before the measure starts, is refused.
    """
    running = {s.pk: s for s in case.sanctions.filter(status__in=RUNNING).select_related("measure_type")}
    stored = {}
    for pk, change in changes.items():
        sanction = running.get(int(pk))
        if sanction is None:
            raise ValidationError(_("Only measures in force can be corrected."), code="not_running")
        if change == "end":
            stored[str(sanction.pk)] = {"end": True}
            continue
        current_end = sanction.planned_end_on or case.record_ends_on
        if not isinstance(change, datetime.date) or (sanction.starts_on and change < sanction.starts_on):
            raise ValidationError(
                _("The new end of “%(measure)s” cannot be before it starts (%(date)s).")
                % {"measure": sanction.measure_type, "date": sanction.starts_on},
                code="end_before_start",
            )
        if current_end and change >= current_end:
            raise ValidationError(
                _("A correction can only end “%(measure)s” earlier than %(date)s.")
                % {"measure": sanction.measure_type, "date": current_end},
                code="not_earlier",
            )
        stored[str(sanction.pk)] = {"planned_end_on": change.isoformat()}
    has_publication = Publication.objects.filter(case=case, ended_on=None).exists()
    if not stored and not (end_publication and has_publication):
        raise ValidationError(
            _("A correction must end a measure, end one earlier or end the publication."), code="empty_correction"
        )
    return {"sanctions": stored, "end_publication": bool(end_publication and has_publication)}


@transaction.atomic
def filing_propose_correction(
    *, filing: Filing, actor: User, outcome: str, reasons: str, changes: dict, end_publication: bool = False,
    expected_version: int | None = None,
) -> Filing:  # fmt: skip
    """Uphold an objection or appeal in whole (``corrected``) or in part (``partly_upheld``) by correcting the
    measures; the correction waits for a second reviewer (:func:`filing_confirm_correction`)."""
    reasons = _reasons(reasons)
    filing, case = _begin(filing=filing, actor=actor, expected_version=expected_version, statuses=[Filing.Status.FILED])
    if filing.kind not in Filing.DISPUTES or outcome not in Filing.CORRECTIONS:
        raise ValidationError({"outcome": _("Choose one of the outcomes offered for this filing.")})
    workflow.check("revoke", case.state)  # a record in force: the same states a revocation needs
    correction = _correction(case, changes=changes, end_publication=end_publication)
    filing.correction = {"outcome": outcome, **correction}
    filing.status = Filing.Status.CORRECTION_PROPOSED
    filing.reviewer, filing.reviewed_at, filing.reasons = actor, timezone.now(), reasons
    filing.version += 1
    attribute(filing, actor=actor, reason=f"correction proposed ({outcome}): {reasons}")
    filing.save()
    return filing


@transaction.atomic
def filing_confirm_correction(*, filing: Filing, actor: User, expected_version: int | None = None) -> Filing:
    """A second appeals reviewer confirms the proposed correction: it takes effect and the entity is told."""
    filing, case = _begin(
        filing=filing, actor=actor, expected_version=expected_version, statuses=[Filing.Status.CORRECTION_PROPOSED]
    )
    if actor.pk == filing.reviewer_id:
        raise SecondPersonError
    workflow.check("revoke", case.state)  # still in force (it may have expired since the proposal)
    now = timezone.now()
    today = timezone.localdate(now)
    correction = filing.correction
    why = f"{filing.reference}: corrected"
    sanctions = Sanction.objects.select_for_update(of=("self",)).filter(case=case, status__in=RUNNING)
    by_pk = {str(s.pk): s for s in sanctions}
    for pk, change in correction.get("sanctions", {}).items():
        sanction = by_pk.get(pk)
        if sanction is None:
            raise ValidationError(
                _("A measure in the correction has ended since it was proposed; send it back to be proposed again."),
                code="stale_correction",
            )
        new_end = today if change.get("end") else datetime.date.fromisoformat(change["planned_end_on"])
        if new_end <= today:
            sanction_end(sanction, reason=Sanction.EndReason.CORRECTED, on=new_end, actor=actor, why=why)
        else:
            sanction.planned_end_on = new_end
            attribute(sanction, actor=actor, reason=why)
            sanction.save()
    publication = Publication.objects.select_for_update(of=("self",)).filter(case=case, ended_on=None).first()
    if publication is not None:
        if correction.get("end_publication"):
            publication_end(publication, reason=Publication.EndReason.CORRECTED, on=today, actor=actor, why=why)
        else:
            publication_refresh(publication, actor=actor, why=why)
    filing.confirmed_by = actor
    return _close(filing, case, outcome=correction["outcome"], reasons=filing.reasons, actor=actor, now=now)


@transaction.atomic
def filing_return_correction(
    *, filing: Filing, actor: User, reasons: str, expected_version: int | None = None
) -> Filing:
    """The second reviewer does not confirm: the filing goes back to the queue, to be decided afresh."""
    reasons = _reasons(reasons)
    filing, _case = _begin(
        filing=filing, actor=actor, expected_version=expected_version, statuses=[Filing.Status.CORRECTION_PROPOSED]
    )
    if actor.pk == filing.reviewer_id:
        raise SecondPersonError
    filing.status = Filing.Status.FILED
    filing.correction = {}
    filing.reviewer, filing.reviewed_at, filing.reasons = None, None, ""
    filing.version += 1
    attribute(filing, actor=actor, reason=f"correction not confirmed: {reasons}")
    filing.save()
    return filing


@transaction.atomic
def filing_request_documents(
    *, filing: Filing, actor: User, missing: str, expected_version: int | None = None
) -> Filing:
    """An incomplete repair application: tell the entity, once, everything that is missing; the clock stops."""
    missing = text_required(missing, field="missing", message=_("List the documents that are missing."))
    filing, case = _begin(filing=filing, actor=actor, expected_version=expected_version, statuses=[Filing.Status.FILED])
    if filing.kind != Filing.Kind.REPAIR:
        raise ValidationError(_("Documents can be requested only for an application for credit repair."))
    if filing.missing_requested_at is not None:
        raise ValidationError(
            _("Missing documents were already requested on %(date)s; they may be asked for only once. Decide now.")
            % {"date": timezone.localdate(filing.missing_requested_at)},
            code="asked_once",
        )
    now = timezone.now()
    filing.status = Filing.Status.INCOMPLETE
    filing.missing = missing
    filing.missing_requested_at = now
    filing.reviewer, filing.reviewed_at = actor, now
    filing.due_on = None  # the review clock stops until the documents arrive
    filing.version += 1
    attribute(filing, actor=actor, reason=f"documents requested: {missing}")
    filing.save()
    notice_issue(case=case, kind=Notice.Kind.REPAIR_INCOMPLETE, actor=actor, filing=filing)
    return filing
