"""Raw loading into PostgreSQL: the same landing files, contract checks and rejects as on DuckDB.

The DuckDB loader (lead_scoring/ingest/raw_loader.py) does the work in a scratch DuckDB file: it reads
CSV, Parquet and JSON lines, validates every row against the raw data contract, keeps rejects in
raw.load_rejects and logs every file in raw.load_log. The resulting raw tables are then copied
into PostgreSQL's `raw` schema with `COPY ... FROM STDIN`, all in one transaction, so readers see
either the previous load or the new one. The copy replaces each table's contents in full; the
scratch file keeps the load history, so a file whose checksum is unchanged is not read again.

Connection settings are the ones the `postgres` output of profiles.yml reads:
LEAD_SCORING_PG_HOST, _PORT, _USER, _PASSWORD, _DATABASE.

From the command line: `lead-scoring load --target postgres [--raw-dir DIR]`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from pathlib import Path

import duckdb

from lead_scoring.dbt_definitions import RAW_TABLES
from lead_scoring.ingest.raw_loader import LOG_TABLE, REJECTS_TABLE, load_raw_folder, table_schema
from lead_scoring.settings import RAW_SCHEMA
from lead_scoring.warehouse import sql_string

# The tables copied: the contract's raw tables and the loader's audit tables.
COPIED_TABLES = (*RAW_TABLES, LOG_TABLE.split(".")[1], REJECTS_TABLE.split(".")[1])
# DuckDB column type -> PostgreSQL column type (every type the loader creates).
POSTGRES_TYPES = {
    "VARCHAR": "text",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "DOUBLE": "double precision",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}


def postgres_connection_settings() -> dict[str, object]:
    """psycopg2.connect() keywords from the environment, with the defaults of profiles.yml."""
    return {
        "host": os.environ.get("LEAD_SCORING_PG_HOST", "localhost"),
        "port": int(os.environ.get("LEAD_SCORING_PG_PORT", "5432")),
        "user": os.environ.get("LEAD_SCORING_PG_USER", "postgres"),
        "password": os.environ.get("LEAD_SCORING_PG_PASSWORD", ""),
        "dbname": os.environ.get("LEAD_SCORING_PG_DATABASE", "lead_scoring"),
    }


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def postgres_type(duckdb_type: str) -> str | None:
    """The PostgreSQL column type of a DuckDB column type; None when there is none."""
    decimal = re.fullmatch(r"DECIMAL\((\d+),(\d+)\)", duckdb_type)
    return f"numeric({decimal[1]},{decimal[2]})" if decimal else POSTGRES_TYPES.get(duckdb_type)


def _duckdb_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str]]:
    """[(column, PostgreSQL type)] of <schema>.<table> in the DuckDB file."""
    rows = table_schema(con, table, schema)
    if not rows:
        raise ValueError(f"{schema}.{table} does not exist in the DuckDB file")
    unknown = [f"{name} {dtype}" for name, dtype in rows if postgres_type(dtype) is None]
    if unknown:
        raise ValueError(f"{schema}.{table}: no PostgreSQL type for {unknown}")
    return [(name, postgres_type(dtype)) for name, dtype in rows]


def _postgres_columns(cur, schema: str, table: str) -> list[tuple[str, str]]:
    cur.execute(
        "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a "
        "join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = %s and c.relname = %s and a.attnum > 0 and not a.attisdropped order by a.attnum",
        [schema, table],
    )
    aliases = {"timestamp with time zone": "timestamptz", "timestamp without time zone": "timestamp"}
    return [(name, aliases.get(dtype, dtype)) for name, dtype in cur.fetchall()]


def _replace_table(cur, duck: duckdb.DuckDBPyConnection, schema: str, table: str, work_dir: Path) -> int:
    """Make <schema>.<table> in PostgreSQL hold exactly the DuckDB table's rows. A table with the
    same columns is emptied and refilled (views that read it, such as dbt's staging views, stay);
    otherwise it is recreated. Column names keep their case (quoted)."""
    columns = _duckdb_columns(duck, schema, table)
    target = f"{_quote_ident(schema)}.{_quote_ident(table)}"
    if _postgres_columns(cur, schema, table) == columns:
        cur.execute(f"truncate table {target}")
    else:
        cur.execute(f"drop table if exists {target} cascade")
        cur.execute(f"create table {target} ({', '.join(f'{_quote_ident(n)} {t}' for n, t in columns)})")
    # DuckDB writes CSV as PostgreSQL reads it: NULL unquoted and empty, '' as "", timestamps with
    # their offset, doubles in their shortest exact form.
    csv_path = work_dir / f"{table}.csv"
    duck.execute(f"copy {_quote_ident(schema)}.{_quote_ident(table)} to {sql_string(csv_path.as_posix())} (format csv, header false)")
    names = ", ".join(_quote_ident(n) for n, _ in columns)
    with csv_path.open("r", encoding="utf-8", newline="") as handle:
        cur.copy_expert(f"copy {target} ({names}) from stdin with (format csv)", handle)
    csv_path.unlink()
    return cur.rowcount


def copy_tables(duck: duckdb.DuckDBPyConnection, pg_con, schema: str, tables: tuple[str, ...]) -> dict[str, int]:
    """Copy the tables of one schema of a DuckDB connection into the same schema in PostgreSQL, in
    one transaction. Returns the rows copied per table."""
    duck.execute("set TimeZone = 'UTC'")
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="lead-scoring-raw-") as work_dir:
        try:
            with pg_con.cursor() as cur:
                cur.execute(f"create schema if not exists {_quote_ident(schema)}")
                for table in tables:
                    counts[table] = _replace_table(cur, duck, schema, table, Path(work_dir))
            pg_con.commit()
        except BaseException:
            pg_con.rollback()
            raise
    return counts


def copy_raw_tables(duck: duckdb.DuckDBPyConnection, pg_con, tables: tuple[str, ...] = COPIED_TABLES) -> dict[str, int]:
    """Copy the raw tables of a DuckDB connection into PostgreSQL's raw schema in one transaction.
    Returns the rows copied per table."""
    return copy_tables(duck, pg_con, RAW_SCHEMA, tables)


def load_raw_folder_to_postgres(folder: Path, scratch_db: Path | None = None, connection_settings: dict | None = None,
                                now: dt.datetime | None = None) -> dict[str, int]:
    """Load the landing folder into PostgreSQL: the DuckDB loader into `scratch_db` (a temporary
    file when None; keep one to skip unchanged files next time), then the copy. Raises
    RawDataError like load_raw_folder when a file fails (nothing is copied then). Returns the
    rows now in each raw table."""
    import psycopg2

    with tempfile.TemporaryDirectory(prefix="lead-scoring-scratch-") as scratch_dir:
        path = scratch_db or Path(scratch_dir) / "raw.duckdb"
        path.parent.mkdir(parents=True, exist_ok=True)
        duck = duckdb.connect(str(path))
        try:
            load_raw_folder(duck, folder, now)
            pg_con = psycopg2.connect(**(connection_settings or postgres_connection_settings()))
            try:
                counts = copy_raw_tables(duck, pg_con)
            finally:
                pg_con.close()
        finally:
            duck.close()
    return {table: counts[table] for table in RAW_TABLES}
