"""Landing ingestion: CSV, Parquet and JSON-lines folders, the load log, quarantined rows with
their reasons, and files that fail as a whole."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.raw_loader import RawDataError, load_contract, load_landing_folder, load_raw_folder

NOW = dt.datetime(2026, 2, 1, 12, 0, tzinfo=dt.timezone.utc)
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
WRITERS = {
    "csv": lambda frame, path: frame.to_csv(path, index=False),
    "parquet": lambda frame, path: frame.to_parquet(path, index=False),
    "jsonl": lambda frame, path: frame.to_json(path, orient="records", lines=True),
}


def write_folder(folder: Path, fmt: str = "csv", tables: dict[str, pd.DataFrame] = TABLES, layout: str = "subfolder") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        if layout == "subfolder":
            (folder / name).mkdir(exist_ok=True)
            path = folder / name / f"part-00000.{fmt}"
        else:
            path = folder / f"{name}.{fmt}"
        WRITERS[fmt](frame, path)
    return folder


def connect(db: Path) -> duckdb.DuckDBPyConnection:
    db.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(db))


def contract_rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    columns = ", ".join(f'"{c.name}"' for c in load_contract()[table])
    return con.execute(f"select {columns} from raw.{table} order by 1").fetchall()


def rejects(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("select table_name, file_path, line_number, column_name, reason from raw.load_rejects order by table_name, line_number").fetchall()


@pytest.mark.parametrize("fmt,layout", [("csv", "subfolder"), ("parquet", "subfolder"), ("jsonl", "subfolder"), ("csv", "single_file"), ("parquet", "single_file")])
def test_loads_csv_parquet_and_json_lines_folders_into_the_contract(tmp_path, fmt, layout):
    con = connect(tmp_path / "lead_scoring.duckdb")
    counts = load_raw_folder(con, write_folder(tmp_path / "raw", fmt, layout=layout), now=NOW)
    assert counts == {"leads": 2, "events": 3, "opportunities": 1}

    for table, columns in load_contract().items():
        loaded = [r[0] for r in con.execute(f"select column_name from information_schema.columns where table_schema='raw' and table_name='{table}' order by ordinal_position").fetchall()]
        # Contract order, then where each row came from; surplus_column is not kept.
        assert loaded == [c.name for c in columns] + ["_source_file", "_source_line", "_load_id"], table

    # Offsets are converted: 10:00 at +01:00 is 09:00 UTC.
    created = con.execute("select created_at from raw.leads where lead_id = 'L1'").fetchall()[0][0]
    assert created == dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.timezone.utc)
    # Missing optional columns become typed nulls.
    row = con.execute("select first_name, updated_at, typeof(company_size) from raw.leads where lead_id = 'L2'").fetchall()[0]
    assert row == (None, None, "INTEGER")
    assert con.execute("select received_at is null, source_system is null from raw.events where event_id = 'E1'").fetchall() == [(True, True)]
    assert con.execute("select is_won, amount from raw.opportunities").fetchall() == [(True, 25000.0)]
    assert rejects(con) == []


def test_csv_parquet_and_json_lines_give_identical_raw_tables(tmp_path):
    loaded = {}
    for fmt in WRITERS:
        con = connect(tmp_path / fmt / "lead_scoring.duckdb")
        load_raw_folder(con, write_folder(tmp_path / f"raw_{fmt}", fmt), now=NOW)
        loaded[fmt] = {table: contract_rows(con, table) for table in TABLES}
    assert loaded["csv"] == loaded["parquet"] == loaded["jsonl"]


def test_load_log_records_each_file_once_and_skips_unchanged_files(tmp_path):
    con = connect(tmp_path / "lead_scoring.duckdb")
    folder = write_folder(tmp_path / "raw")
    first = load_landing_folder(con, folder, now=NOW)
    assert sorted((f.path, f.status, f.rows_in, f.rows_accepted, f.rows_rejected) for f in first.files) == [
        ("events/part-00000.csv", "loaded", 3, 3, 0),
        ("leads/part-00000.csv", "loaded", 2, 2, 0),
        ("opportunities/part-00000.csv", "loaded", 1, 1, 0),
    ]
    log = con.execute("select file_path, size_bytes, length(checksum), status from raw.load_log order by file_path").fetchall()
    assert [(p, s) for p, _, _, s in log] == [("events/part-00000.csv", "loaded"), ("leads/part-00000.csv", "loaded"), ("opportunities/part-00000.csv", "loaded")]
    assert all(size == (folder / p).stat().st_size and digest_len == 64 for p, size, digest_len, _ in log)

    again = load_landing_folder(con, folder, now=NOW)
    assert {f.status for f in again.files} == {"unchanged"}
    assert con.execute("select count(*) from raw.load_log").fetchall() == [(3,)]
    assert con.execute("select count(*) from raw.events").fetchall() == [(3,)]


def test_a_changed_file_with_the_same_name_is_reloaded_and_reported(tmp_path):
    con = connect(tmp_path / "lead_scoring.duckdb")
    folder = write_folder(tmp_path / "raw")
    load_raw_folder(con, folder, now=NOW)
    updated = LEADS.assign(company_size=[260, 12], updated_at=["2026-01-25T00:00:00Z", None])
    write_folder(folder, "csv", {"leads": updated})

    report = load_landing_folder(con, folder, now=NOW)
    (changed,) = report.for_status("reloaded_changed")
    assert changed.path == "leads/part-00000.csv" and "changed" in changed.message
    # The file's earlier rows were replaced, not duplicated.
    assert con.execute("select lead_id, company_size from raw.leads order by lead_id").fetchall() == [("L1", 260), ("L2", 12)]


def test_an_event_id_is_loaded_once_across_files_and_a_changed_file_keeps_its_own_ids(tmp_path):
    con = connect(tmp_path / "lead_scoring.duckdb")
    folder = write_folder(tmp_path / "raw")
    # A second file of the same load repeats E3 (loaded from part-00000 a moment before) and adds E4.
    later = EVENTS.iloc[[2]].assign(occurred_at="2026-01-09T09:30:00Z")
    later = pd.concat([later, EVENTS.iloc[[0]].assign(event_id="E4")], ignore_index=True)
    later.to_csv(folder / "events" / "part-00001.csv", index=False)
    load_raw_folder(con, folder, now=NOW)
    assert rejects(con) == [("events", "events/part-00001.csv", 2, "event_id", "duplicate event_id")]

    # part-00000 changes: its own ids E1-E3 replace its earlier rows and are no duplicates; E4
    # (added to it now) is, because part-00001 loaded it first.
    changed = pd.concat([EVENTS.assign(source_system="crm"), EVENTS.iloc[[0]].assign(event_id="E4")], ignore_index=True)
    changed.to_csv(folder / "events" / "part-00000.csv", index=False)
    report = load_landing_folder(con, folder, now=NOW)
    assert [(f.path, f.status, f.rows_accepted, f.rows_rejected) for f in report.files if f.table == "events"] == [
        ("events/part-00000.csv", "reloaded_changed", 3, 1), ("events/part-00001.csv", "unchanged", 0, 0)]
    assert con.execute("select event_id, _source_file, source_system from raw.events order by event_id").fetchall() == [
        ("E1", "events/part-00000.csv", "crm"), ("E2", "events/part-00000.csv", "crm"), ("E3", "events/part-00000.csv", "crm"),
        ("E4", "events/part-00001.csv", None)]
    assert rejects(con) == [("events", "events/part-00001.csv", 2, "event_id", "duplicate event_id"),
                            ("events", "events/part-00000.csv", 5, "event_id", "duplicate event_id")]


def test_a_lead_updated_in_a_later_export_is_kept_next_to_its_earlier_version(tmp_path):
    # Staging keeps the version with the latest updated_at (tested in dbt), so raw keeps both.
    con = connect(tmp_path / "lead_scoring.duckdb")
    load_raw_folder(con, write_folder(tmp_path / "raw"), now=NOW)
    later = pd.DataFrame({"lead_id": ["L1"], "company_size": [900], "created_at": ["2026-01-05T09:00:00Z"], "updated_at": ["2026-01-30T00:00:00Z"]})
    (tmp_path / "raw" / "leads" / "part-00001.csv").write_text(later.to_csv(index=False))
    load_raw_folder(con, tmp_path / "raw", now=NOW)
    assert con.execute("select company_size, _source_file from raw.leads where lead_id = 'L1' order by company_size").fetchall() == [
        (250, "leads/part-00000.csv"), (900, "leads/part-00001.csv")]


# Each bad-input class: (table, bad row, expected (column, reason)). The bad row is appended to the
# otherwise valid files, so it is on CSV line 4 of events (header + 3 rows), 3 of leads, 2 of opps.
BAD_INPUTS = {
    "missing id": ("events", {"event_id": "", "lead_id": "L1", "event_type": "page_view", "occurred_at": "2026-01-09T10:00:00Z"}, ("event_id", "missing event_id")),
    "unparseable timestamp": ("events", {"event_id": "E9", "lead_id": "L1", "event_type": "page_view", "occurred_at": "yesterday at noon"}, ("occurred_at", "unparseable timestamp in occurred_at")),
    "future timestamp": ("events", {"event_id": "E9", "lead_id": "L1", "event_type": "page_view", "occurred_at": "2026-03-01T10:00:00Z"}, ("occurred_at", "occurred_at is in the future")),
    "unknown lead id": ("events", {"event_id": "E9", "lead_id": "L404", "event_type": "page_view", "occurred_at": "2026-01-09T10:00:00Z"}, ("lead_id", "unknown lead_id")),
    "duplicate event id": ("events", {"event_id": "E2", "lead_id": "L1", "event_type": "page_view", "occurred_at": "2026-01-09T10:00:00Z"}, ("event_id", "duplicate event_id")),
    "unknown event type": ("events", {"event_id": "E9", "lead_id": "L1", "event_type": "webinar_watched", "occurred_at": "2026-01-09T10:00:00Z"}, ("event_type", "unknown event_type")),
    "negative amount": ("opportunities", {"opportunity_id": "O2", "lead_id": "L2", "created_at": "2026-01-21T10:00:00Z", "stage": "discovery", "amount": -5.0}, ("amount", "negative amount")),
    "invalid email": ("leads", {"lead_id": "L3", "email": "not-an-address", "company_size": 40, "created_at": "2026-01-10T10:00:00Z"}, ("email", "invalid email")),
    "not a number": ("leads", {"lead_id": "L3", "email": "c@d.io", "company_size": "about twelve", "created_at": "2026-01-10T10:00:00Z"}, ("company_size", "company_size is not a valid integer")),
}
BAD_LINES = {"events": 5, "leads": 4, "opportunities": 3}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_rows_are_quarantined_with_file_line_column_and_reason(tmp_path, case):
    table, row, (column, reason) = BAD_INPUTS[case]
    tables = dict(TABLES)
    tables[table] = pd.concat([TABLES[table].astype(object), pd.DataFrame([row]).astype(object)], ignore_index=True)
    con = connect(tmp_path / "lead_scoring.duckdb")
    report = load_landing_folder(con, write_folder(tmp_path / "raw", "csv", tables), now=NOW)

    file_path = f"{table}/part-00000.csv"
    assert rejects(con) == [(table, file_path, BAD_LINES[table], column, reason)]
    record = json.loads(con.execute("select record from raw.load_rejects").fetchall()[0][0])
    assert record[column] in (None, "") or str(record[column]) == str(row[column]).strip()
    # Nothing is lost: rows in = accepted + rejected, per file and in the tables.
    rows_in, accepted, rejected = report.totals(table)
    assert (rows_in, accepted, rejected) == (len(tables[table]), len(tables[table]) - 1, 1)
    assert con.execute(f"select count(*) from raw.{table}").fetchall()[0][0] == accepted


def test_missing_required_column_fails_only_that_file_and_names_file_and_column(tmp_path):
    con = connect(tmp_path / "lead_scoring.duckdb")
    load_raw_folder(con, write_folder(tmp_path / "raw"), now=NOW)

    write_folder(tmp_path / "raw", "csv", {"events": EVENTS.drop(columns=["occurred_at"])})
    with pytest.raises(RawDataError) as err:
        load_raw_folder(con, tmp_path / "raw", now=NOW + dt.timedelta(hours=1))
    message = str(err.value)
    assert "events/part-00000.csv" in message and "required column 'occurred_at'" in message
    # Nothing of the bad file was loaded: the earlier version of its rows is still there.
    assert con.execute("select count(*) from raw.events").fetchall() == [(3,)]
    status = con.execute("select status, message from raw.load_log where file_path = 'events/part-00000.csv' order by loaded_at").fetchall()
    assert [s for s, _ in status] == ["loaded", "failed"] and "occurred_at" in status[-1][1]


def test_an_unreadable_file_fails_with_its_name_and_the_other_files_load(tmp_path):
    con = connect(tmp_path / "lead_scoring.duckdb")
    folder = write_folder(tmp_path / "raw", "parquet")
    (folder / "events" / "part-00001.parquet").write_bytes(b"this is not parquet")
    with pytest.raises(RawDataError, match=r"events/part-00001.parquet: Cannot read"):
        load_raw_folder(con, folder, now=NOW)
    assert con.execute("select count(*) from raw.events").fetchall() == [(3,)]
    assert con.execute("select count(*) from raw.leads").fetchall() == [(2,)]


def test_missing_table_is_reported(tmp_path):
    folder = write_folder(tmp_path / "raw", "csv", {"leads": LEADS, "events": EVENTS})
    with pytest.raises(RawDataError, match="opportunities"):
        load_raw_folder(connect(tmp_path / "lead_scoring.duckdb"), folder, now=NOW)
