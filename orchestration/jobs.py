"""The daily job and its schedule; the weekly run of every data test and its schedule."""

from __future__ import annotations

import os

import dagster as dg

DAILY_JOB_NAME = "daily_lead_scoring"
WEEKLY_TESTS_JOB_NAME = "weekly_data_tests"

daily_lead_scoring_job = dg.define_asset_job(
    name=DAILY_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Load raw data, then build every dbt seed, model and snapshot, test the rows this run "
    "wrote (tests on lead-grain models check the leads it rescored), and run the custom checks.",
    # Every step opens the warehouse and waits for the one slot of the `duckdb` pool, so steps
    # run one after another anyway; in one process they skip a code load per step.
    executor_def=dg.in_process_executor,
)


def daily_schedule() -> dg.ScheduleDefinition:
    """Runs every day at LEAD_SCORING_SCHEDULE_HOUR (default 6) in LEAD_SCORING_TIMEZONE (default UTC)."""
    hour = int(os.environ.get("LEAD_SCORING_SCHEDULE_HOUR", "6"))
    if not 0 <= hour <= 23:
        raise ValueError(f"LEAD_SCORING_SCHEDULE_HOUR must be 0-23, got {hour}")
    return dg.ScheduleDefinition(
        name="daily_lead_scoring_schedule",
        job=daily_lead_scoring_job,
        cron_schedule=f"0 {hour} * * *",
        execution_timezone=os.environ.get("LEAD_SCORING_TIMEZONE", "UTC"),
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )


def weekly_data_tests_job() -> dg.UnresolvedAssetJobDefinition:
    """Only the dbt tests, as the asset checks of the dbt assets: the dbt step runs `dbt test` of
    every data test over whole tables (orchestration/assets/dbt.py), and nothing is rebuilt."""
    # Imported here: the dbt assets read dbt's manifest, which importing this module (for the job
    # names, the daily job, the sensor) must not need.
    from orchestration.assets.dbt import lead_scoring_dbt_assets

    return dg.define_asset_job(
        name=WEEKLY_TESTS_JOB_NAME,
        selection=dg.AssetSelection.checks(*lead_scoring_dbt_assets.check_keys),
        description="Every dbt data test over whole tables (`dbt test`), for what the daily runs only "
        "tested in part; nothing is rebuilt.",
        executor_def=dg.in_process_executor,
    )


def weekly_tests_schedule() -> dg.ScheduleDefinition:
    """Runs every Sunday at 03:00 UTC, before the daily runs of a schedule hour of 3 or later."""
    return dg.ScheduleDefinition(
        name="weekly_data_tests_schedule",
        job_name=WEEKLY_TESTS_JOB_NAME,
        cron_schedule="0 3 * * 0",
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
