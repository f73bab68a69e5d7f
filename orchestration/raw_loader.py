"""Landing ingestion: CSV, Parquet and JSON-lines files into the warehouse's `raw` schema.

The contract (columns, logical types, which are required) is read from the dbt source definition,
models/staging/raw/_raw__sources.yml, so the loader and the staging models cannot disagree.

Folder layout, per table: `<dir>/<table>/*.csv|*.parquet|*.jsonl` or one `<dir>/<table>.<ext>`.

Every file is loaded once. raw.load_log records each load (file, size, SHA-256, rows in, accepted,
rejected, status); a file whose checksum is unchanged is skipped, and a changed file with the same
name replaces the rows it loaded before and is reported as `reloaded_changed`. Rows that break a
rule go to raw.load_rejects with the file, line, column and reason, never dropped silently, so for
every file: rows in = rows accepted + rows rejected. A file with a missing required column, or one
that cannot be read, fails as a whole (nothing of it is loaded) and the load raises RawDataError
after the other files are done. Columns beyond the contract are ignored.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

from orchestration.settings import DBT_PROJECT_DIR, RAW_SCHEMA, RAW_TABLES

SOURCES_YML = DBT_PROJECT_DIR / "models" / "staging" / "raw" / "_raw__sources.yml"
EVENT_TYPES_CSV = DBT_PROJECT_DIR / "seeds" / "event_types.csv"
DUCKDB_TYPES = {
    "string": "varchar",
    "integer": "integer",
    "float": "double",
    "boolean": "boolean",
    "timestamp": "timestamptz",
}
FILE_READERS = {
    ".parquet": "read_parquet({path})",
    ".csv": "read_csv({path}, header = true, all_varchar = true)",
    ".jsonl": "read_json({path}, format = 'newline_delimited')",
    ".ndjson": "read_json({path}, format = 'newline_delimited')",
}
# Clocks and time zones differ between systems: only timestamps more than a day ahead are "future".
FUTURE_TOLERANCE = dt.timedelta(days=1)
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
LOG_TABLE = f"{RAW_SCHEMA}.load_log"
REJECTS_TABLE = f"{RAW_SCHEMA}.load_rejects"


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


@dataclass
class FileLoad:
    """What happened to one file in one load."""

    path: str
    table: str
    size_bytes: int
    checksum: str
    status: str  # loaded | reloaded_changed | unchanged | failed
    rows_in: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    message: str = ""


@dataclass
class LoadReport:
    load_id: str
    loaded_at: dt.datetime
    files: list[FileLoad] = field(default_factory=list)

    def for_status(self, *statuses: str) -> list[FileLoad]:
        return [f for f in self.files if f.status in statuses]

    def totals(self, table: str) -> tuple[int, int, int]:
        """(rows in, accepted, rejected) over the files this load read for `table`."""
        done = [f for f in self.files if f.table == table and f.status in ("loaded", "reloaded_changed")]
        return sum(f.rows_in for f in done), sum(f.rows_accepted for f in done), sum(f.rows_rejected for f in done)


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


def known_event_types(path: Path = EVENT_TYPES_CSV) -> list[str]:
    with path.open(newline="") as handle:
        return [row["event_type"] for row in csv.DictReader(handle)]


def find_table_files(folder: Path, table: str) -> list[Path]:
    """The files of one table: a sub-folder of files, or one file named after the table."""
    sub = folder / table
    if sub.is_dir():
        files = sorted(p for p in sub.iterdir() if p.suffix.lower() in FILE_READERS and p.is_file())
    else:
        files = [folder / f"{table}{ext}" for ext in FILE_READERS if (folder / f"{table}{ext}").is_file()]
    if not files:
        raise RawDataError(f"No files for raw table '{table}' in {folder} (expected {table}/*.csv|*.parquet|*.jsonl or {table}.csv|.parquet|.jsonl)")
    return files


def _scan_sql(path: Path) -> str:
    """A relation over one file (CSV is read as text; everything is validated as text below)."""
    return FILE_READERS[path.suffix.lower()].format(path="'" + _quote(path) + "'")


def _quote(path: Path | str) -> str:
    return str(path).replace("'", "''")


def _checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _ensure_tables(con: duckdb.DuckDBPyConnection, contract: dict[str, list[ContractColumn]]) -> None:
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    for table, columns in contract.items():
        existing = [r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            [RAW_SCHEMA, table]).fetchall()]
        if existing and "_source_file" not in existing:
            # A table from a loader without file tracking: start over, every file loads again.
            con.execute(f"drop table {RAW_SCHEMA}.{table}")
        cols = ", ".join(f'"{c.name}" {c.duckdb_type}' for c in columns)
        con.execute(f"create table if not exists {RAW_SCHEMA}.{table} ({cols}, _source_file varchar, _source_line bigint, _load_id varchar)")
    con.execute(f"""create table if not exists {LOG_TABLE} (
        load_id varchar, file_path varchar, table_name varchar, size_bytes bigint, checksum varchar,
        status varchar, rows_in bigint, rows_accepted bigint, rows_rejected bigint, message varchar,
        loaded_at timestamptz)""")
    con.execute(f"""create table if not exists {REJECTS_TABLE} (
        load_id varchar, file_path varchar, table_name varchar, line_number bigint, column_name varchar,
        reason varchar, record varchar, rejected_at timestamptz)""")


def _previous_checksum(con: duckdb.DuckDBPyConnection, file_path: str) -> str | None:
    rows = con.execute(
        f"select checksum from {LOG_TABLE} where file_path = ? and status in ('loaded', 'reloaded_changed') "
        "order by loaded_at desc limit 1", [file_path]).fetchall()
    return rows[0][0] if rows else None


def _rule_checks(table: str, columns: list[ContractColumn], now: dt.datetime) -> list[tuple[str, str, str]]:
    """(condition that rejects a row, column, reason) in priority order; the first that holds wins.
    Conditions read the batch's text columns `c_<name>` and, for typed columns, `t_<name>`: the
    text cast once to its type (null where it does not parse)."""
    future = f"timestamptz '{(now + FUTURE_TOLERANCE).isoformat()}'"
    checks: list[tuple[str, str, str]] = []
    for c in columns:
        if c.required:
            checks.append((f"nullif(trim(c_{c.name}), '') is null", c.name, f"missing {c.name}"))
    for c in columns:
        present = f"nullif(trim(c_{c.name}), '') is not null"
        if c.logical_type == "timestamp":
            checks.append((f"{present} and t_{c.name} is null", c.name, f"unparseable timestamp in {c.name}"))
            checks.append((f"t_{c.name} > {future}", c.name, f"{c.name} is in the future"))
        elif c.logical_type in ("integer", "float", "boolean"):
            checks.append((f"{present} and t_{c.name} is null", c.name, f"{c.name} is not a valid {c.logical_type}"))
    if table == "leads":
        checks.append((f"nullif(trim(c_email), '') is not null and not regexp_full_match(lower(trim(c_email)), '{EMAIL_PATTERN}')", "email", "invalid email"))
    if table == "events":
        types = ", ".join(f"'{t}'" for t in known_event_types())
        checks.append((f"replace(replace(lower(trim(c_event_type)), ' ', '_'), '-', '_') not in ({types})", "event_type", "unknown event_type"))
    if table in ("events", "opportunities"):
        checks.append(("trim(c_lead_id) not in (select lead_id from known_leads)", "lead_id", "unknown lead_id"))
    if table == "events":
        checks.append(("duplicate_rank > 1 or trim(c_event_id) in (select event_id from already_loaded)", "event_id", "duplicate event_id"))
    if table == "opportunities":
        checks.append(("t_amount < 0", "amount", "negative amount"))
    return checks


# How DESCRIBE names the contract's DuckDB types.
_DESCRIBED_TYPES = {"timestamptz": "timestamp with time zone"}


def _typed(c: ContractColumn) -> str:
    """The batch column that holds a contract column's value as it is stored in raw.*."""
    return f"c_{c.name}" if c.logical_type == "string" else f"t_{c.name}"


