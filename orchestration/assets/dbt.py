"""All dbt seeds, models, snapshots and tests as Dagster assets and asset checks."""


import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from lead_scoring import dbt_parse_state, progress, run_options
from lead_scoring.warehouse import scalar
from orchestration.dbt_project import dbt_project
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource

# dbt leaves ~1.5 MB per invocation under target/; keep only the newest few run folders.
KEEP_DBT_RUN_FOLDERS = 5
# Counting a view re-runs its query (the events view de-duplicates every event): skip views.
UNCOUNTED_MATERIALIZATIONS = {"view", "ephemeral"}


class LeadScoringTranslator(DagsterDbtTranslator):
    """Groups dbt assets by layer: seeds, staging, intermediate, marts, snapshots."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        resource_type = dbt_resource_props["resource_type"]
        if resource_type == "seed":
            return "seeds"
        if resource_type == "snapshot":
            return "snapshots"
        if resource_type == "model":
            fqn = dbt_resource_props["fqn"]
            return fqn[1] if len(fqn) > 2 else "models"
        return super().get_group_name(dbt_resource_props)


translator = LeadScoringTranslator(
    settings=DagsterDbtTranslatorSettings(enable_source_tests_as_checks=True)
)


def dbt_command(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> tuple[list[str], dict[str, str]]:
    """`dbt build` for a run that materialises dbt assets (lead_scoring.run_options.dbt_args), and
    what the run adds to dbt's environment (its as-of day, run_options.dbt_env). A run that
    selects only their checks (the weekly test job) gets `dbt test` of every data test, for the
    day the warehouse was built for: tests that read the scoring day would otherwise compare a
    Saturday build with Sunday's date."""
    tests_only = not context.selected_asset_keys
    as_of = built_as_of_date(warehouse, context.log) if tests_only and run_options.as_of_date(context.run.tags) is None else None
    return run_options.dbt_args(context.run.tags, tests_only=tests_only), run_options.dbt_env(context.run.tags, as_of=as_of)


@contextmanager
def process_environment(extra: Mapping[str, str]) -> Iterator[None]:
    """`extra` in this process's environment for the duration, then as it was. dagster-dbt starts
    dbt with a copy of this process's environment and takes no other, so a run's own settings
    (a tag's as-of day) reach dbt this way; a step's process runs one dbt at a time."""
    saved = {key: os.environ.get(key) for key in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def built_as_of_date(warehouse: WarehouseResource, log) -> dt.date | None:
    """The scoring day of the last build (mart_funnel_health.as_of_date), or None without one."""
    try:
        with warehouse.connect(read_only=True) as con:
            return scalar(con, "select max(as_of_date) from marts.mart_funnel_health")
    except Exception as exc:
        log.warning(f"No scoring day of the last build ({exc}); the data tests use today's.")
        return None


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    pool=WAREHOUSE_POOL,
)
def lead_scoring_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """`dbt build`: seeds, models, snapshots and data tests in dependency order (unit tests on a
    full refresh); `dbt test` when the run selects only the dbt asset checks."""
    progress.report("dbt build", "starting dbt")
    args, env = dbt_command(context, warehouse)
    # A fresh target folder per invocation (as dagster-dbt names them), with the parse state of
    # the last run like this one, so that dbt reparses only the files that changed.
    target = _dbt_target_dir()
    run_target = target / f"{context.op_execution_context.op.name}-{context.run.run_id[:7]}-{uuid.uuid4().hex[:7]}"
    parse_state = dbt_parse_state.state_file(target, Path(dbt.project_dir), args)
    dbt_parse_state.restore(parse_state, run_target)
    with process_environment(env):
        invocation = dbt.cli(args, context=context, raise_on_error=False, target_path=run_target)
    # The dbt process holds the DuckDB file until it exits, and DuckDB refuses every other
    # process meanwhile: collect the events (dbt's log still streams live), then read row counts
    # and column types once dbt is done, and report everything with that metadata. The raw dbt
    # events, converted as `invocation.stream()` converts them, also give the run's progress.
    events: list[Any] = []
    nodes = progress.DbtProgress()
    try:
        for dbt_event in invocation.stream_raw_events():
            nodes.event(dbt_event.raw_event)
            events.extend(dbt_event.to_default_asset_events(
                manifest=invocation.manifest, dagster_dbt_translator=invocation.dagster_dbt_translator,
                context=context, target_path=invocation.target_path, project=invocation.project))
        error = invocation.get_error()
    except Exception as exc:
        # Report what dbt finished, and do not leave a dbt process holding the warehouse.
        if invocation.process.poll() is None:
            invocation.process.terminate()
            invocation.process.wait(timeout=60)
        error = exc
    dbt_parse_state.keep(run_target, parse_state)
    progress.report("dbt build", "done, reading row counts and column types")
    yield from with_warehouse_metadata(events, invocation.manifest, warehouse, context.log)
    _prune_dbt_run_folders()
    if error is not None:
        raise error


def with_warehouse_metadata(events: Iterable[Any], manifest: Mapping[str, Any], warehouse: WarehouseResource, log) -> Iterator[Any]:
    """Adds `dagster/row_count` and the built `dagster/column_schema` to each dbt materialisation."""
    nodes = manifest["nodes"]
    events = list(events)
    outputs = [e for e in events if isinstance(e, dg.Output) and e.metadata.get("unique_id") is not None]
    if not outputs:
        yield from events
        return
    extra: dict[str, dict[str, Any]] = {}
    # Metadata is a courtesy: a problem reading it is logged, never fails the build.
    try:
        with warehouse.connect(read_only=True) as con:
            for output in outputs:
                unique_id = output.metadata["unique_id"].value
                if unique_id not in nodes:
                    continue
                try:
                    extra[unique_id] = _relation_metadata(con, nodes[unique_id])
                except Exception as exc:
                    log.warning(f"No row count or schema for {unique_id}: {exc}")
    except Exception as exc:
        log.warning(f"Cannot open the warehouse for row counts and schemas: {exc}")
    for event in events:
        unique_id = event.metadata.get("unique_id").value if isinstance(event, dg.Output) and event.metadata.get("unique_id") else None
        if unique_id in extra:
            event = event.with_metadata({**event.metadata, **extra[unique_id]})
        yield event


def _relation_metadata(con, node: Mapping[str, Any]) -> dict[str, Any]:
    schema, table = node["schema"], node.get("alias") or node["name"]
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    described = node.get("columns", {})
    metadata: dict[str, Any] = {
        "dagster/column_schema": dg.TableSchema(
            columns=[
                dg.TableColumn(name, dtype, description=(described.get(name) or {}).get("description") or None)
                for name, dtype in columns
            ]
        )
    }
    if node.get("config", {}).get("materialized") not in UNCOUNTED_MATERIALIZATIONS:
        metadata["dagster/row_count"] = scalar(con, f'select count(*) from "{schema}"."{table}"')
    return metadata


def _dbt_target_dir() -> Path:
    # target_path is relative to the dbt project, not to the working directory of the run.
    return dbt_project.project_dir / dbt_project.target_path


def _prune_dbt_run_folders() -> None:
    target = _dbt_target_dir()
    if not target.is_dir():
        return
    runs = sorted(
        (p for p in target.iterdir() if p.is_dir() and p.name not in {"compiled", "run", dbt_parse_state.STATE_FOLDER}),
        key=lambda p: p.stat().st_mtime,
    )
    for old in runs[:-KEEP_DBT_RUN_FOLDERS]:
        shutil.rmtree(old, ignore_errors=True)
