"""Notifications to entity representatives and staff: in-app rows plus an e-mail (DESIGN §5; issue 5).

``notification_send`` writes one :class:`~cases.models.Notification` per recipient inside the caller's transaction,
rendered in Chinese and English from ``templates/notifications/<kind>.<language>.txt`` (first line: the
subject; the rest: the text). The e-mail task is enqueued with ``transaction.on_commit``: a change that
rolls back sends nothing, and a committed one always has its row. Should the enqueue itself be lost
(a crash right after commit, a queue outage), the lifecycle sweep enqueues it again
(:func:`notifications_requeue`), and the task sends each e-mail at most once.

Sending (:func:`notification_email_send`, run by ``cases.tasks.send_notification_email``, handed over through
:func:`email_task_register`) records every
attempt on the row. A failure is retried with exponential backoff (``NOTIFICATION_EMAIL_RETRY_SECONDS``
times 1, 4, 16, ...) up to ``NOTIFICATION_EMAIL_MAX_ATTEMPTS``; then the row shows ``failed`` and the last
error in the admin. The change that caused the notification is never undone by a failed e-mail.
"""

import datetime
import logging
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts import roles
from accounts.models import User
from accounts.services import system_actor
from audit.history import attribute
from entities.models import Representative

from ..models import Case, Notice, Notification

logger = logging.getLogger(__name__)

LANGUAGES = ("zh-hans", "en")
Kind = Notification.Kind
Status = Notification.EmailStatus
# An e-mail still unsent this long after it was due is taken as lost and enqueued again by the sweep.
LOST_AFTER = datetime.timedelta(minutes=10)


# -- recipients -------------------------------------------------------------------------------------------


def entity_representations(case: Case) -> list:
    """Every representation of the case's entity, oldest first, with its user: one query (issue 22)."""
    rows = Representative.objects.filter(entity_id=case.entity_id).select_related("user")
    return list(rows.order_by("valid_from", "pk"))


def entity_recipients(case: Case, *, on: datetime.date | None = None, representations: list | None = None) -> list:
    """The portal users who currently act for the case's entity (verified, within their validity dates).

    ``representations``: the entity's representations already read (``entity_representations``), so a notice
    that also needs its language reads them once.
    """
    on = on or timezone.localdate()
    if representations is None:
        representations = entity_representations(case)
    return [
        r.user
        for r in representations
        if r.verified_at is not None
        and r.valid_from <= on
        and (r.valid_to is None or r.valid_to >= on)
        and r.user.is_active
    ]


def supervisors(case: Case) -> list:
    """The active supervisors of the case's department."""
    users = get_user_model().objects.filter(
        is_active=True, department_id=case.department_id, groups__name=roles.SUPERVISOR
    )
    return list(users.order_by("pk"))


def appeals_reviewers(*, exclude=()) -> list:
    """The active appeals reviewers, without those who may not review this one (its case's submitter, decider)."""
    users = get_user_model().objects.filter(is_active=True, is_staff=True, groups__name=roles.APPEALS_REVIEWER)
    return list(users.exclude(pk__in=[pk for pk in exclude if pk]).order_by("pk"))


def case_staff(case: Case) -> list:
    """Who works on the case: its caseworker and the department's supervisors."""
    return [case.caseworker, *supervisors(case)]


# -- writing notifications --------------------------------------------------------------------------------


def _render(kind: str, language: str, context: dict) -> tuple[str, str]:
    with translation.override(language):
        text = render_to_string(f"notifications/{kind}.{language}.txt", context).strip()
    subject, _newline, body = text.partition("\n")
    return subject.strip()[:200], body.strip()


def notification_send(
    *,
    recipients: Iterable,
    kind: str,
    actor: User,
    case: Case | None = None,
    notice: Notice | None = None,
    context: dict | None = None,
    dedupe_key: str = "",
) -> list[Notification]:
    """Write one notification per recipient (once per ``dedupe_key``); e-mail each after the transaction commits."""
    now = timezone.now()
    created, seen = [], set()
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        if dedupe_key and Notification.objects.filter(recipient=user, dedupe_key=dedupe_key).exists():
            continue
        texts = {
            language: _render(kind, language, {**(context or {}), "case": case, "notice": notice, "recipient": user})
            for language in LANGUAGES
        }
        notification = Notification(
            recipient=user,
            case=case,
            notice=notice,
            kind=kind,
            language=user.preferred_language if user.preferred_language in LANGUAGES else LANGUAGES[0],
            subject_zh=texts["zh-hans"][0],
            subject_en=texts["en"][0],
            body_zh=texts["zh-hans"][1],
            body_en=texts["en"][1],
            created_at=now,
            dedupe_key=dedupe_key,
            email_next_attempt_at=now,
        )
        attribute(notification, actor=actor, reason=f"notification: {kind}")
        notification.save()
        transaction.on_commit(partial(_enqueue, notification.pk), robust=True)
        created.append(notification)
    return created


