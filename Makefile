# Two commands for a newcomer: `make run` and `make test`.
# Development mode is asked for, never inferred: the commands that run the app here set DEBUG=1 (without it, or
# a SECRET_KEY, the settings refuse to start). `make test` runs with DEBUG off and pytest.ini's test-only key;
# `make bench` sets its own bench-only key with DEBUG=0.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install install-test lint messages bench faults cluster

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt

install-test: $(BIN)/python
	$(BIN)/pip install -q -r requirements-test.txt

## Set up, migrate, seed the demo and start the app at http://127.0.0.1:8000 (SQLite, tasks in-process).
run: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py seed_demo
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

## Run the tests (SQLite unless DATABASE_URL is set; the Redis test runs when REDIS_URL is set), one process per
## core (pytest-xdist; each has its own test database and Redis database, and a test file stays in one process).
PYTEST_ARGS ?= -n auto --dist loadfile
test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/mypy

## Refresh the zh_Hans catalogue after adding strings, then translate and compile it.
messages: install-test
	DEBUG=1 $(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --no-location -i ".venv/*" -i "staticfiles/*"
	DEBUG=1 $(BIN)/python manage.py compilemessages -l zh_Hans -i .venv

## The benchmark on PostgreSQL and Redis at 127.0.0.1 (not part of `make test`): BENCH_GROUPS=1000,10000 by
## default (add 30000), in the database sg_bench (BENCH_DATABASE_URL); writes bench/results/latest.json and
## bench/results.md (DEVELOPERS.md, "Benchmark"). The sign-in burst runs inside bench/run.py.
bench: install-test
	$(BIN)/pip install -q -r bench/requirements.txt
	$(BIN)/python bench/run.py
	$(BIN)/python bench/answer_burst.py

## Inject faults (Redis down, Redis restarted under a busy worker, ...) into a real worker, Redis and PostgreSQL on
## 127.0.0.1 and print what was lost or duplicated (not part of `make test`; FAULTS_DATABASE_URL, FAULTS_PORT_BASE).
faults: install-test
	$(BIN)/python faults/run.py $(FAULTS)

## The production topology on 127.0.0.1 (not part of `make test`): nginx, two gunicorn nodes, PostgreSQL primary and
## streaming replica, Redis, two workers, beat, the outbox relay; then cluster/smoke.py kills a node and a worker.
cluster: install
	bash cluster/run.sh
