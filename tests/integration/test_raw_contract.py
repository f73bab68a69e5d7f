"""One contract for the loader and staging: every row that a staging data test would refuse is
refused by the loader first, with its reason, so a single bad row never stops `dbt build`.

The test builds a landing folder of valid rows plus one bad row for every rule of the loader, loads
it, and builds the staging models with all their tests: they must pass, and every bad row must be
in raw.load_rejects. It also lists the error-severity data tests of the staging models from dbt's
manifest: a new test on a staging column fails here until the loader has a rule for it (and this
file a bad row that shows it)."""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from helpers import BAD_INPUTS, NOW, TABLES, dbt, query, write_folder

# Every error-severity data test of a staging model, by (model, column, test): the loader rule
# (a case of BAD_INPUTS, or one of the rows below) or the staging step that makes it hold.
COVERAGE = {
    ("stg_raw__leads", "lead_id", "not_null"): "missing lead_id",
    ("stg_raw__leads", "lead_id", "unique"): "staging keeps one version per lead",
    ("stg_raw__leads", "email", "expression_is_true"): "invalid email",
    ("stg_raw__leads", "company_domain", "expression_is_true"): "domain normalised by staging (www.www.)",
    ("stg_raw__leads", "company_size", "accepted_range"): "negative company size",
    ("stg_raw__leads", "country_code", "expression_is_true"): "country not a code",
    ("stg_raw__leads", "created_at", "not_null"): "missing created_at",
    ("stg_raw__leads", "updated_at", "not_null"): "staging falls back to created_at",
    ("stg_raw__leads", "updated_at", "expression_is_true"): "updated before created",
    ("stg_raw__events", "event_id", "not_null"): "missing id",
    ("stg_raw__events", "event_id", "unique"): "duplicate event id",
    ("stg_raw__events", "lead_id", "not_null"): "missing lead_id (event)",
    ("stg_raw__events", "lead_id", "relationships"): "unknown lead id",
    ("stg_raw__events", "event_type", "not_null"): "missing event_type",
    ("stg_raw__events", "event_type", "relationships"): "unknown event type",
    ("stg_raw__events", "occurred_at", "not_null"): "unparseable timestamp",
    ("stg_raw__events", "occurred_on", "not_null"): "unparseable timestamp",
    ("stg_raw__events", "received_at", "not_null"): "staging falls back to occurred_at",
    ("stg_raw__events", "received_at", "expression_is_true"): "received before it occurred",
    ("stg_raw__events", "source_system", "accepted_values"): "unknown source system",
    ("stg_raw__opportunities", "opportunity_id", "not_null"): "missing opportunity_id",
    ("stg_raw__opportunities", "opportunity_id", "unique"): "staging keeps the latest state per opportunity",
    ("stg_raw__opportunities", "lead_id", "not_null"): "missing lead_id (opportunity)",
    ("stg_raw__opportunities", "lead_id", "relationships"): "unknown lead (opportunity)",
    ("stg_raw__opportunities", "created_at", "not_null"): "missing created_at (opportunity)",
    ("stg_raw__opportunities", "stage", "not_null"): "missing stage",
    ("stg_raw__opportunities", "stage", "accepted_values"): "unknown stage",
    ("stg_raw__opportunities", "amount", "accepted_range"): "negative amount",
    ("stg_raw__opportunities", "closed_at", "expression_is_true"): "closed before created",
    ("stg_raw__opportunities", "is_closed", "not_null"): "missing stage",
    ("stg_raw__opportunities", "is_closed", "expression_is_true"): "closed without a close date",
    ("stg_raw__opportunities", "is_won", "not_null"): "missing stage",
    ("stg_raw__company_visits", "company_domain", "not_null"): "missing company_domain (visit)",
    ("stg_raw__company_visits", "page_url", "not_null"): "missing page_url (visit)",
    ("stg_raw__company_visits", "visited_at", "not_null"): "missing visited_at (visit)",
    ("stg_raw__company_visits", "visited_on", "not_null"): "missing visited_at (visit)",
}
# Rows for the rules BAD_INPUTS does not show (each must be rejected, except where it says loads).
MORE_BAD_INPUTS = {
    "missing lead_id": ("leads", {"lead_id": " ", "email": "x@y.io", "created_at": "2026-01-10T10:00:00Z"}),
    "missing created_at": ("leads", {"lead_id": "L8", "email": "x@y.io", "created_at": ""}),
    "missing lead_id (event)": ("events", {"event_id": "E40", "lead_id": "", "event_type": "page_view", "occurred_at": "2026-01-09T10:00:00Z"}),
    "missing event_type": ("events", {"event_id": "E41", "lead_id": "L1", "event_type": "", "occurred_at": "2026-01-09T10:00:00Z"}),
    "missing opportunity_id": ("opportunities", {"opportunity_id": "", "lead_id": "L1", "created_at": "2026-01-21T10:00:00Z", "stage": "discovery"}),
    "missing lead_id (opportunity)": ("opportunities", {"opportunity_id": "O8", "lead_id": "", "created_at": "2026-01-21T10:00:00Z", "stage": "discovery"}),
    "unknown lead (opportunity)": ("opportunities", {"opportunity_id": "O9", "lead_id": "L404", "created_at": "2026-01-21T10:00:00Z", "stage": "discovery"}),
    "missing created_at (opportunity)": ("opportunities", {"opportunity_id": "O10", "lead_id": "L1", "created_at": "", "stage": "discovery"}),
    "missing company_domain (visit)": ("company_visits", {"company_domain": " ", "page_url": "/pricing", "visited_at": "2026-01-09T10:00:00Z"}),
    "missing page_url (visit)": ("company_visits", {"company_domain": "acme.com", "page_url": "", "visited_at": "2026-01-09T10:00:00Z"}),
    "missing visited_at (visit)": ("company_visits", {"company_domain": "acme.com", "page_url": "/pricing", "visited_at": ""}),
}
# Rows that are messy but valid: staging cleans them, and they load.
LOADS = {
    "domain normalised by staging (www.www.)": ("leads", {"lead_id": "L9", "email": "z@w.io", "company_domain": "https://WWW.www.Example.com/about",
                                                         "created_at": "2026-01-10T10:00:00Z"}),
}


