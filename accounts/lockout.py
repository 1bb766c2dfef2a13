"""The page django-axes shows when a username is locked out from an address (settings.AXES_LOCKOUT_CALLABLE)."""

from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers


def lockout_response(request, original_response=None, credentials=None):
    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    response = render(request, "accounts/lockout.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
    add_never_cache_headers(response)
    return response
