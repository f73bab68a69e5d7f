"""Shared fixtures: a small generated data set and a warehouse built from it once per session.

Every test that touches a warehouse works in a temporary folder; nothing under warehouse/ is used.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
SAMPLE_END = dt.date(2026, 6, 30)
SAMPLE = dict(n_leads=600, days=150, seed=7, end_date=SAMPLE_END)
DBT_PROJECT_FILES = ["dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "snapshots", "tests/dbt"]


@pytest.fixture(scope="session", autouse=True)
def bi_hash_key_of_the_tests(tmp_path_factory) -> Path:
    """BI publications in tests hash personal data under a key file of their own (created on first
    use), never under the user's key; subprocesses inherit it."""
    path = tmp_path_factory.mktemp("bi_hash_key") / "bi_hash_key"
    os.environ.pop("LEAD_SCORING_BI_HASH_KEY", None)
    os.environ["LEAD_SCORING_BI_HASH_KEY_FILE"] = str(path)
    return path


@pytest.fixture(scope="session")
def sample_raw_dir(tmp_path_factory) -> Path:
    """Small deterministic raw files (Parquet), the same generator `make demo` uses."""
    from lead_scoring.sample_data import generate

    folder = tmp_path_factory.mktemp("sample_raw")
    generate(folder, **SAMPLE)
    return folder


def dbt(args: list[str], db_path: Path, extra_env: dict[str, str] | None = None, project_dir: Path = PROJECT_DIR) -> subprocess.CompletedProcess:
    """Run the dbt CLI of this virtualenv against the warehouse file `db_path`."""
    env = {**os.environ, "LEAD_SCORING_DB": str(db_path), "DBT_PROFILES_DIR": str(project_dir), **(extra_env or {})}
    exe = Path(sys.executable).parent / "dbt"
    return subprocess.run([str(exe), *args, "--project-dir", str(project_dir)], env=env, capture_output=True, text=True, cwd=project_dir)


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory, sample_raw_dir) -> Path:
    """A warehouse with the sample raw data loaded and `dbt build` (seeds, models, all tests) run once."""
    from lead_scoring.ingest.raw_loader import load_raw_folder

    db_path = tmp_path_factory.mktemp("warehouse") / "lead_scoring.duckdb"
    con = duckdb.connect(str(db_path))
    load_raw_folder(con, sample_raw_dir)
    con.close()
    result = dbt(["build", "--target-path", str(db_path.parent / "target"), "--vars", f"{{scoring_as_of_date: '{SAMPLE_END.isoformat()}'}}"], db_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    return db_path


@pytest.fixture()
def project_copy(tmp_path) -> Path:
    """A copy of the dbt project whose seeds a test may edit."""
    copy = tmp_path / "project"
    for name in DBT_PROJECT_FILES:
        source = PROJECT_DIR / name
        target = copy / name
        if source.is_dir():
            shutil.copytree(source, target)
        elif source.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    return copy


def query(db_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def missing_program(message: str) -> None:
    """A system program a test needs is missing: skip, except in CI (CI set), where .ci/run installs
    it and its absence is a failure."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def untouched_lead_sql(dim_leads: str, events: str) -> str:
    """SQL for the first lead still in stage `lead`, created before June, with no CRM event, given
    the relations of marts.dim_leads and staging.stg_raw__events."""
    return f"""
        select d.lead_id from {dim_leads} as d
        where d.current_stage = 'lead' and d.created_at < timestamp '2026-06-01'
          and not exists (select 1 from {events} as e where e.lead_id = d.lead_id and e.source_system = 'crm')
        order by d.lead_id limit 1
    """


def add_sales_acceptance(raw_dir: Path, lead_id: str) -> None:
    """A new raw events file: sales accepted `lead_id` at noon of the sample's last day."""
    day = SAMPLE_END.isoformat()
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute(
            f"""
            copy (
                select 'E_LIFECYCLE_TEST' as event_id, '{lead_id}' as lead_id, 'sales_accepted' as event_type,
                       timestamptz '{day} 12:00:00+00' as occurred_at, 'crm' as source_system,
                       '{{"owner": "rep_01"}}' as properties, timestamptz '{day} 12:05:00+00' as received_at
            ) to '{raw_dir / "events" / "part-lifecycle-test.parquet"}' (format parquet)
            """
        )
    finally:
        con.close()
