"""Request-wide security rules for signed-in users (issue 9)."""

from django.urls import reverse
from django.utils.cache import patch_cache_control

from .twofactor import needs_second_factor, second_factor_redirect


class NoStoreForAuthenticatedMiddleware:
    """Nothing shown to a signed-in user is kept by the browser or a proxy cache (``Cache-Control: no-store``).

    A page of someone's records must not come back from the back button or a shared cache after sign-out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response


class StaffTwoFactorMiddleware:
    """While ``REQUIRE_STAFF_2FA`` is on, staff who gave only a password reach nothing but the code pages.

    The admin site refuses them by itself (``creditportal.admin_site``); this also covers staff views
    outside the admin (evidence download, and any added later), so no view has to remember it.
    Allowed: the two-factor pages, signing out, the language switch, static files and the health check.
    """

    ALLOWED_URL_NAMES = frozenset(
        {
            "accounts:twofactor_verify",
            "accounts:twofactor_enrol",
            "accounts:twofactor_qr",
            "admin:logout",
            "set_language",
            "healthz",
        }
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not needs_second_factor(request):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in self.ALLOWED_URL_NAMES:
            return None
        if request.path.startswith(reverse("admin:index")):
            return None  # the admin site sends them to the right step itself
        return second_factor_redirect(request)
