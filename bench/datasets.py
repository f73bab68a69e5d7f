"""Benchmark data: the project's own generator at a given number of leads (yesterday's export is
lead_scoring.sample_data.split_export)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb

from lead_scoring.warehouse import scalar, sql_string


def generate(raw: Path, leads: int, end_date: dt.date) -> int:
    """Deterministic sample data (365 days up to end_date, seed 42); returns the number of events.
    Written to a side folder first, so an interrupted run never leaves half a data set."""
    from lead_scoring.sample_data import generate as generate_sample

    tmp = raw.with_name(raw.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    counts = generate_sample(tmp, n_leads=leads, days=365, seed=42, end_date=end_date)
    tmp.rename(raw)
    return counts["events"]


def count_events(raw: Path) -> int:
    with duckdb.connect() as con:
        return scalar(con, f"select count(*) from read_parquet({sql_string(raw / 'events' / '*.parquet')})")
