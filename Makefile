# creditportal — every target is listed by `make help`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# Local runs and tests default to development settings; production sets DEBUG=0 and real secrets.
export DEBUG ?= 1
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/creditportal
DEMO_PASSWORD ?= demo
HOST ?= 127.0.0.1:8000

.DEFAULT_GOAL := help
.PHONY: help venv run run-prodlike replica-up replica-down test-replica restore-drill loadtest drills outage-drill pgbouncer-tryout sizing demo migrate test test-pg test-e2e screenshots bench lint fmt check messages clean

help: ## List the targets
	@grep -E '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(BIN)/.installed ## Create .venv and install the pinned dependencies

var/static:
	mkdir -p var/static

migrate: venv var/static ## Apply database migrations (SQLite under var/ unless DATABASE_URL is set)
	$(PY) manage.py migrate --noinput

demo: migrate ## Load the demo departments, accounts and entities (idempotent)
	$(PY) manage.py seed_demo --password "$(DEMO_PASSWORD)" --address "$(HOST)"

run: demo ## Run the portal with demo data on http://127.0.0.1:8000 (another address: make run HOST=0.0.0.0:8080)
	$(PY) manage.py run_lifecycle
	$(PY) manage.py runserver $(HOST)

# Tests run on every core (pytest-xdist, one database per worker); PYTEST_WORKERS=0 runs them in one process.
PYTEST_WORKERS ?= auto

# The demo's development keys, so its encrypted data still reads with DEBUG off (loopback only: PLAIN_HTTP).
DEV_KEYS = $$($(PY) -c 'import creditportal.settings as s; print(f"SECRET_KEY={s._DEV_SECRET_KEY} FIELD_ENCRYPTION_KEYS={s._DEV_FIELD_ENCRYPTION_KEY} FIELD_HASH_KEY={s._DEV_FIELD_HASH_KEY} REGISTER_LOG_SIGNING_KEY={s._DEV_REGISTER_LOG_SIGNING_KEY}")')
run-prodlike: demo ## The demo as production runs it: DEBUG off, gunicorn (deploy/), plain HTTP on 127.0.0.1:8000
	$(PY) manage.py run_lifecycle
	env $(DEV_KEYS) DEBUG=0 PLAIN_HTTP=1 $(PY) manage.py collectstatic --noinput -v 0
	env $(DEV_KEYS) DEBUG=0 PLAIN_HTTP=1 ALLOWED_HOSTS=127.0.0.1,localhost TASKS_BACKEND=immediate \
	  EMAIL_URL=consolemail:// GUNICORN_BIND=$(HOST) $(BIN)/gunicorn -c deploy/gunicorn.conf.py creditportal.wsgi

test: venv ## Run the whole test suite on SQLite
	$(BIN)/pytest -n $(PYTEST_WORKERS)

test-pg: venv ## Run the whole test suite on PostgreSQL (DATABASE_URL, else PG_TEST_URL: a local database)
	DATABASE_URL=$${DATABASE_URL:-$(PG_TEST_URL)} $(BIN)/pytest -n $(PYTEST_WORKERS)

test-e2e: venv ## Browser journeys: Playwright + the system's Chromium against a live server (screens in var/)
	$(BIN)/pytest -m e2e tests/e2e

screenshots: venv ## Regenerate the README's screenshots (docs/screenshots/) by running the browser journeys
	rm -f docs/screenshots/*.png
	SCREENSHOTS_DIR=docs/screenshots $(BIN)/pytest -m e2e tests/e2e
# Smaller files where the tools are installed (apt-get install pngquant optipng); optional.
	if command -v pngquant >/dev/null; then \
	  pngquant --force --skip-if-larger --strip --quality 80-95 --ext .png docs/screenshots/*.png || true; fi
	if command -v optipng >/dev/null; then optipng -quiet -o2 -strip all docs/screenshots/*.png; fi

lint: venv ## ruff lint + format check, import rules (layers, no circles), bandit security lint, Django system checks
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo --no-cache
	$(BIN)/bandit -c pyproject.toml -r . -q
	$(PY) manage.py check --fail-level WARNING

fmt: venv ## Format and auto-fix with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: venv var/static ## Django checks, missing migrations, and the production deploy check
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run
	DEBUG=0 SECRET_KEY=check-deploy-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	  FIELD_ENCRYPTION_KEYS=$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())') \
	  FIELD_HASH_KEY=check-deploy-hash-key-0123456789abcdef ALLOWED_HOSTS=portal.example.org \
	  REGISTER_LOG_SIGNING_KEY=$$(head -c 32 /dev/urandom | base64) AUDIT_WITNESS_PUBLIC_KEY=$$(head -c 32 /dev/urandom | base64) \
	  $(PY) manage.py check --deploy --fail-level WARNING

messages: venv ## Extract translatable strings into locale/*/LC_MESSAGES/django.po and compile them
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=var --ignore=tests
	$(PY) manage.py compilemessages --ignore=.venv

bench: venv ## Benchmark on PostgreSQL vs the naive setup and the SQL floor (BENCH_SIZES=S for a quick run; docs/performance.md)
	$(PY) bench/run.py

replica-up: ## Start a streaming read replica of the local PostgreSQL on 127.0.0.1:5433 (root; deploy/replica.sh)
	deploy/replica.sh up

replica-down: ## Stop and remove that replica
	deploy/replica.sh down

test-replica: venv ## The replica router against the real replica (after make replica-up; DATABASE_URL on 127.0.0.1:5432)
	DATABASE_URL=$${DATABASE_URL:-$(PG_TEST_URL)} \
	  DATABASE_REPLICA_URL=$${DATABASE_REPLICA_URL:-postgres://postgres@127.0.0.1:5433/$$(basename $${DATABASE_URL:-$(PG_TEST_URL)})} \
	  $(BIN)/pytest -m replica tests/creditportal/test_replica.py

restore-drill: venv ## Back up DATABASE_URL (PostgreSQL) + evidence, restore into a scratch copy, check it: PASS/FAIL
	deploy/restore-drill.sh

loadtest: venv ## Two gunicorns behind nginx + locust, 50 users (DATABASE_URL with the demo data; deploy/loadtest.sh)
	deploy/loadtest.sh

drills: venv ## kill -9 drills (web worker mid-approval, db_worker mid-task) and connections terminated under load: PASS/FAIL
	$(PY) deploy/drills.py web-kill worker-kill terminate

outage-drill: venv ## PostgreSQL (a scratch cluster on 127.0.0.1:5440, root) stopped 10 s under load: fast 503, recovers
	$(PY) deploy/drills.py outage

pgbouncer-tryout: venv ## PgBouncer (Debian's) in transaction mode on 127.0.0.1:6440: verify_audit, tests, load test through it
	deploy/pgbouncer-tryout.sh

sizing: venv ## Table sizes at two generated sizes, extrapolated to 10M cases (SIZING_URLS="small-db-url large-db-url")
	$(PY) deploy/sizing.py $(SIZING_URLS)

clean: ## Remove the virtualenv, the local database and caches
	rm -rf $(VENV) var .pytest_cache .ruff_cache
