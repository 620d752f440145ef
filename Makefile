# The two set-up commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup install install-dev lint typecheck pytest tools messages security audit

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[dev]'
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run

install-dev: $(VENV)/.installed-dev

# Migrate, load the sample town, create the demo staff accounts, build the
# search index if there is none and calibrate the gate on half of the sample
# town's cases if it never was, and start the golden set (nightly evaluation,
# regression checks, canary) with the sample town's cases if it is empty (idempotent).
setup: install
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=true $(BIN)/python manage.py load_sample_town
	DJANGO_DEBUG=true $(BIN)/python manage.py setup_demo_staff
	DJANGO_DEBUG=true $(BIN)/python manage.py rebuild_index --if-missing
	DJANGO_DEBUG=true $(BIN)/python manage.py calibrate_gate --if-uncalibrated --split odd \
		--cases faq/sample_data/cases/ja.jsonl faq/sample_data/cases/en.jsonl faq/sample_data/cases/oos.jsonl
	DJANGO_DEBUG=true $(BIN)/python manage.py import_cases --if-empty \
		faq/sample_data/cases/ja.jsonl faq/sample_data/cases/en.jsonl faq/sample_data/cases/oos.jsonl

# The web server and the task cluster (django-q2: scheduled publication of
# approved changes, e-mail notices, review reminders); Ctrl-C stops both.
run: setup
	DJANGO_DEBUG=true $(BIN)/python manage.py qcluster & QCLUSTER=$$!; \
	trap 'kill $$QCLUSTER 2>/dev/null; wait $$QCLUSTER 2>/dev/null' EXIT INT TERM; \
	DJANGO_DEBUG=true $(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy

# System tools the tests use, from Debian's packages: Chromium at /usr/bin/chromium,
# driven by Playwright (its own browser downloads are not used); pdftoppm
# (poppler-utils) to check that the monthly PDF report renders; wrk, the load
# generator of `bench_load`; PostgreSQL and Redis servers for the scale-out
# tests (tests/scaleout starts and stops them on 127.0.0.1 itself).
tools:
	@{ test -x /usr/bin/chromium && test -x /usr/bin/pdftoppm && test -x /usr/bin/wrk && test -x /usr/bin/redis-server && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; } || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; $$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends chromium poppler-utils wrk postgresql redis-server; }

pytest: install-dev tools
	$(BIN)/pytest

test: lint typecheck pytest

# The security and privacy tests alone (they are part of `make test` too), with their figures printed.
security: install-dev tools
	$(BIN)/pytest tests/security -s -q

# Known vulnerabilities in the installed, pinned packages (needs network access to PyPI's advisory data).
audit: install-dev
	$(BIN)/pip-audit --strict --progress-spinner off

# Refresh the Japanese translations after changing texts (needs GNU gettext).
messages: install-dev
	$(BIN)/python manage.py makemessages -l ja --no-obsolete --ignore=.venv --ignore=var
	$(BIN)/python manage.py compilemessages -l ja --ignore=.venv
