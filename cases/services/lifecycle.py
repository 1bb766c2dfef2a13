"""The lifecycle in force (DESIGN §5; issue 5): publication at decision, and what the clock moves by itself.

Two kinds of service live here:

- :func:`publication_decide` and :func:`publication_create`, which ``case_sanction`` calls when the
  supervisor decides: whether the case is published, and the masked snapshot the public sees (DESIGN §7).
- The **system transitions** run by the periodic sweep (``sweep.sweep``, ``manage.py run_lifecycle``):
  start and end measures, end publication at its maximum, expire cases at the end of the record period,
  mark credit-repair eligibility, flag overdue reviews and send reminders. They check the workflow table
  and the state and dates of the row they change — under a row lock, so two sweeps at once act once —
  but not user permissions: their actor is the non-login system account (``accounts.services.system_actor``), named
  in every history row with a reason.

Each step is its own transaction, so one faulty case (e.g. a rule period missing) is reported and the
others still move. Every step is idempotent: what is done is not matched by the next run's queries, and
what another sweep did meanwhile is re-checked under the lock and skipped.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.history import attribute

from .. import clocks, workflow
from ..models import Case, CatalogueItem, Filing, Notice, Publication, Sanction
from ..workflow import State
from . import notifications
from .notices import notice_issue
from .retention import case_free_text_deidentify

EndReason = Sanction.EndReason
# The measures still in force or due to start (one definition: appeals and corrections use it too).
RUNNING = (Sanction.Status.PENDING, Sanction.Status.ACTIVE)


# -- publication at decision ------------------------------------------------------------------------------


def publication_decide(case: Case, *, publish: bool | None, decided_on: datetime.date) -> bool:
    """Whether the decided case is published: never a minor, never conduct the catalogue keeps private.

    ``publish`` is the deciding supervisor's choice; ``None`` takes the catalogue's default (per case: no).
    """
    publishable = case.catalogue_item.publishable
    if case.entity.is_minor(on=decided_on):
        if publish:
            raise ValidationError({"publish": _("The entity is a minor; minors are never published.")})
        return False
    if publishable == CatalogueItem.Publishable.NO:
        if publish:
            raise ValidationError({"publish": _("The catalogue does not allow publishing this conduct.")})
        return False
    if publish is None:
        return publishable == CatalogueItem.Publishable.YES
    return bool(publish)


def _iso(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


# Everything the public register may show, and nothing else (DESIGN §7): tests hold it to this list.
SNAPSHOT_FIELDS = frozenset(
    {"case_number", "department", "entity", "conduct", "legal_basis", "document", "measures",
     "published_from", "min_end_on", "max_end_on"}
)  # fmt: skip


def _published_measures(case: Case, *, max_end_on: datetime.date) -> list[dict]:
    measures = case.sanctions.select_related("measure_type").filter(status__in=RUNNING).order_by("pk")
    return [
        {
            "name": {"zh": s.measure_type.name_zh, "en": s.measure_type.name_en},
            "starts_on": _iso(s.starts_on),
            "ends_on": _iso(s.planned_end_on or max_end_on),
        }
        for s in measures
    ]


def publication_snapshot(case: Case, *, period: clocks.RecordPeriod) -> dict:
    """The allow-listed, masked content of a publication: identity numbers masked, no facts, notes or evidence."""
    entity, item, document = case.entity, case.catalogue_item, case.legal_document
    return {
        "case_number": case.number,
        "department": case.department.name,
        "entity": {"name": entity.name, "identifier": entity.display_identifier},
        "conduct": {"zh": item.name_zh, "en": item.name_en},
        "legal_basis": {"zh": item.legal_basis_zh, "en": item.legal_basis_en},
        "document": {"number": document.number, "date": _iso(document.issued_on)},
        "measures": _published_measures(case, max_end_on=period.max_end_on),
        "published_from": _iso(period.published_from),
        "min_end_on": _iso(period.min_end_on),
        "max_end_on": _iso(period.max_end_on),
    }


def publication_refresh(publication: Publication, *, actor: User, why: str) -> Publication:
    """After a confirmed correction, the published measures are those still in force, with their new ends."""
    snapshot = dict(publication.snapshot)
    snapshot["measures"] = _published_measures(publication.case, max_end_on=publication.max_end_on)
    if snapshot != publication.snapshot:
        publication.snapshot = snapshot
        attribute(publication, actor=actor, reason=why)
        publication.save()
    return publication


def publication_create(case: Case, *, period: clocks.RecordPeriod, actor: User) -> Publication:
    """Publish the decided case from the decision date until at most the end of its record period."""
    publication = Publication(
        case=case,
        snapshot=publication_snapshot(case, period=period),
        published_from=period.published_from,
        min_end_on=period.min_end_on,
        max_end_on=period.max_end_on,
        created_at=timezone.now(),
    )
    attribute(publication, actor=actor, reason="published by decision")
    publication.save()
    return publication


# -- the end of retention -----------------------------------------------------------------------------------

# What a notice says once the person it was served on is de-identified (the notice's kind, date and case remain).
DEIDENTIFIED_NOTICE = {
    "zh": "（本文书所载个人信息已于保存期限届满后去标识化。）",
    "en": "(The personal data in this notice was de-identified at the end of its retention period.)",
}


@transaction.atomic
def case_records_deidentify(*, entity, actor: User, reason: str) -> int:
    """After a natural person's retention ends (``audit.retention``): the notices served on them and their
    published entries lose the name and identity number. Live rows change as attributed saves; their history
    rows lose the texts through the one audited purge path. Returns how many rows changed."""
    from audit.services import history_purge_personal_data
    from entities.services import DEIDENTIFIED_NAME

    changed = 0
    notices = list(Notice.objects.select_for_update(of=("self",)).filter(case__entity=entity).order_by("pk"))
    if notices:
        history_purge_personal_data(
            actor=actor, history_model=Notice.history.model, fields=("body_zh", "body_en"), reason=reason,
            pks=Notice.history.filter(id__in=[n.pk for n in notices]).values_list("history_id", flat=True),
        )  # fmt: skip
    for notice in notices:
        notice.body_zh, notice.body_en = DEIDENTIFIED_NOTICE["zh"], DEIDENTIFIED_NOTICE["en"]
        attribute(notice, actor=actor, reason=reason)
        notice.save()
        changed += 1
    publications = list(Publication.objects.select_for_update(of=("self",)).filter(case__entity=entity))
    if publications:
        history_purge_personal_data(
            actor=actor, history_model=Publication.history.model, fields=("snapshot", "entity_statement"),
            reason=reason,
            pks=Publication.history.filter(id__in=[p.pk for p in publications]).values_list("history_id", flat=True),
        )  # fmt: skip
    for publication in publications:
        publication.snapshot = {**publication.snapshot, "entity": {"name": DEIDENTIFIED_NAME, "identifier": ""}}
        publication.entity_statement = ""
        attribute(publication, actor=actor, reason=reason)
        publication.save()
        changed += 1
    return changed + case_free_text_deidentify(entity=entity, actor=actor, reason=reason)


# -- finishing a transition -------------------------------------------------------------------------------


def transition_finish(case: Case, *, transition, actor: User, reasons: str) -> Case:
    """Move a locked, checked case to the transition's target and save it with its history row (actor, reason)."""
    case.state = transition.target
    case.version += 1
    case.overdue_since = None  # the step the case waited on is taken
    attribute(case, actor=actor, reason=f"{transition.name}: {reasons}".strip().rstrip(":"))
    case.save()
    return case


