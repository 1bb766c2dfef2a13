"""Who may act on a case, as guardian object permissions (DESIGN §6). The only writers of grants.

- When a case is opened, its department's caseworker and supervisor groups and the assigned
  caseworker get their permissions on it (:func:`case_grant_defaults`).
- A supervisor of the owning department may share a case with another department (joint cases) or
  grant and revoke a person's access, always with a reason.
Every grant and revocation is a row written with its actor and reason, so the history shows who gave
what to whom, when and why. Roles (model permissions) enable an action; these grants say on which cases.
"""

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.models import User
from accounts.permissions import can, require
from accounts.services import department_group
from audit import chain
from audit.history import attribute, copy_to_history
from creditportal import bulk
from creditportal.text import text_required

from ..models import Case, CaseGroupObjectPermission, CaseUserObjectPermission

DEPARTMENT_GRANTS = {
    roles.CASEWORKER: ("view_case", "change_case", "submit_case"),
    roles.SUPERVISOR: ("view_case", "change_case", "submit_case", "review_case"),
}
ASSIGNED_CASEWORKER_GRANTS = ("view_case", "change_case", "submit_case")
# What a person or another department may be given: reading, or working on the case with its owners.
GRANTABLE = ("view_case", "change_case")
SHARED_DEPARTMENT_GRANTS = ("view_case",)


def _permissions(codenames) -> list[Permission]:
    found = list(Permission.objects.filter(content_type__app_label="cases", codename__in=codenames))
    if len(found) != len(set(codenames)):
        raise ValueError(f"unknown case permissions: {sorted(set(codenames) - {p.codename for p in found})}")
    return found


def _grant(model, *, case: Case, holder_field: str, holder, codenames, actor: User, reason: str) -> int:
    created = 0
    for permission in _permissions(codenames):
        if model.objects.filter(**{holder_field: holder}, permission=permission, content_object=case).exists():
            continue
        row = model(**{holder_field: holder}, permission=permission, content_object=case)
        attribute(row, actor=actor, reason=reason)
        row.save()
        created += 1
    return created


def _revoke(model, *, case: Case, holder_field: str, holder, codenames, actor: User, reason: str) -> int:
    rows = model.objects.filter(**{holder_field: holder}, content_object=case, permission__codename__in=codenames)
    count = 0
    for row in rows:
        attribute(row, actor=actor, reason=reason)
        row.delete()
        count += 1
    return count


def _require_reason(reason: str) -> str:
    return text_required(reason, field="reason", message=_("State why access changes."), code="reason_required")


def _require_manager(actor: User, case: Case) -> None:
    """Supervisors of the owning department manage access to its cases (superusers too)."""
    require(actor, "view", case)
    if not (actor.is_superuser or can(actor, "review", case)):
        raise PermissionDenied(_("Only a supervisor of the owning department can change who has access."))


def _for_department(change, *, case, department, actor: User, reason) -> int:
    """Apply a grant or revocation of the shared permissions to both role groups of ``department``."""
    total = 0
    for role in DEPARTMENT_GRANTS:
        group = department_group(department, role)
        total += change(
            CaseGroupObjectPermission, case=case, holder_field="group", holder=group,
            codenames=SHARED_DEPARTMENT_GRANTS, actor=actor, reason=reason,
        )  # fmt: skip
    return total


def _default_grants(case: Case, group=department_group) -> list[tuple]:
    """``(model, holder field, holder, codenames, reason)`` of each default grant of a new ``case``."""
    grants = [
        (CaseGroupObjectPermission, "group", group(case.department, role), codenames,
         f"department {role.lower()}s of the owning department")
        for role, codenames in DEPARTMENT_GRANTS.items()
    ]  # fmt: skip
    grants.append((CaseUserObjectPermission, "user", case.caseworker, ASSIGNED_CASEWORKER_GRANTS,
                   "assigned caseworker"))  # fmt: skip
    return grants


def case_grant_defaults(*, case: Case, actor: User) -> None:
    """Give the owning department's role groups and the assigned caseworker their permissions."""
    for model, holder_field, holder, codenames, reason in _default_grants(case):
        _grant(model, case=case, holder_field=holder_field, holder=holder, codenames=codenames, actor=actor,
               reason=reason)  # fmt: skip


