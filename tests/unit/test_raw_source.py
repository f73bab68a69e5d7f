"""Where runs read raw data from: LEAD_SCORING_RAW_DIR (or the sensor's folder tag), or sample data
only when asked for (`lead-scoring demo`, `make dev`, `load --sample`). A blank variable, a folder
that does not exist, or no source at all stops the run with a message naming the setting, and
nothing is generated, loaded or published."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pytest

from helpers import SAMPLE_END, SMALL_SAMPLE, cli, query
from lead_scoring.run_options import RAW_DIR_TAG, SAMPLE_DATA_TAG


def _published_before(tmp_path: Path) -> bytes:
    """A BI file from an earlier run: a refused run must leave it as it is."""
    (tmp_path / "wh").mkdir(exist_ok=True)
    bi_file = tmp_path / "wh" / "bi.duckdb"
    bi_file.write_bytes(b"an earlier publication")
    return bi_file.read_bytes()


def _nothing_generated_or_published(tmp_path: Path, published: bytes) -> None:
    # No sample_raw, no warehouse; rule_candidates/ is the scratch folder of the scoring rules' check.
    assert sorted(p.name for p in (tmp_path / "wh").iterdir()) in (["bi.duckdb"], ["bi.duckdb", "rule_candidates"])
    assert (tmp_path / "wh" / "bi.duckdb").read_bytes() == published


@pytest.mark.parametrize(
    "command, settings, message",
    [
        ("run", {}, "LEAD_SCORING_RAW_DIR is not set: set it to the folder of your raw files, or run `make demo`"),
        ("run", {"LEAD_SCORING_RAW_DIR": ""}, "LEAD_SCORING_RAW_DIR is set but blank"),
        ("run", {"LEAD_SCORING_RAW_DIR": "   "}, "LEAD_SCORING_RAW_DIR is set but blank"),
        ("run", {"LEAD_SCORING_RAW_DIR": "no_such_export"}, "LEAD_SCORING_RAW_DIR names a folder that does not exist: "),
        # demo asks for sample data only where no folder is set; a blank one is still an error.
        ("demo", {"LEAD_SCORING_RAW_DIR": ""}, "LEAD_SCORING_RAW_DIR is set but blank"),
        ("run", {"LEAD_SCORING_SAMPLE_DATA": "perhaps"}, "LEAD_SCORING_SAMPLE_DATA must be true or false, got 'perhaps'"),
        ("load", {}, "LEAD_SCORING_RAW_DIR is not set"),
        ("load", {"LEAD_SCORING_RAW_DIR": ""}, "LEAD_SCORING_RAW_DIR is set but blank"),
        ("run", {"LEAD_SCORING_SOURCE": "pipedrive"}, "LEAD_SCORING_SOURCE must be one of native, hubspot, salesforce, got 'pipedrive'"),
        # A CRM source reads the connector's tables: a folder of files is an error, not ignored.
        ("run", {"LEAD_SCORING_SOURCE": "hubspot", "LEAD_SCORING_RAW_DIR": "wh"},
         "LEAD_SCORING_SOURCE=hubspot reads the tables a connector landed, not files: unset LEAD_SCORING_RAW_DIR"),
    ],
    ids=["run-unset", "run-empty", "run-spaces", "run-missing-folder", "demo-empty", "run-bad-sample-flag", "load-unset", "load-empty",
         "run-unknown-source", "run-crm-source-with-folder"],
)
def test_the_cli_refuses_without_a_raw_folder_and_changes_nothing(tmp_path, command, settings, message):
    published = _published_before(tmp_path)
    result = cli(tmp_path, command, **settings)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"lead-scoring {command}: {message}"), result.stderr
    assert len(result.stderr.splitlines()) == 1 and result.stdout == ""
    _nothing_generated_or_published(tmp_path, published)


def test_load_of_a_folder_that_does_not_exist_names_the_option(tmp_path):
    result = cli(tmp_path, "load", "--raw-dir", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert f"--raw-dir names a folder that does not exist: {tmp_path / 'nope'}" in result.stderr


def _daily_job(tmp_path: Path, monkeypatch, tags: dict[str, str] | None = None) -> dg.ExecuteInProcessResult:
    """The daily job as the schedule and the UI start it: in a Dagster run, settings from the environment."""
    from orchestration.dbt_project import prepare_manifest

    prepare_manifest()
    monkeypatch.setenv("LEAD_SCORING_DB", str(tmp_path / "wh" / "lead_scoring.duckdb"))
    from orchestration.definitions import build_definitions

    job = build_definitions().resolve_job_def("daily_lead_scoring")
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False, tags=tags or {})


@pytest.mark.parametrize(
    "variables, tags, message",
    [
        ({}, {}, "LEAD_SCORING_RAW_DIR is not set: set it to the folder of your raw files, or run `make demo`"),
        ({"LEAD_SCORING_RAW_DIR": " "}, {}, "LEAD_SCORING_RAW_DIR is set but blank"),
        ({"LEAD_SCORING_RAW_DIR": "/no/such/export"}, {}, "LEAD_SCORING_RAW_DIR names a folder that does not exist: /no/such/export"),
        # A blank folder tag is not "no tag": it does not fall back to anything.
        ({"LEAD_SCORING_SAMPLE_DATA": "true"}, {RAW_DIR_TAG: ""}, f"The run tag {RAW_DIR_TAG} is set but blank"),
        ({}, {SAMPLE_DATA_TAG: "false"}, "LEAD_SCORING_RAW_DIR is not set"),
    ],
    ids=["unset", "blank", "missing-folder", "blank-tag", "sample-tag-false"],
)
def test_the_scheduled_run_fails_at_the_raw_step_with_the_message(tmp_path, monkeypatch, variables, tags, message):
    for name in [k for k in os.environ if k.startswith("LEAD_SCORING_") and k != "LEAD_SCORING_BI_HASH_KEY_FILE"]:
        monkeypatch.delenv(name)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    published = _published_before(tmp_path)
    result = _daily_job(tmp_path, monkeypatch, tags)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_key == "raw_tables"
    assert failure.step_failure_data.user_failure_data.description.startswith(message)
    # The scoring rules were checked first (orchestration/assets/rules.py); dbt and publication never ran.
    assert [e.step_key for e in result.all_events if e.is_step_start] == ["rules__scoring_rules", "raw_tables"]
    assert [e.asset_key.to_user_string() for e in result.get_asset_materialization_events()] == ["rules/scoring_rules"]
    _nothing_generated_or_published(tmp_path, published)


def test_load_sample_generates_and_loads_sample_data(tmp_path):
    result = cli(tmp_path, "load", "--sample", **SMALL_SAMPLE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Raw data: sample data (asked for by" in result.stdout
    assert (tmp_path / "wh" / "sample_raw" / "leads").is_dir()
    assert query(tmp_path / "wh" / "lead_scoring.duckdb", "select count(*) from raw.leads") == [(300,)]


@pytest.mark.slow  # a whole demo run (minutes)
def test_demo_scores_and_publishes_generated_sample_data(tmp_path):
    result = cli(tmp_path, "demo", **SMALL_SAMPLE)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.startswith("Raw data: sample data (asked for by lead_scoring/sample_data or LEAD_SCORING_SAMPLE_DATA), "
                                    f"generated by each run into {tmp_path / 'wh' / 'sample_raw'} (leads=300, days=120, seed=3, end={SAMPLE_END})")
    assert "Daily job succeeded" in result.stdout
    warehouse, bi_file = tmp_path / "wh" / "lead_scoring.duckdb", tmp_path / "wh" / "bi.duckdb"
    assert query(warehouse, "select count(*) from raw.leads") == [(300,)]
    assert query(bi_file, "select count(*) from marts.dim_leads") == [(300,)]


def test_a_raw_folder_comes_before_a_sample_data_request(tmp_path, sample_raw_dir):
    # What `LEAD_SCORING_RAW_DIR=... make demo` loads; runs on a folder are tests/integration/test_dagster.py's.
    result = cli(tmp_path, "raw-source", LEAD_SCORING_RAW_DIR=str(sample_raw_dir), LEAD_SCORING_SAMPLE_DATA="true")
    assert result.returncode == 0 and result.stdout == f"Raw data: folder {sample_raw_dir}\n"


def test_a_crm_source_loads_no_files_and_names_its_schema(monkeypatch):
    """LEAD_SCORING_SOURCE=hubspot: without sample data the run reads the connector's tables (no
    folder); with it, the sample is generated and written in HubSpot's shape."""
    from lead_scoring import run_options

    monkeypatch.delenv("LEAD_SCORING_RAW_DIR", raising=False)
    monkeypatch.delenv("LEAD_SCORING_SAMPLE_DATA", raising=False)
    monkeypatch.setenv("LEAD_SCORING_SOURCE", " HubSpot ")
    landed = run_options.raw_source({})
    assert (landed.folder, landed.sample, landed.crm) == (None, None, "hubspot")
    assert landed.describe() == ("the hubspot tables a connector landed in the warehouse schema hubspot "
                                 "(LEAD_SCORING_SOURCE=hubspot); no files are loaded")
    assert landed.prepare(print) is None
    sample = run_options.raw_source({SAMPLE_DATA_TAG: "true"})
    assert sample.crm == "hubspot" and sample.sample is not None
    assert sample.describe().endswith("written as hubspot tables into the warehouse schema hubspot as a connector would land them")
