"""Landing ingestion: CSV, Parquet and JSON files into the warehouse's `raw` schema.

The contract (columns, logical types, which are required) is read from the dbt source definition,
models/staging/raw/_raw__sources.yml, and the accepted values of the staged columns from
models/staging/raw/_raw__models.yml, so the loader and the staging models cannot disagree: a row
that staging's tests would refuse is rejected here, with its reason, and never stops a build.

Folder layout, per table: `<dir>/<table>/<files>` and/or one `<dir>/<table>.<ext>`; files are
CSV (`.csv`, `.csv.gz`), Parquet, or JSON (`.jsonl`, `.ndjson`, `.json`, each optionally `.gz`).
Every other entry of the folder is skipped, and listed with the reason in raw.load_log and the
load report. File names are read literally (a `*` or `[` in a name is not a pattern).

Every file is loaded once. raw.load_log records each load (file, size, SHA-256, rows in, accepted,
rejected, status); a file whose checksum is unchanged is skipped, and a changed file with the same
name replaces the rows it loaded before and is reported as `reloaded_changed`. Rows that break a
rule go to raw.load_rejects with the file, line, column and reason, never dropped silently, so for
every file: rows in = rows loaded + rows pending + rows rejected. Rows that are refused only
because something else is missing yet (an event or opportunity whose lead has not arrived) are
kept `pending` and load at the first later run that has what they need; a duplicate event_id is
looked at again when the copy that was kept disappears (a corrected file). A file with a missing
required column, or one that cannot be read, fails as a whole (nothing of it is loaded) and the
load raises RawDataError after the other files are done. Columns beyond the contract are ignored;
a contract column with aliases (meta.aliases, e.g. the headers of visitor-identification exports)
is also found under one of them, compared ignoring case, spaces, underscores and hyphens.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gzip
import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

from lead_scoring.dbt_definitions import RAW_TABLES, ContractColumn, load_contract
from lead_scoring.settings import DBT_PROJECT_DIR, RAW_SCHEMA
from lead_scoring.warehouse import scalar, sql_string, sql_strings

STAGING_YML = DBT_PROJECT_DIR / "models" / "staging" / "raw" / "_raw__models.yml"
EVENT_TYPES_CSV = DBT_PROJECT_DIR / "seeds" / "event_types.csv"
EVENT_TYPE_MAPPING_CSV = DBT_PROJECT_DIR / "seeds" / "event_type_mapping.csv"
# A landing folder without these tables is incomplete; opportunities may not exist yet.
REQUIRED_TABLES = ("leads", "events")
_CSV = "read_csv({path}, header = true, all_varchar = true)"
_JSON_LINES = "read_json({path}, format = 'newline_delimited')"
# Name endings the loader reads (compression is detected from `.gz` by DuckDB).
FILE_READERS = {
    ".csv": _CSV,
    ".csv.gz": _CSV,
    ".parquet": "read_parquet({path})",
    ".jsonl": _JSON_LINES,
    ".jsonl.gz": _JSON_LINES,
    ".ndjson": _JSON_LINES,
    ".ndjson.gz": _JSON_LINES,
    ".json": "read_json({path}, format = 'auto')",
    ".json.gz": "read_json({path}, format = 'auto')",
}
SUPPORTED = ", ".join(FILE_READERS)
# Characters DuckDB expands as a file pattern; such names are read through a plain-named link.
GLOB_CHARACTERS = set("*?[]{}")
# Clocks and time zones differ between systems: only timestamps more than a day ahead are "future".
FUTURE_TOLERANCE = dt.timedelta(days=1)
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
LOG_TABLE = f"{RAW_SCHEMA}.load_log"
REJECTS_TABLE = f"{RAW_SCHEMA}.load_rejects"
# The reason of a row that waits for its lead; every other reason is a final rejection.
UNKNOWN_LEAD = "unknown lead_id"
DUPLICATE_EVENT = "duplicate event_id"
# An event name neither seed event_types nor seed event_type_mapping knows. Such rows are tried
# again at every load, against the mapping of the time: adding a mapping row loads them.
UNKNOWN_EVENT_TYPE = "unknown event_type (map it in seeds/event_type_mapping.csv)"
# Opportunity stages that close a deal (staging derives is_closed from the same two).
CLOSED_STAGES = ("closed_won", "closed_lost")


class RawDataError(ValueError):
    """A raw file cannot be loaded under the contract; the message names file and column."""


@dataclass
class FileLoad:
    """What happened to one file in one load."""

    path: str
    table: str
    size_bytes: int | None
    checksum: str | None
    # loaded | reloaded_changed | unchanged | failed | skipped | retried | held_back
    status: str
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

    def notes(self) -> list[str]:
        """One line per file the run should mention: skipped, failed, or rows that waited."""
        lines = []
        for f in self.files:
            if f.status in ("skipped", "failed"):
                lines.append(f"{f.status}: {f.path}: {f.message}")
            elif f.status in ("retried", "held_back"):
                lines.append(f"{f.path}: {f.message}")
        return lines


@dataclass
class LandingFiles:
    """What a landing folder holds: the files of each table, and what the loader will not read."""

    tables: dict[str, list[Path]]
    skipped: list[tuple[str, str]]  # (path relative to the folder, reason)


def known_event_types(path: Path = EVENT_TYPES_CSV) -> list[str]:
    with path.open(newline="") as handle:
        return [row["event_type"] for row in csv.DictReader(handle)]


def event_type_name(name: str) -> str:
    """An event name as staging compares it (macro event_type_name): lower case, trimmed, spaces
    and hyphens as underscores."""
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def mapped_event_names(path: Path | None = None) -> dict[str | None, list[str]]:
    """The event names seed event_type_mapping maps for every event, by source system (None: any
    system). Only rows without a property condition count: the validation makes every name with
    conditional rows have such a fallback row, so an event loaded by name always maps."""
    path = path or EVENT_TYPE_MAPPING_CSV
    names: dict[str | None, list[str]] = {}
    if not path.exists():
        return names
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if (row.get("property_key") or "").strip() or not (row.get("source_event") or "").strip():
                continue
            system = (row.get("source_system") or "").strip().lower() or None
            names.setdefault(system, []).append(event_type_name(row["source_event"]))
    return names


def event_type_name_sql(expression: str) -> str:
    """event_type_name in DuckDB SQL, for the loader's and the summary's queries."""
    return f"replace(replace(lower(trim({expression})), ' ', '_'), '-', '_')"


def _unknown_event_type_sql() -> str:
    """Condition on the batch: the event's name is neither an event type nor mapped."""
    name = event_type_name_sql("c_event_type")
    known = [f"{name} in ({sql_strings(known_event_types())})"]
    for system, names in mapped_event_names().items():
        listed = f"{name} in ({sql_strings(sorted(set(names)))})"
        known.append(listed if system is None else f"(lower(trim(c_source_system)) = {sql_string(system)} and {listed})")
    return f"not coalesce({' or '.join(known)}, false)"


