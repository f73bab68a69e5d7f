"""Shared fixtures: a small generated data set and a warehouse built from it once per session,
and the `slow` marker of every test that builds, runs or serves (tests/integration, tests/engines,
tests/ui). Plain helpers are in helpers.py.

Every test that touches a warehouse works in a temporary folder; nothing under warehouse/ is used.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from helpers import PROJECT_DIR, SAMPLE, SAMPLE_END, copy_project, dbt, find_postgres_bindir, load, missing_program, start_postgres_server

TESTS_DIR = Path(__file__).resolve().parent
# Folders whose tests build a warehouse, run the Dagster job, start a server or a browser: all slow.
SLOW_FOLDERS = ("integration", "engines", "ui")


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist (`make test` runs two workers), every worker gets dbt target and log
    folders of its own: dbt and the Dagster runs of two workers must not write the same
    manifest, parse state or run results. Set before any test module imports the Dagster
    definitions, and inherited by every dbt and Dagster process a test starts."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        os.environ["DBT_TARGET_PATH"] = str(PROJECT_DIR / "target" / f"tests-{worker}")
        os.environ["DBT_LOG_PATH"] = str(PROJECT_DIR / "logs" / f"tests-{worker}")


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    slow_dirs = [TESTS_DIR / name for name in SLOW_FOLDERS]
    for item in items:
        if any(folder in item.path.parents for folder in slow_dirs):
            item.add_marker(pytest.mark.slow)


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


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory, sample_raw_dir) -> Path:
    """A warehouse with the sample raw data loaded and `dbt build` (seeds, models, all tests) run once."""
    db_path = tmp_path_factory.mktemp("warehouse") / "lead_scoring.duckdb"
    load(db_path, sample_raw_dir)
    result = dbt(["build", "--target-path", str(db_path.parent / "target"), "--vars", f"{{scoring_as_of_date: '{SAMPLE_END.isoformat()}'}}"], db_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    return db_path


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory):
    """A PostgreSQL server for the session (initdb + pg_ctl), stopped at the end; the
    tests under tests/engines/ create a database each."""
    bindir = find_postgres_bindir()
    if bindir is None:
        missing_program("PostgreSQL's initdb and pg_ctl were not found (Debian: apt-get install postgresql)")
    server = start_postgres_server(tmp_path_factory.mktemp("postgres"), bindir)
    yield server
    server.stop()


@pytest.fixture()
def project_copy(tmp_path) -> Path:
    """A copy of the dbt project whose seeds a test may edit."""
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="module")
def mf_project(tmp_path_factory, built_warehouse) -> Path:
    """The project as mf sees it: mf reads <project>/target/semantic_manifest.json, so a folder
    with the project's files and the semantic manifest of the session build."""
    folder = tmp_path_factory.mktemp("mf_project")
    for name in ("dbt_project.yml", "models", "macros", "seeds", "snapshots"):
        (folder / name).symlink_to(PROJECT_DIR / name)
    (folder / "target").mkdir()
    shutil.copy(built_warehouse.parent / "target" / "semantic_manifest.json", folder / "target" / "semantic_manifest.json")
    return folder