def _validate_into_batch(con: duckdb.DuckDBPyConnection, path: Path, relative: str, table: str, columns: list[ContractColumn], now: dt.datetime) -> None:
    """temp table batch: the file's rows as text (c_<name>) and typed (t_<name>), with line number
    and the first failing rule. One statement, and every text parsed once: at 20M events this
    costs half the CPU of materialising each step and casting in every check."""
    try:
        described = con.execute(f"describe select * from {_scan_sql(path)}").fetchall()
    except duckdb.Error as exc:
        raise RawDataError(f"Cannot read {path}: {exc}") from exc
    present = {r[0].lower(): r[0] for r in described}
    file_types = {r[0].lower(): r[1].lower() for r in described}
    missing = [c.name for c in columns if c.required and c.name not in present]
    if missing:
        raise RawDataError(f"{path}: required column '{missing[0]}' of raw table '{table}' is missing")
    text_columns = ", ".join(
        f'cast("{present[c.name]}" as varchar) as c_{c.name}' if c.name in present else f"cast(null as varchar) as c_{c.name}"
        for c in columns
    )
    # A column the file already stores in the contract's type (Parquet) is taken as it is.
    typed_columns = "".join(
        f', "{present[c.name]}" as t_{c.name}' if file_types.get(c.name) == _DESCRIBED_TYPES.get(c.duckdb_type, c.duckdb_type)
        else f", try_cast(c_{c.name} as {c.duckdb_type}) as t_{c.name}"
        for c in columns if c.logical_type != "string"
    )
    # CSV: the header is line 1, so data row n is on line n + 1. Parquet and JSON lines: row n.
    header_lines = 1 if path.suffix.lower() == ".csv" else 0
    # Of an event delivered twice, the first delivery is kept (as staging does): that is when we knew.
    duplicate_rank = (
        "row_number() over (partition by trim(c_event_id) order by t_received_at nulls last, line_number)"
        if table == "events" else "1"
    )
    if table == "events":
        # The file's event_ids already loaded from other files. The file's ids are the small side
        # of this join: probing the loaded ids with them keeps each file's check linear in the
        # rows loaded so far (a hash table over all loaded ids per file made 50 files of 2M
        # events quadratic).
        try:
            con.execute(f"""
                create or replace temp table already_loaded as
                select distinct event_id from loaded_event_ids
                where source_file != ?
                  and event_id in (select trim(cast("{present['event_id']}" as varchar)) from {_scan_sql(path)})
            """, [relative])
        except duckdb.Error as exc:
            raise RawDataError(f"Cannot read {path}: {exc}") from exc
    checks = _rule_checks(table, columns, now)
    first_failing = "case " + " ".join(f"when {cond} then {i}" for i, (cond, _, _) in enumerate(checks)) + " end"
    reason = "case reject_check " + " ".join(f"when {i} then '{why}'" for i, (_, _, why) in enumerate(checks)) + " end"
    column = "case reject_check " + " ".join(f"when {i} then '{col}'" for i, (_, col, _) in enumerate(checks)) + " end"
    try:
        con.execute(f"""
            create or replace temp table batch as
            with file_rows as (
                select row_number() over () + {header_lines} as line_number, * from {_scan_sql(path)}
            ),
            typed as (select line_number, {text_columns}{typed_columns} from file_rows),
            ranked as (select *, {duplicate_rank} as duplicate_rank from typed),
            checked as (select *, {first_failing} as reject_check from ranked)
            select *, {reason} as reject_reason, {column} as reject_column from checked
        """)
    except duckdb.Error as exc:
        raise RawDataError(f"Cannot read {path}: {exc}") from exc


