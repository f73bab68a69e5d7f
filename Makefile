# Two commands: `make demo` (install + run the daily pipeline on sample data) and `make test`.
# `make run` scores your own export (LEAD_SCORING_RAW_DIR); sample data only when asked for (demo, dev without it).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME := $(CURDIR)/dagster_home
export DBT_PROFILES_DIR := $(CURDIR)
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: demo test test-fast install run summary dev parse clean help backfill test-ui bench test-spark lint
DAGSTER_PORT ?= 3000
comma := ,

help:
	@echo "make demo     install, generate sample data, run the daily Dagster job, print a summary"
	@echo "make test     run every test (pytest, which runs dbt build with unit and data tests)"
	@echo "make test-fast  only the tests not marked slow (no dbt build, Dagster run, server or browser): minutes"
	@echo "make lint     lint the Python code (ruff) and the dbt SQL (sqlfluff); CI runs it before make test"
	@echo "make run      run the daily job on LEAD_SCORING_RAW_DIR (your export; required)"
	@echo "make summary  print the summary of the current warehouse"
	@echo "make dev      start the Dagster UI on http://127.0.0.1:3000 (schedule and sensors running;"
	@echo "              without LEAD_SCORING_RAW_DIR its runs use generated sample data)"
	@echo "make backfill rebuild everything from the raw history (dbt --full-refresh); AS_OF=YYYY-MM-DD optional"
	@echo "make test-ui  only the browser tests of the Dagster UI and the dashboard (needs Debian's chromium)"
	@echo "make test-spark  build the sample data on a local Spark session and compare with DuckDB (Java 17+, slow)"
	@echo "make dashboard  start the dashboard on http://127.0.0.1:8501 (reads the published BI file)"
	@echo "make bench    benchmark the daily build at 100k and 1M leads (BENCH_SCALES, BENCH_RUNS); not part of make test"
	@echo "make parse    parse the dbt project (target/manifest.json), e.g. after changing a model"
	@echo "make install  create .venv from requirements.lock (the other targets do it when needed)"
	@echo "make clean    remove the warehouse, dbt output and Dagster run history"
	@echo "make help     this list"

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

# Two pytest workers (pytest-xdist), one test file per worker at a time: most of a test's time is
# dbt's single-threaded Python, so two workers use both cores of a small machine. Each worker has
# dbt target and log folders of its own (tests/conftest.py). PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 2
PYTEST_PARALLEL = -n $(PYTEST_WORKERS) --dist loadfile

test: install
	$(BIN)/python -m pytest $(PYTEST_PARALLEL)

# tests/unit without the tests marked slow; everything under tests/integration, engines and ui is
# slow (tests/conftest.py). This -m replaces the one in pytest's addopts, so it leaves spark out too.
test-fast: install
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) -m "not slow and not spark"

# ruff on the Python code (pyproject.toml), sqlfluff on models, snapshots and singular tests
# (.sqlfluff). sqlfluff renders each file with dbt; the profile gets an empty in-memory database,
# so linting needs no warehouse and never opens yours.
lint: install
	$(BIN)/ruff check .
	LEAD_SCORING_DB=:memory: $(BIN)/sqlfluff lint models snapshots tests/dbt --processes 2
	# A CRM's models are disabled (and skipped) unless its source is chosen.
	LEAD_SCORING_SOURCE=hubspot LEAD_SCORING_DB=:memory: $(BIN)/sqlfluff lint models/staging/hubspot --processes 2
	LEAD_SCORING_SOURCE=salesforce LEAD_SCORING_DB=:memory: $(BIN)/sqlfluff lint models/staging/salesforce --processes 2

parse: install
	$(BIN)/dbt parse --quiet

