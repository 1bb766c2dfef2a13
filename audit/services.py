from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import AccessLog


def access_log_write(*, actor, action: str, target: models.Model, purpose: str, field: str = "", request=None):
    """Record one read of non-public data. Call it *before* returning the data: if it fails, nothing is shown."""
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError(
            {"purpose": ValidationError(_("State why you need to see this data."), "purpose_required")}
        )
    return AccessLog.objects.create(
        actor=actor,
        # The roles, not the department groups that follow from them (the department has its own column).
        actor_roles=", ".join(sorted(actor.groups.filter(department_role__isnull=True).values_list("name", flat=True))),
        actor_department_id=getattr(actor, "department_id", None),
        action=action,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        field=field,
        purpose=purpose,
        request_id=getattr(request, "request_id", ""),
    )
