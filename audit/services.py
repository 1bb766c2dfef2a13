from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Aggregate, CharField, OuterRef, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creditportal import bulk

from .models import AccessLog


def access_log_write(*, actor, action: str, target: models.Model, purpose: str, field: str = "", request=None) -> None:
    """Record one read of non-public data. Call it *before* returning the data: if it fails, nothing is shown."""
    access_log_write_many(actor=actor, action=action, targets=[target], purpose=purpose, field=field, request=request)


def access_log_roles(actor) -> str:
    """The actor's roles as an access-log row names them: the role groups, not the department groups that follow from
    them (the department has its own column), sorted, comma-separated."""
    return ", ".join(sorted(actor.groups.filter(department_role__isnull=True).values_list("name", flat=True)))


# Between role names in :func:`access_log_roles_subquery`: a control character no group name holds.
_ROLE_SEPARATOR = "\x1f"


class _Joined(Aggregate):
    """Text values joined by a separator (the second argument): ``string_agg`` on PostgreSQL, ``group_concat`` on
    SQLite; in no particular order."""

    function = "STRING_AGG"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)


def access_log_roles_subquery(user_ref: str) -> Subquery:
    """:func:`access_log_roles` of the user ``user_ref`` names (a path from the outer query), as a column of that query:
    one query fewer for a caller that reads the actor anyway (the API's token look-up). Read it with
    :func:`access_log_roles_of`."""
    memberships = get_user_model().groups.through.objects.filter(
        user_id=OuterRef(user_ref), group__department_role__isnull=True
    )
    names = _Joined("group__name", Value(_ROLE_SEPARATOR))
    return Subquery(memberships.order_by().values("user_id").annotate(names=names).values("names")[:1])


def access_log_roles_of(joined: str | None) -> str:
    """The value of :func:`access_log_roles_subquery` as :func:`access_log_roles` gives it."""
    return ", ".join(sorted(joined.split(_ROLE_SEPARATOR))) if joined else ""


def access_log_write_many(
    *, actor, action: str, targets, purpose: str, field: str = "", request=None, actor_roles: str | None = None
) -> int:
    """Record one access-log row per record of ``targets`` (a bulk export): what each record's own access summary
    must show. See :func:`access_log_write_ids`, which this is for model instances of any models."""
    return _access_log_insert(
        actor=actor, action=action, purpose=purpose, field=field, request=request, actor_roles=actor_roles,
        targets=[(ContentType.objects.get_for_model(target).pk, target.pk) for target in targets],
    )  # fmt: skip


def access_log_write_ids(
    *, actor, action: str, model, ids, purpose: str, field: str = "", request=None, actor_roles: str | None = None
) -> int:
    """Record one access-log row per id of ``model`` in ``ids``, in that order (the data-sharing API: no model
    instance a record). ``actor_roles`` as :func:`access_log_roles` gives them, if the caller read them already.

    One transaction, no savepoint (a failure fails the caller's write: no row, no answer); the roles read once; the
    rows inserted in one statement and chained as stored (``chain.append_stored``: the rows as the insert returned
    them, not read back; the lock and the head once a transaction; one insert of the links), exactly as one by one.
    Returns the number of rows written.
    """
    ids = list(ids)
    content_type = ContentType.objects.get_for_model(model).pk if ids else None
    return _access_log_insert(
        actor=actor, action=action, purpose=purpose, field=field, request=request, actor_roles=actor_roles,
        targets=[(content_type, pk) for pk in ids],
    )  # fmt: skip


def _access_log_insert(*, actor, action, purpose, field, request, actor_roles, targets) -> int:
    from . import chain

    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError(
            {"purpose": ValidationError(_("State why you need to see this data."), "purpose_required")}
        )
    if not targets:
        return 0
    shared = {
        "at": AccessLog._meta.get_field("at").get_db_prep_save(timezone.now(), connection),
        "actor": actor.pk,
        "actor_roles": access_log_roles(actor) if actor_roles is None else actor_roles,
        "actor_department": getattr(actor, "department_id", None),
        "action": action,
        "field": field,
        "purpose": purpose,
        "request_id": getattr(request, "request_id", ""),
    }
    types = {content_type for content_type, _pk in targets}
    if len(types) == 1:  # records of one model: the rows differ in their target's id alone
        shared["target_type"] = types.pop()
        columns, rows, varying = ["target_id"], [(pk,) for _type, pk in targets], "target_id"
    else:
        columns, rows, varying = ["target_type", "target_id"], targets, None
    with transaction.atomic(savepoint=False):
        stored = bulk.insert_rows(AccessLog, columns, rows, constants=shared, returning=True)
        chain.append_stored(AccessLog, stored, varying=varying)
    return len(stored)


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