def cases_grant_defaults_many(*, cases: list[Case], actor: User) -> None:
    """:func:`case_grant_defaults` for many new cases in bulk (``cases_create_many``): the same rows, history and
    chain links, in a few statements for the whole list instead of some fifty a case. The cases are new: none holds a
    grant yet. ``actor`` is the person opening them (not ``None``): every history row names them.

    Set-based rather than through model instances (issue 25 §2: building and binding ten grants and ten history rows
    a case as Django objects was four fifths of a bulk import's time): per grant table, one bulk insert of
    the grants (holder, permission, case: in case order, then the order ``case_grant_defaults`` gives them), one
    ``INSERT ... SELECT`` copying them into the history table with the actor, the reason, the type ``+`` and one
    timestamp (``audit.history.copy_to_history``, which returns them as stored), and their chain links by
    ``chain.append_stored``, which hashes them as ``verify`` does (the chain's lock and head once a transaction).
    """
    groups: dict[tuple, object] = {}

    def group(department, role):  # one look-up per department and role, not per case
        if (department.pk, role) not in groups:
            groups[department.pk, role] = department_group(department, role)
        return groups[department.pk, role]

    plans = [(case, _default_grants(case, group)) for case in cases]
    wanted = {codename for _case, plan in plans for grant in plan for codename in grant[3]}
    permissions = {permission.codename: permission.pk for permission in _permissions(sorted(wanted))}
    rows: dict[type, list[tuple]] = {CaseGroupObjectPermission: [], CaseUserObjectPermission: []}
    holders: dict[type, str] = {}
    reasons: dict[type, dict] = {CaseGroupObjectPermission: {}, CaseUserObjectPermission: {}}
    for case, plan in plans:
        for model, holder_field, holder, codenames, reason in plan:
            holders[model] = holder_field
            if reasons[model].setdefault(holder.pk, reason) != reason:  # pragma: no cover - one role per group
                raise ValueError(f"{model.__name__}: holder {holder.pk} is granted for two reasons")
            for codename in sorted(codenames):  # the order ``_permissions`` reads them in (by codename)
                rows[model].append((holder.pk, permissions[codename], case.pk))
    now = timezone.now()
    case_pks = [case.pk for case in cases]
    for model, values in rows.items():
        if not values:
            continue
        bulk.insert_rows(model, [holders[model], "permission", "content_object"], values)
        history = copy_to_history(
            model, key="content_object", values=case_pks, actor=actor, when=now,
            reason_by=(holders[model], reasons[model]),
        )  # fmt: skip
        chain.append_stored(model.history.model, history)


@transaction.atomic
def case_grant_user(*, case: Case, user, actor: User, reason: str, codenames=("view_case",)) -> int:
    """Give one person access to a case; returns how many permissions were added."""
    reason = _require_reason(reason)
    _require_manager(actor, case)
    if not user.is_staff:
        raise ValidationError({"user": _("Case access is for staff; entities see their records in the portal.")})
    if set(codenames) - set(GRANTABLE):
        raise ValidationError({"codenames": _("Only viewing or working on a case can be granted.")})
    return _grant(CaseUserObjectPermission, case=case, holder_field="user", holder=user, codenames=codenames,
                  actor=actor, reason=reason)  # fmt: skip


@transaction.atomic
def case_revoke_user(*, case: Case, user, actor: User, reason: str) -> int:
    """Take away every permission one person was given on a case; returns how many were removed."""
    reason = _require_reason(reason)
    _require_manager(actor, case)
    if user.pk == case.caseworker_id:
        raise ValidationError({"user": _("The assigned caseworker keeps access to their case.")})
    return _revoke(CaseUserObjectPermission, case=case, holder_field="user", holder=user,
                   codenames=GRANTABLE, actor=actor, reason=reason)  # fmt: skip


@transaction.atomic
def case_share_with_department(*, case: Case, department, actor: User, reason: str) -> int:
    """Let another department's caseworkers and supervisors read a joint case."""
    reason = _require_reason(reason)
    _require_manager(actor, case)
    if department.pk == case.department_id:
        raise ValidationError({"department": _("The case already belongs to this department.")})
    return _for_department(_grant, case=case, department=department, actor=actor, reason=reason)


@transaction.atomic
def case_unshare_department(*, case: Case, department, actor: User, reason: str) -> int:
    reason = _require_reason(reason)
    _require_manager(actor, case)
    if department.pk == case.department_id:
        raise ValidationError({"department": _("The owning department cannot lose access to its own case.")})
    return _for_department(_revoke, case=case, department=department, actor=actor, reason=reason)
