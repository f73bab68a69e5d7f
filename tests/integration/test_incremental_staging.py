"""Events are staged incrementally: a run parses only the deliveries it has not staged yet
(models/staging/raw/stg_raw__events.sql, macros/contract/raw_deliveries_to_stage.sql).

Each test loads real landing files with the project's loader, runs the staging model with dbt, and
checks what a second and third run did. A staged row is marked between runs: a row that keeps its
mark was not staged again. Every end state equals a --full-refresh build of the same raw data."""

from __future__ import annotations

import duckdb
import pandas as pd

from helpers import EVENTS, TABLES, dbt, load, query, write_folder

STAGED = "select event_id, event_type, source_system from staging.stg_raw__events order by event_id"


def _stage(db, *extra: str) -> None:
    # The event mapping seed is staging's one input besides the raw table.
    result = dbt(["build", "--select", "event_type_mapping", "stg_raw__events", "--exclude", "resource_type:test", "resource_type:unit_test",
                  "--target-path", str(db.parent / "target"), *extra], db)
    assert result.returncode == 0, result.stdout[-4000:]


def _mark(db, event_id: str) -> None:
    con = duckdb.connect(str(db))
    try:
        con.execute("update staging.stg_raw__events set source_system = 'marked' where event_id = ?", [event_id])
    finally:
        con.close()


def _deliver_event(raw, file_name: str, event_id: str, lead_id: str, event_type: str, occurred_at: str, page: str) -> None:
    """A new events file in the landing folder, as a day's export adds one."""
    pd.DataFrame({"event_id": [event_id], "lead_id": [lead_id], "event_type": [event_type], "occurred_at": [occurred_at],
                  "properties": [f'{{"page_url": "{page}"}}']}).to_csv(raw / "events" / file_name, index=False)


def _full_refresh_equals(db) -> None:
    columns = "event_id, lead_id, event_type, occurred_at, received_at, properties, content_length, source_file, load_id"
    before = query(db, f"select {columns} from staging.stg_raw__events order by event_id")
    _stage(db, "--full-refresh")
    assert query(db, f"select {columns} from staging.stg_raw__events order by event_id") == before


def test_a_new_delivery_is_staged_alone_and_a_corrected_file_replaces_its_rows(tmp_path):
    raw = write_folder(tmp_path / "raw")
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    load(db, raw)
    _stage(db)
    assert [r[0] for r in query(db, STAGED)] == ["E1", "E2", "E3"]
    _mark(db, "E1")

    # Day 2: a new file with one event. Only it is staged; E1 keeps its mark.
    _deliver_event(raw, "part-00001.csv", "E4", "L2", "form_submit", "2026-01-09T10:00:00Z", "/pricing")
    load(db, raw)
    _stage(db)
    assert query(db, STAGED) == [("E1", "page_view", "marked"), ("E2", "content_download", None),
                                 ("E3", "email_open", None), ("E4", "form_submit", None)]
    (first_load, first_file), (second_load, second_file) = query(
        db, "select load_id, source_file from staging.stg_raw__events where event_id in ('E1', 'E4') order by event_id")
    assert first_load != second_load and (first_file, second_file) == ("events/part-00000.csv", "events/part-00001.csv")

    # Day 3: the first file is corrected (E2 withdrawn, E3's type fixed). Its rows are replaced;
    # the day-2 file is not touched (E4 keeps a mark set now).
    _mark(db, "E4")
    corrected = EVENTS[EVENTS.event_id != "E2"].copy()
    corrected.loc[corrected.event_id == "E3", "event_type"] = "email_click"
    corrected.to_csv(raw / "events" / "part-00000.csv", index=False)
    load(db, raw)
    _stage(db)
    assert query(db, STAGED) == [("E1", "page_view", None), ("E3", "email_click", None),
                                 ("E4", "form_submit", "marked")]
    _full_refresh_equals(db)


def test_events_that_wait_for_their_lead_are_staged_when_it_arrives(tmp_path):
    raw = write_folder(tmp_path / "raw")
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    load(db, raw)
    _stage(db)
    _mark(db, "E1")
    # An event of a lead that is not there yet waits in raw.load_rejects ...
    _deliver_event(raw, "part-00002.csv", "E5", "L3", "page_view", "2026-01-10T10:00:00Z", "/docs")
    load(db, raw)
    _stage(db)
    assert [r[0] for r in query(db, STAGED)] == ["E1", "E2", "E3"]
    # ... and is staged the day its lead arrives, without restaging the rest of its file's delivery.
    lead = pd.DataFrame({"lead_id": ["L3"], "email": ["cy@example.org"], "company_size": [40],
                         "created_at": ["2026-01-09T08:00:00Z"]})
    lead.to_csv(raw / "leads" / "part-00001.csv", index=False)
    load(db, raw)
    _stage(db)
    assert query(db, STAGED)[0] == ("E1", "page_view", "marked")
    assert [r[0] for r in query(db, STAGED)] == ["E1", "E2", "E3", "E5"]
    _full_refresh_equals(db)


def test_raw_events_from_another_tool_are_restaged_and_deduplicated_on_every_run(tmp_path):
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    db.parent.mkdir()
    con = duckdb.connect(str(db))
    con.execute("create schema raw")
    con.execute("create table raw.events as select * from (values "
                "('E1', 'L1', 'page_view', timestamp '2026-01-06 10:00:00', timestamp '2026-01-06 10:05:00', 'web')"
                ") as t(event_id, lead_id, event_type, occurred_at, received_at, source_system)")
    con.close()
    _stage(db)
    _mark(db, "E1")
    # The tool delivers E1 again (an earlier copy) and a new event: every row is staged again and
    # E1 keeps its first delivery.
    con = duckdb.connect(str(db))
    con.execute("insert into raw.events values "
                "('E1', 'L1', 'page_view', timestamp '2026-01-06 10:00:00', timestamp '2026-01-06 10:01:00', 'email'), "
                "('E2', 'L1', 'form_submit', timestamp '2026-01-07 09:00:00', null, 'web')")
    con.close()
    _stage(db)
    assert query(db, "select event_id, received_at, source_system, load_id from staging.stg_raw__events order by 1") == [
        ("E1", pd.Timestamp("2026-01-06 10:01:00").to_pydatetime(), "email", None),
        ("E2", pd.Timestamp("2026-01-07 09:00:00").to_pydatetime(), "web", None)]


def test_the_loaders_tables_keep_what_staging_reads(tmp_path):
    """The columns staging relies on to stage by delivery come with every loaded row."""
    raw = write_folder(tmp_path / "raw", tables={"leads": TABLES["leads"], "events": TABLES["events"]})
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    load(db, raw)
    assert query(db, "select count(*) from raw.events where _load_id is null or _source_file is null") == [(0,)]
    assert query(db, "select count(distinct load_id) from raw.load_log where table_name = 'events'") == [(1,)]
