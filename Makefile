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

.PHONY: help install debian-packages run test test-long lint audit pytest e2e bench bench-page-weight load clean

help:
	@echo "make run     install, migrate, load the demo if the database is empty, serve on http://$(HOST):$(PORT)"
	@echo "make test    install, lint (ruff, mypy, migrations), then the whole test suite (unit and browser)"
	@echo "make install create $(VENV) and install Liptako with its dev tools (idempotent)"
	@echo "make test-long  the long tests: full access matrix, schemathesis 5,000+ requests, damaged files, kill -9 crash loop, backups during writes, 1 minute of load"
	@echo "make lint | make audit | make pytest | make e2e | make bench | make bench-page-weight | make load | make clean"

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
	@# The venv's own pip and setuptools come from the Python that made it: old ones have
	@# known vulnerabilities (make audit checks them too).
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade 'pip>=25.3' 'setuptools>=78.1.1'
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
	$(BIN)/python scripts/audit_dependencies.py

# Known vulnerabilities of the installed dependencies (pip-audit); see decision 0164 for what
# happens when the vulnerability service cannot be reached (LIPTAKO_AUDIT_REQUIRED=1).
audit: install
	$(BIN)/python scripts/audit_dependencies.py

# The tests that make test-long runs again at the issue's sizes: the access matrix (every user,
# not a sample) and the fuzzing (more requests and files). SKIP_COVERED_BY_LONG=1 leaves them
# out of make test, for CI, which runs make test-long next on the same database.
MATRIX_TESTS := src/liptako/tests/access/test_matrix.py
FUZZ_TESTS := src/liptako/api/tests/test_schemathesis.py \
	src/liptako/plans/tests/test_bad_workbooks.py \
	src/liptako/validation/tests/test_bad_bundles.py \
	src/liptako/validation/tests/test_bad_signatures.py \
	src/liptako/monitoring/tests/test_bad_evidence.py
ifeq ($(SKIP_COVERED_BY_LONG),1)
COVERED_BY_LONG := $(addprefix --ignore=,$(MATRIX_TESTS) $(FUZZ_TESTS))
endif

# The unit tests and the browser tests (e2e/, marked e2e) in one run.
# PYTEST_ARGS narrows a run, e.g. PYTEST_ARGS="-m 'not e2e and not long'".
pytest: install
	$(BIN)/pytest $(COVERED_BY_LONG) $(PYTEST_ARGS)

e2e: install
	$(BIN)/pytest -m e2e e2e

# The long tests of issue #7 at the issue's sizes (CI runs them too), on the database of
# DATABASE_URL (SQLite by default): the access matrix with every user who may not see each
# object (docs/security/access-control.md); schemathesis over more than 5,000 API requests and
# damaged files fed to the importers (docs/security/bad-input.md); crash consistency (100 kill -9
# of the server while it writes), backups taken during writes and restored, 60 s of load by 50
# people (docs/security/durability.md). LIPTAKO_LONG_SCALE=0.2 for a quicker local run.
test-long: install
	LIPTAKO_ACCESS_MATRIX=full $(BIN)/pytest -p no:cacheprovider $(MATRIX_TESTS)
	LIPTAKO_FUZZ_EXAMPLES=75 LIPTAKO_FUZZ_FILES=300 $(BIN)/pytest -p no:cacheprovider $(FUZZ_TESTS)
	$(BIN)/pytest -p no:cacheprovider -m long durability

# Response times and throughput on SQLite and PostgreSQL (127.0.0.1:5432, user postgres), then
# signing, PDF, bundle and offline verification (issue 4), written to docs/benchmarks.md.
# BENCH_ARGS=--quick for a fast check (doc untouched).
bench: install
	$(BIN)/python bench/run.py --postgres $(BENCH_ARGS)
	$(BIN)/python bench/validation.py --postgres $(BENCH_ARGS)
	$(BIN)/python bench/monitoring.py --postgres $(BENCH_ARGS)

# 50 people for 5 minutes on SQLite then PostgreSQL (locust), written to docs/benchmarks.md.
# LOAD_ARGS="--seconds 60 --database sqlite --no-doc" for a short look.
load: install
	$(BIN)/python bench/load.py $(LOAD_ARGS)

# Bytes transferred per page (first and next visit) as each demo role, written to
# docs/benchmarks.md; the same browser test fails on a page over budget in `make test`.
bench-page-weight: install
	LIPTAKO_WRITE_PAGE_WEIGHTS=1 $(BIN)/pytest -m e2e e2e/test_csp_and_page_weight.py -p no:cacheprovider

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
