#!/usr/bin/env bash
# Restore drill (docs/operations.md, "Backups and the restore drill"): back up the database named by DATABASE_URL
# (PostgreSQL) and the evidence directory the way production does, restore both into a scratch database and a
# scratch directory, then check the copy: the audit chain verifies (verify_audit), every table has the same number of
# rows, every evidence file has its recorded SHA-256. Prints PASS or FAIL; exits 1 on FAIL. `make restore-drill`.
set -uo pipefail
cd "$(dirname "$0")/.."

PY="${PY:-.venv/bin/python}"
: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database to drill, e.g. postgres://postgres@127.0.0.1:5432/creditportal}"
case "$DATABASE_URL" in postgres://* | postgresql://*) ;; *) echo "The restore drill needs PostgreSQL." >&2; exit 2 ;; esac
SOURCE_URL="$DATABASE_URL"
SOURCE_DB="${SOURCE_URL##*/}"
SOURCE_DB="${SOURCE_DB%%\?*}"
SCRATCH_DB="${SOURCE_DB}_restore_drill"
SCRATCH_URL="${SOURCE_URL%/*}/$SCRATCH_DB"
ADMIN_URL="${SOURCE_URL%/*}/postgres"
EVIDENCE_SOURCE="${EVIDENCE_ROOT:-var/private/evidence}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/creditportal-restore-drill.XXXXXX")"
failures=()

cleanup() {
  psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$SCRATCH_DB\"" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

row_counts() {  # every table of the public schema with its exact row count, one "table count" a line
  psql -qtA -F ' ' "$1" -c "
    SELECT table_name,
           (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', table_schema, table_name),
                                                false, true, '')))[1]::text
    FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
}

echo "1. Backup: pg_dump of $SOURCE_DB and an archive of $EVIDENCE_SOURCE"
row_counts "$SOURCE_URL" >"$WORK/counts.source" || failures+=("reading the source row counts")
pg_dump --format=custom --dbname="$SOURCE_URL" --file="$WORK/database.dump" || failures+=("pg_dump")
mkdir -p "$EVIDENCE_SOURCE"
tar -C "$EVIDENCE_SOURCE" -cf "$WORK/evidence.tar" . || failures+=("archiving the evidence files")

echo "2. Restore into the scratch database $SCRATCH_DB and $WORK/evidence"
psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$SCRATCH_DB\"" -c "CREATE DATABASE \"$SCRATCH_DB\"" >/dev/null \
  || failures+=("creating the scratch database")
pg_restore --exit-on-error --no-owner --dbname="$SCRATCH_URL" "$WORK/database.dump" || failures+=("pg_restore")
mkdir -p "$WORK/evidence" && tar -C "$WORK/evidence" -xf "$WORK/evidence.tar" || failures+=("restoring the evidence files")

echo "3. Checks on the restored copy"
row_counts "$SCRATCH_URL" >"$WORK/counts.restored"
if diff -u "$WORK/counts.source" "$WORK/counts.restored"; then
  echo "   row counts: $(wc -l <"$WORK/counts.source") tables, $(awk '{s += $2} END {print s + 0}' "$WORK/counts.source") rows, identical"
else
  failures+=("row counts differ")
fi
DATABASE_URL="$SCRATCH_URL" EVIDENCE_ROOT="$WORK/evidence" "$PY" manage.py verify_audit || failures+=("verify_audit")
DATABASE_URL="$SCRATCH_URL" EVIDENCE_ROOT="$WORK/evidence" "$PY" manage.py check_evidence_files \
  || failures+=("evidence files")

if [ ${#failures[@]} -eq 0 ]; then
  echo "RESTORE DRILL: PASS"
else
  printf 'RESTORE DRILL: FAIL (%s)\n' "$(IFS=', '; echo "${failures[*]}")"
  exit 1
fi