@functools.cache
def staging_accepted_values(model: str, column: str, path: Path = STAGING_YML) -> tuple[str, ...]:
    """The values the `accepted_values` test of a staging column allows (the one definition)."""
    spec = yaml.safe_load(path.read_text())
    for node in spec["models"]:
        if node["name"] != model:
            continue
        for col in node.get("columns", []):
            if col["name"] != column:
                continue
            for test in col.get("data_tests", []):
                if isinstance(test, dict) and "accepted_values" in test:
                    return tuple(test["accepted_values"]["arguments"]["values"])
    raise RawDataError(f"{path.name}: no accepted_values test on {model}.{column}")


def reader_for(path: Path) -> str | None:
    """The DuckDB table function for a file name, or None for a name the loader does not read."""
    name = path.name.lower()
    for ending in sorted(FILE_READERS, key=len, reverse=True):
        if name.endswith(ending) and len(name) > len(ending):
            return FILE_READERS[ending]
    return None


def _table_of_single_file(path: Path) -> str | None:
    """`leads.csv` → leads: a table given as one file in the landing folder itself."""
    name = path.name.lower()
    for table in RAW_TABLES:
        if name.startswith(table + ".") and reader_for(path) and name[len(table):] in FILE_READERS:
            return table
    return None


def _skip_reason(path: Path) -> str | None:
    """Why a file inside a table's folder is not read, or None when it is."""
    if path.name.startswith("."):
        return "hidden file"
    if path.is_symlink() and not path.exists():
        return "broken symbolic link"
    if path.is_dir():
        return "a folder inside a table's folder is not read (put the files directly in the table's folder)"
    if not path.is_file():
        return "not a regular file"
    if reader_for(path) is None:
        return f"unsupported file type (the loader reads {SUPPORTED})"
    return None


def discover(folder: Path, required: tuple[str, ...] = REQUIRED_TABLES) -> LandingFiles:
    """The files of every table in `folder`, and every other entry with the reason it is skipped.

    A table may have a folder of files, a single file named after it, or both (both are read).
    Raises RawDataError when the folder is missing or a `required` table has no file."""
    if not folder.is_dir():
        raise RawDataError(f"The landing folder {folder} does not exist or is not a folder")
    tables: dict[str, list[Path]] = {table: [] for table in RAW_TABLES}
    skipped: list[tuple[str, str]] = []
    for entry in sorted(folder.iterdir()):
        relative = entry.relative_to(folder).as_posix()
        if entry.name in RAW_TABLES and entry.is_dir():
            for path in sorted(entry.iterdir()):
                reason = _skip_reason(path)
                if reason:
                    skipped.append((path.relative_to(folder).as_posix(), reason))
                else:
                    tables[entry.name].append(path)
        elif entry.name.startswith("."):
            skipped.append((relative, "hidden file"))
        elif entry.is_symlink() and not entry.exists():
            skipped.append((relative, "broken symbolic link"))
        elif entry.is_file() and (table := _table_of_single_file(entry)):
            tables[table].append(entry)
        else:
            skipped.append((relative, f"not a raw table (expected a folder or a {SUPPORTED} file named {', '.join(RAW_TABLES)})"))
    for table in required:
        if not tables[table]:
            raise RawDataError(
                f"No files for raw table '{table}' in {folder} (expected {table}/ with {SUPPORTED} files, or one {table}.<ext>)")
    return LandingFiles(tables, skipped)