# -- system transitions -----------------------------------------------------------------------------------


def _today(today):
    return today or timezone.localdate()


def sanction_end(sanction: Sanction, *, reason: str, on: datetime.date, actor: User, why: str) -> None:
    sanction.status = Sanction.Status.ENDED
    sanction.ended_on = on
    sanction.end_reason = reason
    attribute(sanction, actor=actor, reason=why)
    sanction.save()


def publication_end(publication: Publication, *, reason: str, on: datetime.date, actor: User, why: str) -> None:
    publication.ended_on = on
    publication.end_reason = reason
    attribute(publication, actor=actor, reason=why)
    publication.save()


@transaction.atomic
def sanction_start(*, sanction: Sanction, actor: User, today: datetime.date | None = None) -> bool:
    """An imposed measure comes into force on its start date (pending → active). False if nothing to do."""
    today = _today(today)
    locked = Sanction.objects.select_for_update(of=("self",)).select_related("case").get(pk=sanction.pk)
    if locked.status != Sanction.Status.PENDING or locked.starts_on is None or locked.starts_on > today:
        return False
    if locked.case.state != State.SANCTIONED:
        return False
    locked.status = Sanction.Status.ACTIVE
    attribute(locked, actor=actor, reason=f"in force from {locked.starts_on}")
    locked.save()
    return True


@transaction.atomic
def sanction_expire(*, sanction: Sanction, actor: User, today: datetime.date | None = None) -> bool:
    """A measure with a shorter duration than the record ends on its planned end date (active → ended)."""
    today = _today(today)
    locked = Sanction.objects.select_for_update(of=("self",)).get(pk=sanction.pk)
    if locked.status != Sanction.Status.ACTIVE or locked.planned_end_on is None or locked.planned_end_on > today:
        return False
    sanction_end(
        locked, reason=EndReason.EXPIRED, on=locked.planned_end_on, actor=actor,
        why=f"ended: planned end {locked.planned_end_on}",
    )  # fmt: skip
    return True