def staging_tests(manifest: dict) -> set[tuple[str, str, str]]:
    found = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test" or node["config"]["severity"].lower() != "error":
            continue
        attached = (node.get("attached_node") or "").split(".")[-1]
        metadata = node.get("test_metadata") or {}
        kind = metadata.get("name")
        if not attached.startswith("stg_raw__") or not kind:
            continue
        if kind == "not_null_columns":  # one test for the model's never-null columns
            found.update((attached, column, "not_null") for column in metadata["kwargs"]["column_names"])
        elif node.get("column_name"):
            found.add((attached, node["column_name"], kind))
    return found


def test_what_staging_tests_refuse_the_loader_rejects_and_the_staging_build_passes(tmp_path):
    cases = {**{name: (table, row) for name, (table, row, _) in BAD_INPUTS.items()}, **MORE_BAD_INPUTS, **LOADS}
    tables = {name: frame.astype(object) for name, frame in TABLES.items()}
    for table, row in cases.values():
        tables[table] = pd.concat([tables.get(table), pd.DataFrame([row]).astype(object)], ignore_index=True)
    folder = write_folder(tmp_path / "raw", "csv", tables)
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    db.parent.mkdir()
    from lead_scoring.ingest.raw_loader import load_landing_folder

    con = duckdb.connect(str(db))
    load_landing_folder(con, folder, now=NOW)
    rejected = [json.loads(r) for (r,) in con.execute("select record from raw.load_rejects").fetchall()]
    con.close()

    # Every bad row is set aside (pending or rejected); every messy but valid row loads.
    bad = {name: case for name, case in cases.items() if name not in LOADS}
    assert len(rejected) == len(bad)
    for name, (_table, row) in bad.items():
        assert any(all(str(record.get(k) or "").strip() == str(v).strip() for k, v in row.items()) for record in rejected), name
    assert query(db, "select count(*) from raw.leads where lead_id = 'L9'") == [(1,)]

    result = dbt(["build", "--target-path", str(db.parent / "target"), "--exclude", "resource_type:unit_test", "--indirect-selection", "cautious",
                  "--select", "event_types", "event_type_mapping", "source:raw", "stg_raw__leads", "stg_raw__events", "stg_raw__opportunities",
                  "stg_raw__company_visits"], db)
    assert result.returncode == 0, result.stdout[-4000:]
    assert query(db, "select company_domain from staging.stg_raw__leads where lead_id = 'L9'") == [("example.com",)]

    manifest = json.loads((db.parent / "target" / "manifest.json").read_text())
    uncovered = staging_tests(manifest) - set(COVERAGE)
    assert not uncovered, f"staging tests without a loader rule (add one to lead_scoring/ingest/raw_loader.py and a row here): {sorted(uncovered)}"
    for reason in COVERAGE.values():
        assert reason in cases or reason.startswith("staging "), reason



