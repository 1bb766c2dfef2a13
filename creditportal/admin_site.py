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

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import reverse

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

    def login(self, request, extra_context=None):
        # Password accepted earlier in this session: the next step is the code, not the password again.
        if request.method == "GET" and needs_second_factor(request):
            return second_factor_redirect(request)
        return super().login(request, extra_context)


class CreditportalAdminConfig(AdminConfig):
    default_site = "creditportal.admin_site.CreditportalAdminSite"
