"""Resources: the DuckDB warehouse and the dbt CLI."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource

from lead_scoring import dbt_process, settings
from orchestration import dead_runs
from orchestration.dbt_project import dbt_project

# Every step that opens the DuckDB file runs in this pool (limit 1 in dagster.yaml).
WAREHOUSE_POOL = "duckdb"


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file. Connections are short-lived: open, work, close."""

    path: str

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # Once per run, before any step claims the warehouse pool (orchestration/dead_runs.py):
        # record the process that runs the run (the job runs every step in it, jobs.py), so that a
        # later run can tell whether this one was killed; and fail the runs whose process is gone,
        # so that their pool slots do not stop this run (every path: make run, make backfill, a
        # run the daemon launched).
        if context.instance is not None and context.run is not None:
            dead_runs.record_worker(context.instance, context.run.run_id)
            dead_runs.fail_dead_runs(context.instance, context.log.warning)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(self.path, read_only=read_only)
        try:
            con.execute("set TimeZone = 'UTC'")  # not as connect config: ICU loads after connect
            yield con
        finally:
            con.close()


def build_resources() -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(path=str(settings.warehouse_path())),
        "dbt": DbtCliResource(
            project_dir=dbt_project,
            profiles_dir=str(settings.DBT_PROJECT_DIR),
            # Dies with the run's process, so a killed run leaves no dbt holding the warehouse.
            dbt_executable=dbt_process.executable(),
        ),
    }
