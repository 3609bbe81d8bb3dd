# Commons: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes (pytest-xdist): each has its own database, Redis databases and data folder.
TEST_PROCESSES ?= 2

.PHONY: run test lint format install install-test worker migrate seed bench messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

## Serve on http://$(HOST):$(PORT) with SQLite and a Celery worker on a folder queue.
run: seed
	HOST=$(HOST) PORT=$(PORT) bash scripts/run-local.sh

## A worker by hand (uses REDIS_URL when set, else the folder queue).
worker: install
	$(BIN)/celery -A config worker --beat --loglevel=info

## Lint, then every test (PostgreSQL and Redis when DATABASE_URL and REDIS_URL are set).
test: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	bash scripts/ensure-chromium.sh
	bash scripts/ensure-gettext.sh
	$(BIN)/pytest -n $(TEST_PROCESSES) --dist worksteal

## Load the main pages under gunicorn (production settings plus the bench's yardstick page)
## on a seed_scale dataset (a million posts; BENCH_LIGHT=1 for a tenth) and print a Markdown
## table: per page and viewer (visitor, member) requests/s, its share of the yardstick's
## (alternating rounds), the aim from issue 9, p50, p99, SQL queries, errors, and a mark on
## each line that misses its aim or budget. Pages still answering 404 show as "not built".
## PostgreSQL when DATABASE_URL is set (in a separate <name>_bench database), else SQLite
## under var/bench/. BENCH_REUSE=1 reuses a bench database already seeded with the same
## sizes (no drop, no seed): about 8 minutes instead of about 15.
bench: install
	bash scripts/ensure-wrk.sh
	$(BIN)/python scripts/bench.py

## Strings from Python, Django and Jinja2 templates into locale/<language>/LC_MESSAGES/django.po
## for every language of the site, translations kept, then compiled.
messages: install
	bash scripts/ensure-gettext.sh
	$(BIN)/python manage.py update_catalogues --compile

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf var
