#!/usr/bin/env bash
# PgBouncer try-out (docs/operations.md, "PgBouncer"): Debian's pgbouncer in transaction mode on 127.0.0.1:$PGBOUNCER_PORT
# in front of the PostgreSQL of DATABASE_URL, then the application through it:
#   1. the settings change it needs (jit off on the database, DATABASE_PGBOUNCER=1) and `manage.py verify_audit`;
#   2. the PostgreSQL tests that stress it most (row locks across threads, the audit chain's advisory lock, terminated
#      connections), on a test database created through PgBouncer (test_<name>_pgbouncer);
#   3. the load test (deploy/loadtest.sh: two gunicorns, 50 users) through it, with PgBouncer's pool figures.
# Prints PASS or FAIL; exits 1 on FAIL. Stops PgBouncer afterwards. `make pgbouncer-tryout` (root: apt-get install
# pgbouncer; PgBouncer itself runs as the postgres user).
set -uo pipefail
cd "$(dirname "$0")/.."

PY="${PY:-.venv/bin/python}"
BIN="$(dirname "$PY")"
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL database with the demo data (make demo)}"
PORT="${PGBOUNCER_PORT:-6440}"
POOL="${PGBOUNCER_POOL_SIZE:-8}"
DB="${DATABASE_URL##*/}"
DB="${DB%%\?*}"
UPSTREAM="${DATABASE_URL%/*}"
UPSTREAM_HOSTPORT="${UPSTREAM##*@}"
BOUNCED_URL="postgres://postgres@127.0.0.1:$PORT/$DB"
PGBOUNCER="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"
[ -x "$PGBOUNCER" ] || { echo "pgbouncer is not installed: apt-get install pgbouncer" >&2; exit 2; }
RUN="$(mktemp -d "${TMPDIR:-/tmp}/creditportal-pgbouncer.XXXXXX")"
chmod 755 "$RUN"
failures=()
pid=""

cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$RUN"
}
trap cleanup EXIT

cat >"$RUN/pgbouncer.ini" <<INI
[databases]
; every database name, to the same server (the test suite creates test_<name> through it)
* = host=${UPSTREAM_HOSTPORT%:*} port=${UPSTREAM_HOSTPORT##*:}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PORT
unix_socket_dir =
auth_type = trust
auth_file = $RUN/userlist.txt
admin_users = postgres
pool_mode = transaction
; server connections per database and user: the database server's cores x 2-4, not the app workers
default_pool_size = $POOL
max_client_conn = 500
; Django sends nothing PgBouncer would refuse once DATABASE_PGBOUNCER=1 drops the options parameter
ignore_startup_parameters = extra_float_digits
server_reset_query =
logfile = $RUN/pgbouncer.log
pidfile = $RUN/pgbouncer.pid
INI
echo '"postgres" ""' >"$RUN/userlist.txt"
chown -R postgres "$RUN"
runuser -u postgres -- "$PGBOUNCER" -q "$RUN/pgbouncer.ini" &
pid=$!
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$PORT" && break; sleep 0.5; done
pg_isready -h 127.0.0.1 -p "$PORT" || { echo "PgBouncer did not start" >&2; cat "$RUN/pgbouncer.log"; exit 1; }
echo "PgBouncer $("$PGBOUNCER" --version | head -1 | awk '{print $2}') on 127.0.0.1:$PORT, transaction pooling, $POOL server connections per database"

echo "1. Settings: jit off on the database (PgBouncer refuses the options parameter), DATABASE_PGBOUNCER=1"
psql -q "$DATABASE_URL" -c "ALTER DATABASE \"$DB\" SET jit = off" || failures+=("ALTER DATABASE")
export DATABASE_PGBOUNCER=1
DEBUG=1 DATABASE_URL="$BOUNCED_URL" "$PY" manage.py verify_audit || failures+=("verify_audit through PgBouncer")

echo "2. Tests on PostgreSQL through PgBouncer (locks across threads, advisory lock, terminated connections)"
DEBUG=1 DATABASE_URL="${BOUNCED_URL}_pgbouncer" "$BIN/pytest" -p no:xdist -q -p no:cacheprovider \
  tests/cases/test_concurrency.py tests/audit/test_chain.py tests/creditportal/test_faults.py \
  || failures+=("tests through PgBouncer")
# PgBouncer keeps its server connections to the test database open, so pytest cannot drop it through PgBouncer:
# close them (KILL) and drop it on the server. The same holds for any DROP DATABASE behind PgBouncer.
psql -q -h 127.0.0.1 -p "$PORT" -U postgres pgbouncer -c "KILL test_${DB}_pgbouncer" >/dev/null 2>&1
psql -q "$UPSTREAM/postgres" -c "DROP DATABASE IF EXISTS test_${DB}_pgbouncer" || failures+=("dropping the test database")

echo "3. The load test through PgBouncer"
DATABASE_URL="$BOUNCED_URL" LOADTEST_DURATION="${LOADTEST_DURATION:-45s}" LOADTEST_OUT=var/loadtest-pgbouncer \
  deploy/loadtest.sh || failures+=("load test through PgBouncer")
echo "PgBouncer's pools and totals after the load test:"
psql -h 127.0.0.1 -p "$PORT" -U postgres pgbouncer -c "SHOW POOLS" | grep -E "database|$DB\b" || true
stats="$(psql -h 127.0.0.1 -p "$PORT" -U postgres pgbouncer -tA -F ' ' -c "SHOW STATS" | awk -v db="$DB" '$1 == db')"
echo "   $DB: $(awk '{print $2}' <<<"$stats") transactions, $(awk '{print $3}' <<<"$stats") queries"
[ "$(awk '{print $2}' <<<"$stats")" -gt 0 ] 2>/dev/null || failures+=("no transactions went through PgBouncer")

if [ ${#failures[@]} -eq 0 ]; then
  echo "PGBOUNCER TRY-OUT: PASS"
else
  printf 'PGBOUNCER TRY-OUT: FAIL (%s)\n' "$(IFS=', '; echo "${failures[*]}")"
  exit 1
fi
