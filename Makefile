# Two commands do all the set-up on a fresh machine:
#   make demo   the service on http://127.0.0.1:8080 with an embedded SQLite database and demo data
#   make test   lint and the whole suite, on SQLite and on PostgreSQL (127.0.0.1:5432) side by side
# Both create .venv and install the project into it on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The tests and the demo run the project's own commands (reviewer, ruff) from the venv.
export PATH := $(abspath $(BIN)):$(PATH)
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: demo test test-sqlite test-postgres bench install

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/reviewer serve --demo

# The two passes share nothing (temporary files, a schema of their own, free ports) and are each one
# Python process, so on two cores they run side by side; each one's output is printed when it ends.
test: $(VENV)/.installed
	$(BIN)/ruff check .
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite: $(VENV)/.installed
	$(BIN)/python -m pytest -q

# The same suite against PostgreSQL; each pytest process works in a schema of its own.
test-postgres: $(VENV)/.installed
	REVIEWER_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -q

bench: $(VENV)/.installed
	$(BIN)/python bench/bench_engine.py
