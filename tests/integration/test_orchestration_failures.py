"""Runs that must fail: stale data, bad data. Blocking checks stop downstream assets, and the
run-failure sensor reports what happened (log and webhook)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from helpers import PROJECT_DIR, SAMPLE_END, free_port, run_daily_job

# The loader accepts any source system; the staging test allows six.
UNKNOWN_SOURCE_SYSTEM = "carrier_pigeon"


def _source_system_test_name() -> str:
    """dbt's name for the accepted_values test on stg_raw__events.source_system: its values come
    from the model's yml, so a newly accepted system does not rename the test here."""
    models = yaml.safe_load((PROJECT_DIR / "models" / "staging" / "raw" / "_raw__models.yml").read_text())["models"]
    column = next(c for m in models if m["name"] == "stg_raw__events" for c in m["columns"] if c["name"] == "source_system")
    values = next(t["accepted_values"]["arguments"]["values"] for t in column["data_tests"] if "accepted_values" in t)
    return "accepted_values_stg_raw__events_source_system__" + "__".join(values)


SOURCE_SYSTEM_TEST = _source_system_test_name()


def _materialised(result) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def _failed_checks(result) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
    return {(c.asset_key.to_user_string(), c.check_name): c for c in result.get_asset_check_evaluations() if not c.passed}


@pytest.fixture(scope="module")
def stale_run(tmp_path_factory, sample_raw_dir):
    """The sample ends on SAMPLE_END; running as of ten days later makes the events stale."""
    return run_daily_job(tmp_path_factory, sample_raw_dir, SAMPLE_END + dt.timedelta(days=10), "stale_wh")


def _sample_with_bad_events(tmp_path_factory, sample_raw_dir, name: str, changes: str) -> Path:
    """A copy of the sample whose events file is rewritten by `changes`, a select list of
    `* replace (...)` over the sample's events (`n` numbers them by event_id)."""
    raw_dir = tmp_path_factory.mktemp(name)
    for table in ("leads", "opportunities"):
        shutil.copytree(sample_raw_dir / table, raw_dir / table)
    (raw_dir / "events").mkdir()
    con = duckdb.connect()
    con.execute(
        f"""
        copy (
            select * exclude (n) replace ({changes})
            from (select *, row_number() over (order by event_id) as n from read_parquet('{sample_raw_dir}/events/*.parquet'))
        ) to '{raw_dir}/events/part-00000.parquet' (format parquet)
        """
    )
    con.close()
    return raw_dir


UNKNOWN_SOURCES = f"case when n <= 3 then '{UNKNOWN_SOURCE_SYSTEM}' else source_system end as source_system"


@pytest.fixture(scope="module")
def bad_rows_run(tmp_path_factory, sample_raw_dir):
    """The sample with three events from an unknown source system, two received before they
    happened and one whose properties are not JSON: rows staging's tests would refuse."""
    raw_dir = _sample_with_bad_events(tmp_path_factory, sample_raw_dir, "bad_rows_raw", f"""
        {UNKNOWN_SOURCES},
        case when n in (4, 5) then occurred_at - interval 1 hour else received_at end as received_at,
        case when n = 6 then '{{"page_url": "/pricing"' else properties end as properties""")
    return run_daily_job(tmp_path_factory, raw_dir, SAMPLE_END, "bad_rows_wh")


@pytest.fixture(scope="module")
def bad_events_run(tmp_path_factory, sample_raw_dir):
    """Events from a source system the project does not know, in raw tables written without the
    loader's rules (as by another ELT tool): staging's test catches them."""
    raw_dir = _sample_with_bad_events(tmp_path_factory, sample_raw_dir, "bad_raw", UNKNOWN_SOURCES)
    return run_daily_job(tmp_path_factory, raw_dir, SAMPLE_END, "bad_events_wh", without_loader_rules=("unknown source_system",))


def test_rows_that_staging_would_refuse_are_rejected_by_the_loader_and_the_run_publishes(bad_rows_run):
    defs, _, result = bad_rows_run
    assert result.success
    db = Path(defs.resources["warehouse"].path)
    con = duckdb.connect(str(db), read_only=True)
    try:
        rejects = con.execute("select reason, column_name, count(*) from raw.load_rejects where table_name = 'events' "
                              "and reason != 'duplicate event_id' group by all order by 1").fetchall()
    finally:
        con.close()
    assert rejects == [("properties is not a JSON object", "properties", 1), ("received_at is before occurred_at", "received_at", 2),
                       ("unknown source_system", "source_system", 3)]
    assert "bi/bi_file" in _materialised(result) and (db.parent / "bi.duckdb").exists()
    reconciled = {c.asset_key.to_user_string(): c.passed for c in result.get_asset_check_evaluations() if c.check_name == "rows_reconcile"}
    assert reconciled == {"raw/leads": True, "raw/events": True, "raw/opportunities": True, "raw/company_visits": True}


