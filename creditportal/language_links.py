"""Shareable links in a language (issue 25): ``/zh-hans/<path>`` and ``/en/<path>`` open ``/<path>`` in that language.

The site's URLs carry no language (the switcher and the browser choose it), so a link copied by a Chinese reader
opened in English for an English browser, and ``/zh-hans/...`` was a 404. Rather than prefixing every URL
(``i18n_patterns``: every ``reverse()`` and bookmark would change), a language prefix is accepted on any path:
the answer sets the language cookie, exactly as the switcher does, and redirects to the path without it.
"""

import re

from django.conf import settings
from django.http import HttpResponseRedirect
from django.utils.translation import get_supported_language_variant

_PREFIX = re.compile(r"^/(?P<language>[a-zA-Z]{2}(?:-[a-zA-Z]{2,4})?)(?P<rest>/.*)?$")


class LanguageLinkMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code.lower() for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        match = _PREFIX.match(request.path_info)
        if request.method in ("GET", "HEAD") and match and match["language"].lower() in self.languages:
            language = get_supported_language_variant(match["language"].lower())
            # One leading slash only: "/en//evil.example" must not become a protocol-relative redirect.
            target = "/" + (match["rest"] or "/").lstrip("/")
            if request.META.get("QUERY_STRING"):
                target += "?" + request.META["QUERY_STRING"]
            response = HttpResponseRedirect(target)
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
            return response
        return self.get_response(request)
