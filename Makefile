# The two commands of the README: `make run` (the service, on SQLite, with a dev key and a dev
# admin made on the fly) and `make test` (the suite on SQLite, then on PostgreSQL).
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PORT ?= 5000
WORKERS ?= 4
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install run serve test test-sqlite test-postgres lint bench

$(VENV)/.installed: setup.cfg pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

run: install
	$(FLASK) db upgrade
	$(FLASK) users ensure-dev-admin
	$(FLASK) run --port $(PORT)

serve: install
	$(FLASK) db upgrade
	$(VENV)/bin/gunicorn --workers $(WORKERS) --bind 0.0.0.0:$(PORT) --access-logfile - wsgi:app

test: test-sqlite test-postgres

test-sqlite: install
	$(PY) -m pytest

test-postgres: install
	TEST_DATABASE_URL=$(TEST_POSTGRES_URL) $(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check licensing tests migrations bench

bench: install
	$(PY) -m bench $(BENCH_ARGS)
