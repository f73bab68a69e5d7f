"""The Dagster code location: `dagster dev -m orchestration.definitions`."""

from __future__ import annotations

import dagster as dg

from orchestration.assets.dbt import lead_scoring_dbt_assets
from orchestration.assets.raw import raw_tables
from orchestration.jobs import daily_lead_scoring_job, daily_schedule
from orchestration.resources import build_resources

defs = dg.Definitions(
    assets=[raw_tables, lead_scoring_dbt_assets],
    jobs=[daily_lead_scoring_job],
    schedules=[daily_schedule()],
    resources=build_resources(),
)