def test_stale_events_fail_the_blocking_freshness_check_and_nothing_downstream_runs(stale_run):
    defs, _, result = stale_run
    assert not result.success
    failed = _failed_checks(result)
    assert set(failed) == {("raw/events", "events_are_fresh")}
    fresh = failed[("raw/events", "events_are_fresh")]
    assert fresh.severity == dg.AssetCheckSeverity.ERROR
    assert fresh.metadata["reference_time"].value == "2026-07-11T00:00:00+00:00"
    # The newest event is on the sample's last day, 240 to 264 hours before (rounded to 0.1 h).
    assert 240 <= fresh.metadata["age_hours"].value <= 264
    # The scoring rules were checked and the raw tables loaded (and reconciled), but no dbt asset
    # and no later check ran.
    assert _materialised(result) == {"rules/scoring_rules", "raw/leads", "raw/events", "raw/opportunities", "raw/company_visits"}
    assert {c.check_name for c in result.get_asset_check_evaluations()} == {"events_are_fresh", "rows_reconcile", "rows_pending_too_long"}
    assert [e.step_key for e in result.all_events if e.is_step_failure] == ["raw_tables"]
    assert [e.step_key for e in result.all_events if e.is_step_start] == ["rules__scoring_rules", "raw_tables"]


def test_an_unknown_source_system_fails_the_dbt_test_and_leaves_downstream_unmaterialised(bad_events_run):
    defs, _, result = bad_events_run
    assert not result.success
    failed = _failed_checks(result)
    assert set(failed) == {("staging/stg_raw__events", SOURCE_SYSTEM_TEST)}
    assert failed[("staging/stg_raw__events", SOURCE_SYSTEM_TEST)].severity == dg.AssetCheckSeverity.ERROR

    graph = defs.resolve_asset_graph()
    stg_events = dg.AssetKey(["staging", "stg_raw__events"])
    downstream = {key.to_user_string() for key in dg.AssetSelection.assets(stg_events).downstream().resolve(graph)}
    downstream.discard(stg_events.to_user_string())
    assert {"marts/fct_lead_scores", "marts/mart_lead_scores_current", "marts/fct_lead_mql_episodes", "bi/bi_file"} <= downstream
    materialised = _materialised(result)
    assert not downstream & materialised
    # Nothing was published for BI tools.
    assert not (Path(defs.resources["warehouse"].path).parent / "bi.duckdb").exists()
    # Everything that does not read events was still built.
    assert {"raw/events", "staging/stg_raw__events", "staging/stg_raw__leads", "seeds/event_types", "intermediate/int_scoring_models"} <= materialised
    # The checks on unbuilt marts did not run; the dbt step is the one that failed.
    assert not {c.check_name for c in result.get_asset_check_evaluations()} & {"benchmark_health", "score_band_drift"}
    assert [e.step_key for e in result.all_events if e.is_step_failure] == ["lead_scoring_dbt_assets"]


class _Webhook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server API)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append({"content_type": self.headers["Content-Type"], "json": json.loads(body)})
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    _Webhook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Webhook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", _Webhook.received
    server.shutdown()
    server.server_close()


def _failure_context(instance, result):
    from orchestration.alerts import FAILURE_SENSOR_NAME

    failure = result.get_run_failure_event()
    return dg.build_run_status_sensor_context(
        sensor_name=FAILURE_SENSOR_NAME, dagster_instance=instance, dagster_run=result.dagster_run, dagster_event=failure
    ).for_run_failure()


def test_failure_sensor_logs_a_summary_and_posts_it_to_the_webhook(stale_run, webhook, monkeypatch, capfd):
    from orchestration.alerts import run_failure_alert

    _, instance, result = stale_run
    url, received = webhook
    monkeypatch.setenv("LEAD_SCORING_ALERT_WEBHOOK_URL", url)
    monkeypatch.setenv("LEAD_SCORING_UI_URL", "http://dagster.example:3000/")
    run_failure_alert(_failure_context(instance, result))

    (post,) = received
    assert post["content_type"] == "application/json"
    payload = post["json"]
    assert payload["status"] == "FAILURE"
    assert payload["job"] == "daily_lead_scoring" and payload["run_id"] == result.run_id
    assert payload["run_url"] == f"http://dagster.example:3000/runs/{result.run_id}"
    assert payload["failed_steps"] == ["raw_tables"]
    (check,) = payload["failed_checks"]
    assert check.startswith("raw/events events_are_fresh (ERROR): Newest event 2026-06-30")
    assert "lead_scoring_dbt_assets" in payload["steps_not_run"]
    assert "blocking asset check failed" in payload["error"]
    assert payload["text"].startswith(f"Dagster run of daily_lead_scoring FAILED (run {result.run_id}).")
    assert "Failed steps: raw_tables" in payload["text"]
    # The same summary is in the sensor's log.
    assert payload["text"] in capfd.readouterr().err


def test_failure_sensor_summarises_a_failed_dbt_test(bad_events_run):
    from orchestration.alerts import summarise_failed_run

    _, instance, result = bad_events_run
    summary = summarise_failed_run(instance, result.dagster_run)
    assert summary.failed_steps == ["lead_scoring_dbt_assets"]
    assert summary.failed_checks == [f"staging/stg_raw__events {SOURCE_SYSTEM_TEST} (ERROR)"]
    assert summary.error


def test_failure_sensor_survives_an_unreachable_webhook(stale_run, monkeypatch, capfd):
    from orchestration.alerts import run_failure_alert

    _, instance, result = stale_run
    monkeypatch.setenv("LEAD_SCORING_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{free_port()}/hook")
    run_failure_alert(_failure_context(instance, result))  # must not raise
    assert "Could not post the failure alert to the webhook" in capfd.readouterr().err

