from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from creditportal.admin_base import ScopedModelAdmin

from .models import Department, User
from .regions import ProvinceListFilter
from .roles import DEPARTMENT_ROLES, ROLE_PERMISSIONS
from .services import user_sync_department_groups


@admin.register(Department)
class DepartmentAdmin(ScopedModelAdmin):
    list_display = ["name", "code", "region_code"]
    list_filter = [ProvinceListFilter]
    search_fields = ["name", "code"]


class UserChangeForm(DjangoUserChangeForm):
    def clean(self):
        cleaned = super().clean()
        groups = cleaned.get("groups")
        is_staff = cleaned.get("is_staff", getattr(self.instance, "is_staff", False))
        department = cleaned.get("department")
        if groups is not None and department is None and groups.filter(name__in=DEPARTMENT_ROLES).exists():
            self.add_error("department", _("Caseworkers and supervisors must belong to a department."))
        if department is not None and not is_staff:
            self.add_error("department", _("Only staff belong to a department."))
        return cleaned


@admin.register(User)
class UserAdmin(ScopedModelAdmin, DjangoUserAdmin):
    form = UserChangeForm
    list_display = ["username", "first_name", "last_name", "department", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_active", "department", "groups"]
    list_select_related = ["department"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "email", "preferred_language"]}),
        (_("Role and department"), {"fields": ["is_active", "is_staff", "department", "groups"]}),
        (_("System"), {"fields": ["is_superuser", "last_login", "date_joined"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def user_change_password(self, request, id, form_url=""):
        self._require_in_scope(request, id)
        return super().user_change_password(request, id, form_url)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            # Roles are chosen here; department groups follow from role and department (accounts.services).
            kwargs["queryset"] = Group.objects.filter(name__in=ROLE_PERMISSIONS).order_by("name")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user_sync_department_groups(form.instance, actor=request.user)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # Only a superuser may create another one: an administrator must not escalate privileges.
        if not request.user.is_superuser:
            readonly.append("is_superuser")
        return readonly


admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(ScopedModelAdmin, DjangoGroupAdmin):
    """Roles are defined in code (accounts/roles.py): the admin shows them, it does not edit them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# Sign-in security pages (lockouts, second-factor devices), for administrators only.
from . import security_admin  # noqa: E402, F401
