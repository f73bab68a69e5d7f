"""What a failed `lead-scoring run` prints: each failed blocking check with its description, each
failed step with the reason of its error in one line, where the full log is and the run id; the
stack traces stay in the log file."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from dagster._utils.error import SerializableErrorInfo

from helpers import PROJECT_DIR, SAMPLE_END
from orchestration.alerts import error_reason


def _error(cls_name: str, message: str, cause: SerializableErrorInfo | None = None) -> SerializableErrorInfo:
    return SerializableErrorInfo(message=message, stack=['  File "x.py", line 1, in f\n'], cls_name=cls_name, cause=cause)


def test_the_reason_is_the_error_the_steps_code_raised_not_dagsters_wrapper():
    raised = _error("RawDataError", "lead_scoring.ingest.raw_loader.RawDataError: events/a.csv: missing required column occurred_at\nmore detail\n",
                    cause=_error("KeyError", "KeyError: 'occurred_at'\n"))
    wrapped = _error("DagsterExecutionStepExecutionError",
                     'dagster._core.errors.DagsterExecutionStepExecutionError: Error occurred while executing op "raw_tables":\n', cause=raised)
    assert error_reason(wrapped) == "RawDataError: events/a.csv: missing required column occurred_at"


def test_a_reason_announced_with_a_colon_keeps_its_next_line():
    error = _error("DagsterAssetCheckFailedError", "dagster._core.errors.DagsterAssetCheckFailedError: 1 blocking asset check failed "
                   "with ERROR severity:\nraw/events: events_are_fresh\n")
    assert error_reason(error) == "1 blocking asset check failed with ERROR severity: raw/events: events_are_fresh"


def test_a_failed_dbt_command_gives_dbts_first_error():
    dbt = _error("DagsterDbtCliRuntimeError", "dagster_dbt.errors.DagsterDbtCliRuntimeError: The dbt CLI process with command\n\n"
                 "`dbt build`\n\nfailed with exit code `1`. Check the stdout in the Dagster compute logs for the full information "
                 "about the error.\n\nErrors parsed from dbt logs:\n\n12 of 553 FAIL 3 not_null_dim_leads_lead_id  [\x1b[31mFAIL 3\x1b[0m in 0.12s]"
                 "\n\n  Got 3 results, configured to fail if != 0\n")
    wrapped = _error("DagsterExecutionStepExecutionError", "dagster._core.errors.DagsterExecutionStepExecutionError: Error occurred "
                     'while executing op "lead_scoring_dbt_assets":\n', cause=dbt)
    assert error_reason(wrapped) == "dbt failed: 12 of 553 FAIL 3 not_null_dim_leads_lead_id  [FAIL 3 in 0.12s]"


def test_a_failed_runs_summary_has_each_failed_blocking_check_and_each_failed_steps_reason():
    from orchestration.alerts import summarise_failed_run

    @dg.asset(check_specs=[dg.AssetCheckSpec("fresh", asset="events", blocking=True), dg.AssetCheckSpec("unique_ids", asset="events", blocking=True),
                           dg.AssetCheckSpec("share_moved", asset="events")])
    def events():
        yield dg.MaterializeResult()
        yield dg.AssetCheckResult(check_name="fresh", passed=False, description="Newest event is 50 h old, beyond the 36 h limit.")
        # dbt tests have no description, only the number of failing rows.
        yield dg.AssetCheckResult(check_name="unique_ids", passed=False, metadata={"dagster_dbt/failed_row_count": 2})
        yield dg.AssetCheckResult(check_name="share_moved", passed=False, severity=dg.AssetCheckSeverity.WARN, description="warning only")

    @dg.asset
    def opportunities():
        raise ValueError("opportunities/a.csv: amount must not be negative\nline 2 of the message")

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([events, opportunities], instance=instance, raise_on_error=False)
    summary = summarise_failed_run(instance, result.dagster_run)
    assert summary.blocking_checks == ["events fresh: Newest event is 50 h old, beyond the 36 h limit.", "events unique_ids: 2 rows fail the test"]
    assert summary.step_reasons == {
        "events": "2 blocking asset checks failed with ERROR severity: events: fresh,unique_ids",
        "opportunities": "ValueError: opportunities/a.csv: amount must not be negative",
    }


@pytest.mark.slow
def test_a_failed_run_prints_its_failed_checks_and_step_reasons_and_leaves_the_traces_in_the_log(tmp_path, sample_raw_dir):
    """The sample's newest event is ten days old on the run's day: the blocking freshness check
    fails in the loading step, and nothing downstream runs."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_DIR / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    warehouse = tmp_path / "wh" / "lead_scoring.duckdb"
    env = {**os.environ, "LEAD_SCORING_DB": str(warehouse), "LEAD_SCORING_RAW_DIR": str(sample_raw_dir), "DAGSTER_HOME": str(home),
           "LEAD_SCORING_AS_OF_DATE": (SAMPLE_END + dt.timedelta(days=10)).isoformat()}
    result = subprocess.run([str(Path(sys.executable).parent / "lead-scoring"), "run"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=900)

    assert result.returncode == 1
    with dg.DagsterInstance.from_config(str(home)) as instance:
        [run] = instance.get_runs()
        [freshness] = [c for c in instance.event_log_storage.get_latest_asset_check_execution_by_key(
            [dg.AssetCheckKey(dg.AssetKey(["raw", "events"]), "events_are_fresh")]).values()]
        description = freshness.event.dagster_event.event_specific_data.description
    log = warehouse.parent / "last_run.log"
    assert result.stderr.splitlines() == [
        f"The daily job FAILED (run {run.run_id}).",
        f"  Failed check raw/events events_are_fresh: {description}",
        "  Failed step raw_tables: 1 blocking asset check failed with ERROR severity: raw/events: events_are_fresh",
        "Next: fix the data, setting or model named above, then run again; the BI file still holds the last good run.",
        f"Full log with stack traces: {log}; run history: the Dagster UI (make dev), run {run.run_id}.",
    ]
    # The progress went as far as the loading step, and the failure block is all of stderr.
    assert re.search(r"^\[\d+:\d\d\] raw files \d+/\d+ loaded", result.stdout, re.M), result.stdout
    assert len(result.stderr.splitlines()) <= 15
    assert "Traceback" not in result.stdout + result.stderr and "Stack Trace" not in result.stdout + result.stderr
    assert "Stack Trace" in log.read_text() and "events_are_fresh" in log.read_text()
