"""Invitations to the portal (issue 6): the only writer of ``Invitation`` rows and of invited accounts."""

import datetime
import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.permissions import require
from audit.history import attribute
from creditportal.text import text_required
from entities.models import Entity, Representative
from entities.services import representative_add

from .models import Invitation

INVITATION_VALID_FOR = datetime.timedelta(days=7)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def representative_invite(
    *, actor, entity: Entity, username: str, email: str, relationship: str
) -> tuple[Representative, str]:
    """Create a portal account for a verified representative of ``entity`` and a one-time link to set its password.

    Returns the representative and the token (shown to staff once; only its hash is stored).
    """
    require(actor, "view", entity)
    if not actor.is_staff or not actor.has_perm("entities.add_representative"):
        raise PermissionDenied
    user_model = get_user_model()
    # Normalised (NFKC) before the look-up, as the account will store it: full-width letters are ASCII ones.
    username = user_model.normalize_username(text_required(username, field="username", message=_("Enter a user name.")))
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This user name is taken.")})
    user = user_model(username=username, email=(email or "").strip(), is_staff=False)
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    attribute(user, actor=actor, reason="invited to the entity portal")
    user.save()
    user.groups.add(Group.objects.get(name=roles.ENTITY_REPRESENTATIVE))
    representative = representative_add(actor=actor, user=user, entity=entity, relationship=relationship)
    token = invitation_issue(representative=representative, actor=actor)
    return representative, token


def invitation_issue(*, representative: Representative, actor) -> str:
    """A new one-time link for ``representative``; earlier unused links stay valid until they expire."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation(
        representative=representative,
        token_hash=_hash(token),
        created_by=actor,
        created_at=now,
        expires_at=now + INVITATION_VALID_FOR,
    )
    attribute(invitation, actor=actor, reason="portal invitation issued")
    invitation.save()
    return token


def invitation_problem(invitation: Invitation | None) -> str | None:
    """Why a link cannot be used, or ``None``."""
    if invitation is None:
        return str(_("This invitation link is not valid. Ask the department that invited you for a new one."))
    if invitation.used_at is not None:
        return str(
            _("This invitation link was already used on %(date)s. Sign in, or reset your password.")
            % {"date": timezone.localdate(invitation.used_at)}
        )
    if invitation.expires_at <= timezone.now():
        return str(
            _("This invitation link expired on %(date)s. Ask the department that invited you for a new one.")
            % {"date": timezone.localdate(invitation.expires_at)}
        )
    return None


def invitation_find(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("representative__user", "representative__entity")
        .filter(token_hash=_hash(token or ""))
        .first()
    )


@transaction.atomic
def invitation_accept(*, token: str, password: str):
    """Set the invited account's password once; the link cannot be used again. Returns the user."""
    invitation = Invitation.objects.select_for_update().filter(token_hash=_hash(token or "")).first()
    problem = invitation_problem(invitation)
    if problem:
        raise ValidationError(problem, code="invitation_invalid")
    user = invitation.representative.user
    user.set_password(password)
    attribute(user, actor=user, reason="password set from the portal invitation")
    user.save(update_fields=["password"])
    invitation.used_at = timezone.now()
    attribute(invitation, actor=user, reason="invitation used")
    invitation.save(update_fields=["used_at"])
    return user