@transaction.atomic
def publication_expire(*, publication: Publication, actor: User, today: datetime.date | None = None) -> bool:
    """Publication stops automatically at its maximum (Order 36), whatever else happens to the case."""
    today = _today(today)
    locked = Publication.objects.select_for_update(of=("self",)).get(pk=publication.pk)
    if locked.ended_on is not None or locked.max_end_on > today:
        return False
    publication_end(
        locked, reason=EndReason.EXPIRED, on=locked.max_end_on, actor=actor,
        why=f"ended at its maximum {locked.max_end_on}",
    )  # fmt: skip
    return True


def _lock_case(case: Case) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("entity", "department").get(pk=case.pk)


@transaction.atomic
def case_expire(*, case: Case, actor: User, today: datetime.date | None = None) -> Case:
    """At the end of the record period the case expires: its measures and publication end, a notice is served."""
    today = _today(today)
    locked = _lock_case(case)
    transition = workflow.check("expire", locked.state)
    if locked.record_ends_on is None or today < locked.record_ends_on:
        raise ValidationError(
            _("The record period runs until %(date)s.") % {"date": locked.record_ends_on}, code="record_running"
        )
    record_end = locked.record_ends_on
    for sanction in Sanction.objects.select_for_update(of=("self",)).filter(case=locked, status__in=RUNNING):
        ended_on = min(sanction.planned_end_on or record_end, record_end)
        sanction_end(sanction, reason=EndReason.EXPIRED, on=ended_on, actor=actor, why="record period ended")
    publication = Publication.objects.select_for_update(of=("self",)).filter(case=locked, ended_on=None).first()
    if publication is not None:
        publication_end(
            publication, reason=EndReason.EXPIRED, on=min(publication.max_end_on, record_end), actor=actor,
            why="record period ended",
        )  # fmt: skip
    transition_finish(locked, transition=transition, actor=actor, reasons=f"record period ended on {record_end}")
    notice_issue(case=locked, kind=Notice.Kind.EXPIRY, actor=actor)
    return locked


@transaction.atomic
def case_mark_repair_eligible(*, case: Case, actor: User, today: datetime.date | None = None) -> bool:
    """Once the minimum period has run, the entity may apply for credit repair: mark it and tell the entity."""
    today = _today(today)
    locked = _lock_case(case)
    earliest = locked.repair_earliest_on
    if locked.state != State.SANCTIONED or earliest is None or earliest > today or locked.repair_eligible_since:
        return False
    locked.repair_eligible_since = earliest
    attribute(locked, actor=actor, reason=f"eligible for credit repair from {earliest}")
    locked.save()
    notifications.notification_send_repair_eligible(locked, actor=actor)
    return True


def _due_on(case: Case) -> datetime.date | None:
    """The date a supervisor's review or decision is due while the case waits on it."""
    return {State.SUBMITTED: case.review_due_on, State.DECISION_PENDING: case.decision_due_on}.get(case.state)


@transaction.atomic
def case_flag_overdue(*, case: Case, actor: User, today: datetime.date | None = None) -> bool:
    """Flag a review or decision not made by its due date, and tell the supervisors (once per due date)."""
    today = _today(today)
    locked = _lock_case(case)
    due_on = _due_on(locked)
    if due_on is None or due_on >= today or locked.overdue_since is not None:
        return False
    locked.overdue_since = due_on + datetime.timedelta(days=1)
    attribute(locked, actor=actor, reason=f"overdue: {locked.state} was due on {due_on}")
    locked.save()
    notifications.notification_send_overdue(locked, actor=actor, due_on=due_on)
    return True


@transaction.atomic
def case_remind(*, case: Case, actor: User, today: datetime.date | None = None) -> int:
    """Remind before a deadline: the entity of its statement window, supervisors of the decision due. Once each."""
    today = _today(today)
    horizon = today + datetime.timedelta(days=settings.LIFECYCLE_REMINDER_DAYS)
    locked = _lock_case(case)
    if locked.state == State.NOTICE_ISSUED and today <= locked.statement_window_ends_on <= horizon:
        return len(notifications.notification_send_statement_window_reminder(locked, actor=actor))
    if locked.state == State.DECISION_PENDING and today <= locked.decision_due_on <= horizon:
        return len(notifications.notification_send_decision_due_reminder(locked, actor=actor))
    return 0


@transaction.atomic
def filing_remind_overdue(*, filing: Filing, actor: User, today: datetime.date | None = None) -> int:
    """Tell the reviewers once that an open filing passed its deadline; returns how many were told.

    The filing row is locked, so two sweeps at once serialise here and the second finds the reminder sent.
    """
    today = _today(today)
    locked = Filing.objects.select_for_update(of=("self",)).select_related("case__entity", "case__department")
    locked = locked.get(pk=filing.pk)
    if locked.status not in (Filing.Status.FILED, Filing.Status.CORRECTION_PROPOSED) or not locked.due_on:
        return 0
    if locked.due_on >= today:
        return 0
    return len(notifications.notification_send_filing_overdue(locked, actor=actor))
