"""Publication of the BI file: only checked data, atomically, with personal data hashed."""

from __future__ import annotations

import hashlib
import shutil

import duckdb
import pytest

from conftest import query
from orchestration.bi_publication import publish, read_publication


@pytest.fixture()
def warehouse_copy(tmp_path, built_warehouse):
    """A private copy of the session warehouse (publication only reads it)."""
    copy = tmp_path / "wh" / "lead_scoring.duckdb"
    copy.parent.mkdir()
    shutil.copy(built_warehouse, copy)
    return copy


def test_publishes_every_mart_and_the_snapshot_with_row_counts_and_provenance(tmp_path, warehouse_copy):
    target = tmp_path / "bi" / "bi.duckdb"
    publication = publish(warehouse_copy, target, run_id="run-1")
    marts = {f"marts.{name}" for (name,) in query(warehouse_copy, "select table_name from information_schema.tables where table_schema = 'marts'")}
    assert marts <= set(publication.row_counts) and "snapshots.snap_lead_lifecycle" in publication.row_counts
    for table, rows in publication.row_counts.items():
        assert query(target, f"select count(*) from {table}") == [(rows,)]
        assert rows == query(warehouse_copy, f"select count(*) from {table}")[0][0]
    meta = read_publication(target)
    assert meta["run_id"] == "run-1" and meta["personal_data"] == "hashed" and meta["source_warehouse"] == str(warehouse_copy)
    assert not list(target.parent.glob("_publishing_*"))


def test_personal_columns_are_hashed_by_default_and_raw_on_request(tmp_path, warehouse_copy):
    lead_id, email, first_name = query(warehouse_copy, "select lead_id, email, first_name from staging.stg_raw__leads where email is not null and first_name is not null order by lead_id limit 1")[0]
    hashed = tmp_path / "hashed.duckdb"
    publish(warehouse_copy, hashed, run_id="run-h")
    row = query(hashed, f"select email, first_name from marts.dim_leads where lead_id = '{lead_id}'")[0]
    assert row == (hashlib.sha256(email.strip().lower().encode()).hexdigest(), hashlib.sha256(first_name.strip().lower().encode()).hexdigest())
    clear = query(hashed, "select count(*) from marts.dim_leads d where exists (select 1 from marts.dim_leads x where x.email like '%@%')")
    assert clear == [(0,)]

    raw = tmp_path / "raw.duckdb"
    publish(warehouse_copy, raw, run_id="run-r", personal_data="raw")
    assert query(raw, f"select email, first_name from marts.dim_leads where lead_id = '{lead_id}'") == [(email, first_name)]


def test_a_failed_publication_leaves_the_previous_file_untouched(tmp_path, warehouse_copy):
    target = tmp_path / "bi.duckdb"
    publish(warehouse_copy, target, run_id="good")
    before = target.read_bytes()
    con = duckdb.connect(str(warehouse_copy))
    con.execute("drop schema marts cascade")
    con.close()
    with pytest.raises(RuntimeError, match="Nothing to publish"):
        publish(warehouse_copy, target, run_id="bad")
    assert target.read_bytes() == before
    assert read_publication(target)["run_id"] == "good"
    assert not list(tmp_path.glob("_publishing_*"))


def test_a_reader_holding_the_file_open_does_not_stop_publication(tmp_path, warehouse_copy):
    target = tmp_path / "bi.duckdb"
    publish(warehouse_copy, target, run_id="first")
    reader = duckdb.connect(str(target), read_only=True)
    try:
        publish(warehouse_copy, target, run_id="second")
        # The open connection still sees its copy; a new one sees the new file.
        assert reader.execute("select run_id from main.bi_publication").fetchall() == [("first",)]
    finally:
        reader.close()
    assert read_publication(target)["run_id"] == "second"
