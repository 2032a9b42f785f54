# Every target does its own set-up and is safe to run again.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test airflow sandbox lint lock clean bench

install: $(STAMP)

# Reinstall only when the lock or the project metadata changes.
$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/purchase-path dbt-parse
	@touch $(STAMP)

demo: install
	$(BIN)/purchase-path demo

test: install
	$(BIN)/python -m pytest

airflow: install
	$(BIN)/purchase-path airflow

sandbox: install
	$(BIN)/purchase-path sandbox serve

lint: install
	$(BIN)/ruff check .

# Benchmarks against their peers (bench/), numbers into docs/benchmarks.md. The peers (dlt) are never project
# dependencies: they live in a venv of their own, the project's lock plus bench/requirements.txt.
BENCH_VENV  := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed

$(BENCH_STAMP): requirements.lock pyproject.toml bench/requirements.txt
	@test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade "pip>=24"
	$(BENCH_VENV)/bin/python -m pip install --quiet -r requirements.lock -r bench/requirements.txt
	$(BENCH_VENV)/bin/python -m pip install --quiet --no-deps -e .
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BENCH_VENV)/bin/python -m bench.run --write docs/benchmarks.md
	$(BENCH_VENV)/bin/python -m bench.attribution_bench --write docs/benchmarks.md

# Re-resolve the pinned tree from pyproject.toml's ranges (needs the package registry).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade "pip>=24"
	.lock-venv/bin/python -m pip install --quiet ".[dev]"
	.lock-venv/bin/python -m pip freeze --exclude purchase-path > requirements.lock
	rm -rf .lock-venv

clean:
	-$(BIN)/purchase-path warehouse stop
	rm -rf .data dbt_project/target dbt_project/logs
