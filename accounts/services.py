"""Department membership of staff: which department role groups a user belongs to."""

from django.contrib.auth.models import Group
from django.db import transaction

from audit.history import attribute

from . import roles
from .models import DepartmentGroup


@transaction.atomic
def department_group(department, role: str) -> Group:
    """The group of ``role`` in ``department``, created on first use."""
    link = DepartmentGroup.objects.select_related("group").filter(department=department, role=role).first()
    if link is not None:
        return link.group
    group, _created = Group.objects.get_or_create(name=f"{department.code} {role}")
    link = attribute(DepartmentGroup(department=department, role=role, group=group), actor=None, reason="created")
    link.save()
    return group


@transaction.atomic
def user_sync_department_groups(user, *, actor=None) -> None:
    """Put ``user`` in exactly the department groups their roles and department call for.

    A caseworker or supervisor of a department is in that department's group for the role, and in no
    other department's; leaving a department or a role removes the membership (history records it).
    """
    wanted = set()
    if user.is_staff and user.department_id is not None:
        held = set(user.groups.filter(name__in=roles.DEPARTMENT_ROLES).values_list("name", flat=True))
        wanted = {department_group(user.department, role).pk for role in held}
    current = set(user.groups.filter(department_role__isnull=False).values_list("pk", flat=True))
    if wanted == current:
        return
    attribute(user, actor=actor, reason="department groups follow roles and department")
    user.groups.remove(*(current - wanted))
    user.groups.add(*(wanted - current))
