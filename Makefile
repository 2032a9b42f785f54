# Every target does its own set-up and is safe to run again.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test airflow sandbox lint lock clean

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
