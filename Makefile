# SmartCRM — `make run` to try it, `make test` to test it. Needs only Python 3.11+ and make.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
# PostgreSQL for the second test pass: TEST_DATABASE_URL, else the local server.
PG_TEST_URL ?= $(or $(TEST_DATABASE_URL),postgres://postgres@127.0.0.1:5432/smartcrm)
PYTEST_ARGS ?= -n 2

# Romanian catalogues: gather new strings (needs GNU gettext), then compile them.
.PHONY: help run install dev test bench bench-import messages test-sqlite test-postgres lint format typecheck migrations-check clean bench-writes

help:
	@echo "make run    set up and start SmartCRM on SQLite with demo data (http://127.0.0.1:8000)"
	@echo "make test   lint, type-check and run the whole suite on SQLite and PostgreSQL"
	@echo "make bench  benchmark on generated data (BENCH_DATASET=S|M|L); see docs/benchmarks.md"
	@echo "make lint | typecheck | format | clean"

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

# The worker (reminders, e-mails, daily agendas) runs in the background, under a supervisor
# that starts it again whenever it exits (--processes 1); the web server in the foreground.
# Ctrl-C stops the server, and the trap stops the worker with it.
run: $(VENV)/.installed
	$(BIN)/smartcrm migrate --noinput -v 0
	$(BIN)/smartcrm demo
	@$(BIN)/smartcrm worker --processes 1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	SMARTCRM_HTTPS=0 $(BIN)/smartcrm serve

test: $(VENV)/.installed-dev lint typecheck migrations-check test-sqlite test-postgres

test-sqlite: $(VENV)/.installed-dev
	@echo "==================== SmartCRM tests on SQLite ===================="
	env -u DATABASE_URL $(PY) -m pytest $(PYTEST_ARGS)

test-postgres: $(VENV)/.installed-dev
	@if $(PY) scripts/pg_available.py "$(PG_TEST_URL)"; then \
		echo "==================== SmartCRM tests on PostgreSQL ===================="; \
		DATABASE_URL="$(PG_TEST_URL)" $(PY) -m pytest $(PYTEST_ARGS); \
	elif [ "$$SMARTCRM_REQUIRE_POSTGRES" = "1" ]; then \
		echo "PostgreSQL is required (SMARTCRM_REQUIRE_POSTGRES=1) but not reachable at $(PG_TEST_URL)"; \
		exit 1; \
	else \
		echo "PostgreSQL not reachable at $(PG_TEST_URL): PostgreSQL pass skipped"; \
	fi

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(VENV)/.installed-dev
	env -u DATABASE_URL $(BIN)/mypy smartcrm

migrations-check: $(VENV)/.installed-dev
	env -u DATABASE_URL $(PY) manage.py makemigrations --check --dry-run

messages: $(VENV)/.installed-dev
	cd smartcrm && ../$(BIN)/django-admin makemessages -l ro --no-obsolete --no-location \
		--settings=smartcrm.settings --pythonpath=.. -i "*/tests/*" -i "var/*"
	cd smartcrm && ../$(BIN)/django-admin compilemessages -l ro --settings=smartcrm.settings --pythonpath=..

# The benchmark (not a test; never in CI): SmartCRM served as deployed on a generated dataset,
# results in docs/benchmarks.md. S on PostgreSQL and SQLite by default; BENCH_DATASET=M|L for
# the bigger ones (L on PostgreSQL only). Datasets are generated once and kept (var/bench/ and
# PostgreSQL databases smartcrm_bench_s|m|l next to BENCH_DATABASE_URL).
BENCH_DATASET ?= S
BENCH_URL := $(or $(BENCH_DATABASE_URL),postgres://postgres@127.0.0.1:5432/postgres)
bench: $(VENV)/.installed-dev
	@if $(PY) scripts/pg_available.py "$(BENCH_URL)"; then \
		BENCH_DATABASE_URL="$(BENCH_URL)" $(PY) scripts/bench/run.py $(BENCH_DATASET) --db postgres $(BENCH_ARGS); \
	else echo "PostgreSQL not reachable at $(BENCH_URL): PostgreSQL pass skipped"; fi
	@if [ "$(BENCH_DATASET)" != "L" ]; then \
		$(PY) scripts/bench/run.py $(BENCH_DATASET) --db sqlite $(BENCH_ARGS); fi

# The import benchmark alone: 100,000 prospects from CSV on a fresh PostgreSQL database.
bench-import: $(VENV)/.installed-dev
	BENCH_DATABASE_URL="$(BENCH_URL)" $(PY) scripts/bench_import.py $(BENCH_ROWS)

# Write-path benchmark (not a test): one create or update per service, on both databases.
bench-writes: $(VENV)/.installed-dev
	env -u DATABASE_URL $(PY) scripts/bench_writes.py sqlite
	BENCH_DATABASE_URL="$(BENCH_URL)" $(PY) scripts/bench_writes.py postgresql

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