# The task that sends one notification's e-mail. ``cases.tasks`` defines it (a task module sits above the
# services it runs) and hands it over in ``CasesConfig.ready`` through :func:`email_task_register`, so this
# module never imports the task module back (docs/architecture.md, "Seams").
_email_task = None


def email_task_register(task) -> None:
    global _email_task  # set once at start-up, by CasesConfig.ready
    _email_task = task


def _enqueue(notification_id: int, run_after: datetime.datetime | None = None) -> None:
    task = _email_task
    if task is None:
        raise ImproperlyConfigured("No e-mail task registered: is the cases app in INSTALLED_APPS?")
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return  # e.g. the immediate backend in development: the sweep sends it when it is due
        task = task.using(run_after=run_after)
    task.enqueue(notification_id)


def notification_send_notice_served(
    notice: Notice, *, actor: User, representations: list | None = None
) -> list[Notification]:
    """Tell the entity's representatives that a notice was served, with its text."""
    case = notice.case
    recipients = entity_recipients(case, representations=representations)
    return notification_send(recipients=recipients, kind=Kind.NOTICE_SERVED, actor=actor, case=case, notice=notice)


def notification_send_filing_received(filing, *, actor: User) -> list[Notification]:
    """Tell the appeals reviewers who may review it that an objection, appeal or repair application waits."""
    case = filing.case
    return notification_send(
        recipients=appeals_reviewers(exclude=(filing.case_submitter_id, filing.case_decider_id)),
        kind=Kind.FILING_RECEIVED, actor=actor, case=case, context={"filing": filing},
        dedupe_key=f"filing:{filing.pk}:{filing.version}",
    )  # fmt: skip


def notification_send_filing_overdue(filing, *, actor: User) -> list[Notification]:
    """Tell the appeals reviewers who may decide it that a filing passed its review deadline (once per deadline)."""
    return notification_send(
        recipients=appeals_reviewers(exclude=(filing.case_submitter_id, filing.case_decider_id)),
        kind=Kind.FILING_OVERDUE, actor=actor, case=filing.case, context={"filing": filing},
        dedupe_key=f"filing_overdue:{filing.pk}:{filing.due_on}",
    )  # fmt: skip


def notification_send_decision_due(case: Case, *, actor: User) -> list[Notification]:
    """Tell the caseworker and supervisors that the case now awaits their decision, and by when."""
    return notification_send(recipients=case_staff(case), kind=Kind.DECISION_DUE, actor=actor, case=case)


def notification_send_statement_window_reminder(case: Case, *, actor: User) -> list[Notification]:
    return notification_send(
        recipients=entity_recipients(case), kind=Kind.STATEMENT_WINDOW_REMINDER, actor=actor, case=case,
        dedupe_key=f"statement_window:{case.pk}:{case.statement_window_ends_on}",
    )  # fmt: skip


def notification_send_decision_due_reminder(case: Case, *, actor: User) -> list[Notification]:
    return notification_send(
        recipients=supervisors(case), kind=Kind.DECISION_DUE_REMINDER, actor=actor, case=case,
        dedupe_key=f"decision_due:{case.pk}:{case.decision_due_on}",
    )  # fmt: skip


def notification_send_overdue(case: Case, *, actor: User, due_on: datetime.date) -> list[Notification]:
    recipients = supervisors(case) if case.state == "submitted" else case_staff(case)
    return notification_send(
        recipients=recipients, kind=Kind.OVERDUE, actor=actor, case=case, context={"due_on": due_on},
        dedupe_key=f"overdue:{case.pk}:{case.state}:{due_on}",
    )  # fmt: skip