def find_table_files(folder: Path, table: str) -> list[Path]:
    """The files of one table (empty when it has none)."""
    return discover(folder, required=()).tables[table]


class _LiteralPaths:
    """DuckDB expands `*`, `?`, `[...]` and `{...}` in file names; a file whose path holds one is
    read through a link with a plain name, so every file is read by its literal name."""

    def __init__(self) -> None:
        self._dir: Path | None = None

    def __call__(self, path: Path) -> str:
        if not GLOB_CHARACTERS & set(str(path)):
            return str(path)
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="lead-scoring-load-"))
        ending = next(e for e in sorted(FILE_READERS, key=len, reverse=True) if path.name.lower().endswith(e))
        link = self._dir / f"{len(list(self._dir.iterdir()))}{ending}"
        os.symlink(path.resolve(), link)
        return str(link)

    def close(self) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


@contextmanager
def literal_paths() -> Iterator[_LiteralPaths]:
    paths = _LiteralPaths()
    try:
        yield paths
    finally:
        paths.close()


def scan_sql(path: Path, literal: _LiteralPaths) -> str:
    """A relation over one file, read by its literal name (CSV as text; all is validated below)."""
    reader = reader_for(path)
    if reader is None:
        raise RawDataError(f"{path}: unsupported file type (the loader reads {SUPPORTED})")
    return reader.format(path=sql_string(literal(path)))


