"""More files in one request than ``DATA_UPLOAD_MAX_NUMBER_FILES``: the form says so, in its own words (issue 24).

Django stops reading a request at the file over the limit and raises ``TooManyFilesSent``; the CSRF check
reads the request first, so the view never runs and the person gets the bare 400 page, their text lost.
:class:`TooManyFilesMiddleware` (listed before ``CsrfViewMiddleware``) reads such a request itself: the
fields sent before the files are kept (the CSRF token and the text come first in a form), the files are
closed and dropped, and each file field holds a :class:`TooManyFiles` marker that the form's file field
refuses with a translated message (``portal.forms.MultipleFileField``). Nothing is saved: the form is
invalid. Views that show that message say so with :func:`file_count_shown_by_form`; any other view still
answers the 400 page.
"""

from functools import partial

from django.conf import settings
from django.http.multipartparser import MultiPartParser, TooManyFilesSent
from django.utils.datastructures import ImmutableList, MultiValueDict

_ACCEPTS = "file_count_shown_by_form"


class TooManyFiles:
    """Stands in each file field of a request that sent more files than allowed."""

    def __init__(self, limit: int):
        self.limit = limit


def file_count_shown_by_form(view):
    """Mark a view whose forms refuse :class:`TooManyFiles` themselves (a form error instead of the 400 page)."""
    setattr(view, _ACCEPTS, True)
    return view


def _parse_keeping_fields(request, meta, post_data):
    request.upload_handlers = ImmutableList(request.upload_handlers, warning="Upload handlers are fixed by now.")
    parser = MultiPartParser(meta, post_data, request.upload_handlers, request.encoding)
    try:
        return parser.parse()
    except TooManyFilesSent:
        fields = getattr(parser, "_post", None)
        if fields is None:  # pragma: no cover - only if Django's parser changes shape; the 400 page then
            raise
        marker = TooManyFiles(settings.DATA_UPLOAD_MAX_NUMBER_FILES)
        request.too_many_files = marker
        fields._mutable = False
        return fields, MultiValueDict({name: [marker] for name in parser._files})


class TooManyFilesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.content_type == "multipart/form-data":
            request.parse_file_upload = partial(_parse_keeping_fields, request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or request.content_type != "multipart/form-data":
            return None
        request.POST  # noqa: B018 - read now, as the CSRF check will: this is where too many files show
        if getattr(request, "too_many_files", None) is not None and not getattr(view_func, _ACCEPTS, False):
            raise TooManyFilesSent("The number of files exceeded settings.DATA_UPLOAD_MAX_NUMBER_FILES.")
        return None
