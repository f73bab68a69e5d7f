"""The MetricFlow semantic layer runs on DuckDB: `mf query` through the read-only `semantic`
target (an in-memory database attaching the warehouse read-only) returns the same numbers as
direct SQL on dim_leads."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT_DIR, query

pytestmark = pytest.mark.slow


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


def mf(args: list[str], project: Path, db_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT_DIR), "LEAD_SCORING_DB": str(db_path), "LEAD_SCORING_TARGET": "semantic"}
    return subprocess.run([str(Path(sys.executable).parent / "mf"), *args], env=env, cwd=project, capture_output=True, text=True)


def test_mf_query_matches_direct_sql(mf_project, built_warehouse, tmp_path):
    out = tmp_path / "metrics.csv"
    result = mf(
        ["query", "--metrics", "mqls,leads,lead_to_mql_rate", "--group-by", "metric_time__month", "--order", "metric_time__month", "--csv", str(out)],
        mf_project,
        built_warehouse,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with out.open() as f:
        rows = {r["metric_time__month"][:10]: r for r in csv.DictReader(f)}

    mqls = dict(query(built_warehouse, "select strftime(date_trunc('month', mql_first_entered_at), '%Y-%m-%d'), count(*) from marts.dim_leads where mql_first_entered_at is not null group by 1"))
    leads = dict(query(built_warehouse, "select strftime(date_trunc('month', created_at), '%Y-%m-%d'), count(*) from marts.dim_leads group by 1"))
    mql_leads = dict(query(built_warehouse, "select strftime(date_trunc('month', created_at), '%Y-%m-%d'), count(mql_first_entered_at) from marts.dim_leads group by 1"))

    assert sum(mqls.values()) > 0
    assert {month: int(float(r["mqls"])) for month, r in rows.items() if r["mqls"] not in ("", None)} == mqls
    assert {month: int(float(r["leads"])) for month, r in rows.items() if r["leads"] not in ("", None)} == leads
    for month, n in leads.items():
        assert float(rows[month]["lead_to_mql_rate"]) == pytest.approx(mql_leads[month] / n)
