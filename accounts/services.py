"""Department membership of staff (which department role groups a user belongs to), and the system account."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

from audit.history import attribute

from . import roles
from .models import DepartmentGroup, User


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
def user_sync_department_groups(user, *, actor: User | None = None) -> None:
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


def system_actor() -> User:
    """The account scheduled jobs act as (the lifecycle sweep, the retention purge, e-mail sending): created on
    first use, never able to sign in. It lives with the other accounts, so every layer may name it as an actor."""
    username = settings.LIFECYCLE_SYSTEM_USERNAME
    user = User.objects.filter(username=username).first()
    if user is None:
        try:
            with transaction.atomic():
                user = User(username=username, first_name="System", is_active=False, is_staff=False)
                user.set_unusable_password()
                attribute(user, actor=None, reason="system account for scheduled jobs")
                user.save()
        except IntegrityError:  # created by a concurrent sweep a moment ago
            user = User.objects.get(username=username)
    if user.is_active or user.is_staff or user.has_usable_password():
        raise ImproperlyConfigured(
            f"The account {username!r} (LIFECYCLE_SYSTEM_USERNAME) can sign in; the system account must not. "
            "Choose another name or deactivate it and remove its password."
        )
    return user
