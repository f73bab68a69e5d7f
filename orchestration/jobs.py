"""The daily job and its schedule."""

from __future__ import annotations

import os

import dagster as dg

DAILY_JOB_NAME = "daily_lead_scoring"

daily_lead_scoring_job = dg.define_asset_job(
    name=DAILY_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Load raw data, then build and test every dbt seed, model and snapshot, and run the custom checks.",
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
