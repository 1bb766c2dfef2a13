"""Department systems that call the data-sharing API (issue 19), and their tokens.

A client belongs to one department and acts through its own account (``ApiClient.account``): a non-login staff
account in the department's groups, so the one permission policy scopes its case reads exactly as it would the
department's, and every access-log row names it and its department. Tokens are shown once and stored as a SHA-256
digest of their secret (256 random bits: a slow hash adds nothing), found by their public prefix.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.history import tracked_history

from .scopes import Scope


def validate_scopes(value) -> None:
    if not isinstance(value, list) or any(scope not in Scope.values for scope in value):
        raise ValidationError(_("Choose scopes from the list."), code="invalid_scope")


class ApiClient(models.Model):
    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="api_clients"
    )
    name = models.CharField(_("name"), max_length=200, unique=True)
    scopes = models.JSONField(_("scopes"), default=list, validators=[validate_scopes])
    active = models.BooleanField(_("active"), default=True)
    rate_per_minute = models.PositiveIntegerField(
        _("requests per minute"), null=True, blank=True, help_text=_("Blank: the site's default limit.")
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.PROTECT, related_name="api_client",
        editable=False,
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    history = tracked_history()

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]
        permissions = [("usage_apiclient", _("Can see the usage of API clients"))]

    def __str__(self):
        return self.name

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class ApiToken(models.Model):
    client = models.ForeignKey(ApiClient, verbose_name=_("client"), on_delete=models.PROTECT, related_name="tokens")
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    # Telemetry, written at most once a minute per token (api.services.api_token_touch), not history.
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    history = tracked_history(excluded_fields=["last_used_at"])

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.prefix}…"

    def state(self, now=None) -> str:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "valid"


class ApiCall(models.Model):
    """One authenticated call (issue 19): what auditors count per client and day. A log: never changed, no history."""

    client = models.ForeignKey(ApiClient, verbose_name=_("client"), on_delete=models.PROTECT, related_name="calls")
    at = models.DateTimeField(_("when"), default=timezone.now)
    endpoint = models.CharField(_("endpoint"), max_length=32)
    purpose = models.CharField(_("purpose"), max_length=32, blank=True)
    status_code = models.PositiveSmallIntegerField(_("status"))
    entities = models.PositiveIntegerField(_("entities touched"), default=0)

    class Meta:
        verbose_name = _("API call")
        verbose_name_plural = _("API calls")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["client", "-at"], name="api_call_client_at_idx")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.endpoint} {self.status_code}"
