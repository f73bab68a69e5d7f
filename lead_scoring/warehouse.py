"""Small queries on a DuckDB connection that the summary, the Dagster checks and the publisher share."""

from __future__ import annotations

import duckdb


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """The first column of the first row."""
    return con.execute(sql, params or []).fetchall()[0][0]


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(scalar(con, "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]))
