# QuantumVest. Quick start: `make run` (embedded development mode) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
ARGS ?=
# Test processes: each gets its own test database, cache key space and Celery queue.
PYTEST_WORKERS ?= 2
# Where the browser checks (tests/browser) save a screenshot of every page; printed after the run.
SCREENSHOT_DIR := $(CURDIR)/var/screenshots/$(shell date -u +%Y%m%dT%H%M%SZ)

# Test services: the local PostgreSQL and Redis unless the environment names others.
TEST_DATABASE_URL := $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/quantumvest)
TEST_REDIS_URL := $(or $(REDIS_URL),redis://127.0.0.1:6379/0)
TEST_BROKER_URL := $(or $(CELERY_BROKER_URL),redis://127.0.0.1:6379/1)
# A production-like environment: DEBUG off, every required variable set, throwaway secrets.
PROD_ENV = DJANGO_DEBUG=False \
	DJANGO_SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	JWT_SIGNING_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	DJANGO_ALLOWED_HOSTS=testserver,localhost,127.0.0.1 \
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
	EMAIL_URL=locmem:// QV_VAR_DIR=$(CURDIR)/var/test
TEST_ENV = $(PROD_ENV) DJANGO_SECURE_SSL_REDIRECT=False
# The embedded lane: the configuration of `make run` (DEBUG on, nothing configured: SQLite, local-memory
# cache, eager Celery tasks, console e-mail), with its var/ directory in a throwaway place.
EMBEDDED_VAR := $(CURDIR)/var/test-embedded
EMBEDDED_ENV = env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL -u CELERY_RESULT_BACKEND -u EMAIL_URL \
	-u DJANGO_SECRET_KEY -u JWT_SIGNING_KEY -u DJANGO_ALLOWED_HOSTS \
	DJANGO_DEBUG=True QV_VAR_DIR=$(EMBEDDED_VAR) QV_TEST_LANE=embedded

.PHONY: run test test-embedded lint check pytest venv deps dev-deps clean contracts contracts-check anvil

# Solidity: the pinned npm solc compiles contracts/src into contracts/build (committed, so that
# `make run` needs no Node.js); the tests' anvil node comes from the same package.json.
CONTRACTS_NODE := contracts/node_modules/.package-lock.json
# anvil's binary comes from its platform package (an optional dependency pinned in package-lock.json);
# its postinstall would only download one outside the lockfile, so install scripts stay off, and the
# install fails here, not in the tests, when this platform has no anvil.
$(CONTRACTS_NODE): contracts/package.json contracts/package-lock.json
	cd contracts && npm ci --no-audit --no-fund --ignore-scripts
	contracts/node_modules/.bin/anvil --version | head -1
	touch $@
anvil: $(CONTRACTS_NODE)
contracts: $(CONTRACTS_NODE)
	cd contracts && node compile.js
# CI compiles again and fails when the committed artifacts differ from what the sources give.
contracts-check: $(CONTRACTS_NODE)
	cd contracts && node compile.js --check

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "QuantumVest needs Python 3.11 or newer; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Reinstall only when the requirement files change.
$(VENV)/.deps: requirements.txt constraints.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements-dev.txt $(VENV)/.deps
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

deps: $(VENV)/.deps
dev-deps: $(VENV)/.dev-deps

run: deps
	@export DJANGO_DEBUG=$${DJANGO_DEBUG:-True}; \
	$(PY) manage.py migrate --no-input && \
	$(PY) manage.py setup_dev && \
	$(VENV)/bin/uvicorn quantumvest.asgi:application --host 127.0.0.1 --port $(PORT) \
		--reload --reload-dir apps --reload-dir quantumvest --timeout-graceful-shutdown 3

lint: dev-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: dev-deps
	$(PROD_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(PROD_ENV) $(PY) manage.py check --deploy --fail-level WARNING
	$(PROD_ENV) $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

pytest: dev-deps anvil
	@DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) PYTHON=$(PY) scripts/ensure-services
	$(TEST_ENV) QV_SCREENSHOT_DIR=$(SCREENSHOT_DIR) $(PY) -m pytest -n $(PYTEST_WORKERS) $(ARGS); status=$$?; \
	echo "Screenshots of the browser checks (tests/browser): $(SCREENSHOT_DIR)"; exit $$status

# tests/embedded and tests/e2e on the `make run` configuration; DEBUG stays on as in `make run`.
test-embedded: dev-deps
	rm -rf $(EMBEDDED_VAR) && mkdir -p $(EMBEDDED_VAR)
	$(EMBEDDED_ENV) $(PY) manage.py check --fail-level WARNING
	$(EMBEDDED_ENV) $(PY) -m pytest -n $(PYTEST_WORKERS) -o django_debug_mode=keep tests/embedded tests/e2e $(ARGS)

test: lint check contracts-check pytest test-embedded

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
