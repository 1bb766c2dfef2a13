"""Evidence files: kept in private storage, never reachable by URL (DESIGN §4)."""

import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.history import tracked_history


def evidence_storage():
    return storages["evidence"]


def evidence_path(instance, filename):
    # A random name: the original (possibly personal) name lives only in the database.
    return f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(_("file"), storage=evidence_storage, upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("detected type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    description = models.CharField(_("description"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    history = tracked_history()

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["case", "uploaded_at", "id"]

    def __str__(self):
        return self.original_name
