from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from .models import AccessLog


def access_log_write(*, actor, action: str, target: models.Model, purpose: str, field: str = "", request=None):
    """Record one read of non-public data. Call it *before* returning the data: if it fails, nothing is shown."""
    (row,) = access_log_write_many(
        actor=actor, action=action, targets=[target], purpose=purpose, field=field, request=request
    )
    return row


def access_log_write_many(
    *, actor, action: str, targets, purpose: str, field: str = "", request=None
) -> list[AccessLog]:
    """Record one access-log row per record of ``targets`` (a bulk export, an API call): what each record's own
    access summary must show. One transaction, the actor's roles read once, the rows inserted together and chained
    together (``chain.append_many``: one lock, one head read, one insert of the links), exactly as one by one."""
    from . import chain

    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError(
            {"purpose": ValidationError(_("State why you need to see this data."), "purpose_required")}
        )
    # The roles, not the department groups that follow from them (the department has its own column).
    roles = ", ".join(sorted(actor.groups.filter(department_role__isnull=True).values_list("name", flat=True)))
    rows = [
        AccessLog(
            actor=actor,
            actor_roles=roles,
            actor_department_id=getattr(actor, "department_id", None),
            action=action,
            target_type=ContentType.objects.get_for_model(target),
            target_id=target.pk,
            field=field,
            purpose=purpose,
            request_id=getattr(request, "request_id", ""),
        )
        for target in targets
    ]
    if not rows:
        return []
    with transaction.atomic():
        written = AccessLog.objects.bulk_create(rows)
        chain.append_many(AccessLog, [row.pk for row in written])
    return written


def history_purge_personal_data(*, actor, history_model, pks, fields, reason: str) -> int:
    """Blank ``fields`` of the given history rows at the end of their retention period; returns how many.

    The one audited path through the append-only triggers (DESIGN §8): it runs under ``pgtrigger.ignore``
    for this table only, and chains a ``rehash`` link per row naming the actor, the fields and the reason, so
    ``verify_audit`` still passes and shows what was purged, by whom and why.
    """
    import pgtrigger

    from . import chain
    from .apps import APPEND_ONLY_TRIGGER

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(_("State why the data is purged."), "reason_required")})
    if history_model not in chain.chained_models() or history_model is AccessLog:
        raise ValueError(f"{history_model} is not a history model")
    blanks = {}
    for name in fields:
        field = history_model._meta.get_field(name)
        # The change reason is free text (a decision's reasons are recorded with the change); the rest of the
        # history bookkeeping is not personal data.
        if field.primary_key or (name.startswith("history_") and name != "history_change_reason"):
            raise ValueError(f"{name} is not personal data that may be purged")
        blanks[field.attname] = None if field.null else ""
    pks = sorted(set(pks))
    note = f"purged {','.join(sorted(fields))} by user {actor.pk}: {reason}"
    with transaction.atomic():
        with pgtrigger.ignore(f"{history_model._meta.label}:{APPEND_ONLY_TRIGGER}"):
            count = history_model.objects.filter(pk__in=pks).update(**blanks)
        for pk in pks:
            chain.append(history_model, pk, kind="rehash", note=note)
    return count
