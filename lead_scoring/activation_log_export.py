"""The activation delivery log beside the BI file, for the dashboard: `delivery_log.parquet`.

The delivery step (lead_scoring/activation_delivery.py) runs after the BI file is published and
writes its attempts to `activation.delivery_log` in the warehouse, so the BI file never holds the
deliveries of its own run. After each delivery run the step calls export_delivery_log, which
copies the whole log into `delivery_log.parquet` in the BI file's folder. Like the BI file, the
Parquet file is written aside under a temporary name and renamed over the old one: a reader sees
the old log or the new one, never half of one. Without a log table (no delivery yet) the file
holds no rows but has the log's columns, so readers need not tell the cases apart.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import duckdb

from lead_scoring.activation_delivery import LOG_COLUMNS as DELIVERY_LOG_COLUMNS
from lead_scoring.activation_delivery import LOG_SCHEMA as DELIVERY_LOG_SCHEMA
from lead_scoring.activation_delivery import LOG_TABLE as DELIVERY_LOG_TABLE
from lead_scoring.warehouse import fsync_path, sql_string, table_exists

DELIVERY_LOG_FILE = "delivery_log.parquet"


def delivery_log_path(bi_file_path: Path | str) -> Path:
    """Where the log of the deliveries lies for the BI file `bi_file_path`: beside it."""
    return Path(bi_file_path).parent / DELIVERY_LOG_FILE


def _log_select(con: duckdb.DuckDBPyConnection) -> str:
    columns = ", ".join(f"{name}::{kind} as {name}" for name, kind in DELIVERY_LOG_COLUMNS)
    if table_exists(con, DELIVERY_LOG_SCHEMA, DELIVERY_LOG_TABLE):
        return (f"select {columns} from {DELIVERY_LOG_SCHEMA}.{DELIVERY_LOG_TABLE} "
                "order by logged_at, activation_id, destination, channel, attempt")
    nulls = ", ".join(f"null::{kind} as {name}" for name, kind in DELIVERY_LOG_COLUMNS)
    return f"select {nulls} where false"


def export_delivery_log(warehouse_con_or_path: duckdb.DuckDBPyConnection | Path | str, bi_file_path: Path | str) -> Path:
    """Write activation.delivery_log of the warehouse to `delivery_log.parquet` beside the BI file,
    atomically (temporary name, then rename); no rows but the log's columns when the warehouse has
    no log yet. Returns the file's path.

    Pass the open connection when the caller has one: DuckDB refuses a second connection to a file
    that this process (or another) opened for writing. A path is opened read-only.
    """
    target = delivery_log_path(bi_file_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    aside = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    own = not isinstance(warehouse_con_or_path, duckdb.DuckDBPyConnection)
    con = duckdb.connect(str(warehouse_con_or_path), read_only=True) if own else warehouse_con_or_path
    try:
        con.execute(f"copy ({_log_select(con)}) to {sql_string(aside)} (format parquet)")
        fsync_path(aside)
        os.replace(aside, target)  # atomic: readers see the old log or the new one
        fsync_path(target.parent)
    except BaseException:
        aside.unlink(missing_ok=True)
        raise
    finally:
        if own:
            con.close()
    return target