def _load_file(con, path: Path, relative: str, table: str, columns, report: LoadReport, previous: str | None, checksum: str) -> FileLoad:
    result = FileLoad(path=relative, table=table, size_bytes=path.stat().st_size, checksum=checksum,
                      status="reloaded_changed" if previous else "loaded")
    con.execute("begin transaction")
    try:
        if previous:
            # A changed file replaces what its earlier version loaded.
            con.execute(f"delete from {RAW_SCHEMA}.{table} where _source_file = ?", [relative])
            con.execute(f"delete from {REJECTS_TABLE} where file_path = ?", [relative])
        _validate_into_batch(con, path, relative, table, columns, report.loaded_at)
        values = ", ".join(_typed(c) for c in columns)
        con.execute(f"insert into {RAW_SCHEMA}.{table} select {values}, ?, line_number, ? from batch where reject_reason is null", [relative, report.load_id])
        record = "json_object(" + ", ".join(f"'{c.name}', c_{c.name}" for c in columns) + ")"
        con.execute(
            f"insert into {REJECTS_TABLE} select ?, ?, ?, line_number, reject_column, reject_reason, cast({record} as varchar), ? "
            "from batch where reject_reason is not null", [report.load_id, relative, table, report.loaded_at])
        result.rows_in, result.rows_rejected = con.execute("select count(*), count(reject_reason) from batch").fetchall()[0]
        result.rows_accepted = result.rows_in - result.rows_rejected
        if previous:
            result.message = "the file changed since it was last loaded; its earlier rows were replaced"
        _log(con, report, result)
        con.execute("commit")
    except BaseException as exc:
        con.execute("rollback")
        if not isinstance(exc, (RawDataError, duckdb.Error)):
            raise
        failed = FileLoad(path=relative, table=table, size_bytes=result.size_bytes, checksum=checksum, status="failed", message=str(exc))
        _log(con, report, failed)
        return failed
    return result


