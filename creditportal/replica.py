"""Read replica routing (docs/operations.md, "Read replicas"): read-only pages read from `replica` when configured.

A GET or HEAD whose view reads from the replica (`reads_from_replica`, or an admin list page) runs its queries on
the `replica` database alias, unless:
- the client wrote something in the last REPLICA_PIN_SECONDS (a cookie set on every unsafe request): it reads its
  own writes from the primary;
- the replica is down, not streaming, or further behind than REPLICA_MAX_LAG_SECONDS (checked at most every
  REPLICA_CHECK_SECONDS per process);
- a query on the replica fails during the request: the replica is marked down and the view runs again, once, on the
  primary. No page fails because of the replica.
Every write goes to the primary (`default`), whatever the request.
"""

import contextvars
import fnmatch
import logging
import time

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
PIN_COOKIE = "cp_primary_until"
_reads_from_replica = contextvars.ContextVar("reads_from_replica", default=False)
# Per process: (checked at, usable) of the last health check.
_health = {"checked_at": float("-inf"), "usable": False}

_LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN NULL
    WHEN NOT EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN NULL
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
END
"""


def reads_from_replica(view):
    """Mark a read-only view whose GET and HEAD may read from the replica (lists, the public register, API reads)."""
    view.reads_from_replica = True
    return view


class ReplicaRouter:
    """Reads go where the request's middleware decided; writes and migrations always to the primary."""

    def db_for_read(self, model, **hints):
        return REPLICA if _reads_from_replica.get() else "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


def replica_usable() -> bool:
    """Whether the replica answers, streams and is not too far behind (memoised for REPLICA_CHECK_SECONDS)."""
    now = time.monotonic()
    if now - _health["checked_at"] < settings.REPLICA_CHECK_SECONDS:
        return _health["usable"]
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(_LAG_SQL)
            (lag,) = cursor.fetchone()
        usable = lag is not None and float(lag) <= settings.REPLICA_MAX_LAG_SECONDS
        if not usable:
            reason = "not streaming" if lag is None else f"{float(lag):.1f} s behind"
            logger.warning("Read replica not used: %s", reason)
    except DatabaseError as error:
        logger.warning("Read replica not used: %s", error)
        connections[REPLICA].close()
        usable = False
    _health.update(checked_at=now, usable=usable)
    return usable


def mark_replica_down() -> None:
    _health.update(checked_at=time.monotonic(), usable=False)


def _view_reads_from_replica(request, view) -> bool:
    if getattr(view, "reads_from_replica", False):
        return True
    name = getattr(request.resolver_match, "view_name", "") or ""
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in settings.REPLICA_READ_VIEW_NAMES)


class ReplicaReadsMiddleware:
    """Decides per request whether reads go to the replica; pins a client that wrote to the primary for a while."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.reads_from_replica = False
        token = _reads_from_replica.set(False)
        try:
            response = self.get_response(request)
        finally:
            _reads_from_replica.reset(token)
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            response.set_cookie(
                PIN_COOKIE,
                str(int(time.time()) + settings.REPLICA_PIN_SECONDS),
                max_age=settings.REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_view(self, request, view, args, kwargs):
        if request.method not in ("GET", "HEAD") or not _view_reads_from_replica(request, view):
            return None
        try:
            pinned = int(request.COOKIES.get(PIN_COOKIE, "0")) > time.time()
        except ValueError:
            pinned = False
        if pinned or not replica_usable():
            return None
        request.reads_from_replica = True
        request.replica_view = (view, args, kwargs)
        _reads_from_replica.set(True)
        return None

    def process_exception(self, request, exception):
        """A replica that fails mid-request: mark it down and run the (read-only) view again on the primary."""
        if not (getattr(request, "reads_from_replica", False) and isinstance(exception, DatabaseError)):
            return None
        logger.warning("Read replica failed during a request; reading from the primary instead: %s", exception)
        mark_replica_down()
        connections[REPLICA].close()
        request.reads_from_replica = False
        _reads_from_replica.set(False)
        view, args, kwargs = request.replica_view
        response = view(request, *args, **kwargs)
        return response.render() if hasattr(response, "render") and not response.is_rendered else response
