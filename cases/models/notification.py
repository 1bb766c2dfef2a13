"""Notifications to staff and entity representatives (DESIGN §5): shown in the app, and sent by e-mail.

Each row is written in the same transaction as the change that causes it, in both languages; the
e-mail goes out in the recipient's language by a background task enqueued only once that transaction
commits (``cases.services.notifications``). The row records every attempt, so a failed e-mail is
visible to administrators while the change that caused it stands.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from audit.history import tracked_history


class Notification(models.Model):
    class Kind(models.TextChoices):
        NOTICE_SERVED = "notice_served", _("notice served")
        STATEMENT_WINDOW_REMINDER = "statement_window_reminder", _("reminder: statement window closing")
        REPAIR_ELIGIBLE = "repair_eligible", _("credit repair possible")
        DECISION_DUE = "decision_due", _("case awaits decision")
        DECISION_DUE_REMINDER = "decision_due_reminder", _("reminder: decision due")
        OVERDUE = "overdue", _("deadline passed")
        FILING_RECEIVED = "filing_received", _("objection, appeal or repair application to review")
        FILING_OVERDUE = "filing_overdue", _("objection, appeal or repair application overdue")

    class EmailStatus(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        RETRYING = "retrying", _("failed, will be retried")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("not sent: no e-mail address")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="notifications"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="notifications",
    )  # fmt: skip
    notice = models.ForeignKey(
        "cases.Notice", verbose_name=_("notice"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    language = models.CharField(_("recipient's language"), max_length=10)
    subject_zh = models.CharField(_("subject (Chinese)"), max_length=200)
    subject_en = models.CharField(_("subject (English)"), max_length=200)
    body_zh = models.TextField(_("text (Chinese)"))
    body_en = models.TextField(_("text (English)"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # One reminder per recipient, deadline and date: a second sweep finds it and sends nothing.
    dedupe_key = models.CharField(_("de-duplication key"), max_length=100, blank=True, editable=False)

    email_status = models.CharField(
        _("e-mail status"), max_length=16, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    email_last_error = models.TextField(_("last e-mail error"), blank=True)
    # When the sweep should look again if no task has sent it by then (a lost enqueue, or a retry).
    email_next_attempt_at = models.DateTimeField(_("next e-mail attempt"), null=True, blank=True)
    email_sent_at = models.DateTimeField(_("e-mail sent at"), null=True, blank=True)
    # The texts never change after creation; history records the delivery, not copies of the text.
    history = tracked_history(excluded_fields=["body_zh", "body_en"])

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        # Everyone sees their own; this lets administrators and auditors follow every delivery (not the texts).
        permissions = [("oversee_notification", _("Can see every notification and its e-mail delivery"))]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox_idx"),
            models.Index(fields=["email_status", "email_next_attempt_at"], name="notification_email_queue_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=~Q(dedupe_key=""), name="one_notification_per_dedupe_key"
            ),
        ]

    def __str__(self):
        return f"{self.recipient} · {self.get_kind_display()}"

    @property
    def subject(self) -> str:
        """The subject in the active language (admin and portal)."""
        return self.subject_en if (get_language() or "").startswith("en") else self.subject_zh

    @property
    def body(self) -> str:
        return self.body_en if (get_language() or "").startswith("en") else self.body_zh
