"""An import of entities or cases from a spreadsheet (issue 25 §2): who, when, which file, how far it got.

The rows of the uploaded file are kept only until the import ends, encrypted like an identity number (they
hold identifiers), and never in the history table. Only ``imports.services`` writes a job.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.history import tracked_history
from entities.crypto import EncryptedTextField


class ImportJob(models.Model):
    class Kind(models.TextChoices):
        ENTITIES = "entities", _("entities")
        CASES = "cases", _("draft cases")

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("checked, waiting for your choice")
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("importing")
        DONE = "done", _("imported")
        FAILED = "failed", _("failed, nothing imported")
        CANCELLED = "cancelled", _("cancelled")

    class Mode(models.TextChoices):
        ALL = "all", _("the whole file")
        VALID = "valid", _("only the valid rows")

    kind = models.CharField(_("what is imported"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PREVIEWED)
    mode = models.CharField(_("imported"), max_length=8, choices=Mode.choices, blank=True)
    file_name = models.CharField(_("file name"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    invalid_rows = models.PositiveIntegerField(_("rows with errors"), default=0)
    imported_rows = models.PositiveIntegerField(_("rows imported"), default=0)
    # The parsed rows (JSON), encrypted: they hold identity numbers. Emptied when the import ends.
    rows = EncryptedTextField(null=True, blank=True, editable=False)
    # [{"row": 2, "column": "identifier", "message": "..."}]: what the preview (or the import) found.
    errors = models.JSONField(default=list, blank=True, editable=False)
    failure = models.TextField(_("why it failed"), blank=True)
    # The uploader's language: the background task writes its messages in it.
    language = models.CharField(max_length=16, default="zh-hans", editable=False)
    history = tracked_history(excluded_fields=["rows", "errors"])

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.file_name} ({self.get_kind_display()})"

    @property
    def valid_rows(self) -> int:
        return self.total_rows - self.invalid_rows

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