def count_file_rows(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Data rows of one landing file, read the way the loader reads it."""
    with literal_paths() as literal:
        return scalar(con, f"select count(*) from {scan_sql(path, literal)}")


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
    # Added after the first release: warehouses loaded before keep their rows (all final rejections).
    con.execute(f"alter table {REJECTS_TABLE} add column if not exists status varchar default 'rejected'")
    con.execute(f"alter table {REJECTS_TABLE} add column if not exists record_number bigint")
    con.execute(f"alter table {REJECTS_TABLE} add column if not exists first_rejected_at timestamptz")


def _previous_checksum(con: duckdb.DuckDBPyConnection, file_path: str) -> str | None:
    rows = con.execute(
        f"select checksum from {LOG_TABLE} where file_path = ? and status in ('loaded', 'reloaded_changed') "
        "order by loaded_at desc limit 1", [file_path]).fetchall()
    return rows[0][0] if rows else None


def _rule_checks(table: str, columns: list[ContractColumn], now: dt.datetime,
                 typed_in_file: frozenset[str] = frozenset()) -> list[tuple[str, str, str]]:
    """(condition that rejects a row, column, reason) in priority order; the first that holds wins.
    Conditions read the batch's text columns `c_<name>` and, for typed columns, `t_<name>`: the
    text cast once to its type (null where it does not parse). A column the file already stores
    in its type (`typed_in_file`) has only `t_<name>`: it is missing when null and always parses.
    Rules on the row itself come first; the last ones need other rows (the lead, an earlier copy),
    so a row refused by them is otherwise valid and can load later."""
    future = f"timestamptz '{(now + FUTURE_TOLERANCE).isoformat()}'"
    checks: list[tuple[str, str, str]] = []
    for c in columns:
        if c.required:
            missing = f"t_{c.name} is null" if c.name in typed_in_file else f"nullif(trim(c_{c.name}), '') is null"
            checks.append((missing, c.name, f"missing {c.name}"))
    for c in columns:
        if c.logical_type in ("timestamp", "integer", "float", "boolean") and c.name not in typed_in_file:
            what = "unparseable timestamp in " + c.name if c.logical_type == "timestamp" else f"{c.name} is not a valid {c.logical_type}"
            checks.append((f"nullif(trim(c_{c.name}), '') is not null and t_{c.name} is null", c.name, what))
        if c.logical_type == "timestamp":
            checks.append((f"t_{c.name} > {future}", c.name, f"{c.name} is in the future"))
    # The rest mirrors the data tests of the staging models (models/staging/raw/_raw__models.yml).
    if table == "leads":
        checks += [
            (f"nullif(trim(c_email), '') is not null and not regexp_full_match(lower(trim(c_email)), '{EMAIL_PATTERN}')",
             "email", "invalid email"),
            ("t_company_size < 0", "company_size", "negative company_size"),
            ("nullif(trim(c_country), '') is not null and length(trim(c_country)) != 2", "country",
             "country is not a two-letter ISO 3166-1 code"),
            ("t_updated_at < t_created_at", "updated_at", "updated_at is before created_at"),
        ]
    if table == "events":
        systems = sql_strings(staging_accepted_values("stg_raw__events", "source_system"))
        checks += [
            (_unknown_event_type_sql(), "event_type", UNKNOWN_EVENT_TYPE),
            (f"nullif(trim(c_source_system), '') is not null and lower(trim(c_source_system)) not in ({systems})",
             "source_system", "unknown source_system"),
            ("t_received_at < t_occurred_at", "received_at", "received_at is before occurred_at"),
            # Staging reads properties as JSON: text that is not a JSON object would stop the build.
            # (valid JSON that starts with `{` is an object; json_valid is ten times cheaper than parsing)
            ("nullif(trim(c_properties), '') is not null and not coalesce(json_valid(c_properties) and ltrim(c_properties, ' ' || chr(9) || chr(10) || chr(13)) like '{%', false)",
             "properties", "properties is not a JSON object"),
        ]
    if table == "opportunities":
        stages = staging_accepted_values("stg_raw__opportunities", "stage")
        stage = "replace(lower(trim(c_stage)), ' ', '_')"
        checks += [
            (f"{stage} not in ({sql_strings(stages)})", "stage", "unknown stage"),
            ("t_amount < 0", "amount", "negative amount"),
            ("t_closed_at < t_created_at", "closed_at", "closed_at is before created_at"),
            (f"{stage} in ({sql_strings(CLOSED_STAGES)}) and t_closed_at is null", "closed_at", "missing closed_at for a closed stage"),
            (f"{stage} not in ({sql_strings(CLOSED_STAGES)}) and t_closed_at is not null", "closed_at", "closed_at set on an open stage"),
        ]
    if table in ("events", "opportunities"):
        checks.append(("trim(c_lead_id) not in (select lead_id from known_leads)", "lead_id", UNKNOWN_LEAD))
    if table == "events":
        checks.append(("duplicate_rank > 1 or trim(c_event_id) in (select event_id from already_loaded)", "event_id", DUPLICATE_EVENT))
    return checks


# How DESCRIBE names the contract's DuckDB types.
_DESCRIBED_TYPES = {"timestamptz": "timestamp with time zone"}


def _typed(c: ContractColumn) -> str:
    """The batch column that holds a contract column's value as it is stored in raw.*."""
    return f"c_{c.name}" if c.logical_type == "string" else f"t_{c.name}"


def _typed_in_file(columns: list[ContractColumn], file_types: dict[str, str], present: dict[str, str]) -> frozenset[str]:
    """The non-text contract columns the file already stores in the contract's type (Parquet):
    taken as they are, with no text copy in the batch (casting 20M events' timestamps to text and
    keeping them cost 13 of the 98.5 CPU s of loading a 1M-lead landing folder); a refused row's record
    casts them."""
    return frozenset(c.name for c in columns if c.logical_type != "string" and c.name in present
                     and file_types.get(c.name) == _DESCRIBED_TYPES.get(c.duckdb_type, c.duckdb_type))


def _as_text(column: str, file_type: str) -> str:
    """A file's column as text. Nested JSON values (read_json gives JSON or STRUCT columns) become
    JSON text, and a JSON string holding text is unwrapped, so properties arrive as JSON text."""
    if file_type == "json" or file_type.startswith(("struct", "map")) or file_type.endswith("[]"):
        as_json = f"to_json({column})"
        return f"case when json_type({as_json}) = 'VARCHAR' then json_extract_string({as_json}, '$') else cast({as_json} as varchar) end"
    return f"cast({column} as varchar)"


def _validate_into_batch(con: duckdb.DuckDBPyConnection, rows_sql: str, file_types: dict[str, str], present: dict[str, str],
                         table: str, columns: list[ContractColumn], now: dt.datetime, exclude_file: str | None) -> frozenset[str]:
    """temp table batch: rows as text (c_<name>) and typed (t_<name>), where they came from, and
    the first failing rule with its reason and status; returns the columns typed in the file,
    which have no text copy (_typed_in_file). `rows_sql` gives the contract's columns
    (named as in `present`) and _record_number, _line_number, _file_path, _first_rejected_at.
    One statement, and every text parsed once: at 20M events this costs half the CPU of
    materialising each step and casting in every check."""
    typed_in_file = _typed_in_file(columns, file_types, present)
    text_columns = ", ".join(
        f'{_as_text(chr(34) + present[c.name] + chr(34), file_types[c.name])} as c_{c.name}' if c.name in present
        else f"cast(null as varchar) as c_{c.name}"
        for c in columns if c.name not in typed_in_file
    )
    typed_columns = "".join(
        f', "{present[c.name]}" as t_{c.name}' if c.name in typed_in_file
        else f", try_cast(c_{c.name} as {c.duckdb_type}) as t_{c.name}"
        for c in columns if c.logical_type != "string"
    )
    # Of an event delivered twice, the first delivery is kept (as staging does): that is when we knew.
    duplicate_rank = (
        "row_number() over (partition by trim(c_event_id) order by t_received_at nulls last, _file_path, _record_number)"
        if table == "events" else "1"
    )
    if table == "events":
        # The batch's event_ids already loaded from other files. The batch's ids are the small
        # side of this join: probing the loaded ids with them keeps each file's check linear in
        # the rows loaded so far (a hash table over all loaded ids per file made 50 files of 2M
        # events quadratic).
        con.execute(f"""
            create or replace temp table already_loaded as
            select distinct event_id from loaded_event_ids
            where source_file is distinct from ?
              and event_id in (select trim(cast("{present['event_id']}" as varchar)) from ({rows_sql}))
        """, [exclude_file])
    checks = _rule_checks(table, columns, now, typed_in_file)
    first_failing = "case " + " ".join(f"when {cond} then {i}" for i, (cond, _, _) in enumerate(checks)) + " end"
    reason = "case reject_check " + " ".join(f"when {i} then '{why}'" for i, (_, _, why) in enumerate(checks)) + " end"
    column = "case reject_check " + " ".join(f"when {i} then '{col}'" for i, (_, col, _) in enumerate(checks)) + " end"
    waiting = [i for i, (_, _, why) in enumerate(checks) if why == UNKNOWN_LEAD] or [-1]
    con.execute(f"""
        create or replace temp table batch as
        with typed as (
            select _record_number, _line_number, _file_path, _first_rejected_at, {text_columns}{typed_columns}
            from ({rows_sql})
        ),
        ranked as (select *, {duplicate_rank} as duplicate_rank from typed),
        checked as (select *, {first_failing} as reject_check from ranked)
        select *, {reason} as reject_reason, {column} as reject_column,
               case when reject_check = {waiting[0]} then 'pending' when reject_check is not null then 'rejected' end as reject_status
        from checked
    """)
    return typed_in_file


def _insert_batch(con: duckdb.DuckDBPyConnection, table: str, columns: list[ContractColumn], load_id: str, now: dt.datetime,
                  typed_in_file: frozenset[str]) -> tuple[int, int]:
    """Accepted rows of the batch into raw.<table>, the others into raw.load_rejects; returns
    (rows in, rows not loaded)."""
    values = ", ".join(_typed(c) for c in columns)
    con.execute(f"insert into {RAW_SCHEMA}.{table} select {values}, _file_path, _line_number, ? from batch where reject_reason is null", [load_id])
    # A column typed in the file has no text copy in the batch (_typed_in_file): cast it here.
    record = "json_object(" + ", ".join(
        f"'{c.name}', cast(t_{c.name} as varchar)" if c.name in typed_in_file else f"'{c.name}', c_{c.name}"
        for c in columns) + ")"
    con.execute(
        f"""insert into {REJECTS_TABLE} (load_id, file_path, table_name, line_number, column_name, reason, record,
                rejected_at, status, record_number, first_rejected_at)
            select ?, _file_path, ?, _line_number, reject_column, reject_reason, cast({record} as varchar), ?,
                reject_status, _record_number, coalesce(_first_rejected_at, ?)
            from batch where reject_reason is not null""",
        [load_id, table, now, now])
    rows_in, rows_out = con.execute("select count(*), count(reject_reason) from batch").fetchall()[0]
    return rows_in, rows_out


def _column_key(name: str) -> str:
    """A column name compared ignoring case, spaces, underscores and hyphens ('Visit Time' = visit_time)."""
    return "".join(ch for ch in name.lower() if ch not in " _-")


def _add_aliased_columns(columns: list[ContractColumn], present: dict[str, str], file_types: dict[str, str]) -> None:
    """A contract column with aliases (meta.aliases in the contract: the headers tools use in their
    exports) that the file lacks by name is read from a column named like it or like one of them."""
    by_key = {_column_key(actual): actual for actual in present.values()}
    for c in columns:
        if c.name in present or not c.aliases:
            continue
        for name in (c.name, *c.aliases):
            actual = by_key.get(_column_key(name))
            if actual is not None:
                present[c.name] = actual
                file_types[c.name] = file_types[actual.lower()]
                break


def _file_rows(con: duckdb.DuckDBPyConnection, path: Path, relative: str, table: str, columns: list[ContractColumn],
               literal: _LiteralPaths) -> tuple[str, dict[str, str], dict[str, str]]:
    """(rows_sql, file types, present columns) for one landing file; RawDataError when it cannot
    be read or lacks a required column."""
    scan = scan_sql(path, literal)
    try:
        described = con.execute(f"describe select * from {scan}").fetchall()
    except duckdb.Error as exc:
        raise RawDataError(f"Cannot read {path}: {exc}") from exc
    present = {r[0].lower(): r[0] for r in described}
    file_types = {r[0].lower(): r[1].lower() for r in described}
    _add_aliased_columns(columns, present, file_types)
    missing = [c.name for c in columns if c.required and c.name not in present]
    if missing:
        raise RawDataError(f"{path}: required column '{missing[0]}' of raw table '{table}' is missing")
    # CSV: the header is line 1, so data row n is on line n + 1 (until a quoted field spans lines:
    # then _physical_lines corrects the rejected rows). Parquet and JSON: row n.
    header_lines = 1 if reader_for(path) == _CSV else 0
    rows_sql = f"""
        select _record_number, _record_number + {header_lines} as _line_number, {sql_string(relative)} as _file_path,
               cast(null as timestamptz) as _first_rejected_at, * exclude (_record_number)
        from (select row_number() over () as _record_number, * from {scan})
    """
    return rows_sql, file_types, present


def _physical_lines(path: Path, con: duckdb.DuckDBPyConnection, literal: _LiteralPaths, records: set[int]) -> dict[int, int]:
    """{record number: line of the file where that record starts} for a CSV file, counting the
    lines that quoted fields span (DuckDB numbers records, not lines). Read with the dialect
    DuckDB detected; blank lines are skipped as DuckDB skips them."""
    sniffed = con.execute(f"select Delimiter, Quote, Escape from sniff_csv({sql_string(literal(path))})").fetchall()[0]
    delimiter, quote, escape = (None if v in (None, "", "(empty)") else v for v in sniffed)
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    found: dict[int, int] = {}
    with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter or ",", quotechar=quote, escapechar=escape if escape != quote else None,
                            quoting=csv.QUOTE_MINIMAL if quote else csv.QUOTE_NONE)
        next(reader, None)  # header
        start, record = reader.line_num + 1, 0
        for row in reader:
            if any(cell != "" for cell in row):
                record += 1
                if record in records:
                    found[record] = start
                    if len(found) == len(records):
                        break
            start = reader.line_num + 1
    return found


