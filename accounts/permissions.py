"""The one permission policy (DESIGN §6). Admin, portal, services, exports and downloads all call it.

- ``scope(queryset, user, action)``: the rows ``user`` may act on, as one SQL query.
- ``can(user, action, obj_or_model)``: whether ``user`` may act on one object (or on the model at all).
- ``require(user, action, obj)``: raise ``Http404`` when the object is out of the user's view scope,
  ``PermissionDenied`` when it is visible but the action is not allowed.

Actions are permission verbs: ``view``, ``add``, ``change``, ``delete`` and custom ones such as
``reveal``; the model permission behind an action is ``<app>.<action>_<model>``.
Rules per model live in ``_RULES`` below, keyed by model label, so the whole policy reads in one file
and this module imports no domain app (dependencies point from entities/cases to accounts).
"""

import json
import time
from collections.abc import Callable

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.db.models import Exists, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import IsNull
from django.db.models.signals import m2m_changed, post_migrate
from django.http import Http404
from django.utils import timezone

Rule = Callable[[QuerySet, object, str], QuerySet]


def permission_name(model: type[Model], action: str) -> str:
    opts = model._meta
    return f"{opts.app_label}.{action}_{opts.model_name}"


def _by_model_permission(queryset: QuerySet, user, action: str) -> QuerySet:
    """Default rule: staff holding the model permission act on every row; nobody else on any."""
    if user.is_staff and user.has_perm(permission_name(queryset.model, action)):
        return queryset
    return queryset.none()


