"""The project's admin site: Django's, plus a verified second factor for staff (issue 9).

Swapped in as the default site by :class:`CreditportalAdminConfig` (``INSTALLED_APPS``), so every
``admin.site.register`` / ``@admin.register`` keeps working unchanged and there is no second site.

With ``settings.REQUIRE_STAFF_2FA`` on, a staff user who signed in with a password but has not
confirmed a one-time code in this session does not count as having admin access
(:meth:`CreditportalAdminSite.has_permission`); instead of the login page, the admin sends them to
enter a code, or to enrol a device when they have none (``accounts.twofactor``, installed in
``creditportal.policy``: this layer does not import ``accounts``). Signing out works
without the second factor.
"""

from functools import update_wrapper

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .policy import needs_second_factor, second_factor_redirect


class CreditportalAdminSite(admin.AdminSite):
    def has_permission(self, request):
        return super().has_permission(request) and not needs_second_factor(request)

    def admin_view(self, view, cacheable=False):
        protected = super().admin_view(view, cacheable)

        def inner(request, *args, **kwargs):
            if needs_second_factor(request):
                if request.path == reverse("admin:logout", current_app=self.name):
                    return view(request, *args, **kwargs)
                return second_factor_redirect(request)
            return protected(request, *args, **kwargs)

        return update_wrapper(inner, view)

    def index(self, request, extra_context=None):
        # "Recent actions" from the history rows the services write (templates/admin/index.html); the audit app
        # registers where they come from (``recent_actions_register``), since this module imports no app above it.
        if _RECENT_ACTIONS:
            extra_context = {"recent_actions": _RECENT_ACTIONS[0](request.user), **(extra_context or {})}
        return super().index(request, extra_context)

    def each_context(self, request):
        # Warnings the apps above raise on every admin page (templates/admin/base_site.html), e.g. a missing
        # holiday notice; each provider decides who sees them and must stay cheap (``admin_notice_register``).
        context = super().each_context(request)
        context["admin_notices"] = [notice for provider in _ADMIN_NOTICES.values() for notice in provider(request)]
        return context

    def login(self, request, extra_context=None):
        # Password accepted earlier in this session: the next step is the code, not the password again.
        if request.method == "GET" and needs_second_factor(request):
            return second_factor_redirect(request)
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            # Without a page to return to, staff land on their dashboards (settings.LOGIN_REDIRECT_URL).
            extra_context = {REDIRECT_FIELD_NAME: resolve_url(settings.LOGIN_REDIRECT_URL), **(extra_context or {})}
        return super().login(request, extra_context)


_RECENT_ACTIONS: list = []


def recent_actions_register(provider) -> None:
    """``provider(user)`` → the admin index's "Recent actions" for that user (filled by the audit app)."""
    _RECENT_ACTIONS[:] = [provider]


_ADMIN_NOTICES: dict = {}


def admin_notice_register(name: str, provider) -> None:
    """``provider(request)`` → warnings for the top of every admin page: dicts with ``message``, ``url``, ``link``.

    It runs on every admin page, so it answers without a query for users it does not concern.
    """
    _ADMIN_NOTICES[name] = provider


# Third-party apps whose models the admin shows, named for the people who use it (not "AXES", "OTP_TOTP").
THIRD_PARTY_APP_NAMES = {
    "axes": _("Sign-in lockouts"),
    "otp_totp": _("Two-factor devices"),
    "django_tasks_database": _("Background jobs"),
}


class CreditportalAdminConfig(AdminConfig):
    default_site = "creditportal.admin_site.CreditportalAdminSite"

    def ready(self):
        super().ready()
        for label, name in THIRD_PARTY_APP_NAMES.items():
            if label in apps.app_configs:
                apps.get_app_config(label).verbose_name = name
