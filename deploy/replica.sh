#!/usr/bin/env bash
# A streaming read replica of the local PostgreSQL on 127.0.0.1:5433, for trying and testing the replica router
# (docs/operations.md, "Read replicas"). Debian's cluster tools; run as root. `make replica-up` / `make replica-down`.
#   deploy/replica.sh up      create (pg_createcluster + pg_basebackup -R) and start it; a no-op when it runs
#   deploy/replica.sh down    stop and drop it
set -euo pipefail

VERSION="${PG_VERSION:-$(ls /etc/postgresql | sort -V | tail -n 1)}"
PRIMARY_HOST="${PRIMARY_HOST:-127.0.0.1}"
PRIMARY_PORT="${PRIMARY_PORT:-5432}"
REPLICA_PORT="${REPLICA_PORT:-5433}"
CLUSTER=replica
DATA="/var/lib/postgresql/$VERSION/$CLUSTER"

exists() { pg_lsclusters -h | awk -v c="$CLUSTER" -v v="$VERSION" '$1 == v && $2 == c' | grep -q .; }

up() {
  if exists; then
    pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$CLUSTER" start 2>/dev/null || true
  else
    # The primary must accept replication connections from this host (trust, like the local test setup).
    hba="/etc/postgresql/$VERSION/main/pg_hba.conf"
    if ! grep -Eq "^host\s+replication\s+all\s+127\.0\.0\.1/32" "$hba"; then
      echo "host replication all 127.0.0.1/32 trust" >>"$hba"
      psql -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -qtAc "SELECT pg_reload_conf()" >/dev/null
    fi
    pg_createcluster "$VERSION" "$CLUSTER" -p "$REPLICA_PORT" >/dev/null
    cp "$hba" "/etc/postgresql/$VERSION/$CLUSTER/pg_hba.conf"  # the same clients as the primary
    rm -rf "${DATA:?}"/*
    # -R writes standby.signal and primary_conninfo: the copy starts as a hot standby streaming from the primary.
    runuser -u postgres -- pg_basebackup -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -D "$DATA" -R -X stream -c fast
    pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$CLUSTER" start
  fi
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$REPLICA_PORT" && break; sleep 1; done
  [ "$(psql -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -qtAc 'SELECT pg_is_in_recovery()')" = t ]
  echo "Replica streaming on 127.0.0.1:$REPLICA_PORT: DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:$REPLICA_PORT/<name>"
}

down() {
  if exists; then
    pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$CLUSTER" stop -m fast 2>/dev/null || true
    pg_dropcluster "$VERSION" "$CLUSTER"
  fi
  echo "Replica removed."
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