def _log(con: duckdb.DuckDBPyConnection, report: LoadReport, f: FileLoad) -> None:
    con.execute(f"insert into {LOG_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [report.load_id, f.path, f.table, f.size_bytes, f.checksum, f.status, f.rows_in,
                 f.rows_accepted, f.rows_rejected, f.message, report.loaded_at])


def load_landing_folder(con: duckdb.DuckDBPyConnection, folder: Path, now: dt.datetime | None = None) -> LoadReport:
    """Load every new or changed file of `folder` (leads first: events and opportunities are
    checked against known leads). Returns what happened to each file; raises nothing for bad
    files (see load_raw_folder)."""
    contract = load_contract()
    missing = [t for t in RAW_TABLES if t not in contract]
    if missing:
        raise RawDataError(f"The raw contract lacks tables {missing}")
    con.execute("set TimeZone = 'UTC'")
    report = LoadReport(load_id=str(uuid.uuid4()), loaded_at=now or dt.datetime.now(dt.timezone.utc))
    _ensure_tables(con, contract)
    files = {table: find_table_files(folder, table) for table in RAW_TABLES}  # all tables must have files
    for table in RAW_TABLES:
        if table in ("events", "opportunities"):
            con.execute(f"create or replace temp table known_leads as select distinct trim(lead_id) as lead_id from {RAW_SCHEMA}.leads")
        if table == "events":
            # Kept up to date file by file below, instead of re-reading raw.events after each file.
            con.execute(f"create or replace temp table loaded_event_ids as select trim(event_id) as event_id, _source_file as source_file from {RAW_SCHEMA}.events")
        for path in files[table]:
            relative = path.relative_to(folder).as_posix()
            checksum = _checksum(path)
            previous = _previous_checksum(con, relative)
            if previous == checksum:
                report.files.append(FileLoad(relative, table, path.stat().st_size, checksum, "unchanged"))
                continue
            loaded = _load_file(con, path, relative, table, contract[table], report, previous, checksum)
            report.files.append(loaded)
            if table == "events" and loaded.status != "failed":
                # The file's earlier rows (if it changed) are replaced by what it loaded now.
                con.execute("delete from loaded_event_ids where source_file = ?", [relative])
                con.execute("insert into loaded_event_ids select trim(c_event_id), ? from batch where reject_reason is null", [relative])
    return report


def load_raw_folder(con: duckdb.DuckDBPyConnection, folder: Path, now: dt.datetime | None = None) -> dict[str, int]:
    """Load the landing folder; returns the rows now in each raw table. Raises RawDataError naming
    every file that failed (after loading the others)."""
    report = load_landing_folder(con, folder, now)
    failed = report.for_status("failed")
    if failed:
        raise RawDataError("; ".join(f"{f.path}: {f.message}" for f in failed))
    return raw_row_counts(con)


def raw_row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"select count(*) from {RAW_SCHEMA}.{t}").fetchall()[0][0] for t in RAW_TABLES}


def table_schema(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """[(column, type)] of raw.<table> as loaded."""
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [RAW_SCHEMA, table],
    ).fetchall()
    return [(name, dtype) for name, dtype in rows]
