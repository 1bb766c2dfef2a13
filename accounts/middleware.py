"""Request-wide security rules for signed-in users (issue 9)."""

import time

from django.conf import settings
from django.urls import reverse
from django.utils.cache import patch_cache_control

from .twofactor import needs_second_factor, second_factor_redirect


class SlidingSessionMiddleware:
    """The idle timeout slides: using the site pushes a signed-in session's expiry ``SESSION_COOKIE_AGE`` ahead.

    Instead of ``SESSION_SAVE_EVERY_REQUEST`` (a session write and commit on every page view), the session is
    marked changed at most every ``SESSION_REFRESH_SECONDS``; ``SessionMiddleware`` then saves it with a new
    expiry. A session therefore ends between ``SESSION_COOKIE_AGE`` minus that interval and ``SESSION_COOKIE_AGE``
    after its last use. Listed after ``AuthenticationMiddleware`` and ``SessionMiddleware``.
    """

    KEY = "_idle_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is None or session.modified or user is None or not user.is_authenticated:
            return response  # nothing to keep alive, or it is saved anyway
        now = int(time.time())
        if now - int(session.get(self.KEY, 0)) >= settings.SESSION_REFRESH_SECONDS:
            session[self.KEY] = now
        return response


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
