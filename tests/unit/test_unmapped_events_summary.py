"""The summary's section on unmapped event names (lead_scoring/summary.py): the names raw.load_rejects
holds as unknown event types, by source system, most events first; none without such rows."""

from __future__ import annotations

import json

import duckdb

from lead_scoring.ingest.raw_loader import UNKNOWN_EVENT_TYPE
from lead_scoring.summary import unmapped_events_section


def warehouse(rows: list[tuple[str, str, dict]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("create table raw.load_rejects (table_name varchar, reason varchar, record varchar)")
    con.executemany("insert into raw.load_rejects values (?, ?, ?)", [(t, r, json.dumps(record)) for t, r, record in rows])
    return con


def test_unmapped_names_by_system_with_counts():
    rows = [("events", UNKNOWN_EVENT_TYPE, {"event_type": "Video Play", "source_system": "web"})] * 3
    rows += [("events", UNKNOWN_EVENT_TYPE, {"event_type": "video-play", "source_system": "WEB"})]  # the same name
    rows += [("events", UNKNOWN_EVENT_TYPE, {"event_type": "heatmap_view", "source_system": None})]
    rows += [("events", "unknown event_type", {"event_type": "old_name", "source_system": "crm"})] * 2  # before the mapping
    rows += [("events", "unknown lead_id", {"event_type": "page_view", "source_system": "web"})]  # waits for its lead
    title, text = unmapped_events_section(warehouse(rows))
    assert title.startswith("Unmapped event names: 7 event(s) wait in raw.load_rejects")
    lines = [line.split() for line in text.splitlines()[2:]]
    assert lines == [["web", "video_play", "4"], ["crm", "old_name", "2"], ["(none)", "heatmap_view", "1"]]


def test_no_section_without_unknown_names():
    assert unmapped_events_section(warehouse([("events", "unknown lead_id", {"event_type": "page_view"})])) is None
