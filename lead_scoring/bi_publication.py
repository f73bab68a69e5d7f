"""Write-audit-publish: copy the checked BI-facing marts into a separate DuckDB file for BI tools.

DuckDB lets one process write a file and refuses every other process meanwhile, so BI tools never
read the pipeline's warehouse. After a run whose checks all passed, the marts (every table and view
of the `marts` schema, views such as fct_lead_activations as tables), the lifecycle snapshot and the
seeds funnel_benchmarks and activation_rules are copied into a new file beside the BI file, which
then replaces it with one atomic rename. A reader that still has the old file open keeps
reading the old copy until it reconnects; a failed or blocked run never gets here, so the previous
file stays as it was. The file records when, from which run and from which warehouse it was
published (table bi_publication).

Personal data (email, first and last name) lives in raw.leads and staging.stg_raw__leads only.
The BI copy of marts.dim_leads gets those columns hashed by default with HMAC-SHA256 under a secret
key: a plain hash of a name or an address is reversed by hashing a list of common ones, a keyed
hash only by someone who has the key. The hash of a given value stays the same for a given key
(the email hash is of the lower-cased trimmed address), so systems that share the key can join on
it. The key is LEAD_SCORING_BI_HASH_KEY, else the content of the key file
(LEAD_SCORING_BI_HASH_KEY_FILE, default bi_hash_key in the user's config folder), which is created
with a random key on first use, readable by its owner only, outside the project. Rotating the key
(a new key or key file) changes every hash from the next publication on; main.bi_publication
records a key id (derived from the key, which it does not reveal), so readers can tell whether two
files share a key. With LEAD_SCORING_BI_PERSONAL_DATA=raw the columns are copied as they are.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from lead_scoring.settings import PROJECT_DIR
from lead_scoring.warehouse import fsync_path, scalar, sql_string, sql_strings, table_exists

BI_SCHEMAS = ("marts",)
# A publication builds `_publishing_<run id>_<BI file name>` beside the BI file, then renames it.
STAGING_PREFIX = "_publishing_"
# Besides the marts: the lifecycle snapshot, the benchmark ranges the dashboard draws and the
# activation rules whose descriptions and destinations it shows (seeds); each when the warehouse has it.
BI_EXTRA_RELATIONS = (("snapshots", "snap_lead_lifecycle"), ("seeds", "funnel_benchmarks"), ("seeds", "activation_rules"))
PERSONAL_COLUMNS = ("email", "first_name", "last_name")
PERSONAL_DATA_MODES = ("hashed", "raw")
HASH_KEY_VAR = "LEAD_SCORING_BI_HASH_KEY"
HASH_KEY_FILE_VAR = "LEAD_SCORING_BI_HASH_KEY_FILE"
# A short key can be found by trying candidates against a known address; generated keys have 32 bytes.
MIN_HASH_KEY_BYTES = 16


@dataclass
class Publication:
    bi_path: Path
    run_id: str
    published_at: dt.datetime
    personal_data: str
    personal_data_key_id: str | None = None
    row_counts: dict[str, int] = field(default_factory=dict)


def bi_path(warehouse: Path) -> Path:
    """LEAD_SCORING_BI_DB, else bi.duckdb beside the warehouse."""
    value = os.environ.get("LEAD_SCORING_BI_DB")
    return Path(value).expanduser().resolve() if value else warehouse.parent / "bi.duckdb"


def personal_data_mode() -> str:
    mode = os.environ.get("LEAD_SCORING_BI_PERSONAL_DATA", "hashed").strip().lower()
    if mode not in PERSONAL_DATA_MODES:
        raise ValueError(f"LEAD_SCORING_BI_PERSONAL_DATA must be one of {PERSONAL_DATA_MODES}, got {mode!r}")
    return mode


class HashKeyError(RuntimeError):
    """The key for hashing personal data is unusable (blank, too short, or in the project)."""


def default_hash_key_file() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config).expanduser().resolve() / "lead-scoring" / "bi_hash_key"


def hash_key_file() -> Path:
    value = os.environ.get(HASH_KEY_FILE_VAR)
    if value is None:
        return default_hash_key_file()
    if not value.strip():
        raise HashKeyError(f"{HASH_KEY_FILE_VAR} is set but blank: name the key file, or unset it for {default_hash_key_file()}")
    return Path(value).expanduser().resolve()


def hash_key() -> bytes:
    """The key for hashing personal data: LEAD_SCORING_BI_HASH_KEY, else the key file's content
    (UTF-8, surrounding whitespace removed), created with a new random key on first use."""
    value = os.environ.get(HASH_KEY_VAR)
    if value is not None:
        return _checked_key(value, HASH_KEY_VAR)
    path = hash_key_file()
    if path.is_relative_to(PROJECT_DIR):
        # Inside the project, the key would travel with copies and commits of it.
        raise HashKeyError(f"{HASH_KEY_FILE_VAR}: the key file {path} must be outside the project folder {PROJECT_DIR}")
    if not path.exists():
        _create_key_file(path)
    return _checked_key(path.read_text(encoding="utf-8"), f"the key file {path}")


def _checked_key(text: str, source: str) -> bytes:
    key = text.strip().encode("utf-8")
    if len(key) < MIN_HASH_KEY_BYTES:
        raise HashKeyError(
            f"{source} holds a key of {len(key)} bytes; use at least {MIN_HASH_KEY_BYTES} random bytes, "
            f"e.g. python -c 'import secrets; print(secrets.token_hex(32))'"
        )
    return key


def _create_key_file(path: Path) -> None:
    """Write a new random key, readable by its owner only. It is written aside and linked into
    place, so a concurrent first use reads either no file or the complete one, and one key wins."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, (secrets.token_hex(32) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(aside, path)
    except FileExistsError:
        pass  # another process created it first: use that key
    finally:
        aside.unlink()