def test_raw_tables_from_another_tool_with_malformed_properties_build_and_flag_the_rows(tmp_path):
    """Raw tables written by an ELT tool skip the loader: staging sets malformed properties aside
    (null, flagged, a warning) instead of failing the build."""
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    db.parent.mkdir()
    con = duckdb.connect(str(db))
    con.execute("create schema raw")
    con.execute("create table raw.leads as select 'L1' as lead_id, timestamp '2026-01-05 10:00:00' as created_at")
    con.execute("""create table raw.events as select * from (values
        ('E1', 'L1', 'page_view', timestamp '2026-01-06 10:00:00', '{"page_url": "/pricing"}'),
        ('E2', 'L1', 'page_view', timestamp '2026-01-06 11:00:00', '{"page_url": "/pricing"'),
        ('E3', 'L1', 'page_view', timestamp '2026-01-06 12:00:00', '"/pricing"')
        ) as t(event_id, lead_id, event_type, occurred_at, properties)""")
    con.execute("create table raw.opportunities as select 'O1' as opportunity_id, 'L1' as lead_id, "
                "timestamp '2026-01-20 10:00:00' as created_at, 'discovery' as stage")
    con.close()
    result = dbt(["build", "--target-path", str(db.parent / "target"), "--exclude", "resource_type:unit_test", "--indirect-selection", "cautious",
                  "--select", "event_types", "event_type_mapping", "stg_raw__leads", "stg_raw__events", "stg_raw__opportunities"], db)
    assert result.returncode == 0, result.stdout[-4000:]
    # One warning, of the flag's test (one distinct value, true, is not accepted).
    assert "WARN=1 ERROR=0" in result.stdout and "Warning in test accepted_values_stg_raw__events_has_malformed_properties__False" in result.stdout
    assert query(db, "select event_id, properties, page_url, has_malformed_properties from staging.stg_raw__events order by 1") == [
        ("E1", '{"page_url": "/pricing"}', "/pricing", False), ("E2", None, None, True), ("E3", None, None, True)]


def test_raw_timestamps_stage_as_the_same_instant_in_utc_whatever_their_type(tmp_path):
    """A raw timestamp with an offset (timestamptz, as the loader writes it) stages as the same
    instant in UTC wall time, to the microsecond and before 1970 too; an infinite one stays
    infinite; a naive timestamp or a text is taken as UTC (macro raw_timestamp_cast)."""
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    db.parent.mkdir()
    con = duckdb.connect(str(db))
    con.execute("create schema raw")
    con.execute("""create table raw.leads as select * from (values
        ('L1', timestamptz '1969-07-20 20:17:40.5-04:00'),
        ('L2', timestamptz '2026-01-05 10:00:00+01:00')
        ) as t(lead_id, created_at)""")
    con.execute("""create table raw.events as select * from (values
        ('E1', 'L2', 'page_view', timestamptz '2026-01-06 10:00:00.123456+05:30', timestamptz 'infinity'),
        ('E2', 'L2', 'page_view', timestamptz '2026-03-29 01:30:00+02:00', null),
        ('E3', 'L1', 'page_view', timestamptz '1969-12-31 23:59:59.999999-05:00', timestamptz '1970-01-01 05:00:00+00:00')
        ) as t(event_id, lead_id, event_type, occurred_at, received_at)""")
    con.execute("create table raw.opportunities as select * from (values "
                "('O1', 'L2', timestamp '2026-01-20 10:00:00', 'closed_won', '2026-02-01 09:30:00')) "
                "as t(opportunity_id, lead_id, created_at, stage, closed_at)")
    con.close()
    result = dbt(["build", "--target-path", str(db.parent / "target"), "--exclude", "resource_type:unit_test", "--indirect-selection", "cautious",
                  "--select", "event_types", "event_type_mapping", "stg_raw__leads", "stg_raw__events",
                  "stg_raw__opportunities"], db)
    assert result.returncode == 0, result.stdout[-4000:]
    assert query(db, "select lead_id, cast(created_at as varchar) from staging.stg_raw__leads order by 1") == [
        ("L1", "1969-07-21 00:17:40.5"), ("L2", "2026-01-05 09:00:00")]
    assert query(db, "select event_id, cast(occurred_at as varchar), cast(received_at as varchar) from staging.stg_raw__events order by 1") == [
        ("E1", "2026-01-06 04:30:00.123456", "infinity"),
        ("E2", "2026-03-28 23:30:00", "2026-03-28 23:30:00"),
        ("E3", "1970-01-01 04:59:59.999999", "1970-01-01 05:00:00")]
    assert query(db, "select cast(created_at as varchar), cast(closed_at as varchar) from staging.stg_raw__opportunities") == [
        ("2026-01-20 10:00:00", "2026-02-01 09:30:00")]
