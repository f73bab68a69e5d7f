"""The Dagster code location: `dagster dev -m orchestration.definitions`."""

from __future__ import annotations

import dagster as dg

from orchestration.alerts import run_failure_alert
from orchestration.assets.activation import activation_deliveries
from orchestration.assets.bi import bi_file
from orchestration.assets.dbt import lead_scoring_dbt_assets
from orchestration.assets.raw import ingestion_assets
from orchestration.assets.rules import scoring_rules
from orchestration.checks import custom_checks
from orchestration.jobs import daily_lead_scoring_job, daily_schedule, weekly_data_tests_job, weekly_tests_schedule
from orchestration.loggers import step_start_logger
from orchestration.resources import build_resources
from orchestration.sensors import new_raw_files_sensor


def build_definitions() -> dg.Definitions:
    """Definitions for the current environment (warehouse path, schedule hour and timezone)."""
    return dg.Definitions(
        assets=[scoring_rules, ingestion_assets(), lead_scoring_dbt_assets, bi_file, activation_deliveries],
        asset_checks=custom_checks(set(lead_scoring_dbt_assets.keys)),
        jobs=[daily_lead_scoring_job, weekly_data_tests_job()],
        schedules=[daily_schedule(), weekly_tests_schedule()],
        sensors=[new_raw_files_sensor, run_failure_alert],
        resources=build_resources(),
        # Dagster's own console logger, the default of every run that names no logger (the UI, the
        # schedule), and the command line's progress, which only its runs name (lead_scoring/cli.py).
        loggers={"console": dg.colored_console_logger, "progress": step_start_logger()},
    )


defs = build_definitions()
