"""Options of one pipeline run: run tags first, then environment variables, then defaults.

Run tags can be set per run (UI Launchpad, `dagster job execute --tags`, the landing-folder
sensor); environment variables apply to every run of a process (`make run`, `make dev`).

lead_scoring/as_of_date   LEAD_SCORING_AS_OF_DATE   YYYY-MM-DD: the day the run stands for. The
                          freshness check measures against the end of that day instead of the
                          clock, and dbt gets it as the var `scoring_as_of_date`. For replaying an
                          old export; unset for the daily run. Without it, a set
                          LEAD_SCORING_SAMPLE_END_DATE is the freshness check's day.
lead_scoring/full_refresh                           "true": `dbt build --full-refresh`, rebuilding
                          incremental models from the whole raw history.
lead_scoring/raw_dir      LEAD_SCORING_RAW_DIR      folder of raw files to load (the sensor sets it
                          to the landing folder it watched).
                          LEAD_SCORING_FRESHNESS_HOURS  hours without a new event after which the
                          freshness check fails (default 36).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path

from orchestration import settings

AS_OF_DATE_TAG = "lead_scoring/as_of_date"
FULL_REFRESH_TAG = "lead_scoring/full_refresh"
RAW_DIR_TAG = "lead_scoring/raw_dir"
TRIGGER_TAG = "lead_scoring/trigger"

DEFAULT_FRESHNESS_HOURS = 36.0


def as_of_date(tags: Mapping[str, str]) -> dt.date | None:
    value = tags.get(AS_OF_DATE_TAG) or os.environ.get("LEAD_SCORING_AS_OF_DATE")
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"as-of date must be YYYY-MM-DD, got {value!r}") from exc


def reference_time(tags: Mapping[str, str]) -> dt.datetime:
    """'Now' for the freshness check: the end of the as-of day when one is set, else the end of
    LEAD_SCORING_SAMPLE_END_DATE (simulated data ending on a fixed day has no wall clock), else
    the wall clock (UTC)."""
    day = as_of_date(tags)
    if day is None and os.environ.get("LEAD_SCORING_SAMPLE_END_DATE"):
        day = dt.date.fromisoformat(os.environ["LEAD_SCORING_SAMPLE_END_DATE"])
    if day is None:
        return dt.datetime.now(dt.timezone.utc)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc) + dt.timedelta(days=1)


def full_refresh(tags: Mapping[str, str]) -> bool:
    return tags.get(FULL_REFRESH_TAG, "").strip().lower() in {"1", "true", "yes"}


def raw_dir(tags: Mapping[str, str]) -> Path | None:
    value = tags.get(RAW_DIR_TAG)
    return Path(value).expanduser().resolve() if value else settings.raw_dir()


def freshness_max_age_hours() -> float:
    return float(os.environ.get("LEAD_SCORING_FRESHNESS_HOURS", DEFAULT_FRESHNESS_HOURS))
