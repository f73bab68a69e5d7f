"""The Dagster code location: definitions load, the daily job runs end to end, the schedule ticks."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dagster as dg
import pytest

from conftest import PROJECT_DIR, SAMPLE, query


@pytest.fixture(scope="module")
def defs(tmp_path_factory, sample_raw_dir):
    """Definitions pointed at a temporary warehouse and the small sample folder."""
    db_path = tmp_path_factory.mktemp("dagster_wh") / "lead_scoring.duckdb"
    saved = {k: os.environ.get(k) for k in ("LEAD_SCORING_DB", "LEAD_SCORING_RAW_DIR")}
    os.environ["LEAD_SCORING_DB"] = str(db_path)
    os.environ["LEAD_SCORING_RAW_DIR"] = str(sample_raw_dir)
    from orchestration.dbt_project import prepare_manifest

    prepare_manifest()
    import importlib

    import orchestration.definitions as definitions_module

    importlib.reload(definitions_module)
    yield definitions_module.defs
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def test_definitions_load(defs):
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {"raw/leads", "raw/events", "raw/opportunities"} <= keys
    assert {"staging/stg_raw__leads", "staging/stg_raw__events", "staging/stg_raw__opportunities"} <= keys
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert {"raw", "seeds", "staging", "intermediate"} <= groups


def test_dbt_sources_are_the_raw_ingestion_assets(defs):
    graph = defs.resolve_asset_graph()
    staging_leads = graph.get(dg.AssetKey(["staging", "stg_raw__leads"]))
    assert dg.AssetKey(["raw", "leads"]) in staging_leads.parent_keys


@pytest.fixture(scope="module")
def daily_run(defs):
    job = defs.resolve_job_def("daily_lead_scoring")
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)


def test_daily_job_materialises_everything_and_all_checks_pass(daily_run):
    result = daily_run
    assert result.success
    materialised = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {"raw/leads", "raw/events", "staging/stg_raw__events", "intermediate/int_engagement_rules"} <= materialised
    checks = result.get_asset_check_evaluations()
    assert len(checks) >= 40
    assert all(c.passed for c in checks), [c.check_name for c in checks if not c.passed]
    db_path = Path(os.environ["LEAD_SCORING_DB"])
    assert query(db_path, "select count(*) from staging.stg_raw__leads") == [(SAMPLE["n_leads"],)]


def test_raw_asset_metadata_has_row_counts_and_schema(daily_run):
    (event,) = [e for e in daily_run.get_asset_materialization_events() if e.asset_key == dg.AssetKey(["raw", "leads"])]
    metadata = event.event_specific_data.materialization.metadata
    assert metadata["dagster/row_count"].value == SAMPLE["n_leads"]
    columns = [c.name for c in metadata["dagster/column_schema"].schema.columns]
    assert columns[:2] == ["lead_id", "email"] and "updated_at" in columns


def test_schedule_runs_by_default_and_requests_the_daily_job(defs):
    schedule = defs.get_schedule_def("daily_lead_scoring_schedule")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert schedule.cron_schedule == "0 6 * * *"
    context = dg.build_schedule_context(scheduled_execution_time=dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.timezone.utc))
    (request,) = schedule.evaluate_tick(context).run_requests
    assert request.job_name is None or request.job_name == "daily_lead_scoring"
    assert schedule.job_name == "daily_lead_scoring"


def test_schedule_hour_and_timezone_are_configurable(monkeypatch):
    from orchestration.jobs import daily_schedule

    monkeypatch.setenv("LEAD_SCORING_SCHEDULE_HOUR", "5")
    monkeypatch.setenv("LEAD_SCORING_TIMEZONE", "Europe/Berlin")
    schedule = daily_schedule()
    assert schedule.cron_schedule == "0 5 * * *" and schedule.execution_timezone == "Europe/Berlin"
    monkeypatch.setenv("LEAD_SCORING_SCHEDULE_HOUR", "25")
    with pytest.raises(ValueError):
        daily_schedule()


def test_instance_config_limits_the_warehouse_pool_to_one():
    import yaml

    config = yaml.safe_load((PROJECT_DIR / "dagster_home" / "dagster.yaml").read_text())
    assert config["concurrency"]["pools"]["default_limit"] == 1