# The UI, the scheduler and the sensors, on the instance in dagster_home/. The nux file marks the
# UI's first-visit sign-up dialog as seen. Runs need raw data: without LEAD_SCORING_RAW_DIR, make dev
# asks for sample data explicitly (LEAD_SCORING_SAMPLE_DATA=true), and `lead-scoring raw-source`
# says so before the UI starts; a blank LEAD_SCORING_RAW_DIR or a missing folder stops it there.
DEV_SAMPLE_DATA := $(if $(filter undefined,$(origin LEAD_SCORING_RAW_DIR)),LEAD_SCORING_SAMPLE_DATA=true)
dev: install parse
	mkdir -p $(DAGSTER_HOME)/.nux && test -f $(DAGSTER_HOME)/.nux/nux.yaml || echo "seen: 1" > $(DAGSTER_HOME)/.nux/nux.yaml
	$(DEV_SAMPLE_DATA) $(BIN)/lead-scoring raw-source
	$(DEV_SAMPLE_DATA) $(BIN)/dagster dev -h 127.0.0.1 -p $(DAGSTER_PORT) -m orchestration.definitions

# The daily job with `dbt build --full-refresh`, so every derived table is recomputed from the raw
# files (after corrected or late files for past days). AS_OF=YYYY-MM-DD makes the run stand for
# that day (freshness check and the marts' "today").
backfill: install parse
	$(BIN)/lead-scoring raw-source
	LEAD_SCORING_DB=$${LEAD_SCORING_DB:-$(CURDIR)/warehouse/lead_scoring.duckdb} PYTHONWARNINGS=ignore::FutureWarning \
	$(BIN)/dagster job execute -m orchestration.definitions -j daily_lead_scoring \
		-c orchestration/quiet_run.yaml \
		--tags '{"lead_scoring/full_refresh": "true"$(if $(AS_OF),$(comma) "lead_scoring/as_of_date": "$(AS_OF)")}'

# The Streamlit dashboard on 127.0.0.1, reading only the published BI file (LEAD_SCORING_BI_DB,
# else warehouse/bi.duckdb), never the warehouse the pipeline writes. DASHBOARD_PORT=... to move it.
.PHONY: dashboard
DASHBOARD_PORT ?= 8501
dashboard: install
	$(BIN)/streamlit run dashboard/app.py --server.address 127.0.0.1 --server.port $(DASHBOARD_PORT) \
		--server.headless true --browser.gatherUsageStats false --client.toolbarMode viewer

test-ui: install
	$(BIN)/python -m pytest tests/ui

# Spark (not part of `make test`): the [spark] extra (dbt-spark, pyspark) from its own lock, which
# is requirements.lock plus those; then tests/engines/test_spark.py on a local Spark session (docs/other-engines.md#spark).
$(BIN)/.installed-spark: $(BIN)/.installed requirements-spark.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements-spark.lock
	touch $@

test-spark: install $(BIN)/.installed-spark
	@command -v java >/dev/null || { echo "make test-spark needs Java 17 or later (Debian: apt-get install openjdk-17-jre-headless)"; exit 1; }
	$(BIN)/python -m pytest -m spark tests/engines/test_spark.py

# Benchmarks (not part of `make test`): per scale, generate data, then time the daily job's full
# build, an incremental day and a seed-change rescore against a hand-written DuckDB query and a
# pandas version, after checking that all three agree. Results: bench/results/bench.md and JSON.
# The 5M-lead scale runs on its own, once, full build only, with the default settings (about two
# hours on a 2-core machine: docs/benchmarks.md):
#   make bench BENCH_SCALES=5m BENCH_RUNS=1 BENCH_SCENARIOS=full
BENCH_SCALES ?= 100k 1m
BENCH_RUNS ?= 3
BENCH_SCENARIOS ?= full,scoring,incremental,seed,preview
BENCH_MEMORY_LIMIT ?= 8GB
bench: install
	for scale in $(BENCH_SCALES); do $(BIN)/python -m bench.run --scale $$scale --runs $(BENCH_RUNS) --scenarios $(BENCH_SCENARIOS) --memory-limit $(BENCH_MEMORY_LIMIT) || exit 1; done
	cat bench/results/bench.md

clean:
	rm -rf warehouse target logs artifacts
	find dagster_home -mindepth 1 ! -name dagster.yaml -exec rm -rf {} +
