# The two commands of the README: `make run` (the service, on SQLite, with a dev key and a dev
# admin made on the fly) and `make test` (the suite on SQLite, then on PostgreSQL).
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PORT ?= 5000
HOST ?= 0.0.0.0
WORKERS ?= 4
THREADS ?= 4
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install install-app run serve test test-sqlite test-postgres lint bench

# The service alone (run, serve), then the test tools on top (test, lint, bench).
$(VENV)/.app: setup.cfg pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e .
	touch $@

$(VENV)/.installed: $(VENV)/.app
	$(VENV)/bin/pip install -q -e '.[test,bench]'
	touch $@

install-app: $(VENV)/.app

install: $(VENV)/.installed

run: install-app
	$(FLASK) db upgrade
	$(FLASK) users ensure-dev-admin
	$(FLASK) run --port $(PORT)

# Production serving: settings come from the environment (DATABASE_URL, SECRET_KEY,
# LICENSE_SIGNING_KEY, ...); production mode unless LICENSING_ENV says otherwise, so a
# missing secret or key stops start-up. The tests' live servers run this same gunicorn line.
serve: export LICENSING_ENV ?= production
serve: install-app
	$(FLASK) db upgrade
	$(VENV)/bin/gunicorn --workers $(WORKERS) --threads $(THREADS) --bind $(HOST):$(PORT) \
		--access-logfile - wsgi:app

test: test-sqlite test-postgres

test-sqlite: install
	$(PY) -m pytest

test-postgres: install
	TEST_DATABASE_URL=$(TEST_POSTGRES_URL) $(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check licensing tests migrations bench

bench: install
	$(PY) -m bench $(BENCH_ARGS)
