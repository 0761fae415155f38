# Liptako — the two commands of the README are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
# python3.11, else python3 when it is 3.11 (the venv is created only once).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || \
	(python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null && command -v python3))

# Debian packages: WeasyPrint's libraries and fonts, gettext (translations), Chromium (browser
# tests), wrk (benchmarks). Installed only when running as root on Debian, only when missing.
DEBIAN_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
	gettext chromium wrk

.PHONY: help install debian-packages run test test-long lint pytest e2e bench clean

help:
	@echo "make run     install, migrate, load the demo if the database is empty, serve on http://$(HOST):$(PORT)"
	@echo "make test    install, lint (ruff, mypy, migrations), then the whole test suite (unit and browser)"
	@echo "make test-long  the long security runs (schemathesis 5,000+ requests, damaged files)"
	@echo "make install create $(VENV) and install Liptako with its dev tools (idempotent)"
	@echo "make lint | make pytest | make e2e | make bench | make clean"

install: debian-packages $(STAMP)

# Checked on every run (cheap: dpkg -s), so a machine that lost a package gets it back.
debian-packages:
	@if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null && command -v dpkg >/dev/null; then \
		missing=$$(for p in $(DEBIAN_PACKAGES); do \
			dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
		if [ -n "$$missing" ]; then \
			echo "Installing Debian packages:" $$missing; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
		fi; \
	fi

# pip runs again only when pyproject.toml is newer than the last successful install.
$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.11 is required (python3.11 or python3 being 3.11)"; exit 1; fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

run: install
	$(BIN)/liptako migrate --no-input
	$(BIN)/liptako demo --if-empty
	$(BIN)/liptako serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

test: install lint pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/liptako makemigrations --check --dry-run

# The unit tests and the browser tests (e2e/, marked e2e) in one run.
pytest: install
	$(BIN)/pytest

# The long runs of issue #7 at the issue's sizes: schemathesis over more than 5,000 API
# requests, damaged files fed to the importers (docs/security/bad-input.md).
test-long: install
	LIPTAKO_FUZZ_EXAMPLES=75 LIPTAKO_FUZZ_FILES=300 $(BIN)/pytest -p no:cacheprovider \
		src/liptako/api/tests/test_schemathesis.py \
		src/liptako/plans/tests/test_bad_workbooks.py \
		src/liptako/validation/tests/test_bad_bundles.py

e2e: install
	$(BIN)/pytest -m e2e e2e

# Response times and throughput on SQLite and PostgreSQL (127.0.0.1:5432, user postgres),
# written to docs/benchmarks.md. BENCH_ARGS=--quick for a fast check (doc untouched).
bench: install
	$(BIN)/python bench/run.py --postgres $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