def _active_representation(user) -> Q:
    today = timezone.localdate()
    return (
        Q(user=user, valid_from__lte=today)
        & (Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        & Q(verified_at__isnull=False)
    )


def _entity_rule(queryset: QuerySet, user, action: str) -> QuerySet:
    """Entities are one registry shared by all departments; a representative sees only its own entity."""
    if user.is_staff:
        return _by_model_permission(queryset, user, action)
    if action != "view":
        return queryset.none()
    representation = apps.get_model("entities", "Representative").objects.filter(
        _active_representation(user), entity=OuterRef("pk")
    )
    return queryset.filter(Exists(representation))


def _representative_rule(queryset: QuerySet, user, action: str) -> QuerySet:
    if user.is_staff:
        return _by_model_permission(queryset, user, action)
    if action != "view":
        return queryset.none()
    return queryset.filter(_active_representation(user))


def _user_rule(queryset: QuerySet, user, action: str) -> QuerySet:
    """Administrators see every account; staff who verify representatives may pick portal accounts."""
    if not user.is_staff:
        return queryset.none()
    if user.has_perm(permission_name(queryset.model, action)):
        return queryset
    if action == "view" and user.has_perm("entities.add_representative"):
        return queryset.filter(is_staff=False)
    return queryset.none()


# The object permission that grants each policy action on a case.
_CASE_GRANT_FOR_ACTION = {
    "view": "view_case",
    "change": "change_case",
    "add": "change_case",
    "delete": "change_case",
    "submit": "submit_case",
    "review": "review_case",
}
# Actions that edit a case's own rows: allowed only in the states the cases app calls editable (drafts).
_CASE_EDIT_ACTIONS = frozenset({"change", "add", "delete"})
# The case states the policy needs, named by the cases app (``cases.workflow``) in ``CasesConfig.ready``: this
# module knows no app's states. Until they are registered no case is editable and none is shown to an entity.
_CASE_STATES: dict[str, tuple[str, ...]] = {"editable": (), "hidden_from_entity": ()}
_case_states_registered = False


def case_states_register(*, editable, hidden_from_entity) -> None:
    """``editable``: the states a case's rows may be edited in; ``hidden_from_entity``: states its entity never sees."""
    global _case_states_registered
    _CASE_STATES["editable"] = tuple(editable)
    _CASE_STATES["hidden_from_entity"] = tuple(hidden_from_entity)
    _case_states_registered = True


def _case_permission_id(codename: str, using: str = "default") -> int | None:
    """The ``auth_permission`` id of ``cases.<codename>``, looked up once per process and database.

    Filtering the grant tables by this constant lets each ``EXISTS`` probe their ``(user|group, permission,
    object)`` unique index; matching by codename instead joins ``auth_permission`` and ``django_content_type``
    inside the subquery, which makes the planner scan every case (docs/performance.md). Ids change only when
    the permission rows are recreated, i.e. after a migrate or a flush: ``post_migrate`` clears the cache.
    """
    key = (using, codename)
    if key not in _PERMISSION_IDS:
        permission = apps.get_model("auth", "Permission")
        _PERMISSION_IDS[key] = (
            permission.objects.using(using)
            .filter(content_type__app_label="cases", codename=codename)
            .values_list("pk", flat=True)
            .first()
        )
    return _PERMISSION_IDS[key]


_PERMISSION_IDS: dict[tuple[str, str], int | None] = {}


def _forget_permission_ids(**kwargs):
    _PERMISSION_IDS.clear()


post_migrate.connect(_forget_permission_ids, dispatch_uid="accounts.permissions.forget_permission_ids")


def _group_ids(user) -> list[int]:
    """The user's group ids, read once per user object (like Django's own permission cache on the user).

    A literal ``group_id = ANY(...)`` lets the planner probe the group grants' unique index; a subquery on the
    membership table instead makes it read every group grant of the permission and hash-join (measured).
    Changing the groups through this same user object (``user.groups.add/set/remove/clear``) drops the cache.
    """
    cached = getattr(user, "_policy_group_ids", None)
    if cached is None:
        cached = list(user.groups.values_list("pk", flat=True))
        user._policy_group_ids = cached
    return cached


def _forget_group_ids(sender, instance, action, reverse, **kwargs):
    if action.startswith("post_") and not reverse:
        instance.__dict__.pop("_policy_group_ids", None)


m2m_changed.connect(
    _forget_group_ids, sender=get_user_model().groups.through, dispatch_uid="accounts.permissions.forget_group_ids"
)


# How many grants make a user's cases a large share of all cases (issue 11, docs/performance.md): from there on,
# a list is read by probing case after case in its order; below, PostgreSQL may hash the grants first.
MANY_GRANTS = 20_000
# The planner's estimate of a user's grants is asked once per user, group set and permission for this long.
GRANT_ESTIMATE_SECONDS = 600
_GRANT_ESTIMATES: dict[tuple, tuple[float, bool]] = {}


def _many_grants(user, group_ids: list[int], permission_id: int, using: str) -> bool:
    """Whether PostgreSQL's planner expects ``user`` to hold more than ``MANY_GRANTS`` grants of the permission
    (directly and through the groups), from its statistics: an ``EXPLAIN``, no rows read. Elsewhere: no."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return False
    key = (using, user.pk, tuple(group_ids), permission_id)
    now = time.monotonic()
    cached = _GRANT_ESTIMATES.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    direct = apps.get_model("cases", "CaseUserObjectPermission").objects.using(using)
    via_groups = apps.get_model("cases", "CaseGroupObjectPermission").objects.using(using)
    grants = (
        direct.filter(user_id=user.pk, permission_id=permission_id)
        .values("pk")
        .union(via_groups.filter(group_id__in=group_ids, permission_id=permission_id).values("pk"), all=True)
    )
    plan = json.loads(grants.explain(format="json"))
    many = plan[0]["Plan"]["Plan Rows"] > MANY_GRANTS
    if len(_GRANT_ESTIMATES) > 10_000:
        _GRANT_ESTIMATES.clear()
    _GRANT_ESTIMATES[key] = (now + GRANT_ESTIMATE_SECONDS, many)
    return many


def granted_cases(queryset: QuerySet, user, codename: str) -> QuerySet:
    """The cases on which ``user`` holds object permission ``codename``, directly or through a group.

    Guardian's direct-FK tables, with the permission id and the user's group ids as constants, so a lookup is
    an index probe on the table's unique index: exactly guardian's answer (``get_objects_for_user(...,
    accept_global_perms=False)``, proven by a property test for both forms below), without its slow ``IN``
    subqueries (reference/performance-notes.md).

    How a list is walked matters at a million cases (issue 11, docs/performance.md). PostgreSQL costs the
    filter as if the whole table were read, so for ``EXISTS`` it often hashes all of the user's grants before
    the first row: right for a user with few grants (a small department: 17 ms where probing case after case
    takes 70 ms), wrong for one whose grants cover a large share of the cases (the biggest department's
    caseworker: 420 ms, where probing finds a page in 5 ms). So a user the planner expects to hold more than
    ``MANY_GRANTS`` grants gets scalar subqueries, which PostgreSQL never hashes; everyone else ``EXISTS``.
    """
    permission_id = _case_permission_id(codename, queryset.db)
    if permission_id is None:
        return queryset.none()
    grants = apps.get_model("cases", "CaseUserObjectPermission").objects.filter(
        user_id=user.pk, permission_id=permission_id, content_object=OuterRef("pk")
    )
    group_ids = _group_ids(user)
    group_grants = apps.get_model("cases", "CaseGroupObjectPermission").objects.filter(
        group_id__in=group_ids, permission_id=permission_id, content_object=OuterRef("pk")
    )
    if _many_grants(user, group_ids, permission_id, queryset.db):
        probes = [IsNull(Subquery(rows.values("pk")[:1]), False) for rows in (grants, group_grants)]
        return queryset.filter(Q(probes[0]) | Q(probes[1]) if group_ids else Q(probes[0]))
    condition = Exists(grants)
    if group_ids:
        condition |= Exists(group_grants)
    return queryset.filter(condition)


# What hangs off a case that its entity's representatives may read (never evidence or internal decisions).
_ENTITY_VISIBLE_VIA_CASE = frozenset(
    {
        "cases.legaldocument", "cases.sanction", "cases.notice", "cases.statement", "cases.publication",
        "cases.filing", "cases.filingattachment", "cases.statementattachment",
    }
)  # fmt: skip
# How a row that hangs off a case reaches it.
_CASE_PATH = {"cases.filingattachment": "filing__case", "cases.statementattachment": "statement__case"}


def represented_cases(queryset: QuerySet, user) -> QuerySet:
    """The cases against an entity ``user`` actively represents, from the notice served on (portal users)."""
    representation = apps.get_model("entities", "Representative").objects.filter(
        _active_representation(user), entity=OuterRef("entity_id")
    )
    if not _case_states_registered:
        return queryset.none()
    return queryset.filter(Exists(representation)).exclude(state__in=_CASE_STATES["hidden_from_entity"])


def _case_rule(queryset: QuerySet, user, action: str) -> QuerySet:
    """A role enables an action (model permission); the case's grants say on which cases.

    Overseers (auditors, appeals reviewers: ``cases.oversee_case``) read every case. Non-staff (entity
    representatives) only read their entity's cases, and act on them only through the portal's services.
    """
    if not user.is_staff:
        return represented_cases(queryset, user) if action == "view" else queryset.none()
    if not user.has_perm(permission_name(queryset.model, action)):
        return queryset.none()
    if action == "view" and user.has_perm("cases.oversee_case"):
        return queryset
    codename = _CASE_GRANT_FOR_ACTION.get(action)
    if codename is None:
        return queryset.none()
    queryset = granted_cases(queryset, user, codename)
    return queryset.filter(state__in=_CASE_STATES["editable"]) if action in _CASE_EDIT_ACTIONS else queryset


def _via_case(queryset: QuerySet, user, action: str) -> QuerySet:
    """What hangs off a case (evidence, measures, notices, ...) is in scope when its case is.

    Changing or adding such a row is changing the case, so it needs the case in scope for "change".
    A representative reads what the entity was told about its cases (``_ENTITY_VISIBLE_VIA_CASE``).
    """
    path = _CASE_PATH.get(queryset.model._meta.label_lower, "case")
    if not user.is_staff:
        if action != "view" or queryset.model._meta.label_lower not in _ENTITY_VISIBLE_VIA_CASE:
            return queryset.none()
        cases = represented_cases(apps.get_model("cases", "Case").objects.all(), user)
        return queryset.filter(**{f"{path}__in": cases.values("pk")})
    if not user.has_perm(permission_name(queryset.model, action)):
        return queryset.none()
    case_model = apps.get_model("cases", "Case")
    case_action = "view" if action == "view" else "change"
    cases = _case_rule(case_model.objects.all(), user, case_action)
    return queryset.filter(**{f"{path}__in": cases.values("pk")})


def _notification_rule(queryset: QuerySet, user, action: str) -> QuerySet:
    """Notifications are read by their recipient; overseers (auditor, administrator) follow every delivery."""
    if action != "view":
        return queryset.none()  # only the notification services write them
    if user.is_staff and user.has_perm("cases.oversee_notification"):
        return queryset
    return queryset.filter(recipient_id=user.pk)


def _import_job_rule(queryset: QuerySet, user, action: str) -> QuerySet:
    """An import is seen by staff of the uploader's department who may import (its uploader, without one)."""
    if not user.is_staff or not user.has_perm(permission_name(queryset.model, action)):
        return queryset.none()
    if user.department_id is None:
        return queryset.filter(created_by_id=user.pk)
    return queryset.filter(department_id=user.department_id)


_RULES: dict[str, Rule] = {
    "cases.case": _case_rule,
    "cases.legaldocument": _via_case,
    "cases.evidence": _via_case,
    "cases.sanction": _via_case,
    "cases.decision": _via_case,
    "cases.notice": _via_case,
    "cases.statement": _via_case,
    "cases.publication": _via_case,
    "cases.filing": _via_case,
    "cases.filingattachment": _via_case,
    "cases.statementattachment": _via_case,
    "cases.notification": _notification_rule,
    "accounts.user": _user_rule,
    "entities.entity": _entity_rule,
    "entities.representative": _representative_rule,
    "imports.importjob": _import_job_rule,
}


def scope(queryset: QuerySet, user, action: str = "view") -> QuerySet:
    """The rows of ``queryset`` that ``user`` may perform ``action`` on."""
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    rule = _RULES.get(queryset.model._meta.label_lower, _by_model_permission)
    return rule(queryset, user, action)


def scope_of_case(queryset: QuerySet, user, action: str, case, *, case_allowed: bool) -> QuerySet:
    """``scope(queryset, user, action)`` narrowed to the rows hanging off ``case``, for a caller that already
    has the policy's answer for the case itself: ``case_allowed`` is ``can(user, "view", case)`` for action
    "view", ``can(user, "change", case)`` otherwise (as ``_via_case`` asks it).

    A case page lists several kinds of row of one case it has already checked; each list then filters by the
    case instead of re-deriving the case's scope in SQL (issue 11). Same rule as ``_via_case`` for staff;
    for anyone else, and for models with another rule, this is ``scope(...)`` filtered by the case.
    """
    label = queryset.model._meta.label_lower
    path = _CASE_PATH.get(label, "case")
    plain_staff = user is not None and user.is_authenticated and user.is_active and user.is_staff
    if _RULES.get(label) is not _via_case or not plain_staff or user.is_superuser:
        return scope(queryset, user, action).filter(**{path: case})
    if not case_allowed or not user.has_perm(permission_name(queryset.model, action)):
        return queryset.none()
    return queryset.filter(**{path: case})


def can(user, action: str, obj_or_model) -> bool:
    """Whether ``user`` may perform ``action`` on an object, or on some object of a model class."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if isinstance(obj_or_model, type):
        # Model level (may this user use a list or add page at all?) is the model permission alone.
        return user.has_perm(permission_name(obj_or_model, action))
    obj = obj_or_model
    if obj.pk is None:
        return can(user, action, type(obj))
    return scope(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()


def can_each(user, actions, obj: Model) -> dict[str, bool]:
    """``can(user, action, obj)`` for each of ``actions``, answered in one query (issue 22).

    Each action is an ``EXISTS`` over its scope, as a column of one read of ``obj``'s row.
    """
    actions = list(dict.fromkeys(actions))
    if user is None or not user.is_authenticated or not user.is_active or obj.pk is None or len(actions) < 2:
        return {action: can(user, action, obj) for action in actions}
    manager = type(obj)._default_manager
    columns = {f"_may_{i}": Exists(scope(manager.filter(pk=OuterRef("pk")), user, a)) for i, a in enumerate(actions)}
    row = manager.filter(pk=obj.pk).annotate(**columns).values(*columns).first() or {}
    return {action: bool(row.get(f"_may_{i}")) for i, action in enumerate(actions)}


def require(user, action: str, obj: Model) -> Model:
    """Return ``obj`` if ``user`` may perform ``action`` on it; 404 if it is out of view scope, else 403."""
    allowed = can_each(user, ["view", action], obj)
    if not allowed["view"]:
        raise Http404
    if not allowed[action]:
        raise PermissionDenied
    return obj
