"""The Dagster code location: definitions load, the daily job runs end to end, the schedule ticks."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dagster as dg
import pytest

from helpers import PROJECT_DIR, SAMPLE, SAMPLE_END, query
from lead_scoring.dbt_definitions import SCORE_BANDS

CUSTOM_CHECKS = {
    ("raw/events", "events_are_fresh"): True,
    ("raw/leads", "rows_reconcile"): True,
    ("raw/events", "rows_reconcile"): True,
    ("raw/opportunities", "rows_reconcile"): True,
    ("staging/stg_raw__events", "one_row_per_raw_event_id"): True,
    ("marts/mart_mql_measures", "benchmark_health"): False,
    ("marts/mart_lead_scores_current", "score_band_drift"): False,
}
ENV_KEYS = ("LEAD_SCORING_DB", "LEAD_SCORING_RAW_DIR", "LEAD_SCORING_AS_OF_DATE")


@pytest.fixture(scope="module")
def defs(tmp_path_factory, sample_raw_dir):
    """Definitions pointed at a temporary warehouse and the small sample folder.

    The sample ends on SAMPLE_END, so the run stands for that day (the freshness check measures
    against it, and the marts score as of it).
    """
    db_path = tmp_path_factory.mktemp("dagster_wh") / "lead_scoring.duckdb"
    saved = {k: os.environ.get(k) for k in ENV_KEYS}
    os.environ["LEAD_SCORING_DB"] = str(db_path)
    os.environ["LEAD_SCORING_RAW_DIR"] = str(sample_raw_dir)
    os.environ["LEAD_SCORING_AS_OF_DATE"] = SAMPLE_END.isoformat()
    from orchestration.dbt_project import prepare_manifest

    prepare_manifest()
    from orchestration.definitions import build_definitions

    yield build_definitions()
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
    assert {"marts/mart_lead_scores_current", "marts/fct_lead_mql_episodes"} <= keys
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert {"raw", "seeds", "staging", "intermediate", "marts", "bi"} <= groups
    # The BI file is published after every mart and the snapshot.
    publication = graph.get(dg.AssetKey(["bi", "bi_file"]))
    marts = {key for key in graph.get_all_asset_keys() if graph.get(key).group_name in ("marts", "snapshots")}
    assert marts <= publication.parent_keys


def test_custom_checks_are_defined_with_their_blocking_flags(defs):
    graph = defs.resolve_asset_graph()
    specs = {(key.asset_key.to_user_string(), key.name): graph.get_check_spec(key) for key in graph.asset_check_keys}
    assert {key: specs[key].blocking for key in CUSTOM_CHECKS} == CUSTOM_CHECKS


def test_every_dbt_test_is_a_check_and_error_tests_block(defs):
    import json

    from orchestration.dbt_project import dbt_project

    manifest = json.loads(Path(dbt_project.manifest_path).read_text())
    # A full `dbt parse` keeps the tests of disabled models (a CRM's, unless its source is chosen)
    # among the nodes, marked disabled; Dagster makes no check of them.
    tests = {node["name"]: node["config"]["severity"].lower() for node in manifest["nodes"].values()
             if node["resource_type"] == "test" and node["config"].get("enabled", True)}
    graph = defs.resolve_asset_graph()
    dbt_checks = {key.name: graph.get_check_spec(key).blocking for key in graph.asset_check_keys if key.name in tests}
    assert set(dbt_checks) == set(tests)
    assert all(blocking == (tests[name] == "error") for name, blocking in dbt_checks.items())


def test_every_step_that_opens_the_warehouse_is_in_the_duckdb_pool(defs):
    # Every op of the job touches the DuckDB file (loader, dbt, custom checks): one pool for all.
    job = defs.resolve_job_def("daily_lead_scoring")
    pools = {node.name: node.pool for node in job.graph.node_defs}
    assert len(pools) >= 4
    assert set(pools.values()) == {"duckdb"}, pools


def test_dbt_sources_are_the_raw_ingestion_assets(defs):
    graph = defs.resolve_asset_graph()
    staging_leads = graph.get(dg.AssetKey(["staging", "stg_raw__leads"]))
    assert dg.AssetKey(["raw", "leads"]) in staging_leads.parent_keys


@pytest.fixture(scope="module")
def daily_run(defs):
    job = defs.resolve_job_def("daily_lead_scoring")
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)


def _checks(result) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
    return {(c.asset_key.to_user_string(), c.check_name): c for c in result.get_asset_check_evaluations()}


def _materialisations(result) -> dict[str, dict]:
    return {
        e.asset_key.to_user_string(): e.event_specific_data.materialization.metadata
        for e in result.get_asset_materialization_events()
    }


def test_daily_job_materialises_everything_and_all_checks_pass(defs, daily_run):
    result = daily_run
    assert result.success
    materialised = set(_materialisations(result))
    all_keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert materialised == all_keys
    checks = _checks(result)
    graph = defs.resolve_asset_graph()
    # Every check of the code location was evaluated: each dbt test and the custom ones.
    assert set(checks) == {(key.asset_key.to_user_string(), key.name) for key in graph.asset_check_keys}
    assert set(CUSTOM_CHECKS) <= set(checks)
    failed = {key: c.description for key, c in checks.items() if not c.passed}
    # benchmark_health judges the scoring configuration against B2B benchmarks; on the small test
    # sample it may warn (see test_benchmark_health_reports_the_warehouse_numbers), never block.
    assert set(failed) <= {("marts/mart_mql_measures", "benchmark_health")}, failed
    db_path = Path(os.environ["LEAD_SCORING_DB"])
    assert query(db_path, "select count(*) from staging.stg_raw__leads") == [(SAMPLE["n_leads"],)]


def test_raw_asset_metadata_has_row_counts_and_schema(daily_run):
    db_path = Path(os.environ["LEAD_SCORING_DB"])
    metadata = _materialisations(daily_run)["raw/leads"]
    assert metadata["dagster/row_count"].value == query(db_path, "select count(*) from raw.leads")[0][0]
    assert metadata["rows_in_files"].value == SAMPLE["n_leads"]
    columns = [c.name for c in metadata["dagster/column_schema"].schema.columns]
    assert columns[:2] == ["lead_id", "email"] and "updated_at" in columns


def test_dbt_asset_metadata_has_row_counts_and_column_types(daily_run):
    import json

    from orchestration.dbt_project import dbt_project

    db_path = Path(os.environ["LEAD_SCORING_DB"])
    nodes = json.loads(Path(dbt_project.manifest_path).read_text())["nodes"]
    counted = 0
    for key, metadata in _materialisations(daily_run).items():
        if "unique_id" not in metadata:
            continue  # raw assets: see above
        node = nodes[metadata["unique_id"].value]
        relation = f'"{node["schema"]}"."{node["alias"]}"'
        columns = [(c.name, c.type) for c in metadata["dagster/column_schema"].schema.columns]
        assert columns == query(db_path, "select column_name, data_type from information_schema.columns "
                                         "where table_schema = ? and table_name = ? order by ordinal_position",
                                [node["schema"], node["alias"]]), key
        if node["config"]["materialized"] == "view":
            # Views are not counted: that would re-run their query.
            assert "dagster/row_count" not in metadata, key
        else:
            assert metadata["dagster/row_count"].value == query(db_path, f"select count(*) from {relation}")[0][0], key
            counted += 1
    assert counted >= 20
    mart = _materialisations(daily_run)["marts/mart_lead_scores_current"]
    types = {c.name: c.type for c in mart["dagster/column_schema"].schema.columns}
    assert types["lead_id"] == "VARCHAR" and types["is_primary_model"] == "BOOLEAN" and types["mql_count"] == "INTEGER"
    models = query(db_path, "select count(*) from intermediate.int_scoring_models")[0][0]
    assert mart["dagster/row_count"].value == models * SAMPLE["n_leads"]  # one row per lead and scoring model


def test_bi_publication_copies_every_mart_after_the_run(daily_run):
    from lead_scoring.bi_publication import read_publication

    db_path = Path(os.environ["LEAD_SCORING_DB"])
    metadata = _materialisations(daily_run)["bi/bi_file"]
    bi_file = Path(metadata["path"].value)
    assert bi_file == db_path.parent / "bi.duckdb"
    assert read_publication(bi_file)["run_id"] == daily_run.run_id
    # Personal data hashed under the tests' key file, which the file and the asset identify.
    key_id = query(bi_file, "select personal_data_key_id from main.bi_publication")[0][0]
    assert metadata["personal_data"].value == "hashed" and metadata["personal_data_key_id"].value == key_id
    assert len(key_id) == 16
    (mart_rows,) = query(db_path, "select count(*) from marts.mart_lead_scores_current")[0]
    assert query(bi_file, "select count(*) from marts.mart_lead_scores_current") == [(mart_rows,)]


def test_custom_checks_report_the_warehouse_numbers(daily_run, sample_raw_dir):
    db_path = Path(os.environ["LEAD_SCORING_DB"])
    checks = _checks(daily_run)
    in_files = query(db_path, f"select count(*) from read_parquet('{sample_raw_dir}/events/*.parquet')")[0][0]
    loaded = query(db_path, "select count(*) from raw.events")[0][0]
    has_rejects = query(db_path, "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = 'load_rejects'")[0][0]
    rejected = query(db_path, "select count(*) from raw.load_rejects where table_name = 'events'")[0][0] if has_rejects else 0
    reconcile = checks[("raw/events", "rows_reconcile")].metadata
    assert (reconcile["rows_in_files"].value, reconcile["rows_loaded"].value, reconcile["rows_rejected"].value) == (in_files, loaded, rejected)
    assert in_files == loaded + rejected
    fresh = checks[("raw/events", "events_are_fresh")].metadata
    (latest,) = query(db_path, "select strftime(max(occurred_at), '%Y-%m-%dT%H:%M:%S') from raw.events")[0]
    assert fresh["latest_event_at"].value.startswith(latest)
    assert fresh["reference_time"].value == (SAMPLE_END + dt.timedelta(days=1)).isoformat() + "T00:00:00+00:00"
    staged = checks[("staging/stg_raw__events", "one_row_per_raw_event_id")].metadata
    assert staged["staging_rows"].value == query(db_path, "select count(*) from staging.stg_raw__events")[0][0]
    assert staged["distinct_raw_event_ids"].value == query(db_path, "select count(distinct event_id) from raw.events")[0][0]
    drift = checks[("marts/mart_lead_scores_current", "score_band_drift")]
    assert drift.passed and drift.description.startswith("First run")
    shares = dict(query(db_path, "select score_band, round(count(*) / sum(count(*)) over (), 4) from marts.mart_lead_scores_current where is_primary_model group by 1"))
    assert drift.metadata["band_shares"].value == pytest.approx({band: shares.get(band, 0.0) for band in SCORE_BANDS})


def test_benchmark_health_reports_the_warehouse_numbers(daily_run):
    db_path = Path(os.environ["LEAD_SCORING_DB"])
    health = _checks(daily_run)[("marts/mart_mql_measures", "benchmark_health")]
    assert health.severity == dg.AssetCheckSeverity.WARN
    leads, mqls, in_order = query(db_path, """select count(*), count(first_mql_at), count(mql_reached_in_order_at)
                                             from marts.fct_lead_funnel where is_primary_model""")[0]
    assert (health.metadata["leads"].value, health.metadata["mql_leads"].value) == (leads, mqls) == (SAMPLE["n_leads"], mqls)
    assert health.metadata["lead_to_mql_rate"].value == round(in_order / leads, 4)


def test_schedule_runs_by_default_and_requests_the_daily_job(defs):
    schedule = defs.resolve_schedule_def("daily_lead_scoring_schedule")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert schedule.cron_schedule == "0 6 * * *"
    context = dg.build_schedule_context(scheduled_execution_time=dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.timezone.utc))
    (request,) = schedule.evaluate_tick(context).run_requests
    assert request.job_name is None or request.job_name == "daily_lead_scoring"
    assert schedule.job_name == "daily_lead_scoring"
    # The job the schedule starts builds every asset (and so every check: see the daily run).
    job = defs.resolve_job_def(schedule.job_name)
    assert job.asset_layer.selected_asset_keys == set(defs.resolve_asset_graph().get_all_asset_keys())


def test_weekly_schedule_runs_by_default_and_requests_the_weekly_test_job(defs):
    schedule = defs.resolve_schedule_def("weekly_data_tests_schedule")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 3 * * 0", "UTC")
    # 2026-03-01 is a Sunday.
    context = dg.build_schedule_context(scheduled_execution_time=dt.datetime(2026, 3, 1, 3, 0, tzinfo=dt.timezone.utc))
    (request,) = schedule.evaluate_tick(context).run_requests
    assert request.job_name is None or request.job_name == "weekly_data_tests"
    assert schedule.job_name == "weekly_data_tests"
    # The job materialises nothing and selects every dbt test's check (and only those).
    job = defs.resolve_job_def(schedule.job_name)
    from orchestration.assets.dbt import lead_scoring_dbt_assets

    assert job.asset_layer.selected_asset_keys == set()
    assert job.asset_layer.asset_graph.asset_check_keys == set(lead_scoring_dbt_assets.check_keys)


def test_weekly_job_tests_the_whole_warehouse_without_rebuilding_it(defs, daily_run):
    db_path = Path(os.environ["LEAD_SCORING_DB"])
    built = db_path.stat().st_mtime_ns
    result = defs.resolve_job_def("weekly_data_tests").execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    assert result.success
    assert not result.get_asset_materialization_events()
    from orchestration.assets.dbt import lead_scoring_dbt_assets

    checks = _checks(result)
    assert set(checks) == {(key.asset_key.to_user_string(), key.name) for key in lead_scoring_dbt_assets.check_keys}
    assert all(check.passed for check in checks.values())
    assert db_path.stat().st_mtime_ns == built


def _daily_run_reparsing_nothing(defs, tags: dict[str, str] | None = None) -> None:
    """Runs the daily job and checks that dbt found the parse state of the run before it and
    reparsed nothing."""
    from orchestration.dbt_project import dbt_project

    result = defs.resolve_job_def("daily_lead_scoring").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False, tags=tags)
    assert result.success
    target = dbt_project.project_dir / dbt_project.target_path
    (run_target,) = target.glob(f"lead_scoring_dbt_assets-{result.run_id[:7]}-*")
    log = "".join(p.read_text() for p in sorted(run_target.glob("dbt.log*")))
    assert "Partial parsing enabled, no changes found" in log
    assert "Unable to do partial parsing" not in log


def test_a_second_run_of_the_day_reparses_and_rescores_nothing(defs, daily_run):
    # The daily run before it left dbt's parse state: dbt reparses only changed files (none here),
    # and the scoring scope finds no lead whose inputs changed.
    _daily_run_reparsing_nothing(defs)
    db_path = Path(os.environ["LEAD_SCORING_DB"])
    assert query(db_path, "select count(*) from intermediate.int_lead_scoring_scope where needs_rescore") == [(0,)]


def test_the_next_days_run_keeps_the_parse_state_and_stands_for_its_day(defs, daily_run, monkeypatch):
    # A run for another day (its run tag; the process's LEAD_SCORING_AS_OF_DATE says the sample's
    # last day) gets its day through dbt's environment, not as a var: dbt reparses nothing, and
    # the marts stand for the tag's day. Replaying past days one after another costs no parse.
    next_day = SAMPLE_END + dt.timedelta(days=1)
    monkeypatch.setenv("LEAD_SCORING_FRESHNESS_HOURS", "72")  # no new events on the next day
    _daily_run_reparsing_nothing(defs, tags={"lead_scoring/as_of_date": next_day.isoformat()})
    db_path = Path(os.environ["LEAD_SCORING_DB"])
    assert query(db_path, "select distinct as_of_date from marts.mart_funnel_health") == [(next_day,)]
    assert os.environ["LEAD_SCORING_AS_OF_DATE"] == SAMPLE_END.isoformat()  # the process's own setting is back


def test_schedule_hour_and_timezone_are_configurable(monkeypatch):
    from orchestration.jobs import daily_schedule

    monkeypatch.setenv("LEAD_SCORING_SCHEDULE_HOUR", "5")
    monkeypatch.setenv("LEAD_SCORING_TIMEZONE", "Europe/Berlin")
    schedule = daily_schedule()
    assert schedule.cron_schedule == "0 5 * * *" and schedule.execution_timezone == "Europe/Berlin"
    monkeypatch.setenv("LEAD_SCORING_SCHEDULE_HOUR", "25")
    with pytest.raises(ValueError):
        daily_schedule()


def test_sensors_run_by_default(defs):
    sensors = {sensor.name: sensor for sensor in defs.sensors}
    assert set(sensors) == {"new_raw_files_sensor", "run_failure_alert"}
    assert all(s.default_status == dg.DefaultSensorStatus.RUNNING for s in sensors.values())
    assert sensors["new_raw_files_sensor"].job_name == "daily_lead_scoring"
    assert sensors["new_raw_files_sensor"].minimum_interval_seconds == 60


def test_instance_config_limits_the_warehouse_pool_to_one():
    import yaml

    config = yaml.safe_load((PROJECT_DIR / "dagster_home" / "dagster.yaml").read_text())
    assert config["concurrency"]["pools"]["default_limit"] == 1
    assert config["concurrency"]["pools"]["granularity"] == "op"
    assert config["concurrency"]["runs"]["max_concurrent_runs"] == 1