def hash_key_id(key: bytes) -> str:
    """Tells keys apart without revealing them: equal ids, same key."""
    return hmac.new(key, b"lead-scoring BI hash key id", hashlib.sha256).hexdigest()[:16]


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """The inner and outer padded keys of HMAC-SHA256 (RFC 2104), so SQL can compute
    HMAC = sha256(outer || sha256(inner || message)) with DuckDB's sha256."""
    block = 64
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def _personal_select(key: bytes | None) -> tuple[str, dict[str, bytes]]:
    """The personal columns of the BI copy of dim_leads, HMAC-hashed under `key` (as they are
    without a key), and the query parameters they need."""
    if key is None:
        return ", ".join(f"people.{c}" for c in PERSONAL_COLUMNS), {}
    inner, outer = hmac_pads(key)
    # Parameters, not literals: the key material stays out of the query text.
    select = ", ".join(
        f"case when people.{c} is null then null else "
        f"sha256($hmac_outer || unhex(sha256($hmac_inner || encode(lower(trim(people.{c})))))) end as {c}"
        for c in PERSONAL_COLUMNS
    )
    return select, {"hmac_inner": inner, "hmac_outer": outer}


def _relations(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    schemas = sql_strings(BI_SCHEMAS)
    found = con.execute(
        f"select table_schema, table_name from information_schema.tables "
        f"where table_catalog = ? and table_schema in ({schemas}) order by 1, 2", [catalog]
    ).fetchall()
    if not found:
        return []
    extra = [(s, t) for s, t in BI_EXTRA_RELATIONS if table_exists(con, s, t, catalog)]
    return [tuple(r) for r in found] + extra


def publish(warehouse: Path, target: Path, run_id: str, personal_data: str | None = None) -> Publication:
    """Build the BI file aside from `warehouse` and move it over `target` atomically."""
    mode = personal_data or personal_data_mode()
    # Before any file is touched: an unusable key leaves the previous BI file as it was.
    key = hash_key() if mode == "hashed" else None
    personal_select, personal_params = _personal_select(key)
    if target.stem == warehouse.stem:
        raise ValueError(f"The BI file needs a name other than the warehouse's ({warehouse.name})")
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned_publications(target)
    # DuckDB names a file's catalog after the file: this name cannot clash with a schema.
    staging = target.with_name(f"{STAGING_PREFIX}{run_id}_{target.name}")
    for leftover in (staging, staging.with_name(staging.name + ".wal")):
        leftover.unlink(missing_ok=True)
    key_id = hash_key_id(key) if key is not None else None
    publication = Publication(target, run_id, dt.datetime.now(dt.timezone.utc), mode, key_id)

    # A BI tool with an older DuckDB can read the file if it is written in that storage version.
    storage = os.environ.get("LEAD_SCORING_BI_STORAGE_VERSION")
    con = duckdb.connect(str(staging), config={"storage_compatibility_version": storage} if storage else {})
    try:
        con.execute("set TimeZone = 'UTC'")
        # Under its own name: the warehouse's views refer to their catalog by it.
        catalog = warehouse.stem
        con.execute(f"attach {sql_string(warehouse)} as {catalog} (read_only)")
        relations = _relations(con, catalog)
        if not relations:
            raise RuntimeError(f"Nothing to publish: no marts in {warehouse}")
        for schema, name in relations:
            con.execute(f"create schema if not exists {schema}")
            params = {}
            if (schema, name) == ("marts", "dim_leads"):
                select = (f"select leads.*, {personal_select} from {catalog}.marts.dim_leads as leads "
                          f"left join {catalog}.staging.stg_raw__leads as people on people.lead_id = leads.lead_id")
                params = personal_params
            else:
                select = f"select * from {catalog}.{schema}.{name}"
            con.execute(f"create table {schema}.{name} as {select}", params)
            publication.row_counts[f"{schema}.{name}"] = scalar(con, f"select count(*) from {schema}.{name}")
        con.execute(
            "create table main.bi_publication as select ? as published_at, ? as run_id, ? as source_warehouse, "
            "? as personal_data, ?::varchar as personal_data_key_id",
            [publication.published_at, run_id, str(warehouse), mode, key_id],
        )
        con.execute("create table main.bi_publication_tables (table_name varchar, row_count bigint)")
        con.executemany("insert into main.bi_publication_tables values (?, ?)", list(publication.row_counts.items()))
        con.execute(f"detach {catalog}")
        con.execute("checkpoint")
    except BaseException:
        con.close()
        staging.unlink(missing_ok=True)
        raise
    con.close()
    fsync_path(staging)
    os.replace(staging, target)  # atomic: readers see the old file or the new one, never a mix
    fsync_path(target.parent)
    return publication


def remove_abandoned_publications(target: Path) -> list[Path]:
    """Remove the half-built files (and their write-ahead logs) that publications killed before
    their rename left beside `target`. A file that a live publication is writing is kept: DuckDB
    refuses to open a file another process writes, and a dead process holds no lock."""
    suffix = f"_{target.name}"
    leftovers = [path for path in target.parent.iterdir()
                 if path.name.startswith(STAGING_PREFIX) and path.name.removesuffix(".wal").endswith(suffix) and path.is_file()]
    removed = []
    for path in sorted(leftovers):
        database = path.with_name(path.name.removesuffix(".wal"))
        if database.exists() and _written_by_another_process(database):
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _written_by_another_process(path: Path) -> bool:
    try:
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.Error as exc:
        return "lock" in str(exc).lower()  # other errors: a file cut short by the kill
    return False



def read_publication(path: Path) -> dict | None:
    """The bi_publication row of a BI file (short-lived read-only connection), or None."""
    if not path.exists():
        return None
    with duckdb.connect(str(path), read_only=True) as con:
        row = con.execute("select published_at, run_id, source_warehouse, personal_data from main.bi_publication").fetchall()[0]
    return dict(zip(("published_at", "run_id", "source_warehouse", "personal_data"), row))
