from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessLog(models.Model):
    """One read of non-public personal data (DESIGN §4, §8). Append-only: rows are never changed."""

    class Action(models.TextChoices):
        REVEAL_IDENTIFIER = "reveal_identifier", _("revealed a full identifier")
        VIEW = "view", _("viewed personal data")
        DOWNLOAD = "download", _("downloaded a file")
        EXPORT = "export", _("exported data")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), on_delete=models.PROTECT, related_name="+"
    )
    actor_roles = models.CharField(_("roles"), max_length=200, blank=True)
    actor_department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    target_type = models.ForeignKey(ContentType, verbose_name=_("record type"), on_delete=models.PROTECT)
    target_id = models.PositiveBigIntegerField(_("record id"))
    field = models.CharField(_("what"), max_length=100, blank=True)
    purpose = models.TextField(_("purpose"))
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-at"], name="accesslog_target_idx")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(purpose=""), name="accesslog_purpose_required"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.get_action_display()}"
