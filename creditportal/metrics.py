"""Prometheus metrics of our own, next to django-prometheus' request metrics (docs/operations.md, "Metrics").

Read at scrape time, so every app server reports the same fleet-wide figures: the task queue from the database, the
last lifecycle sweep from the shared cache (the sweep runs as its own process, from a timer).
"""

import hmac
import ipaddress
import os

import prometheus_client
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from prometheus_client import multiprocess
from prometheus_client.core import GaugeMetricFamily

from .health import oldest_ready_task_age

_LAST_SWEEP_KEY = "metrics:lifecycle:last_sweep"


def record_lifecycle_sweep(*, counts: dict[str, int], errors: int) -> None:
    """Keep the outcome of a lifecycle sweep for the metrics (in the shared cache; kept for 8 days)."""
    cache.set(
        _LAST_SWEEP_KEY,
        {"finished_at": timezone.now().timestamp(), "counts": dict(counts), "errors": errors},
        timeout=8 * 24 * 3600,
    )


class _FleetCollector:
    def collect(self):
        from django_tasks_db.models import DBTaskResult  # needs the app registry, ready by scrape time

        depth = GaugeMetricFamily(
            "creditportal_task_queue_depth",
            "Background tasks by status (django-tasks database backend).",
            labels=["status"],
        )
        if settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db."):
            for status in ("READY", "RUNNING", "FAILED"):
                depth.add_metric([status.lower()], DBTaskResult.objects.filter(status=status).count())
        yield depth
        age = oldest_ready_task_age()
        yield GaugeMetricFamily(
            "creditportal_task_queue_oldest_age_seconds",
            "How long the oldest due task has waited for a worker (0 when none waits).",
            value=age.total_seconds() if age else 0,
        )
        last = cache.get(_LAST_SWEEP_KEY)
        if last is None:
            return
        yield GaugeMetricFamily(
            "creditportal_lifecycle_last_run_timestamp_seconds",
            "When the last lifecycle sweep finished (Unix time).",
            value=last["finished_at"],
        )
        actions = GaugeMetricFamily(
            "creditportal_lifecycle_last_run_actions",
            "Records the last lifecycle sweep moved, by action.",
            labels=["action"],
        )
        for action, count in sorted(last["counts"].items()):
            actions.add_metric([action], count)
        yield actions
        yield GaugeMetricFamily(
            "creditportal_lifecycle_last_run_errors",
            "Records the last lifecycle sweep could not move (it exits 1 when this is not 0).",
            value=last["errors"],
        )


def exposition() -> bytes:
    """The metrics page: this server's request metrics (all workers' under gunicorn) and the fleet-wide ones."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        process_registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(process_registry)
    else:
        process_registry = prometheus_client.REGISTRY
    fleet_registry = prometheus_client.CollectorRegistry(auto_describe=False)
    fleet_registry.register(_FleetCollector())
    return prometheus_client.generate_latest(process_registry) + prometheus_client.generate_latest(fleet_registry)


def scrape_allowed(request) -> bool:
    """Metrics are for monitoring only: a bearer token (METRICS_TOKEN) or an address in METRICS_ALLOWED_IPS."""
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(allowed) for allowed in settings.METRICS_ALLOWED_IPS)
