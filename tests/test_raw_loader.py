"""The raw loader: CSV and Parquet folders, the contract's typed nulls, and clear errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.raw_loader import RawDataError, load_contract, load_raw_folder

LEADS = pd.DataFrame(
    {
        "lead_id": ["L1", "L2"],
        "email": ["Anna@Example.com", "bob@acme.io"],
        "company_size": [250, 12],
        "created_at": ["2026-01-05T10:00:00+01:00", "2026-01-07T08:00:00Z"],
        "surplus_column": ["ignored", "ignored"],
    }
)
EVENTS = pd.DataFrame(
    {
        "event_id": ["E1", "E2", "E3"],
        "lead_id": ["L1", "L1", "L2"],
        "event_type": ["page_view", "content_download", "email_open"],
        "occurred_at": ["2026-01-06T10:00:00Z", "2026-01-06T11:00:00Z", "2026-01-08T09:30:00Z"],
        "properties": ['{"page_url": "/pricing"}', '{"content_type": "whitepaper"}', '{"newsletter": "general"}'],
    }
)
OPPORTUNITIES = pd.DataFrame(
    {
        "opportunity_id": ["O1"],
        "lead_id": ["L1"],
        "created_at": ["2026-01-20T10:00:00Z"],
        "stage": ["closed_won"],
        "amount": [25000.0],
        "is_won": ["true"],
    }
)
TABLES = {"leads": LEADS, "events": EVENTS, "opportunities": OPPORTUNITIES}


def write_folder(folder: Path, fmt: str, tables: dict[str, pd.DataFrame] = TABLES, layout: str = "subfolder") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        if layout == "subfolder":
            (folder / name).mkdir(exist_ok=True)
            path = folder / name / f"part-00000.{fmt}"
        else:
            path = folder / f"{name}.{fmt}"
        frame.to_csv(path, index=False) if fmt == "csv" else frame.to_parquet(path, index=False)
    return folder


def load(folder: Path, db: Path) -> tuple[dict[str, int], duckdb.DuckDBPyConnection]:
    db.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db))
    return load_raw_folder(con, folder), con


@pytest.mark.parametrize("fmt,layout", [("csv", "subfolder"), ("parquet", "subfolder"), ("csv", "single_file"), ("parquet", "single_file")])
def test_loads_csv_and_parquet_folders_into_the_contract(tmp_path, fmt, layout):
    counts, con = load(write_folder(tmp_path / "raw", fmt, layout=layout), tmp_path / "lead_scoring.duckdb")
    assert counts == {"leads": 2, "events": 3, "opportunities": 1}

    contract = load_contract()
    for table, columns in contract.items():
        loaded = [r[0] for r in con.execute(f"select column_name from information_schema.columns where table_schema='raw' and table_name='{table}' order by ordinal_position").fetchall()]
        assert loaded == [c.name for c in columns], table  # contract order; surplus_column dropped

    # Offsets are converted: 10:00 at +01:00 is 09:00 UTC.
    created = con.execute("select created_at from raw.leads where lead_id = 'L1'").fetchall()[0][0]
    assert created == dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.timezone.utc)
    # Missing optional columns become typed nulls.
    row = con.execute("select first_name, updated_at, typeof(company_size) from raw.leads where lead_id = 'L2'").fetchall()[0]
    assert row == (None, None, "INTEGER")
    assert con.execute("select received_at is null, source_system is null from raw.events where event_id = 'E1'").fetchall() == [(True, True)]
    assert con.execute("select is_won, amount from raw.opportunities").fetchall() == [(True, 25000.0)]


def test_csv_and_parquet_give_identical_raw_tables(tmp_path):
    _, csv_con = load(write_folder(tmp_path / "csv", "csv"), tmp_path / "a" / "lead_scoring.duckdb")
    _, pq_con = load(write_folder(tmp_path / "pq", "parquet"), tmp_path / "b" / "lead_scoring.duckdb")
    for table in TABLES:
        assert csv_con.execute(f"select * from raw.{table} order by 1").fetchall() == pq_con.execute(f"select * from raw.{table} order by 1").fetchall()


def test_missing_required_column_names_file_and_column_and_keeps_previous_data(tmp_path):
    db = tmp_path / "lead_scoring.duckdb"
    counts, con = load(write_folder(tmp_path / "good", "csv"), db)
    con.close()

    broken = dict(TABLES, events=EVENTS.drop(columns=["occurred_at"]))
    bad_folder = write_folder(tmp_path / "bad", "csv", broken)
    con = duckdb.connect(str(db))
    with pytest.raises(RawDataError) as err:
        load_raw_folder(con, bad_folder)
    message = str(err.value)
    assert "occurred_at" in message and "events" in message and str(bad_folder / "events" / "part-00000.csv") in message
    # Nothing was half-loaded: the previous raw tables are intact.
    assert con.execute("select count(*) from raw.events").fetchall() == [(3,)]
    assert con.execute("select count(*) from raw.leads").fetchall() == [(2,)]


def test_value_that_does_not_fit_the_contract_fails_the_whole_load(tmp_path):
    db = tmp_path / "lead_scoring.duckdb"
    _, con = load(write_folder(tmp_path / "good", "csv"), db)
    con.close()
    broken = dict(TABLES, leads=LEADS.assign(company_size=["250", "about twelve"]))
    con = duckdb.connect(str(db))
    with pytest.raises(RawDataError, match="leads"):
        load_raw_folder(con, write_folder(tmp_path / "bad", "csv", broken))
    assert con.execute("select company_size from raw.leads order by lead_id").fetchall() == [(250,), (12,)]


def test_missing_table_is_reported(tmp_path):
    folder = write_folder(tmp_path / "raw", "csv", {"leads": LEADS, "events": EVENTS})
    con = duckdb.connect(str(tmp_path / "lead_scoring.duckdb"))
    with pytest.raises(RawDataError, match="opportunities"):
        load_raw_folder(con, folder)
