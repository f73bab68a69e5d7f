"""Landing ingestion: CSV, Parquet and JSON-lines folders, the load log, quarantined rows with
their reasons, and files that fail as a whole."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from helpers import BAD_INPUTS, EVENTS, LEADS, NOW, OPPORTUNITIES, TABLES, WRITERS, connect, write_folder
from lead_scoring.ingest.raw_loader import RawDataError, load_contract, load_landing_folder, load_raw_folder


def contract_rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    columns = ", ".join(f'"{c.name}"' for c in load_contract()[table])
    return con.execute(f"select {columns} from raw.{table} order by 1").fetchall()


def rejects(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("select table_name, file_path, line_number, column_name, reason from raw.load_rejects order by table_name, line_number").fetchall()


@pytest.mark.parametrize("fmt,layout", [("csv", "subfolder"), ("parquet", "subfolder"), ("jsonl", "subfolder"), ("csv", "single_file"), ("parquet", "single_file")])
def test_loads_csv_parquet_and_json_lines_folders_into_the_contract(tmp_path, fmt, layout):
    con = connect(tmp_path / "lead_scoring.duckdb")
    counts = load_raw_folder(con, write_folder(tmp_path / "raw", fmt, layout=layout), now=NOW)
    assert counts == {"leads": 2, "events": 3, "opportunities": 1, "company_visits": 0}

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
    status = "pending" if reason == "unknown lead_id" else "rejected"
    assert con.execute("select status, record_number from raw.load_rejects").fetchall() == [(status, BAD_LINES[table] - 1)]
    record = json.loads(con.execute("select record from raw.load_rejects").fetchall()[0][0])
    assert record[column] in (None, "") or str(record[column]) == str(row[column]).strip()
    # Nothing is lost: rows in = accepted + rejected, per file and in the tables.
    rows_in, accepted, rejected = report.totals(table)
    assert (rows_in, accepted, rejected) == (len(tables[table]), len(tables[table]) - 1, 1)
    assert con.execute(f"select count(*) from raw.{table}").fetchall()[0][0] == accepted


def test_typed_parquet_columns_are_checked_and_a_rejected_rows_record_keeps_their_values(tmp_path):
    """A Parquet file that stores timestamps in their own type (as warehouses export them): they
    load as they are, the rules still check them, and a refused row keeps them as text in its
    record."""
    folder = write_folder(tmp_path / "raw", "csv", {"leads": LEADS})
    (folder / "events").mkdir()
    duckdb.execute(f"""copy (select * from (values
        ('E1', 'L1', 'page_view', timestamptz '2026-01-09 10:00:00+01:00', timestamptz '2026-01-09 10:05:00+01:00'),
        ('E2', 'L1', 'page_view', cast(null as timestamptz), timestamptz '2026-01-09 10:05:00+00:00'),
        ('E3', 'L1', 'page_view', timestamptz '2026-03-01 10:00:00+00:00', null),
        ('E4', 'L1', 'page_view', timestamptz '2026-01-09 10:00:00+00:00', timestamptz '2026-01-09 09:00:00+00:00'),
        ('E5', 'L404', 'page_view', timestamptz '2026-01-09 10:00:00+00:00', null)
        ) as t(event_id, lead_id, event_type, occurred_at, received_at)) to '{folder / "events" / "part-00000.parquet"}' (format parquet)""")
    con = connect(tmp_path / "lead_scoring.duckdb")
    assert load_raw_folder(con, folder, now=NOW)["events"] == 1
    assert con.execute("select event_id, occurred_at, received_at from raw.events").fetchall() == [
        ("E1", dt.datetime(2026, 1, 9, 9, 0, tzinfo=dt.timezone.utc), dt.datetime(2026, 1, 9, 9, 5, tzinfo=dt.timezone.utc))]
    refused = con.execute("select line_number, column_name, reason, status, record from raw.load_rejects order by line_number").fetchall()
    assert [row[:4] for row in refused] == [
        (2, "occurred_at", "missing occurred_at", "rejected"),
        (3, "occurred_at", "occurred_at is in the future", "rejected"),
        (4, "received_at", "received_at is before occurred_at", "rejected"),
        (5, "lead_id", "unknown lead_id", "pending"),
    ]
    records = [json.loads(row[4]) for row in refused]
    assert [(r["event_id"], r["occurred_at"], r["received_at"]) for r in records] == [
        ("E2", None, "2026-01-09 10:05:00+00"),
        ("E3", "2026-03-01 10:00:00+00", None),
        ("E4", "2026-01-09 10:00:00+00", "2026-01-09 09:00:00+00"),
        ("E5", "2026-01-09 10:00:00+00", None),
    ]


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


def test_a_missing_required_table_is_reported_and_opportunities_may_be_missing(tmp_path):
    folder = write_folder(tmp_path / "raw", "csv", {"leads": LEADS, "opportunities": OPPORTUNITIES})
    with pytest.raises(RawDataError, match="No files for raw table 'events'"):
        load_raw_folder(connect(tmp_path / "lead_scoring.duckdb"), folder, now=NOW)
    # A new team without opportunities yet: the table exists, empty.
    folder = write_folder(tmp_path / "raw2", "csv", {"leads": LEADS, "events": EVENTS})
    assert load_raw_folder(connect(tmp_path / "other" / "lead_scoring.duckdb"), folder, now=NOW) == {"leads": 2, "events": 3, "opportunities": 0, "company_visits": 0}


def reconcile(con: duckdb.DuckDBPyConnection, folder: Path) -> dict[str, tuple[int, int, int, int]]:
    """Per table with files: (rows in the files, loaded, pending, rejected), from the files themselves."""
    from lead_scoring.ingest.raw_loader import count_file_rows, discover

    found = {}
    for table, paths in discover(folder).tables.items():
        if not paths:
            continue
        rows_in = sum(count_file_rows(con, path) for path in paths)
        loaded = con.execute(f"select count(*) from raw.{table}").fetchall()[0][0]
        pending, rejected = con.execute(
            "select count(*) filter (where status = 'pending'), count(*) filter (where status = 'rejected') "
            "from raw.load_rejects where table_name = ?", [table]).fetchall()[0]
        found[table] = (rows_in, loaded, pending, rejected)
    return found


def test_events_and_opportunities_that_arrive_before_their_lead_wait_and_load_when_it_arrives(tmp_path):
    con = connect(tmp_path / "lead_scoring.duckdb")
    folder = write_folder(tmp_path / "raw")
    # Day 1: web events and an opportunity for L3, whose CRM record has not been synced yet.
    early = pd.DataFrame({"event_id": ["E7", "E8"], "lead_id": ["L3", "L3"], "event_type": ["page_view", "form_submit"],
                          "occurred_at": ["2026-01-30T10:00:00Z", "2026-01-30T10:05:00Z"],
                          "properties": ['{"page_url": "/pricing"}', '{"form_id": "contact"}']})
    early.to_csv(folder / "events" / "day-1.csv", index=False)
    pd.DataFrame({"opportunity_id": ["O3"], "lead_id": ["L3"], "created_at": ["2026-01-31T10:00:00Z"], "stage": ["discovery"]}).to_csv(
        folder / "opportunities" / "day-1.csv", index=False)
    first = load_landing_folder(con, folder, now=NOW)
    assert con.execute("select table_name, file_path, line_number, reason, status from raw.load_rejects order by 1, 3").fetchall() == [
        ("events", "events/day-1.csv", 2, "unknown lead_id", "pending"), ("events", "events/day-1.csv", 3, "unknown lead_id", "pending"),
        ("opportunities", "opportunities/day-1.csv", 2, "unknown lead_id", "pending")]
    assert any("2 row(s) wait for their lead" in f.message for f in first.files if f.path == "events/day-1.csv")
    assert reconcile(con, folder) == {"leads": (2, 2, 0, 0), "events": (5, 3, 2, 0), "opportunities": (2, 1, 1, 0)}

    # Day 2: the lead arrives. The waiting rows load as if they had come with their own files.
    pd.DataFrame({"lead_id": ["L3"], "email": ["c@d.io"], "created_at": ["2026-01-29T08:00:00Z"]}).to_csv(folder / "leads" / "day-2.csv", index=False)
    second = load_landing_folder(con, folder, now=NOW + dt.timedelta(days=1))
    assert con.execute("select count(*) from raw.load_rejects").fetchall() == [(0,)]
    assert con.execute("select event_id, _source_file, _source_line, _load_id = ? from raw.events where lead_id = 'L3' order by 1",
                       [second.load_id]).fetchall() == [("E7", "events/day-1.csv", 2, True), ("E8", "events/day-1.csv", 3, True)]
    assert con.execute("select opportunity_id from raw.opportunities where lead_id = 'L3'").fetchall() == [("O3",)]
    assert con.execute("select table_name, file_path, status, rows_in, rows_accepted, rows_rejected, message from raw.load_log "
                       "where status = 'retried' order by 1").fetchall() == [
        ("events", "events/day-1.csv", "retried", 2, 2, 0, "2 of 2 row(s) set aside earlier (unknown lead_id) loaded now"),
        ("opportunities", "opportunities/day-1.csv", "retried", 1, 1, 0, "1 of 1 row(s) set aside earlier (unknown lead_id) loaded now")]
    assert reconcile(con, folder) == {"leads": (3, 3, 0, 0), "events": (5, 5, 0, 0), "opportunities": (2, 2, 0, 0)}
    # Loading again changes nothing.
    load_landing_folder(con, folder, now=NOW + dt.timedelta(days=2))
    assert reconcile(con, folder) == {"leads": (3, 3, 0, 0), "events": (5, 5, 0, 0), "opportunities": (2, 2, 0, 0)}


def test_a_pending_row_is_kept_and_reported_once_older_than_the_limit(tmp_path):
    from lead_scoring.ingest.raw_loader import PendingRows, pending_rows

    con = connect(tmp_path / "lead_scoring.duckdb")
    folder = write_folder(tmp_path / "raw")
    pd.DataFrame({"event_id": ["E7"], "lead_id": ["L404"], "event_type": ["page_view"], "occurred_at": ["2026-01-30T10:00:00Z"]}).to_csv(
        folder / "events" / "day-1.csv", index=False)
    load_landing_folder(con, folder, now=NOW)
    # Ten days of runs later the lead has still not come: the row still waits, and it is old.
    for day in range(1, 11):
        load_landing_folder(con, folder, now=NOW + dt.timedelta(days=day))
    assert pending_rows(con, NOW + dt.timedelta(days=10), max_age_days=7) == [
        PendingRows("events", 1, NOW, 1), PendingRows("opportunities", 0, None, 0)]
    assert pending_rows(con, NOW + dt.timedelta(days=10), max_age_days=14)[0].older_than_limit == 0
    # Examined again by every load (rejected_at), waiting since the first (first_rejected_at).
    assert con.execute("select status, rejected_at, first_rejected_at from raw.load_rejects").fetchall() == [
        ("pending", NOW + dt.timedelta(days=10), NOW)]


def test_a_duplicate_loads_when_the_copy_that_was_kept_leaves_its_corrected_file(tmp_path):
    con = connect(tmp_path / "lead_scoring.duckdb")
    folder = write_folder(tmp_path / "raw")
    # E3 again in a second file: the first delivery (part-00000) is kept, this one rejected.
    EVENTS.iloc[[2]].to_csv(folder / "events" / "part-00001.csv", index=False)
    load_landing_folder(con, folder, now=NOW)
    assert rejects(con) == [("events", "events/part-00001.csv", 2, "event_id", "duplicate event_id")]
    # A corrected part-00000 no longer has E3 (it belonged to the other export): the other copy loads.
    EVENTS.iloc[[0, 1]].to_csv(folder / "events" / "part-00000.csv", index=False)
    report = load_landing_folder(con, folder, now=NOW + dt.timedelta(hours=1))
    assert rejects(con) == []
    assert con.execute("select event_id, _source_file from raw.events order by 1").fetchall() == [
        ("E1", "events/part-00000.csv"), ("E2", "events/part-00000.csv"), ("E3", "events/part-00001.csv")]
    assert [(f.path, f.status, f.rows_accepted) for f in report.for_status("retried")] == [("events/part-00001.csv", "retried", 1)]
    assert reconcile(con, folder)["events"] == (3, 3, 0, 0)


def test_rows_of_a_lead_that_a_corrected_file_drops_wait_again_and_return_with_it(tmp_path):
    con = connect(tmp_path / "lead_scoring.duckdb")
    folder = write_folder(tmp_path / "raw")
    load_landing_folder(con, folder, now=NOW)
    LEADS.iloc[[0]].to_csv(folder / "leads" / "part-00000.csv", index=False)  # L2 is gone
    report = load_landing_folder(con, folder, now=NOW + dt.timedelta(hours=1))
    assert [(f.path, f.status, f.rows_rejected) for f in report.for_status("held_back")] == [("events/part-00000.csv", "held_back", 1)]
    assert con.execute("select file_path, line_number, record_number, reason, status from raw.load_rejects").fetchall() == [
        ("events/part-00000.csv", 4, 3, "unknown lead_id", "pending")]
    assert reconcile(con, folder)["events"] == (3, 2, 1, 0)
    LEADS.to_csv(folder / "leads" / "part-00000.csv", index=False)  # and back
    load_landing_folder(con, folder, now=NOW + dt.timedelta(hours=2))
    assert con.execute("select event_id, _source_file, _source_line from raw.events where lead_id = 'L2'").fetchall() == [
        ("E3", "events/part-00000.csv", 4)]
    assert reconcile(con, folder)["events"] == (3, 3, 0, 0)


def test_file_names_with_pattern_characters_are_read_literally(tmp_path):
    con = connect(tmp_path / "lead_scoring.duckdb")
    folder = write_folder(tmp_path / "raw [export]", "csv")
    # `*.csv` would match every file of the folder, `day[1].csv` the file day1.csv.
    EVENTS.iloc[[0]].assign(event_id="E10").to_csv(folder / "events" / "*.csv", index=False)
    EVENTS.iloc[[0]].assign(event_id="E11").to_csv(folder / "events" / "day[1].csv", index=False)
    EVENTS.iloc[[0]].assign(event_id="E12").to_csv(folder / "events" / "day1.csv", index=False)
    report = load_landing_folder(con, folder, now=NOW)
    assert sorted((f.path, f.rows_in) for f in report.files if f.table == "events") == [
        ("events/*.csv", 1), ("events/day1.csv", 1), ("events/day[1].csv", 1), ("events/part-00000.csv", 3)]
    assert con.execute("select event_id, _source_file from raw.events where event_id in ('E10', 'E11', 'E12') order by 1").fetchall() == [
        ("E10", "events/*.csv"), ("E11", "events/day[1].csv"), ("E12", "events/day1.csv")]
    assert rejects(con) == []
    assert reconcile(con, folder)["events"] == (6, 6, 0, 0)


def test_compressed_csv_and_json_load_and_every_other_entry_is_listed_as_skipped(tmp_path):
    import gzip

    con = connect(tmp_path / "lead_scoring.duckdb")
    folder = write_folder(tmp_path / "raw", "csv")
    with gzip.open(folder / "events" / "day-2.csv.gz", "wt") as handle:
        EVENTS.iloc[[0]].assign(event_id="E20").to_csv(handle, index=False)
    EVENTS.iloc[[0, 1]].assign(event_id=["E21", "E22"]).to_json(folder / "events" / "day-3.json", orient="records")  # a JSON array
    with gzip.open(folder / "events" / "day-4.jsonl.gz", "wt") as handle:
        EVENTS.iloc[[0]].assign(event_id="E23").to_json(handle, orient="records", lines=True)
    # A nested JSON object for properties arrives as JSON text.
    (folder / "events" / "day-5.jsonl").write_text(json.dumps(
        {"event_id": "E24", "lead_id": "L1", "event_type": "page_view", "occurred_at": "2026-01-09T10:00:00Z",
         "properties": {"page_url": "/pricing", "utm": {"source": "ads"}}}) + "\n")
    LEADS.iloc[[1]].assign(company_size=13).to_csv(folder / "leads.csv", index=False)  # beside leads/: read too
    (folder / "events" / "notes.txt").write_text("export notes")
    (folder / "events" / ".DS_Store").write_bytes(b"\0\0")
    (folder / "events" / "old").mkdir()
    (folder / "events" / "gone.csv").symlink_to(tmp_path / "does-not-exist.csv")
    (folder / "contacts.csv").write_text("id\n1\n")
    report = load_landing_folder(con, folder, now=NOW)

    assert sorted(f.path for f in report.for_status("loaded")) == [
        "events/day-2.csv.gz", "events/day-3.json", "events/day-4.jsonl.gz", "events/day-5.jsonl", "events/part-00000.csv",
        "leads.csv", "leads/part-00000.csv", "opportunities/part-00000.csv"]
    assert con.execute("select count(*) from raw.events").fetchall() == [(8,)]
    properties = con.execute("select properties from raw.events where event_id = 'E24'").fetchall()[0][0]
    assert json.loads(properties) == {"page_url": "/pricing", "utm": {"source": "ads"}}
    skipped = con.execute("select file_path, message from raw.load_log where status = 'skipped' order by 1").fetchall()
    assert [path for path, _ in skipped] == ["contacts.csv", "events/.DS_Store", "events/gone.csv", "events/notes.txt", "events/old"]
    reasons = dict(skipped)
    assert reasons["events/gone.csv"] == "broken symbolic link" and reasons["events/.DS_Store"] == "hidden file"
    assert reasons["events/notes.txt"].startswith("unsupported file type") and "not a raw table" in reasons["contacts.csv"]
    assert [line for line in report.notes() if line.startswith("skipped")] == [f"skipped: {p}: {m}" for p, m in skipped]


def test_reject_lines_are_the_file_lines_when_quoted_fields_span_lines(tmp_path):
    con = connect(tmp_path / "lead_scoring.duckdb")
    folder = write_folder(tmp_path / "raw", "csv")
    # Line 1 header; record 1 spans lines 2-4 (an address with two line breaks); a blank line 5;
    # record 2 on line 6 is fine; record 3 on line 7 has an invalid email.
    (folder / "leads" / "day-2.csv").write_text(
        "lead_id,email,company_name,created_at\n"
        'L5,e@f.io,"ACME GmbH\nHauptstr. 1\nBerlin",2026-01-09T10:00:00Z\n'
        "\n"
        "L6,g@h.io,Initech,2026-01-09T11:00:00Z\n"
        "L7,not-an-address,Globex,2026-01-09T12:00:00Z\n")
    load_landing_folder(con, folder, now=NOW)
    assert con.execute("select line_number, record_number, reason from raw.load_rejects").fetchall() == [(7, 3, "invalid email")]
    assert con.execute("select company_name from raw.leads where lead_id = 'L5'").fetchall() == [("ACME GmbH\nHauptstr. 1\nBerlin",)]


def test_an_unknown_event_name_waits_and_loads_once_the_mapping_names_it(tmp_path, monkeypatch):
    """A name neither seed knows is rejected with its reason and examined again at each load
    (nothing logged while it stays unknown); the load after a mapping row names it loads it. A
    mapped name loads at once (a Hotjar name only from Hotjar: the row names its system)."""
    from lead_scoring.ingest import raw_loader

    mapping = tmp_path / "event_type_mapping.csv"
    header = "source_system,source_event,property_key,property_operator,property_value,event_type,property_renames,set_properties,description\n"
    mapping.write_text(header + "hotjar,scroll,,,,page_view,url=page_url,,Hotjar scrolls\n")
    monkeypatch.setattr(raw_loader, "EVENT_TYPE_MAPPING_CSV", mapping)
    events = pd.DataFrame({"event_id": ["E1", "E2", "E3"], "lead_id": ["L1", "L1", "L2"], "event_type": ["Video Play", "scroll", "scroll"],
                           "occurred_at": ["2026-01-06T10:00:00Z"] * 3, "source_system": ["web", "hotjar", "web"]})
    raw = write_folder(tmp_path / "raw", tables={"leads": LEADS, "events": events})
    con = connect(tmp_path / "lead_scoring.duckdb")
    load_raw_folder(con, raw, now=NOW)
    reason = "unknown event_type (map it in seeds/event_type_mapping.csv)"
    assert con.execute("select event_id from raw.events").fetchall() == [("E2",)]
    assert rejects(con) == [("events", "events/part-00000.csv", 2, "event_type", reason), ("events", "events/part-00000.csv", 4, "event_type", reason)]

    load_raw_folder(con, raw, now=NOW)
    assert len(rejects(con)) == 2
    assert con.execute("select count(*) from raw.load_log where status = 'retried'").fetchall() == [(0,)]

    mapping.write_text(mapping.read_text() + ",video_play,,,,page_view,,page_url=/video,Video plays\n")
    load_raw_folder(con, raw, now=NOW)
    assert con.execute("select event_id, event_type, _source_line from raw.events order by 1").fetchall() == [("E1", "Video Play", 2), ("E2", "scroll", 3)]
    assert rejects(con) == [("events", "events/part-00000.csv", 4, "event_type", reason)]
    assert con.execute("select rows_in, rows_accepted from raw.load_log where status = 'retried'").fetchall() == [(2, 1)]


def test_company_visits_load_from_each_tools_column_names(tmp_path):
    """The contract's aliases: a Leadfeeder-shaped and an Albacross-shaped export load into the
    same columns (names compared ignoring case, spaces and underscores); a visit without a domain
    is rejected like any row missing a required column."""
    folder = write_folder(tmp_path / "raw", "csv", {"leads": LEADS, "events": EVENTS})
    (folder / "company_visits").mkdir()
    pd.DataFrame({"Company name": ["Acme"], "Website": ["www.acme.com"], "Page URL": ["https://acme.example/pricing"],
                  "Visit started at": ["2026-01-18T08:00:00Z"]}).to_csv(folder / "company_visits" / "leadfeeder.csv", index=False)
    pd.DataFrame({"Company Name": ["Gamma", "Nobody"], "DOMAIN": ["gamma.org", ""], "page": ["/product/a", "/pricing"],
                  "Timestamp": ["2026-01-25T10:00:00Z", "2026-01-25T11:00:00Z"]}).to_csv(folder / "company_visits" / "albacross.csv", index=False)
    con = connect(tmp_path / "lead_scoring.duckdb")
    assert load_raw_folder(con, folder, now=NOW)["company_visits"] == 2
    assert con.execute("select company_name, company_domain, page_url, cast(visited_at as varchar) from raw.company_visits order by 1").fetchall() == [
        ("Acme", "www.acme.com", "https://acme.example/pricing", "2026-01-18 08:00:00+00"),
        ("Gamma", "gamma.org", "/product/a", "2026-01-25 10:00:00+00"),
    ]
    assert rejects(con) == [("company_visits", "company_visits/albacross.csv", 3, "company_domain", "missing company_domain")]