def _correct_csv_lines(con, path: Path, relative: str, load_id: str, literal: _LiteralPaths) -> None:
    rows = con.execute(f"select record_number, line_number from {REJECTS_TABLE} where load_id = ? and file_path = ?",
                       [load_id, relative]).fetchall()
    counted = dict(rows)
    lines = _physical_lines(path, con, literal, set(counted))
    moved = [(line, relative, load_id, record) for record, line in lines.items() if line != counted[record]]
    if moved:
        con.executemany(f"update {REJECTS_TABLE} set line_number = ? where file_path = ? and load_id = ? and record_number = ?", moved)


def _load_file(con, path: Path, relative: str, table: str, columns, report: LoadReport, previous: str | None, checksum: str,
               literal: _LiteralPaths) -> FileLoad:
    result = FileLoad(path=relative, table=table, size_bytes=path.stat().st_size, checksum=checksum,
                      status="reloaded_changed" if previous else "loaded")
    con.execute("begin transaction")
    try:
        if previous:
            # A changed file replaces what its earlier version loaded (and set aside).
            con.execute(f"delete from {RAW_SCHEMA}.{table} where _source_file = ?", [relative])
            con.execute(f"delete from {REJECTS_TABLE} where file_path = ?", [relative])
        rows_sql, file_types, present = _file_rows(con, path, relative, table, columns, literal)
        try:
            typed_in_file = _validate_into_batch(con, rows_sql, file_types, present, table, columns, report.loaded_at, exclude_file=relative)
        except duckdb.Error as exc:
            raise RawDataError(f"Cannot read {path}: {exc}") from exc
        result.rows_in, not_loaded = _insert_batch(con, table, columns, report.load_id, report.loaded_at, typed_in_file)
        result.rows_accepted = result.rows_in - not_loaded
        pending = scalar(con, "select count(*) from batch where reject_status = 'pending'")
        result.rows_rejected = not_loaded
        if not_loaded and reader_for(path) == _CSV:
            _correct_csv_lines(con, path, relative, report.load_id, literal)
        messages = []
        if previous:
            messages.append("the file changed since it was last loaded; its earlier rows were replaced")
        if pending:
            messages.append(f"{pending} row(s) wait for their lead (pending in raw.load_rejects; they load when it arrives)")
        result.message = "; ".join(messages)
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


