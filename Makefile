# Quick start: `make run` serves the demo, `make test` runs the whole suite.
# Both use SQLite unless DATABASE_URL is set (postgres://user@host:5432/name).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint check bench reliability webhook-drill load-fault clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_seed
	$(BIN)/python manage.py load_example
	$(BIN)/python manage.py create_local_reviewer --url http://$(HOST):$(PORT)/admin/
	@echo "Newsroom API: docs at http://$(HOST):$(PORT)/api/docs/; for a key and a first call run"
	@echo "  $(BIN)/python manage.py create_api_key 'My newsroom' --url http://$(HOST):$(PORT)"
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.dev
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: $(VENV)/.dev
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

# The benchmark needs PostgreSQL (DATABASE_URL) and, for throughput, Debian's wrk.
bench: $(VENV)/.dev
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# The long reliability runs (docs/reliability.md), on PostgreSQL; a few minutes each.
# webhook-drill uses DATABASE_URL's server; load-fault builds a throwaway cluster of its own.
reliability: webhook-drill load-fault

webhook-drill: $(VENV)/.dev
	$(BIN)/python scripts/webhook_drill.py $(DRILL_ARGS)

load-fault: $(VENV)/.dev
	$(BIN)/python scripts/load_fault.py $(LOAD_FAULT_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
