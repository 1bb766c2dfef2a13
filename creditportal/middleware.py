"""The database failing under a request (docs/operations.md, "Faults"): a read is tried once more, then 503.

A connection terminated mid-request (PostgreSQL restarted, a failover, an administrator's pg_terminate_backend)
raises OperationalError or InterfaceError. The request's transaction (ATOMIC_REQUESTS) is then rolled back, so a
write is never half-applied. A GET or HEAD runs once more on a fresh connection; anything else, or a second failure,
answers the translated 503 page ("nothing was saved, try again"), never a 500 or a traceback.
"""

import logging

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

DATABASE_DOWN: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
try:
    import psycopg
except ImportError:  # pragma: no cover - SQLite-only installs
    pass
else:
    # Django wraps the driver's errors only around execute and fetch: closing a server-side cursor (.iterator(), in
    # Django's cursor_iter) on a terminated connection raises psycopg's own error, which must be the 503 too.
    DATABASE_DOWN += (psycopg.OperationalError, psycopg.InterfaceError)


def service_unavailable() -> HttpResponse:
    """The translated 503 page; renders without the database (no session, no user)."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = "10"
    return response


def _drop_broken_connections():
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        request.database_retry = (view, args, kwargs)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_DOWN):
            return None
        _drop_broken_connections()
        retry = getattr(request, "database_retry", None)
        if request.method not in ("GET", "HEAD") or retry is None or getattr(request, "database_retried", False):
            logger.warning("Database unavailable during %s %s: %s", request.method, request.path, exception)
            return service_unavailable()
        request.database_retried = True
        logger.warning("Database connection lost during %s %s; trying once more: %s", request.method, request.path,
                       exception)  # fmt: skip
        view, args, kwargs = request.database_retry
        try:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
        except DATABASE_DOWN as error:
            _drop_broken_connections()
            logger.warning("Database still unavailable for %s %s: %s", request.method, request.path, error)
            return service_unavailable()
        return response