def _retry_set_aside(con: duckdb.DuckDBPyConnection, table: str, columns: list[ContractColumn], report: LoadReport, duplicates_too: bool) -> None:
    """Validate again the rows that were refused only for want of something else: pending rows
    (their lead may have arrived) and, when `duplicates_too`, duplicate events whose kept copy is
    gone (its file changed). What passes now loads, as if it had come with its file; the rest is
    set aside again with its first rejection time. One load_log row per file tells what moved."""
    condition = "status = 'pending'"
    if table == "events":
        # An unknown event name loads once seed event_type_mapping maps it ('unknown event_type'
        # alone: rows rejected before the mapping existed).
        condition += f" or reason in ('{UNKNOWN_EVENT_TYPE}', 'unknown event_type')"
    if duplicates_too:
        condition += (f" or (reason = '{DUPLICATE_EVENT}' and trim(json_extract_string(record, '$.event_id')) "
                      "not in (select event_id from loaded_event_ids))")
    # Rows set aside by this very load wait at least until the next one.
    where = f"table_name = '{table}' and load_id != '{report.load_id}' and ({condition})"
    if not scalar(con, f"select count(*) from {REJECTS_TABLE} where {where}"):
        return
    con.execute("begin transaction")
    con.execute(f"create or replace temp table retried as select * from {REJECTS_TABLE} where {where}")
    con.execute(f"delete from {REJECTS_TABLE} where {where}")
    fields = ", ".join(f"""json_extract_string(record, '$."{c.name}"') as "{c.name}" """ for c in columns)
    rows_sql = f"""
        select record_number as _record_number, line_number as _line_number, file_path as _file_path,
               coalesce(first_rejected_at, rejected_at) as _first_rejected_at, {fields}
        from retried
    """
    typed_in_file = _validate_into_batch(con, rows_sql, {c.name: "varchar" for c in columns}, {c.name: c.name for c in columns},
                                         table, columns, report.loaded_at, exclude_file=None)
    _insert_batch(con, table, columns, report.load_id, report.loaded_at, typed_in_file)
    for file_path, rows_in, loaded, rejected, reasons in con.execute("""
            select _file_path, count(*), count(*) - count(reject_reason),
                   count(*) filter (where reject_status = 'rejected' and batch.reject_reason is distinct from retried.reason),
                   string_agg(distinct retried.reason, ', ' order by retried.reason)
            from batch join retried on retried.file_path = batch._file_path and retried.line_number = batch._line_number
            group by 1 order by 1""").fetchall():
        if not loaded and not rejected:
            continue  # still waiting, or still unknown: nothing to log (the pending check reports their age)
        parts = [f"{loaded} of {rows_in} row(s) set aside earlier ({reasons}) loaded now"]
        if rejected:
            parts.append(f"{rejected} rejected now (see raw.load_rejects)")
        entry = FileLoad(file_path, table, None, None, "retried", rows_in, loaded, rows_in - loaded, "; ".join(parts))
        report.files.append(entry)
        _log(con, report, entry)
    if table == "events":
        con.execute("insert into loaded_event_ids select trim(c_event_id), _file_path from batch where reject_reason is null")
    con.execute("commit")


