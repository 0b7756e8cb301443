# The two commands: `make run` (set up, load the demo, serve) and `make test` (set up, test).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: setup run serve test test-postgres bench bench-faults lint messages demo worker clean

setup: $(VENV)/.installed system-deps
	$(PY) manage.py migrate --noinput

$(VENV)/.installed: requirements.lock
	@scripts/ensure-venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.lock
	touch $@

.PHONY: system-deps
system-deps:
	@scripts/ensure-system-deps

run: setup
	$(PY) manage.py load_demo
	@scripts/serve $(HOST) $(PORT)

serve:
	@scripts/serve $(HOST) $(PORT)

demo: setup
	$(PY) manage.py load_demo

worker:
	$(PY) manage.py db_worker

test: setup
	@scripts/ensure-system-deps --test
	$(BIN)/pytest $(PYTEST_ARGS)

# The tests that depend on PostgreSQL's locking and constraints, against TEST_DATABASE_URL.
test-postgres: setup
	$(BIN)/pytest -m postgres $(PYTEST_ARGS)

bench: setup
	$(BIN)/python -m pytest tests/bench -s -p no:cacheprovider $(PYTEST_ARGS)

# The production topology of deploy/ on this machine (PostgreSQL, nginx, two app servers, the
# worker and the close-overdue timer) under faults; exits non-zero on any integrity failure.
# Knobs: BENCH_FAULTS_USERS (1000), BENCH_FAULTS_DURATION (120 s); see tests/bench/faults/run.py.
bench-faults: $(VENV)/.installed
	$(PY) -m tests.bench.faults.run

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=tests --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var db.sqlite3*
