"""The public register's pages (issue 18): anonymous, server-rendered, in the portal's look."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseNotModified, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from audit.witness import public_key_b64 as witness_public_key
from creditportal.replica import reads_from_replica

from .downloads import FORMATS, download_etag, download_path, download_regenerate
from .forms import RegisterSearchForm
from .http import cached_publicly, rate_limited
from .log import log_lines, signed_head
from .models import PublicationEvent
from .selectors import MAX_RESULTS, listing_get, listing_search, listing_search_count

PAGE_SIZE = 20
LOG_PAGE_SIZE = 50


class _SearchPaginator(Paginator):
    """Pages of :func:`listing_search`, whose number of results is :func:`listing_search_count` (the same listings,
    counted without sorting them) — or, when the first page is not full, the rows on it: one statement instead of two
    for a rare name (or none found)."""

    def __init__(self, filters: dict):
        super().__init__(listing_search(**filters), PAGE_SIZE)
        self.filters = filters

    @cached_property
    def count(self) -> int:
        return listing_search_count(**self.filters)

    def get_page(self, number):
        if number not in (None, "", "1", 1):
            return super().get_page(number)
        rows = list(self.object_list[: self.per_page])
        if len(rows) < self.per_page:
            self.count = len(rows)  # the whole result: nothing left to count
        return self._get_page(rows, 1, self)


def _language() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh"


def _localised(content: dict, language: str) -> dict:
    """The entry with its bilingual texts in the page's language."""

    def pick(pair):
        return (pair or {}).get(language) or (pair or {}).get("zh", "")

    return {
        **content,
        "conduct": pick(content.get("conduct")),
        "legal_basis": pick(content.get("legal_basis")),
        "measures": [{**m, "name": pick(m.get("name"))} for m in content.get("measures", [])],
    }


@reads_from_replica
@require_safe
@rate_limited
@cached_publicly
def search(request):
    form = RegisterSearchForm(request.GET or None)
    page = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "query": data["q"],
            "department_id": data["department"],
            "catalogue_item_id": data["conduct"],
            "measure_type_id": data["measure"],
            "decided_from": data["decided_from"],
            "decided_to": data["decided_to"],
        }
        page = _SearchPaginator(filters).get_page(request.GET.get("page"))
        language = _language()
        page.object_list = [(listing.token, _localised(listing.content, language)) for listing in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "register/search.html",
        {"form": form, "page": page, "max_results": MAX_RESULTS, "query_string": query.urlencode()},
    )


@reads_from_replica
@require_safe
@rate_limited
@cached_publicly
def record(request, token):
    listing = listing_get(token)
    if listing is None:
        raise Http404  # the project's 404 page: the same for never-existing and withdrawn entries
    entry = _localised(listing.content, _language())
    response = render(request, "register/record.html", {"entry": entry, "noindex": listing.natural_person})
    if listing.natural_person:
        response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
@rate_limited
def download(request, fmt):
    """The current register as a file, streamed from disk (written by the background task), with its ETag."""
    if fmt not in FORMATS:
        raise Http404
    etag = download_etag(fmt)
    if etag is None:  # first request of the day, or on a fresh installation
        download_regenerate(fmt)
        etag = download_etag(fmt)
    path = download_path(fmt)
    if etag in {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}:
        response = HttpResponseNotModified()
    else:
        response = FileResponse(path.open("rb"), as_attachment=True, filename=path.name, content_type=FORMATS[fmt][1])
        response["X-Content-Type-Options"] = "nosniff"
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=settings.REGISTER_CACHE_SECONDS)
    return response


@reads_from_replica
@require_safe
@rate_limited
@cached_publicly
def log(request):
    """The publication log, newest first, with the signed head, the keys to check it and the audit witnesses."""
    page = Paginator(PublicationEvent.objects.order_by("-seq"), LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "head": signed_head(), "witness_key": witness_public_key()}
    return render(request, "register/log.html", context)


@reads_from_replica
@require_safe
@rate_limited
@cached_publicly
def log_download(request):
    """The whole log as JSON Lines ending with the signed head: what ``manage.py verify_register_log`` checks."""
    lines = (line + "\n" for line in log_lines())
    response = StreamingHttpResponse(lines, content_type="application/jsonl; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename="register-log.jsonl")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def language(request, code):
    """Switch the language by a link (the register's pages carry no form, hence no CSRF token) and go back."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("register:search")
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, code, max_age=settings.LANGUAGE_COOKIE_AGE, path=settings.LANGUAGE_COOKIE_PATH,
        secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )  # fmt: skip
    return response
