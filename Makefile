# omnicanal — two commands on a fresh machine: `make run` and `make test`.
# Python 3.11: python3.11 if present, else python3 when it is 3.11.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test

# mypy checks these (strictness rises domain by domain: pyproject.toml [tool.mypy]).
MYPY_PACKAGES ?= core inventory orders loyalty marketing analytics

.PHONY: cluster cluster-stop cluster-status run test test-sqlite test-postgres lint browser install messages bench clean shell

$(BIN)/python:
	@"$(PYTHON)" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null \
		|| { echo "Python 3.11 is required (found: $(PYTHON))."; exit 1; }
	"$(PYTHON)" -m venv $(VENV)

# uv (installed from PyPI by pip, pinned) installs the pinned constraints in seconds, with pip's
# indexes and find-links from this machine's pip configuration; pip installs when uv fails.
# INSTALLER=pip forces pip (tools/install.py).
$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python tools/install.py $(BIN)/python
	@touch $(STAMP)

install: $(STAMP) messages

messages: $(STAMP)
	@$(BIN)/python -m omnicanal.core.i18n compile

# Migrates and loads the demo only when not done yet (a second start checks, reloads nothing).
run: install
	$(BIN)/omnicanal serve --prepare --host $(HOST) --port $(PORT)

lint: install
	@echo "==> ruff: style, bugs, gettext (INT)"
	$(BIN)/ruff check src bench tools deploy
	@echo "==> import-linter: domain boundaries, other domains' models and private parts, no cycles"
	$(BIN)/lint-imports --no-cache
	@echo "==> mypy (django-stubs): $(MYPY_PACKAGES)"
	$(BIN)/mypy $(addprefix src/omnicanal/,$(MYPY_PACKAGES))

# Browser tests drive Debian's chromium. When it is missing and we can (root, apt-get), it is
# installed quietly; otherwise the browser tests skip with a banner (conftest.py), unless
# REQUIRE_BROWSER=1 (CI), where they fail.
browser:
	@if [ -n "$${CHROMIUM_PATH:-}" ] && [ -x "$$CHROMIUM_PATH" ] || command -v chromium >/dev/null 2>&1; then \
		:; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "==> installing Debian's chromium for the browser tests (apt-get, quietly)"; \
		export DEBIAN_FRONTEND=noninteractive; \
		{ apt-get update -qq && apt-get install -y -qq chromium; } >/dev/null 2>&1 \
			|| echo "    could not install chromium: the browser tests will skip (see the banner)"; \
	else \
		echo "==> no chromium and no root to install it: the browser tests will skip (see the banner)"; \
	fi

test-sqlite: install
	@echo "==> pytest on SQLite"
	env -u DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

# PG_WORKERS=2 runs the PostgreSQL pass on pytest-xdist workers, whole files to a worker (each its own
# test database). A worker may run flushing (transactional) files before files that read the rows
# migrations seed: conftest.py puts those rows back after every flush (core/testing_db.py). One
# process by default until two workers have passed repeated clean runs (README, "make test").
PG_WORKERS ?= 1
PG_XDIST = $(if $(filter-out 0 1,$(PG_WORKERS)),-n $(PG_WORKERS) --dist loadfile,)
# The PostgreSQL pass: DATABASE_URL when set, else the local server. It skips loudly when no
# server answers, unless REQUIRE_POSTGRES=1 (CI), where it fails.
test-postgres: install
	@url="$${DATABASE_URL:-$(PG_URL)}"; \
	if $(BIN)/python -m omnicanal.core.dbcheck "$$url"; then \
		echo "==> pytest on PostgreSQL ($$url, $(PG_WORKERS) workers)"; \
		DATABASE_URL="$$url" $(BIN)/pytest $(PG_XDIST) $(PYTEST_ARGS); \
	elif [ "$$REQUIRE_POSTGRES" = "1" ]; then \
		echo "PostgreSQL is required (REQUIRE_POSTGRES=1) but $$url does not answer."; exit 1; \
	else \
		echo ""; \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
		echo "!!  SKIPPED: the PostgreSQL suite. No server answers at $$url"; \
		echo "!!  Set DATABASE_URL=postgres://... to run it. Concurrency promises are unproven."; \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
		echo ""; \
	fi

# The two passes run side by side (each in its own database; the stream, cache and throttle tests
# keep to keys of their own), each pass's output printed whole when it ends. TEST_JOBS=1: one by one.
TEST_JOBS ?= 2
test: lint browser
	$(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=target test-sqlite test-postgres

bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Two web nodes and two workers behind HAProxy on PostgreSQL and Redis, on this machine
# (deploy/cluster.py, docs/scaling.md): balancer on 127.0.0.1:18080. CLUSTER_ARGS=--fresh starts empty;
# CLUSTER_ARGS=--own-postgres runs a PostgreSQL server of its own (one a fault drill may restart).
cluster: install
	$(BIN)/python deploy/cluster.py up $(CLUSTER_ARGS)

cluster-stop:
	$(BIN)/python deploy/cluster.py down

cluster-status:
	$(BIN)/python deploy/cluster.py status

shell: install
	$(BIN)/omnicanal shell

clean:
	rm -rf $(VENV) var/*.sqlite3* var/huey.db*
