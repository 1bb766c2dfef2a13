"""Legal challenges against a decision (issue 18): administrative reconsideration or a court action.

The entity files these outside the portal (with the reconsideration body or the court); staff record that one
was filed and, later, that it ended. While one is pending the case carries ``under_legal_challenge`` and the
public register shows it. Each step is a history row of the case with the actor and the reasons (what, where,
when, why), which the case's history and timeline show.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import require
from audit.history import attribute
from creditportal.text import text_required

from ..models import Case
from ..workflow import State


class ChallengeKind(models.TextChoices):
    RECONSIDERATION = "reconsideration", _("administrative reconsideration")
    LITIGATION = "litigation", _("administrative litigation (court)")


def _lock(case: Case, actor: User) -> Case:
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    require(actor, "review", locked)
    return locked


def _text(value: str, field: str) -> str:
    return text_required(value, field=field, message=_("This field is required."))


def _not_future(day: datetime.date, field: str) -> datetime.date:
    if day > timezone.localdate():
        raise ValidationError({field: ValidationError(_("The date cannot be in the future."), code="future")})
    return day


@transaction.atomic
def case_legal_challenge_file(
    *, case: Case, actor: User, kind: str, forum: str, filed_on: datetime.date, reasons: str
) -> Case:
    """Record that the entity filed a reconsideration or a court action against the sanction decision."""
    case = _lock(case, actor)
    if case.state != State.SANCTIONED:
        raise ValidationError(_("Only a decision in force can be challenged."), code="state")
    if case.under_legal_challenge:
        raise ValidationError(_("A legal challenge is already recorded as pending for this case."), code="pending")
    if kind not in ChallengeKind.values:
        raise ValidationError({"kind": ValidationError(_("Choose reconsideration or litigation."), code="kind")})
    forum, reasons = _text(forum, "forum"), _text(reasons, "reasons")
    _not_future(filed_on, "filed_on")
    case.under_legal_challenge = True
    attribute(case, actor=actor, reason=f"legal challenge filed: {kind}, {forum}, on {filed_on}: {reasons}")
    case.save(update_fields=["under_legal_challenge"])
    return case


@transaction.atomic
def case_legal_challenge_end(*, case: Case, actor: User, ended_on: datetime.date, outcome: str) -> Case:
    """Record that the pending reconsideration or court action ended (its outcome in words; a decision the body
    or court set aside is then revoked or corrected through the appeals steps)."""
    case = _lock(case, actor)
    if not case.under_legal_challenge:
        raise ValidationError(_("No legal challenge is pending for this case."), code="not_pending")
    outcome = _text(outcome, "outcome")
    _not_future(ended_on, "ended_on")
    case.under_legal_challenge = False
    attribute(case, actor=actor, reason=f"legal challenge ended on {ended_on}: {outcome}")
    case.save(update_fields=["under_legal_challenge"])
    return case
