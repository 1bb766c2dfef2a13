"""Invitations to the entity portal: a one-time, expiring link to set a password (issue 6)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.history import tracked_history
from cases.models.evidence import evidence_path, evidence_storage


class Invitation(models.Model):
    """Staff invite a verified representative; only the SHA-256 of the link's token is stored."""

    representative = models.ForeignKey(
        "entities.Representative", verbose_name=_("representative"), on_delete=models.PROTECT, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("invited by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("portal invitation")
        verbose_name_plural = _("portal invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="invitation_expires_later")
        ]

    def __str__(self):
        return f"{self.representative} {self.created_at:%Y-%m-%d}"


class Filing(models.Model):
    """Something the entity filed itself after a decision: an appeal, or an application for credit repair.

    Decided by an appeals reviewer (not in the portal). The reference number is ``<A|R>-<case number>-<n>``.
    """

    class Kind(models.TextChoices):
        APPEAL = "appeal", _("appeal against the decision")
        REPAIR = "repair", _("application for credit repair")

    class Status(models.TextChoices):
        FILED = "filed", _("filed, awaiting review")

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reference = models.CharField(_("reference number"), max_length=64, unique=True, editable=False)
    text = models.TextField(_("reasons or commitment"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.FILED)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    history = tracked_history()

    class Meta:
        verbose_name = _("filing")
        verbose_name_plural = _("filings")
        ordering = ["-filed_at", "-id"]

    def __str__(self):
        return self.reference


class FilingAttachment(models.Model):
    """A proof uploaded with a filing: checked like evidence and kept in the same private storage."""

    filing = models.ForeignKey(Filing, verbose_name=_("filing"), on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("file"), storage=evidence_storage, upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("detected type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    history = tracked_history()

    class Meta:
        verbose_name = _("filing attachment")
        verbose_name_plural = _("filing attachments")
        ordering = ["filing", "id"]

    def __str__(self):
        return self.original_name
