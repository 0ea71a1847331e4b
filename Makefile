# omnicanal — two commands on a fresh machine: `make run` and `make test`.
# Python 3.11: python3.11 if present, else python3 when it is 3.11.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: run test test-sqlite test-postgres lint install messages bench clean shell

$(BIN)/python:
	@"$(PYTHON)" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null \
		|| { echo "Python 3.11 is required (found: $(PYTHON))."; exit 1; }
	"$(PYTHON)" -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) messages

messages: $(STAMP)
	@$(BIN)/python -m omnicanal.core.i18n compile

run: install
	$(BIN)/omnicanal migrate --noinput
	$(BIN)/omnicanal demo
	$(BIN)/omnicanal serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check src bench
	$(BIN)/lint-imports --no-cache

test-sqlite: install
	env -u DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

# The PostgreSQL pass: DATABASE_URL when set, else the local server. It skips loudly when no
# server answers, unless REQUIRE_POSTGRES=1 (CI), where it fails.
test-postgres: install
	@url="$${DATABASE_URL:-$(PG_URL)}"; \
	if $(BIN)/python -m omnicanal.core.dbcheck "$$url"; then \
		DATABASE_URL="$$url" $(BIN)/pytest $(PYTEST_ARGS); \
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

test: lint
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

shell: install
	$(BIN)/omnicanal shell

clean:
	rm -rf $(VENV) var/*.sqlite3* var/huey.db*
