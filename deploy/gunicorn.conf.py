"""gunicorn settings for creditportal: `gunicorn -c deploy/gunicorn.conf.py creditportal.wsgi`.

Every value can be overridden from the environment (GUNICORN_*), so one file serves every server size.
Reload code without dropping requests with `systemctl reload creditportal-web` (SIGHUP: new workers start, old ones
finish their requests within `graceful_timeout`).
"""

import multiprocessing
import os


def _int(name, default):
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: (2 x cores) + 1, the gunicorn docs' rule; each holds one PostgreSQL connection (CONN_MAX_AGE).
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
# A request running longer than this is killed (its transaction rolls back: ATOMIC_REQUESTS). Evidence uploads of
# EVIDENCE_MAX_BYTES over a slow link are buffered by the proxy first, so 30 s is ample for the application.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 2
# Recycle workers now and then so a slow leak never grows without bound; the jitter keeps them from restarting
# together.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# Load the application in each worker, not the master: SIGHUP then reloads new code.
preload_app = False
# Behind the reverse proxy on the same host (X-Forwarded-Proto decides HTTPS; settings.SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Path only (%(U)s), never the query string (%(q)s) nor the referrer (%(f)s), which may carry personal data;
# no user name either. Fields: client, time, method, path, status, bytes, duration in ms, request id.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms %({x-request-id}o)s'

# Prometheus metrics across workers (docs/operations.md, "Metrics"): with PROMETHEUS_MULTIPROC_DIR set (the web unit
# gives a fresh directory at each start), each worker writes its figures there and /metrics adds them up.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):

    def child_exit(server, worker):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
