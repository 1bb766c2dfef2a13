"""Django's ``ModelBackend``, reading a user's permissions and groups in one query per request (issue 11)."""

from django.contrib.auth.backends import ModelBackend
from django.db.models import IntegerField, Value

from .models import User


class PermissionBackend(ModelBackend):
    """``ModelBackend`` with the same answers, loading what every staff page needs in one statement.

    Django reads a user's direct permissions and their groups' permissions in two queries, and the policy
    (``accounts.permissions``) reads the user's group ids in a third. Here one ``UNION ALL`` returns each
    group membership with the group's permissions (a group without any still gives its id) and the direct
    permissions, and fills all three caches on the user object: ``_user_perm_cache``, ``_group_perm_cache``
    (Django's names, so ``get_user_permissions`` / ``get_group_permissions`` and ``has_perm`` read them) and
    ``_policy_group_ids``. Superusers and inactive users keep Django's behaviour.
    """

    def _load(self, user_obj) -> None:
        by_group = User.groups.through.objects.filter(user_id=user_obj.pk).values_list(
            "group_id", "group__permissions__content_type__app_label", "group__permissions__codename"
        )
        direct = User.user_permissions.through.objects.filter(user_id=user_obj.pk).values_list(
            Value(None, output_field=IntegerField()), "permission__content_type__app_label", "permission__codename"
        )
        user_perms, group_perms, group_ids = set(), set(), set()
        for group_id, app_label, codename in by_group.union(direct, all=True):
            if group_id is not None:
                group_ids.add(group_id)
            if codename is not None:
                (group_perms if group_id is not None else user_perms).add(f"{app_label}.{codename}")
        user_obj._user_perm_cache = user_perms
        user_obj._group_perm_cache = group_perms
        user_obj._policy_group_ids = sorted(group_ids)

    def _get_permissions(self, user_obj, obj, from_name):
        if user_obj.is_active and not user_obj.is_anonymous and obj is None and not user_obj.is_superuser:
            if not hasattr(user_obj, f"_{from_name}_perm_cache"):
                self._load(user_obj)
        return super()._get_permissions(user_obj, obj, from_name)
