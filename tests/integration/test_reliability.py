"""Messy reality end to end: re-runs change nothing, late and corrected data are scored as if on
time, and a dbt build killed mid-way is followed by a normal one (killed Dagster runs:
tests/integration/test_killed_runs.py)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from helpers import PROJECT_DIR, SAMPLE_END, dbt, load, mart_tables, query

VARS = ["--vars", f"{{scoring_as_of_date: '{SAMPLE_END.isoformat()}'}}"]


def dbt_build(db: Path, *extra: str) -> subprocess.CompletedProcess:
    return dbt(["build", "--target-path", str(db.parent / "target"), *VARS, "--exclude", "resource_type:unit_test", *extra], db)


@pytest.fixture()
def warehouse(tmp_path, sample_raw_dir) -> tuple[Path, Path]:
    """A built warehouse and a private copy of the landing folder it was loaded from."""
    landing = tmp_path / "landing"
    shutil.copytree(sample_raw_dir, landing)
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    db.parent.mkdir()
    load(db, landing)
    result = dbt_build(db)
    assert result.returncode == 0, result.stdout[-3000:]
    return db, landing


def test_loading_the_same_files_again_and_rerunning_the_day_changes_no_mart(warehouse):
    db, landing = warehouse
    before = mart_tables(db)
    # Every mart has rows, but the rule changes: one rule version so far, nothing changed.
    assert len(before) >= 6 and all(rows for name, rows in before.items() if name != "mart_scoring_rule_changes")
    load(db, landing)  # every file unchanged: nothing is loaded
    assert query(db, "select count(*) from raw.load_log where status = 'unchanged'") == [(0,)]
    assert dbt_build(db).returncode == 0
    assert mart_tables(db) == before


def test_a_late_event_of_any_age_is_scored_as_if_on_time_and_a_corrected_lead_is_rescored(warehouse):
    db, landing = warehouse
    lead_id, created_at = query(db, """
        select lead_id, created_at from staging.stg_raw__leads
        where company_size between 11 and 100 and lead_id not in (select lead_id from staging.stg_raw__events where event_type = 'page_view' and page_url like '/pricing%')
        order by lead_id limit 1""")[0]
    late_day = (created_at + pd.Timedelta(days=1)).date()
    fit_before = query(db, f"select fit_score from marts.mart_lead_scores_current where model_id = 'hybrid_v1' and lead_id = '{lead_id}'")[0][0]

    # A pricing visit that happened 1 day after creation, delivered months later in a new file.
    late = pd.DataFrame([{"event_id": "E_LATE_1", "lead_id": lead_id, "event_type": "page_view",
                          "occurred_at": f"{late_day}T12:00:00Z", "source_system": "web",
                          "properties": '{"page_url": "/pricing"}', "received_at": f"{SAMPLE_END}T06:00:00Z"}])
    late.to_parquet(landing / "events" / "late-delivery.parquet", index=False)
    # A later lead export corrects the company size: 11-100 employees -> 250 (mid-market, +15 fit).
    lead = duckdb.connect(str(db), read_only=True).execute(f"select * exclude (_source_file, _source_line, _load_id) from raw.leads where lead_id = '{lead_id}'").df()
    lead["company_size"] = 250
    lead["updated_at"] = pd.Timestamp(f"{SAMPLE_END}T05:00:00Z")
    lead.to_parquet(landing / "leads" / "correction.parquet", index=False)

    load(db, landing)
    assert query(db, "select file_path, status from raw.load_log where status != 'unchanged' and file_path like '%late%' or file_path like '%correction%' order by 1") == [
        ("events/late-delivery.parquet", "loaded"), ("leads/correction.parquet", "loaded")]
    assert dbt_build(db).returncode == 0

    history = query(db, f"select score_date, engagement_score from marts.fct_lead_scores where model_id = 'hybrid_v1' and lead_id = '{lead_id}' and score_date = '{late_day}'")
    assert history and history[0][1] >= 20.0 - 1e-9, history  # the +20 counted on its own day
    fit_after = query(db, f"select fit_score from marts.mart_lead_scores_current where model_id = 'hybrid_v1' and lead_id = '{lead_id}'")[0][0]
    assert fit_after == fit_before + 15.0
    # And exactly as a full rebuild would have it.
    incremental = mart_tables(db)
    assert dbt_build(db, "--full-refresh").returncode == 0
    assert mart_tables(db) == incremental


def test_events_that_arrive_a_day_before_their_lead_reach_the_marts_with_it(warehouse):
    db, landing = warehouse
    # Day 1: the web tool delivers a pricing visit and a contact form of a lead the CRM has not
    # synced yet. They wait (pending) and the day's build goes through without them.
    day = SAMPLE_END - dt.timedelta(days=2)
    events = pd.DataFrame([
        {"event_id": "E_EARLY_1", "lead_id": "L_EARLY", "event_type": "page_view", "occurred_at": f"{day}T09:00:00Z",
         "source_system": "web", "properties": '{"page_url": "/pricing"}'},
        {"event_id": "E_EARLY_2", "lead_id": "L_EARLY", "event_type": "form_submit", "occurred_at": f"{day}T09:05:00Z",
         "source_system": "form", "properties": '{"form_id": "contact"}'},
    ])
    events.to_parquet(landing / "events" / "web-day-1.parquet", index=False)
    load(db, landing)
    assert query(db, "select status, count(*) from raw.load_rejects where file_path = 'events/web-day-1.parquet' group by 1") == [("pending", 2)]
    assert dbt_build(db).returncode == 0
    assert query(db, "select count(*) from staging.stg_raw__events where lead_id = 'L_EARLY'") == [(0,)]

    # Day 2: the CRM syncs the lead. The waiting events load and count on the day they happened.
    con = duckdb.connect(str(db), read_only=True)
    lead = con.execute("select * exclude (_source_file, _source_line, _load_id) from raw.leads order by lead_id limit 1").df()
    con.close()
    lead["lead_id"], lead["email"] = "L_EARLY", "early@example.com"
    lead["created_at"] = lead["updated_at"] = pd.Timestamp(f"{day}T08:00:00Z")
    lead.to_parquet(landing / "leads" / "crm-day-2.parquet", index=False)
    load(db, landing)
    assert query(db, "select count(*) from raw.load_rejects where file_path = 'events/web-day-1.parquet'") == [(0,)]
    assert query(db, "select rows_accepted from raw.load_log where status = 'retried' and file_path = 'events/web-day-1.parquet'") == [(2,)]
    assert dbt_build(db).returncode == 0
    assert query(db, f"""select score_date, engagement_score from marts.fct_lead_scores
                         where model_id = 'hybrid_v1' and lead_id = 'L_EARLY' and score_date = '{day}'""") == [(day, 45.0)]  # pricing page +20, contact form +25, on their own day
    # And exactly as a build that had the lead from the start.
    incremental = mart_tables(db)
    assert dbt_build(db, "--full-refresh").returncode == 0
    assert mart_tables(db) == incremental


def test_a_run_killed_during_the_dbt_step_is_followed_by_a_normal_run(warehouse):
    db, landing = warehouse
    before = mart_tables(db)
    env = {**os.environ, "LEAD_SCORING_DB": str(db), "DBT_PROFILES_DIR": str(PROJECT_DIR)}
    exe = Path(sys.executable).parent / "dbt"
    process = subprocess.Popen([str(exe), "build", "--full-refresh", "--project-dir", str(PROJECT_DIR), "--target-path", str(db.parent / "target"), *VARS],
                               env=env, cwd=PROJECT_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    # Kill it once it is building the scoring models, i.e. well inside the run.
    deadline = time.time() + 120
    for line in process.stdout:
        if "int_lead_engagement_rule_states" in line and "START" in line or time.time() > deadline:
            break
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL

    after_crash = dbt_build(db)
    assert after_crash.returncode == 0, after_crash.stdout[-3000:]
    assert mart_tables(db) == before
