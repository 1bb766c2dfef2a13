"""Invitations to the entity portal: a one-time, expiring link to set a password (issue 6)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.history import tracked_history


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
    history = tracked_history(excluded_fields=["token_hash"])

    class Meta:
        verbose_name = _("portal invitation")
        verbose_name_plural = _("portal invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="invitation_expires_later")
        ]

    def __str__(self):
        return f"{self.representative} {self.created_at:%Y-%m-%d}"
