"""delivery_log.parquet beside the BI file (lead_scoring/activation_log_export.py): the warehouse's
activation.delivery_log, written atomically; no rows but the log's columns before any delivery."""

from __future__ import annotations

import duckdb
import pytest

from helpers import DELIVERIES, activation_warehouse
from lead_scoring.activation_log_export import DELIVERY_LOG_COLUMNS, export_delivery_log


def parquet(path) -> tuple[list[tuple[str, str]], list[tuple]]:
    con = duckdb.connect()
    try:
        columns = [(name, kind.lower()) for name, kind, *_ in con.execute("describe select * from read_parquet(?)", [str(path)]).fetchall()]
        return columns, con.execute("select * from read_parquet(?)", [str(path)]).fetchall()
    finally:
        con.close()


EXPECTED_COLUMNS = list(DELIVERY_LOG_COLUMNS)  # names and DuckDB types, as the Parquet file reads back


def test_the_log_of_a_warehouse_path_lands_beside_the_bi_file(tmp_path):
    warehouse = activation_warehouse(tmp_path / "wh" / "lead_scoring.duckdb", with_log=True)
    written = export_delivery_log(warehouse, tmp_path / "bi" / "bi.duckdb")
    assert written == tmp_path / "bi" / "delivery_log.parquet"
    columns, rows = parquet(written)
    assert columns == EXPECTED_COLUMNS
    assert sorted((r[1], r[2], r[4], r[6], r[7]) for r in rows) == sorted((d[0], d[1], d[3], d[4], d[5]) for d in DELIVERIES)
    assert [p.name for p in written.parent.iterdir()] == ["delivery_log.parquet"]  # no temporary file left


def test_an_open_connection_is_used_and_left_open_and_the_file_replaced(tmp_path):
    warehouse = activation_warehouse(tmp_path / "wh" / "lead_scoring.duckdb", with_log=True)
    con = duckdb.connect(str(warehouse))  # the delivery step's own read-write connection
    try:
        first = export_delivery_log(con, tmp_path / "bi" / "bi.duckdb")
        con.execute("delete from activation.delivery_log where status = 'failed'")
        second = export_delivery_log(con, tmp_path / "bi" / "bi.duckdb")
        assert con.execute("select count(*) from activation.delivery_log").fetchone()[0] == 3
    finally:
        con.close()
    assert first == second and len(parquet(second)[1]) == 3


def test_without_a_log_the_file_has_the_columns_and_no_rows(tmp_path):
    warehouse = activation_warehouse(tmp_path / "wh" / "lead_scoring.duckdb")
    columns, rows = parquet(export_delivery_log(str(warehouse), tmp_path / "bi" / "bi.duckdb"))
    assert columns == EXPECTED_COLUMNS and rows == []


def test_a_failed_export_leaves_the_previous_file_and_no_temporary_file(tmp_path):
    warehouse = activation_warehouse(tmp_path / "wh" / "lead_scoring.duckdb", with_log=True)
    written = export_delivery_log(warehouse, tmp_path / "bi" / "bi.duckdb")
    before = written.read_bytes()
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("alter table activation.delivery_log drop column detail")  # no longer the contract's log
        with pytest.raises(duckdb.Error):
            export_delivery_log(con, tmp_path / "bi" / "bi.duckdb")
    finally:
        con.close()
    assert written.read_bytes() == before and [p.name for p in written.parent.iterdir()] == ["delivery_log.parquet"]
