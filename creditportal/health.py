"""Readiness checks for `/readyz`: the project's own (database, cache, migrations, task queue) and those apps register.

`creditportal` imports no domain app, so an app adds its check in its AppConfig.ready with
`register_readiness_check(name, func)`. A check returns None when all is well, or a short reason for the log
(never shown to the caller); an exception counts as a failure. A *critical* check failing makes `/readyz` answer
503, so a load balancer stops sending this server requests; a non-critical one (a fleet-wide condition that taking
servers out would only make worse, such as a missing holiday calendar) is reported, answered with 200, and alerted on.
"""

import dataclasses
import datetime
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class ReadinessCheck:
    name: str
    func: Callable[[], str | None]
    critical: bool


_checks: dict[str, ReadinessCheck] = {}


def register_readiness_check(name: str, func: Callable[[], str | None], *, critical: bool = True) -> None:
    """Add a check to `/readyz`; registering the same name again replaces it (AppConfig.ready may run twice)."""
    _checks[name] = ReadinessCheck(name, func, critical)


def run_readiness_checks() -> tuple[bool, dict[str, str]]:
    """Run every check: (ready, {name: "ok" | "failing" | "warning"}); ready is False if a critical one fails."""
    ready, results = True, {}
    for check in _checks.values():
        try:
            problem = check.func()
        except Exception as error:
            problem = f"{type(error).__name__}: {error}"
        if problem is None:
            results[check.name] = "ok"
            continue
        logger.warning("Readiness check %s failed: %s", check.name, problem)
        results[check.name] = "failing" if check.critical else "warning"
        ready = ready and not check.critical
    return ready, results


def _database() -> str | None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return None


def _cache() -> str | None:
    cache.set("readyz:probe", "1", timeout=30)
    return None if cache.get("readyz:probe") == "1" else "the cache did not keep a value"


_migrations_seen_applied = False


def _migrations() -> str | None:
    """Every migration in the code is applied (read from the database until seen once, then remembered)."""
    global _migrations_seen_applied  # a process-wide memo: applied migrations stay applied
    if _migrations_seen_applied:
        return None
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        return f"{len(pending)} migration(s) not applied"
    _migrations_seen_applied = True
    return None


def oldest_ready_task_age() -> datetime.timedelta | None:
    """How long the oldest task that is due has waited for a worker (None: none waiting, or tasks run in-process)."""
    if not settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db."):
        return None
    from django_tasks_db.models import DBTaskResult  # the model exists only with that backend

    oldest = DBTaskResult.objects.ready().order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    return None if oldest is None else timezone.now() - oldest


def _task_queue() -> str | None:
    age = oldest_ready_task_age()
    if age is not None and age.total_seconds() > settings.READYZ_MAX_TASK_LAG_SECONDS:
        return f"the oldest due task has waited {int(age.total_seconds())} s: are the workers running?"
    return None


register_readiness_check("database", _database)
register_readiness_check("cache", _cache)
register_readiness_check("migrations", _migrations)
# Workers are separate processes: a backlog is no reason to take web servers out of service.
register_readiness_check("task_queue", _task_queue, critical=False)