def _hold_back_orphans(con: duckdb.DuckDBPyConnection, table: str, columns: list[ContractColumn], report: LoadReport) -> None:
    """Rows loaded for a lead that is no longer in raw.leads (a corrected leads file dropped it)
    go back to pending, so staging never sees an event without its lead."""
    orphans = f"trim(lead_id) not in (select trim(lead_id) from {RAW_SCHEMA}.leads)"
    if not scalar(con, f"select count(*) from {RAW_SCHEMA}.{table} where {orphans}"):
        return
    record = "json_object(" + ", ".join(f"'{c.name}', cast(\"{c.name}\" as varchar)" for c in columns) + ")"
    con.execute("begin transaction")
    moved = con.execute(f"""
        select _source_file, count(*) from {RAW_SCHEMA}.{table} where {orphans} group by 1 order by 1""").fetchall()
    con.execute(f"""
        insert into {REJECTS_TABLE} (load_id, file_path, table_name, line_number, column_name, reason, record,
            rejected_at, status, record_number, first_rejected_at)
        select ?, _source_file, ?, _source_line, 'lead_id', '{UNKNOWN_LEAD}', cast({record} as varchar), ?, 'pending',
            _source_line - case when regexp_matches(lower(_source_file), '\\.csv(\\.gz)?$') then 1 else 0 end, ?
        from {RAW_SCHEMA}.{table} where {orphans}""", [report.load_id, table, report.loaded_at, report.loaded_at])
    con.execute(f"delete from {RAW_SCHEMA}.{table} where {orphans}")
    for file_path, rows in moved:
        entry = FileLoad(file_path, table, None, None, "held_back", rows, 0, rows,
                         f"{rows} loaded row(s) wait again: their lead is no longer in raw.leads")
        report.files.append(entry)
        _log(con, report, entry)
    con.execute("commit")


