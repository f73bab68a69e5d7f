"""Small queries on a DuckDB connection that the loader, the summary, the Dagster checks and the
publisher share, the quoting of values written into SQL text, and flushing a replaced file to disk."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import duckdb


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """The first column of the first row."""
    return con.execute(sql, params or []).fetchall()[0][0]


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str, catalog: str | None = None) -> bool:
    """Whether schema.table exists (in `catalog`, when given: an attached database)."""
    sql = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
    params = [schema, table]
    if catalog is not None:
        sql, params = sql + " and table_catalog = ?", [*params, catalog]
    return bool(scalar(con, sql, params))


def sql_string(value: object) -> str:
    """`value` as a SQL string literal, its quotes doubled: for file paths and names that cannot be
    query parameters (table functions, ATTACH)."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_strings(values: Iterable[object]) -> str:
    """String literals separated by commas, for `in (...)` and list literals."""
    return ", ".join(sql_string(value) for value in values)


def fsync_path(path: Path) -> None:
    """Flush a file, or a folder's entries after a rename, to disk: a file replaced atomically
    (BI file, outbox files, delivery log export) must survive a crash as the old or the new one."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
