# Two commands: `make demo` (install + run the daily pipeline on sample data) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME := $(CURDIR)/dagster_home
export DBT_PROFILES_DIR := $(CURDIR)
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: demo test install run summary dev parse clean help

help:
	@echo "make demo     install, generate sample data, run the daily Dagster job, print a summary"
	@echo "make test     run every test (pytest, which runs dbt build with unit and data tests)"
	@echo "make run      run the daily job again on the current settings"
	@echo "make summary  print the summary of the current warehouse"
	@echo "make dev      start the Dagster UI on http://127.0.0.1:3000"
	@echo "make clean    remove the warehouse, dbt output and Dagster run history"

# The virtualenv is rebuilt whenever the lock file or pyproject.toml changes.
$(BIN)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/lead-scoring demo

run: install
	$(BIN)/lead-scoring run

summary: install
	$(BIN)/lead-scoring summary

test: install
	$(BIN)/python -m pytest

parse: install
	$(BIN)/dbt parse --quiet

dev: install parse
	$(BIN)/dagster dev -h 127.0.0.1 -p 3000 -m orchestration.definitions

clean:
	rm -rf warehouse target logs artifacts
	find dagster_home -mindepth 1 ! -name dagster.yaml -exec rm -rf {} +
