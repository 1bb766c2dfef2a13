#!/usr/bin/env bash
# Two app servers behind one address, and a locust load test against that address (docs/operations.md, "Load test").
# `make loadtest`: DATABASE_URL must name a PostgreSQL database with the demo data (make demo, then run_lifecycle).
#
#   nginx (Debian's package) on 127.0.0.1:$LOADTEST_PORT  ->  gunicorn A on +1, gunicorn B on +2 (deploy/gunicorn.conf.py)
#
# Both servers run as production does (DEBUG off, plain HTTP on loopback, the demo's development keys) and share
# sessions and cache through Redis ($REDIS_URL). Then locust (deploy/loadtest/locustfile.py) runs $LOADTEST_USERS
# visitors (staff, portal, register) for $LOADTEST_DURATION against nginx. Prints throughput, p50/p95 and errors,
# keeps locust's CSV files and nginx's log in var/loadtest/, and exits 1 unless: no request failed, no 5xx, and both
# servers answered. Two settings differ from production, both on purpose: REQUIRE_STAFF_2FA=0 (the 20 staff visitors
# share 5 demo accounts, and one TOTP code signs in only once) and REGISTER_RATE_LIMIT raised (every visitor comes
# from 127.0.0.1, so the per-address limit would answer 429 to all of them).
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PY:-.venv/bin/python}"
BIN="$(dirname "$PY")"
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL database with the demo data (make demo)}"
PORT="${LOADTEST_PORT:-8160}"
USERS="${LOADTEST_USERS:-50}"
SPAWN_RATE="${LOADTEST_SPAWN_RATE:-10}"
DURATION="${LOADTEST_DURATION:-60s}"
WORKERS="${LOADTEST_WORKERS_PER_SERVER:-2}"
OUT="${LOADTEST_OUT:-var/loadtest}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
NGINX="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"
[ -x "$NGINX" ] || { echo "nginx is not installed: apt-get install nginx-light" >&2; exit 2; }

