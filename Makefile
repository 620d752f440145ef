# The two set-up commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# Every package, direct or not, is pinned with its hashes in the lock files (made by `make lock` from
# pyproject.toml, which names the direct dependencies): requirements.lock for the product,
# requirements-dev.lock for the test suite, requirements-pip.lock for the installer itself.
# torch is the CPU build, found through pip's find-links.
LOCK_RUN := requirements.lock
LOCK_DEV := requirements-dev.lock
LOCK_PIP := requirements-pip.lock
PIP_INSTALL = $(BIN)/pip install --require-hashes $(if $(wildcard /opt/wheels),--find-links /opt/wheels)
UV_COMPILE = $(BIN)/uv pip compile --quiet --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
	--generate-hashes --find-links /opt/wheels --no-emit-find-links --custom-compile-command "make lock" $(LOCK_FLAGS)

.PHONY: run test setup install install-dev lint typecheck pytest tools messages security audit lock lock-upgrade

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --require-hashes -r $(LOCK_PIP)

$(VENV)/.installed-run: $(LOCK_RUN) $(LOCK_PIP) pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) -r $(LOCK_RUN)
	$(BIN)/pip install --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.installed-dev: $(LOCK_DEV) $(LOCK_PIP) pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) -r $(LOCK_DEV)
	$(BIN)/pip install --no-deps --no-build-isolation -e .
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run

install-dev: $(VENV)/.installed-dev

# Re-resolve the locks after changing pyproject.toml, keeping every pin that still fits;
# `make lock-upgrade` takes the newest release of everything that is not pinned in pyproject.toml.
lock: install-dev
	$(UV_COMPILE) --extra dev -o $(LOCK_DEV) pyproject.toml
	$(UV_COMPILE) -c $(LOCK_DEV) -o $(LOCK_RUN) pyproject.toml
	echo 'pip==26.3' | $(UV_COMPILE) -o $(LOCK_PIP) -

lock-upgrade:
	$(MAKE) lock LOCK_FLAGS=--upgrade

# Migrate, load the sample town, create the demo staff accounts, build the
# search index if there is none, install the gate that ships with the product
# (chatbot/gate/fitted.json) if no fitted gate was ever installed, and start the golden set (nightly evaluation,
# regression checks, canary) with the sample town's cases if it is empty (idempotent).
setup: install
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=true $(BIN)/python manage.py load_sample_town
	DJANGO_DEBUG=true SITE_HOST=$(HOST) SITE_PORT=$(PORT) $(BIN)/python manage.py setup_demo_staff
	DJANGO_DEBUG=true $(BIN)/python manage.py rebuild_index --if-missing
	DJANGO_DEBUG=true $(BIN)/python manage.py calibrate_gate --if-uncalibrated --shipped
	DJANGO_DEBUG=true $(BIN)/python manage.py import_cases --if-empty \
		faq/sample_data/cases/ja.jsonl faq/sample_data/cases/en.jsonl faq/sample_data/cases/oos.jsonl \
		faq/sample_data/cases/oos_hard.jsonl

# The web server and the task cluster (django-q2: scheduled publication of
# approved changes, e-mail notices, review reminders). Ctrl-C, or SIGTERM to the
# whole process group, stops both: the cluster runs in its own session so that it
# gets one SIGTERM from here and stops its workers itself (a signal to each of its
# processes at once can leave it hung); if it has not ended after 8 s its whole
# session is killed.
run: setup
	DJANGO_DEBUG=true SITE_HOST=$(HOST) SITE_PORT=$(PORT) setsid $(BIN)/python manage.py qcluster & QCLUSTER=$$!; \
	stop_cluster() { \
		trap - EXIT INT TERM; \
		kill -TERM $$QCLUSTER 2>/dev/null; \
		( sleep 8; kill -KILL -$$QCLUSTER 2>/dev/null ) & WATCHDOG=$$!; \
		wait $$QCLUSTER 2>/dev/null; pkill -P $$WATCHDOG 2>/dev/null; kill $$WATCHDOG 2>/dev/null; \
	}; \
	trap 'stop_cluster; exit 0' INT TERM; trap stop_cluster EXIT; \
	DJANGO_DEBUG=true SITE_HOST=$(HOST) SITE_PORT=$(PORT) $(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck: install-dev
	$(BIN)/mypy

# System tools the tests use, from Debian's packages: Chromium at /usr/bin/chromium,
# driven by Playwright (its own browser downloads are not used); pdftoppm
# (poppler-utils) to check that the monthly PDF report renders; wrk, the load
# generator of `bench_load`; PostgreSQL and Redis servers for the scale-out
# tests (tests/scaleout starts and stops them on 127.0.0.1 itself); a Japanese
# font (IPA Gothic) so that the browser tests' screenshots show Japanese text.
tools:
	@{ test -x /usr/bin/chromium && test -x /usr/bin/pdftoppm && test -x /usr/bin/wrk && test -x /usr/bin/redis-server && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && test -d /usr/share/fonts/opentype/ipafont-gothic; } || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; $$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends chromium poppler-utils wrk postgresql redis-server fonts-ipafont-gothic; }

pytest: install-dev tools
	$(BIN)/pytest

test: lint typecheck pytest

# The security and privacy tests alone (they are part of `make test` too), with their figures printed.
security: install-dev tools
	$(BIN)/pytest tests/security -s -q -n 0

# Known vulnerabilities in the installed, pinned packages (needs network access to PyPI's advisory data).
audit: install-dev
	$(BIN)/pip-audit --strict --progress-spinner off

# Refresh the Japanese translations after changing texts (needs GNU gettext).
messages: install-dev
	$(BIN)/python manage.py makemessages -l ja --no-obsolete --ignore=.venv --ignore=var
	$(BIN)/python manage.py compilemessages -l ja --ignore=.venv
