"""Load raw tables from a folder of CSV or Parquet files into the warehouse's `raw` schema.

The contract (columns, logical types, which are required) is read from the dbt source definition,
models/staging/raw/_raw__sources.yml, so the loader and the staging models cannot disagree.

Folder layout, per table: `<dir>/<table>/*.parquet|*.csv` or a single `<dir>/<table>.parquet|csv`.
Extra columns in a file are ignored; a missing optional column is loaded as a typed null; a
missing required column or an unreadable file stops the load with a message naming file and
column. All tables are replaced in one transaction: a failed load leaves the previous raw data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from orchestration.settings import DBT_PROJECT_DIR, RAW_SCHEMA, RAW_TABLES

SOURCES_YML = DBT_PROJECT_DIR / "models" / "staging" / "raw" / "_raw__sources.yml"
DUCKDB_TYPES = {
    "string": "varchar",
    "integer": "integer",
    "float": "double",
    "boolean": "boolean",
    "timestamp": "timestamptz",
}
FILE_READERS = {".parquet": "read_parquet", ".csv": "read_csv"}


class RawDataError(ValueError):
    """A raw file cannot be loaded under the contract; the message names file and column."""


@dataclass(frozen=True)
class ContractColumn:
    name: str
    logical_type: str
    required: bool
    description: str

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.logical_type]


def load_contract(path: Path = SOURCES_YML) -> dict[str, list[ContractColumn]]:
    """{table: [ContractColumn, ...]} for the raw source, in contract order."""
    spec = yaml.safe_load(path.read_text())
    (source,) = [s for s in spec["sources"] if s["name"] == "raw"]
    return {
        table["name"]: [
            ContractColumn(
                name=col["name"],
                logical_type=col["data_type"],
                required=bool((col.get("meta") or {}).get("required", False)),
                description=col.get("description", ""),
            )
            for col in table["columns"]
        ]
        for table in source["tables"]
    }


def find_table_files(folder: Path, table: str) -> list[Path]:
    """The files of one table: a sub-folder of files, or one file named after the table."""
    sub = folder / table
    if sub.is_dir():
        files = sorted(p for p in sub.iterdir() if p.suffix.lower() in FILE_READERS and p.is_file())
    else:
        files = [folder / f"{table}{ext}" for ext in FILE_READERS if (folder / f"{table}{ext}").is_file()]
    if not files:
        raise RawDataError(f"No files for raw table '{table}' in {folder} (expected {table}/*.csv|*.parquet or {table}.csv|.parquet)")
    kinds = {p.suffix.lower() for p in files}
    if len(kinds) > 1:
        raise RawDataError(f"Raw table '{table}' mixes file types {sorted(kinds)} in {folder}")
    return files


def _scan_sql(path: Path) -> str:
    """A relation over one file; CSV is read as text and cast under the contract."""
    reader = FILE_READERS[path.suffix.lower()]
    options = ", header = true, all_varchar = true" if reader == "read_csv" else ""
    return f"{reader}('{_quote(path)}'{options})"


def _file_columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    try:
        return [row[0].lower() for row in con.execute(f"describe select * from {_scan_sql(path)}").fetchall()]
    except duckdb.Error as exc:
        raise RawDataError(f"Cannot read {path}: {exc}") from exc


def _select_list(columns: list[ContractColumn], present: set[str], path: Path, table: str) -> str:
    parts = []
    for col in columns:
        if col.name in present:
            parts.append(f'cast("{col.name}" as {col.duckdb_type}) as "{col.name}"')
        elif col.required:
            raise RawDataError(f"{path}: required column '{col.name}' of raw table '{table}' is missing")
        else:
            parts.append(f'cast(null as {col.duckdb_type}) as "{col.name}"')
    return ", ".join(parts)


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


def load_raw_folder(con: duckdb.DuckDBPyConnection, folder: Path) -> dict[str, int]:
    """Replace raw.<table> for every contract table from `folder`; returns rows loaded per table."""
    contract = load_contract()
    missing = [t for t in RAW_TABLES if t not in contract]
    if missing:
        raise RawDataError(f"The raw contract lacks tables {missing}")
    con.execute("set TimeZone = 'UTC'")
    # Build every select first: a bad file fails here, before anything is replaced.
    selects: dict[str, str] = {}
    for table in RAW_TABLES:
        parts = []
        for path in find_table_files(folder, table):
            present = set(_file_columns(con, path))
            parts.append(f"select {_select_list(contract[table], present, path, table)} from {_scan_sql(path)}")
        selects[table] = "\nunion all\n".join(parts)

    counts: dict[str, int] = {}
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {RAW_SCHEMA}")
        for table, select in selects.items():
            try:
                con.execute(f"create or replace table {RAW_SCHEMA}.{table} as {select}")
            except duckdb.ConversionException as exc:
                raise RawDataError(f"Raw table '{table}' from {folder}: a value does not fit the contract: {exc}") from exc
            counts[table] = con.execute(f"select count(*) from {RAW_SCHEMA}.{table}").fetchall()[0][0]
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return counts


def table_schema(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """[(column, type)] of raw.<table> as loaded."""
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [RAW_SCHEMA, table],
    ).fetchall()
    return [(name, dtype) for name, dtype in rows]
