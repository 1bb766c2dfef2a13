from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

# ``AccessLog.field`` of the rows the data-sharing API writes (issue 19): ``api:<endpoint>``.
API_FIELD_PREFIX = "api:"


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

    @property
    def via_api(self) -> bool:
        """Read by a department system through the data-sharing API (issue 19): ``field`` is ``api:<endpoint>``."""
        return self.field.startswith(API_FIELD_PREFIX)


class ChainLink(models.Model):
    """One link of the tamper-evident chain over every history and access-log row (DESIGN §8, issue 8).

    ``hash`` covers the previous link's hash and this link's content (``table``, ``row_pk``, ``kind``,
    ``row_hash``, ``note``); ``row_hash`` is the hash of the row's canonical content as stored. Appended in the
    transaction that inserts the row (``audit.chain``); never updated. A ``rehash`` link records an audited
    retention purge of that row's personal data and the content hash it has from then on.
    """

    class Kind(models.TextChoices):
        ROW = "row", _("row inserted")
        REHASH = "rehash", _("row purged of personal data")

    seq = models.BigAutoField(primary_key=True)
    table = models.CharField(_("table"), max_length=100)
    row_pk = models.CharField(_("row id"), max_length=64)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.ROW)
    row_hash = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    note = models.TextField(_("note"), blank=True)
    created = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("audit chain link")
        verbose_name_plural = _("audit chain")
        ordering = ["seq"]
        indexes = [models.Index(fields=["table", "row_pk"], name="chainlink_row_idx")]

    def __str__(self):
        return f"#{self.seq} {self.table}:{self.row_pk}"


class ChainHead(models.Model):
    """A sealed, signed digest of the chain's head (``verify_audit --seal``): truncating the tail is detected."""

    seq = models.BigIntegerField(_("sealed link"))
    hash = models.CharField(max_length=64)
    signature = models.CharField(max_length=255)
    sealed_at = models.DateTimeField(_("sealed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sealed chain head")
        verbose_name_plural = _("sealed chain heads")
        ordering = ["-seq", "-id"]

    def __str__(self):
        return f"#{self.seq} {self.hash[:12]}"
