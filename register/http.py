"""HTTP rules of the public register (issue 18): a per-IP rate limit, conditional responses, a short shared cache.

The rate limit counts requests per client address in fixed windows in Django's cache (shared by all workers when
the cache is Redis); over the limit the client gets the translated 429 page. Responses carry an ETag made from the
register's version stamp (``services.register_version``, moved on by every change), the day, the language and the
URL, so a change to any publication, the passing of midnight or a language switch all make a new ETag.
"""

import functools
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponseNotModified
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language

from .services import register_version


def client_address(request) -> str:
    # The reverse proxy must set REMOTE_ADDR to the client's address (gunicorn: forwarded_allow_ips).
    return request.META.get("REMOTE_ADDR", "")


def rate_limited(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        window = int(timezone.now().timestamp()) // settings.REGISTER_RATE_WINDOW_SECONDS
        digest = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
        key = f"register:rate:{digest}:{window}"
        cache.add(key, 0, timeout=settings.REGISTER_RATE_WINDOW_SECONDS)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            count = 1
        if count > settings.REGISTER_RATE_LIMIT:
            response = render(request, "register/429.html", status=429)
            response["Retry-After"] = str(settings.REGISTER_RATE_WINDOW_SECONDS)
            return response
        return view(request, *args, **kwargs)

    return wrapper


def last_modified() -> float:
    """The later of the last change and the start of today (entries leave the register at midnight)."""
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    return max(float(register_version()), midnight)


def etag_for(request) -> str:
    parts = [register_version(), timezone.localdate().isoformat(), get_language() or "", request.get_full_path()]
    return '"' + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32] + '"'


def cached_publicly(view):
    """Answer 304 when the client's ETag is current; otherwise add the ETag and a short shared ``Cache-Control``."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        etag = etag_for(request)
        if etag in {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}:
            response = HttpResponseNotModified()
        else:
            response = view(request, *args, **kwargs)
        if response.status_code in (200, 304):
            response["ETag"] = etag
            response["Last-Modified"] = http_date(last_modified())
            patch_cache_control(response, public=True, max_age=settings.REGISTER_CACHE_SECONDS)
        # The language may come from a cookie: a shared cache must keep one copy per language.
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response

    return wrapper
