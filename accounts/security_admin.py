"""Admin pages for sign-in security, for administrators only (issue 9).

- *Access attempts* (django-axes): who is locked out; an administrator unlocks a sign-in early.
- *TOTP devices* (django-otp): an administrator removes a lost device, so its owner enrols a new one.

Both libraries register plain ModelAdmins that any holder of their model permissions could use; here they
are replaced by subclasses that answer to superusers and the Administrator role only (those who may
change user accounts), add nothing and
change nothing; keys and QR codes are never shown (``OTP_ADMIN_HIDE_SENSITIVE_DATA``).
"""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

# Unlocking a sign-in and resetting a device are account administration: whoever may change user accounts
# (the Administrator role, and superusers). A permission, not a group lookup: it is cached per request.
ACCOUNT_ADMIN_PERMISSION = "accounts.change_user"


def is_administrator(user) -> bool:
    return user.is_active and user.is_staff and user.has_perm(ACCOUNT_ADMIN_PERMISSION)


class AdministratorsOnlyMixin:
    def has_module_permission(self, request):
        return is_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return is_administrator(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return is_administrator(request.user)


class LockoutAdmin(AdministratorsOnlyMixin, AccessAttemptAdmin):
    actions = ["unlock", "cleanup_expired_attempts"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # "unlock" says what deleting an attempt means
        return actions

    @admin.action(description=_("Unlock the selected sign-ins"), permissions=["delete"])
    def unlock(self, request, queryset):
        attempts = list(queryset)
        self.log_deletions(request, attempts)
        count = len(attempts)
        queryset.filter(pk__in=[attempt.pk for attempt in attempts]).delete()
        self.message_user(
            request,
            ngettext("%(count)d sign-in unlocked.", "%(count)d sign-ins unlocked.", count) % {"count": count},
            messages.SUCCESS,
        )


class DeviceAdmin(AdministratorsOnlyMixin, TOTPDeviceAdmin):
    pass


admin.site.register(AccessAttempt, LockoutAdmin)
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, DeviceAdmin)
