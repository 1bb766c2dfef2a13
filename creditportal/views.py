import sys

from django.db import connection, transaction
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import health, metrics
from .middleware import DATABASE_DOWN, service_unavailable


@require_safe
def home(request):
    return render(request, "home.html")


@never_cache
@require_safe
@transaction.non_atomic_requests  # a database that is down must answer 503, not fail in the wrapper
def healthz(request):
    """Liveness and database status for load balancers and monitoring; reveals nothing else."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = "ok"
    except Exception:
        database = "unavailable"
    healthy = database == "ok"
    return JsonResponse({"status": "ok" if healthy else "error", "database": database}, status=200 if healthy else 503)


@never_cache
@require_safe
@transaction.non_atomic_requests
def readyz(request):
    """Readiness for load balancers: 503 while a critical check fails (creditportal/health.py); names, never reasons."""
    ready, checks = health.run_readiness_checks()
    return JsonResponse({"status": "ok" if ready else "error", "checks": checks}, status=200 if ready else 503)


@never_cache
@require_safe
@transaction.non_atomic_requests
def metrics_view(request):
    """Prometheus metrics, for the monitoring system only; anyone else gets the ordinary 404."""
    if not metrics.scrape_allowed(request):
        raise Http404
    return HttpResponse(metrics.exposition(), content_type=metrics.prometheus_client.CONTENT_TYPE_LATEST)


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says; point them at the static icon."""
    return HttpResponsePermanentRedirect(static("creditportal/favicon.svg"))


def server_error(request):
    """handler500: the database going away outside a view (a middleware's query) is a 503, not a 500."""
    if isinstance(sys.exc_info()[1], DATABASE_DOWN):
        return service_unavailable()
    return HttpResponseServerError(loader.render_to_string("500.html"))


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)