def notification_send_repair_eligible(case: Case, *, actor: User) -> list[Notification]:
    return notification_send(
        recipients=entity_recipients(case), kind=Kind.REPAIR_ELIGIBLE, actor=actor, case=case,
        dedupe_key=f"repair_eligible:{case.pk}",
    )  # fmt: skip


def notification_mark_read(*, notification: Notification, actor: User) -> Notification:
    """The recipient marks a notification read (in-app)."""
    if notification.recipient_id != actor.pk:
        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = timezone.now()
        attribute(notification, actor=actor, reason="read")
        notification.save(update_fields=["read_at"])
    return notification


# -- sending ----------------------------------------------------------------------------------------------


def retry_delay(attempts: int) -> datetime.timedelta:
    """The wait after the ``attempts``-th failed attempt: 1, 4, 16, ... times the base delay."""
    return datetime.timedelta(seconds=settings.NOTIFICATION_EMAIL_RETRY_SECONDS * 4 ** max(attempts - 1, 0))


def notification_email_send(*, notification_id: int) -> str:
    """Send one notification's e-mail unless already done; record the outcome. Returns the e-mail status.

    The row stays locked while sending, so two workers never send the same e-mail twice.
    """
    actor = system_actor()
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",)).select_related("recipient").get(pk=notification_id)
        )
        if notification.email_status not in (Status.PENDING, Status.RETRYING):
            return notification.email_status
        now = timezone.now()
        address = notification.recipient.email
        if not address:
            notification.email_status = Status.SKIPPED
            notification.email_next_attempt_at = None
            attribute(notification, actor=actor, reason="e-mail not sent: no address")
            notification.save()
            return notification.email_status
        english = notification.language == "en"
        message = EmailMessage(
            subject=notification.subject_en if english else notification.subject_zh,
            body=notification.body_en if english else notification.body_zh,
            to=[address],
        )
        notification.email_attempts += 1
        try:
            message.send(fail_silently=False)
        except Exception as error:  # any transport failure: SMTP, DNS, socket, TLS
            notification.email_last_error = f"{type(error).__name__}: {error}"[:2000]
            if notification.email_attempts >= settings.NOTIFICATION_EMAIL_MAX_ATTEMPTS:
                notification.email_status = Status.FAILED
                notification.email_next_attempt_at = None
                logger.error(
                    "Notification %s: e-mail failed %s times, giving up: %s",
                    notification.pk, notification.email_attempts, notification.email_last_error,
                )  # fmt: skip
            else:
                notification.email_status = Status.RETRYING
                notification.email_next_attempt_at = now + retry_delay(notification.email_attempts)
                logger.warning(
                    "Notification %s: e-mail attempt %s failed, retrying at %s: %s",
                    notification.pk, notification.email_attempts, notification.email_next_attempt_at,
                    notification.email_last_error,
                )  # fmt: skip
                transaction.on_commit(
                    partial(_enqueue, notification.pk, notification.email_next_attempt_at), robust=True
                )
            reason = f"e-mail attempt {notification.email_attempts} failed"
        else:
            notification.email_status = Status.SENT
            notification.email_sent_at = now
            notification.email_next_attempt_at = None
            notification.email_last_error = ""
            reason = "e-mail sent"
        attribute(notification, actor=actor, reason=reason)
        notification.save()
        return notification.email_status


def notifications_requeue(*, actor: User, now: datetime.datetime | None = None) -> list[Notification]:
    """Enqueue again the e-mails whose task should have run by now but has not (lost enqueue, or due retry)."""
    now = now or timezone.now()
    due = Notification.objects.filter(
        email_status__in=(Status.PENDING, Status.RETRYING), email_next_attempt_at__lte=now - LOST_AFTER
    ).values_list("pk", flat=True)
    requeued = []
    for pk in list(due[:1000]):
        with transaction.atomic():
            notification = Notification.objects.select_for_update(of=("self",)).get(pk=pk)
            stale = notification.email_next_attempt_at and notification.email_next_attempt_at <= now - LOST_AFTER
            if notification.email_status not in (Status.PENDING, Status.RETRYING) or not stale:
                continue  # sent, or requeued by another sweep, meanwhile
            notification.email_next_attempt_at = now
            attribute(notification, actor=actor, reason="e-mail enqueued again")
            notification.save()
            transaction.on_commit(partial(_enqueue, notification.pk), robust=True)
            requeued.append(notification)
    return requeued
