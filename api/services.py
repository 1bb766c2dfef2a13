"""The only writers of API clients and tokens (issue 19): each write atomic, with a history row naming its actor."""

import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import Department, User
from accounts.services import department_group
from audit.history import attribute
from audit.services import access_log_roles_of, access_log_roles_subquery

from .models import ApiClient, ApiToken, validate_scopes

# Group of every client's account: the model permission to read cases; which cases, the department's grants say.
API_CLIENT_GROUP = "API client"
TOKEN_PREFIX = "cpk"  # noqa: S105  # nosec B105 - the public marker of our tokens, not a secret
_PREFIX_BYTES = 6  # 12 hex characters: the public half, found by index
_SECRET_BYTES = 32
# ``last_used_at`` is written at most this often per token (a busy client does not write on every call).
TOUCH_SECONDS = 60


def _api_client_group() -> Group:
    group, _created = Group.objects.get_or_create(name=API_CLIENT_GROUP)
    view_case = Permission.objects.filter(content_type__app_label="cases", codename="view_case")
    if set(group.permissions.values_list("pk", flat=True)) != set(view_case.values_list("pk", flat=True)):
        group.permissions.set(view_case)
    return group


def _clean_scopes(scopes) -> list[str]:
    scopes = sorted(set(scopes or []))
    validate_scopes(scopes)
    return scopes


def _account_sync(client: ApiClient, *, actor: User) -> None:
    """The client's account follows the client: its department's groups, active while the client is."""
    account = client.account
    account.department = client.department
    account.is_active = client.active
    account.first_name = client.name[:150]
    attribute(account, actor=actor, reason="API client account follows its client")
    account.save()
    account.groups.set([_api_client_group(), department_group(client.department, roles.CASEWORKER)])


@transaction.atomic
def api_client_register(*, actor: User, department: Department, name: str, scopes, reason: str = "") -> ApiClient:
    """A department system that may call the API, with its own non-login account (see ``api.models``)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ValidationError(_("Give the client a name."), "name_required")})
    if ApiClient.objects.filter(name=name).exists():
        raise ValidationError({"name": ValidationError(_("A client with this name exists."), "name_taken")})
    scopes = _clean_scopes(scopes)
    # Staff (the policy scopes staff by their groups' grants) that can never sign in: no usable password.
    account = User(username=f"api-{secrets.token_hex(8)}", is_staff=True, is_active=True, department=department)
    account.set_unusable_password()
    attribute(account, actor=actor, reason="API client account")
    account.save()
    client = ApiClient(department=department, name=name, scopes=scopes, account=account)
    attribute(client, actor=actor, reason=reason or "registered")
    client.save()
    _account_sync(client, actor=actor)
    return client


@transaction.atomic
def api_client_update(
    *, client: ApiClient, actor: User, scopes, active: bool, rate_per_minute: int | None, reason: str
) -> ApiClient:
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    client.scopes = _clean_scopes(scopes)
    client.active = active
    client.rate_per_minute = rate_per_minute
    attribute(client, actor=actor, reason=reason or "changed")
    client.save()
    _account_sync(client, actor=actor)
    return client


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the whole bearer token, shown once and never stored


@transaction.atomic
def api_token_create(
    *, client: ApiClient, actor: User, expires_at: datetime.datetime | None = None, reason: str = ""
) -> NewToken:
    """A new bearer token ``cpk_<prefix>_<secret>`` for ``client``; only its digest is stored."""
    now = timezone.now()
    expires_at = expires_at or now + datetime.timedelta(days=settings.API_TOKEN_DAYS)
    if expires_at <= now:
        raise ValidationError({"expires_at": ValidationError(_("Choose an expiry in the future."), "expired")})
    prefix, secret = secrets.token_hex(_PREFIX_BYTES), secrets.token_urlsafe(_SECRET_BYTES)
    token = ApiToken(client=client, prefix=prefix, secret_hash=_digest(secret), expires_at=expires_at)
    attribute(token, actor=actor, reason=reason or "created")
    token.save()
    return NewToken(token=token, secret=f"{TOKEN_PREFIX}_{prefix}_{secret}")


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User, reason: str) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        attribute(token, actor=actor, reason=reason or "revoked")
        token.save()
    return token


def api_token_find(bearer: str) -> ApiToken | None:
    """The token whose secret ``bearer`` carries (any state), or ``None``; compared in constant time. Its
    ``account_roles`` are the client account's roles as the access log names them (``audit.services``)."""
    parts = (bearer or "").split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    # The client, its account, and the account's roles for the access log: one query.
    token = (
        ApiToken.objects.select_related("client__account")
        .annotate(joined_roles=access_log_roles_subquery("client__account_id"))
        .filter(prefix=parts[1])
        .first()
    )
    try:
        digest = _digest(parts[2])
    except UnicodeEncodeError:
        return None
    if token is None or not hmac.compare_digest(token.secret_hash, digest):
        return None
    token.account_roles = access_log_roles_of(token.joined_roles)
    return token


def api_token_touch(token: ApiToken, *, now=None) -> None:
    """Note when the token was last used, at most once a minute (telemetry, not history: ``update`` on purpose)."""
    now = now or timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= TOUCH_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