mkdir -p "$OUT" && rm -f "$OUT"/*
OUT="$(cd "$OUT" && pwd)"
RUN="$(mktemp -d "${TMPDIR:-/tmp}/creditportal-loadtest.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$RUN"
}
trap cleanup EXIT

# The production settings with the demo's development keys (as `make run-prodlike`).
eval "export $("$PY" -c 'import os; os.environ["DEBUG"] = "1"; import creditportal.settings as s; print(
  f"SECRET_KEY={s._DEV_SECRET_KEY} FIELD_ENCRYPTION_KEYS={s._DEV_FIELD_ENCRYPTION_KEY} "
  f"FIELD_HASH_KEY={s._DEV_FIELD_HASH_KEY} REGISTER_LOG_SIGNING_KEY={s._DEV_REGISTER_LOG_SIGNING_KEY}")')"
export DEBUG=0 PLAIN_HTTP=1 ALLOWED_HOSTS=127.0.0.1,localhost EMAIL_URL=consolemail:// TASKS_BACKEND=database
export REQUIRE_STAFF_2FA=0 REGISTER_RATE_LIMIT="${REGISTER_RATE_LIMIT:-1000000}"
"$PY" manage.py collectstatic --noinput -v 0
STATIC_ROOT="$("$PY" -c 'import django, os; os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditportal.settings"); django.setup(); from django.conf import settings; print(settings.STATIC_ROOT)')"

for n in 1 2; do
  GUNICORN_BIND="127.0.0.1:$((PORT + n))" GUNICORN_WORKERS="$WORKERS" GUNICORN_ACCESS_LOG="$OUT/gunicorn-$n.log" \
    "$BIN/gunicorn" -c deploy/gunicorn.conf.py creditportal.wsgi >"$OUT/gunicorn-$n.err" 2>&1 &
  pids+=($!)
done

cat >"$RUN/nginx.conf" <<NGINX
worker_processes 1;
pid $RUN/nginx.pid;
error_log $OUT/nginx-error.log warn;
events { worker_connections 512; }
http {
  client_body_temp_path $RUN/body;
  proxy_temp_path $RUN/proxy;
  fastcgi_temp_path $RUN/fastcgi;
  uwsgi_temp_path $RUN/uwsgi;
  scgi_temp_path $RUN/scgi;
  # No query string in the log (\$uri, not \$request_uri): searches may carry personal data.
  log_format upstream '\$remote_addr [\$time_local] "\$request_method \$uri" \$status \$body_bytes_sent '
                      '\$request_time \$upstream_addr';
  access_log $OUT/nginx-access.log upstream;
  client_max_body_size 25m;
  upstream creditportal {
    server 127.0.0.1:$((PORT + 1)) max_fails=0;
    server 127.0.0.1:$((PORT + 2)) max_fails=0;
    keepalive 16;
  }
  server {
    listen 127.0.0.1:$PORT;
    location /static/ { alias $STATIC_ROOT/; expires 30d; }
    location / {
      proxy_pass http://creditportal;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_read_timeout 60s;
    }
  }
}
NGINX
"$NGINX" -e "$OUT/nginx-error.log" -c "$RUN/nginx.conf" -g 'daemon off;' &
pids+=($!)

for n in 1 2 0; do
  for _ in $(seq 1 60); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((PORT + n))/healthz")" = 200 ] && break
    sleep 1
  done
  curl -sf -o /dev/null "http://127.0.0.1:$((PORT + n))/healthz" || { echo "127.0.0.1:$((PORT + n)) did not start" >&2; exit 1; }
done
echo "Two app servers (127.0.0.1:$((PORT + 1)), :$((PORT + 2)); $WORKERS gunicorn workers each) behind nginx on 127.0.0.1:$PORT"

# CPU the app servers spend (the gunicorns' user + system time): a figure the crowded machine distorts little.
app_cpu_seconds() {
  "$PY" -c 'import sys, psutil
procs = [p for pid in sys.argv[1:] for p in [psutil.Process(int(pid))] + psutil.Process(int(pid)).children()]
print(sum(p.cpu_times().user + p.cpu_times().system for p in procs))' "${pids[0]}" "${pids[1]}"
}
app_cpu_seconds >"$OUT/app-cpu-before"
: >"$OUT/nginx-access.log"  # the load test's requests only
echo "locust: $USERS users (staff 3 : portal 2 : register 5), $SPAWN_RATE/s ramp-up, $DURATION"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
LOADTEST_OUT="$OUT" "$BIN/locust" -f deploy/loadtest/locustfile.py --headless --only-summary --host "http://127.0.0.1:$PORT" \
  -u "$USERS" -r "$SPAWN_RATE" -t "$DURATION" --csv "$OUT/locust" --exit-code-on-error 0 >"$OUT/locust.out" 2>&1

app_cpu_seconds >"$OUT/app-cpu-after"
echo "machine: $(nproc) cores, load average before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" - "$OUT" "$PORT" <<'PYTHON'
import csv, json, sys
from collections import Counter
from pathlib import Path

out, port = Path(sys.argv[1]), int(sys.argv[2])
rows = list(csv.DictReader((out / "locust_stats.csv").open()))
failures = list(csv.DictReader((out / "locust_failures.csv").open()))
total = next(r for r in rows if r["Name"] == "Aggregated")
upstreams, statuses = Counter(), Counter()
for line in (out / "nginx-access.log").read_text().splitlines():
    fields = line.split()
    status = fields[-4]
    statuses["499 (in flight when locust stopped)" if status == "499" else status[0] + "xx"] += 1
    upstreams[fields[-1]] += 1
print(f"{'page':<32} {'requests':>8} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7} {'req/s':>6}")
for r in rows:
    print(f"{r['Name'][:32]:<32} {r['Request Count']:>8} {r['Failure Count']:>5} {r['50%']:>7} {r['95%']:>7} "
          f"{float(r['Requests/s']):>6.1f}")
for f in failures:
    print(f"FAILED {f['Occurrences']}x {f['Method']} {f['Name']}: {f['Error']}")
print(f"nginx: {dict(sorted(statuses.items()))}; by server: {dict(sorted(upstreams.items()))}")
problems = []
if int(total["Failure Count"]):
    problems.append(f"{total['Failure Count']} failed requests")
if statuses.get("5xx"):
    problems.append(f"{statuses['5xx']} 5xx answers")
servers = {f"127.0.0.1:{port + 1}", f"127.0.0.1:{port + 2}"}
if not servers <= set(upstreams):
    problems.append(f"not both servers answered ({sorted(upstreams)})")
pages = json.loads((out / "pages.json").read_text())
print(f"pages without the sign-ins: {pages['requests']} requests, {pages['rps']} req/s, p50 {pages['p50']} ms, "
      f"p95 {pages['p95']} ms, {pages['failures']} failed")
cpu = float((out / "app-cpu-after").read_text()) - float((out / "app-cpu-before").read_text())
print(f"app servers' CPU: {cpu:.1f} s for {total['Request Count']} requests = {1000 * cpu / max(int(total['Request Count']), 1):.0f} ms "
      f"a request (sign-ins included)")
summary = (f"throughput {float(total['Requests/s']):.1f} req/s, p50 {total['50%']} ms, p95 {total['95%']} ms, "
           f"{total['Request Count']} requests, {total['Failure Count']} failed")
print(("LOAD TEST: PASS " if not problems else f"LOAD TEST: FAIL ({', '.join(problems)}) ") + summary)
sys.exit(1 if problems else 0)
PYTHON