def _log(con: duckdb.DuckDBPyConnection, report: LoadReport, f: FileLoad) -> None:
    con.execute(f"insert into {LOG_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [report.load_id, f.path, f.table, f.size_bytes, f.checksum, f.status, f.rows_in,
                 f.rows_accepted, f.rows_rejected, f.message, report.loaded_at])


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def load_landing_folder(con: duckdb.DuckDBPyConnection, folder: Path, now: dt.datetime | None = None,
                        on_file: Callable[[int, int, str], None] | None = None) -> LoadReport:
    """Load every new or changed file of `folder` (leads first: events and opportunities are
    checked against known leads), then the rows set aside earlier that can load now. Returns what
    happened to each file; raises nothing for bad files (see load_raw_folder). `on_file` gets
    (files done, files in the folder, the file's path in it) after each file, for progress."""
    contract = load_contract()
    if RAW_TABLES[0] != "leads":  # the other tables' rows are checked against the leads loaded before them
        raise RawDataError(f"The raw contract must list leads first, not {', '.join(RAW_TABLES)}")
    con.execute("set TimeZone = 'UTC'")
    report = LoadReport(load_id=str(uuid.uuid4()), loaded_at=now or dt.datetime.now(dt.timezone.utc))
    landing = discover(folder)
    _ensure_tables(con, contract)
    total = len(landing.skipped) + sum(len(paths) for paths in landing.tables.values())
    done = 0

    def file_done(relative: str) -> None:
        nonlocal done
        done += 1
        if on_file is not None:
            on_file(done, total, relative)

    for relative, reason in landing.skipped:
        skipped = FileLoad(relative, "", _size(folder / relative), None, "skipped", message=reason)
        report.files.append(skipped)
        _log(con, report, skipped)
        file_done(relative)
    with literal_paths() as literal:
        for table in RAW_TABLES:
            if table in ("events", "opportunities"):
                con.execute(f"create or replace temp table known_leads as select distinct trim(lead_id) as lead_id from {RAW_SCHEMA}.leads")
                if any(f.table == "leads" for f in report.for_status("reloaded_changed")):
                    _hold_back_orphans(con, table, contract[table], report)
            if table == "events":
                # Kept up to date file by file below, instead of re-reading raw.events after each file.
                con.execute(f"create or replace temp table loaded_event_ids as select trim(event_id) as event_id, _source_file as source_file from {RAW_SCHEMA}.events")
            for path in landing.tables[table]:
                relative = path.relative_to(folder).as_posix()
                checksum = _checksum(path)
                previous = _previous_checksum(con, relative)
                if previous == checksum:
                    report.files.append(FileLoad(relative, table, path.stat().st_size, checksum, "unchanged"))
                    file_done(relative)
                    continue
                loaded = _load_file(con, path, relative, table, contract[table], report, previous, checksum, literal)
                report.files.append(loaded)
                if table == "events" and loaded.status != "failed":
                    # The file's earlier rows (if it changed) are replaced by what it loaded now.
                    con.execute("delete from loaded_event_ids where source_file = ?", [relative])
                    con.execute("insert into loaded_event_ids select trim(c_event_id), _file_path from batch where reject_reason is null")
                file_done(relative)
            if table in ("events", "opportunities"):
                changed = any(f.table == table for f in report.for_status("reloaded_changed"))
                _retry_set_aside(con, table, contract[table], report, duplicates_too=table == "events" and changed)
    return report


def load_raw_folder(con: duckdb.DuckDBPyConnection, folder: Path, now: dt.datetime | None = None,
                    on_note: Callable[[str], None] | None = None,
                    on_file: Callable[[int, int, str], None] | None = None) -> dict[str, int]:
    """Load the landing folder; returns the rows now in each raw table. Raises RawDataError naming
    every file that failed (after loading the others). `on_note` gets each line of
    LoadReport.notes() (skipped files, rows that waited and loaded); `on_file` as in
    load_landing_folder."""
    report = load_landing_folder(con, folder, now, on_file)
    for note in report.notes() if on_note else ():
        on_note(note)
    raise_for_failed_files(report)
    return raw_row_counts(con)


def raise_for_failed_files(report: LoadReport) -> None:
    """RawDataError naming every file of the load that failed, if any did."""
    failed = report.for_status("failed")
    if failed:
        raise RawDataError("; ".join(f"{f.path}: {f.message}" for f in failed))


def raw_row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: scalar(con, f"select count(*) from {RAW_SCHEMA}.{t}") for t in RAW_TABLES}


def table_schema(con: duckdb.DuckDBPyConnection, table: str, schema: str = RAW_SCHEMA) -> list[tuple[str, str]]:
    """[(column, type)] of <schema>.<table> (default raw.<table>, as loaded)."""
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    return [(name, dtype) for name, dtype in rows]


@dataclass(frozen=True)
class PendingRows:
    """Rows of one table that wait for something else (their lead), and how long the oldest has."""

    table: str
    rows: int
    oldest_rejected_at: dt.datetime | None
    older_than_limit: int


def pending_rows(con: duckdb.DuckDBPyConnection, now: dt.datetime, max_age_days: float) -> list[PendingRows]:
    """Pending rows per table (events, opportunities), with those waiting longer than `max_age_days`."""
    exists = scalar(con, "select count(*) from information_schema.columns where table_schema = ? and table_name = 'load_rejects' and column_name = 'status'",
                    [RAW_SCHEMA])
    found = {}
    if exists:
        limit = now - dt.timedelta(days=max_age_days)
        for table, rows, oldest, old in con.execute(f"""
                select table_name, count(*), min(coalesce(first_rejected_at, rejected_at)),
                       count(*) filter (where coalesce(first_rejected_at, rejected_at) < ?)
                from {REJECTS_TABLE} where status = 'pending' group by 1""", [limit]).fetchall():
            found[table] = PendingRows(table, rows, oldest, old)
    return [found.get(t, PendingRows(t, 0, None, 0)) for t in ("events", "opportunities")]
