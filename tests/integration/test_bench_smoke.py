"""The benchmark harness (bench/, `make bench`) at a tiny scale: it runs end to end through the
daily job's code path, dbt and the three reference implementations agree, the reports have the promised
shape, and a disagreement is reported with a sample of the differing rows."""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import pytest

from helpers import PROJECT_DIR


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("bench")
    command = [
        sys.executable, "-m", "bench.run", "--leads", "300", "--runs", "1", "--scenarios", "full,incremental,preview", "--keep",
        "--data-dir", str(base / "data"), "--results-dir", str(base / "results"),
    ]
    result = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return base


def test_bench_reports_agreement_and_measurements(bench_run):
    report = json.loads((bench_run / "results" / "bench_300leads.json").read_text())
    agreement = report["agreement"]
    assert agreement["rows"] == 600 and agreement["mqls"] > 0  # 300 leads x 2 scoring models
    assert agreement["sql"]["mismatched_rows"] == 0 and agreement["pandas"]["mismatched_rows"] == 0 and agreement["polars"]["mismatched_rows"] == 0
    summary = report["summary"]
    for name in ("startup", "full", "ref_sql", "ref_pandas", "ref_polars"):
        assert summary[name]["wall_s"] > 0 and summary[name]["cpu_s"] > 0 and summary[name]["peak_rss_mb"] > 0, name
    assert summary["full"]["load"]["cpu_s"] > 0 and summary["full"]["dbt"]["cpu_s"] > 0
    # The build's CPU attributed to its nodes: models and tests got some, and no more than dbt used.
    node_cpu = summary["full"]["dbt_node_cpu"]
    assert node_cpu["cpu_by_kind"]["model"] > 0 and node_cpu["cpu_by_kind"]["test"] > 0
    assert sum(node_cpu["cpu_by_kind"].values()) + node_cpu["outside_nodes_cpu_s"] <= summary["full"]["dbt"]["cpu_s"] + 0.1
    assert node_cpu["top_nodes"][0]["cpu_s"] > 0 and "incremental" in summary and "dbt_node_cpu" in summary["incremental"]
    # ... and by how each node's work grows on a daily run: every node in one class, the same CPU.
    assert sum(node_cpu["cpu_by_scaling"].values()) == pytest.approx(sum(node_cpu["cpu_by_kind"].values()), abs=0.1)
    assert node_cpu["cpu_by_scaling"]["restated models"] > 0 and node_cpu["cpu_by_scaling"]["narrowed tests"] > 0
    assert len(report["loadavg_start"]) == 3
    assert {t["met"] for t in report["targets"]} <= {True, False}
    assert any("faster (wall) than the Polars reference" in t["target"] for t in report["targets"])

    # The incremental day: yesterday's build, then one day's delivery, equal to the full build.
    assert report["incremental_equals_full"] == {"differing_rows": {"marts.mart_lead_scores_current": 0, "marts.fct_lead_mql_episodes": 0}}
    assert summary["incremental"]["dbt"]["cpu_s"] > 0 and summary["yesterday"]["dbt"]["cpu_s"] > 0
    # Then the same day again with nothing new, which leaves the warehouse equal to the full build,
    # and the next day without a delivery; the day split between them.
    assert report["rerun_equals_full"] == report["incremental_equals_full"]
    assert summary["rerun"]["dbt"]["cpu_s"] > 0 and summary["next_day"]["dbt_node_cpu"]["cpu_by_kind"]["model"] > 0
    # The preview of the seed change: measured with the dbt it starts, and its figures recorded.
    preview = report["measurements"]["preview"][0]
    assert summary["preview"]["cpu_s"] > 0 and preview["phases"]["dbt_build_wall_s"] > 0
    assert preview["phases"]["mql_leads"][0] > 0

    markdown = (bench_run / "results" / "bench_300leads.md").read_text()
    assert "| full build: load raw + `dbt build` |" in markdown
    assert "hand-written DuckDB query" in markdown and "Load average" in markdown
    assert "reference: Polars" in markdown and "attributed by overlap" in markdown
    assert "| the next day, no delivery (only the date moves): load raw + `dbt build` |" in markdown
    assert "split by subtraction: any run, with nothing new," in markdown and "also after the run with nothing new." in markdown
    assert "300 leads" in (bench_run / "results" / "bench.md").read_text()  # every scale's table


def test_the_incremental_day_lands_as_one_new_file_per_table_next_to_yesterdays(bench_run):
    data = bench_run / "data" / "300leads"
    files = sorted(p.relative_to(data / "today").as_posix() for p in (data / "today").glob("*/*.parquet"))
    assert files == [f"{table}/{name}" for table in ("company_visits", "events", "leads", "opportunities") for name in ("day-2026-11-20.parquet", "part-00000.parquet")]
    count = lambda folder: duckdb.execute(f"select count(*) from read_parquet('{folder}/events/*.parquet')").fetchall()[0][0]  # noqa: E731
    # Yesterday's files plus the day's hold every event of the full export, once.
    assert count(data / "day") > 0 and count(data / "yesterday") + count(data / "day") == count(data / "raw")
    ids = lambda folder: duckdb.execute(f"select count(*), count(distinct event_id) from read_parquet('{folder}/events/*.parquet')").fetchall()[0]  # noqa: E731
    assert ids(data / "today") == ids(data / "raw")  # the same events (the generator repeats a few ids on purpose)


def test_bench_fails_with_a_sample_when_a_reference_disagrees(bench_run, tmp_path):
    run = bench_run / "data" / "300leads" / "work" / "run1"
    tampered = tmp_path / "tampered.parquet"
    duckdb.execute(
        f"copy (select model_id, lead_id, case when row_number() over (order by model_id, lead_id) = 1 then total_score + 1 "
        f"else total_score end as total_score, first_mql_date from read_parquet('{run / 'ref_sql.parquet'}')) to '{tampered}' (format parquet)"
    )
    result = subprocess.run(
        [sys.executable, "-m", "bench.steps", "compare", "--db", str(run / "full" / "lead_scoring.duckdb"),
         "--sql-result", str(tampered), "--json", str(tmp_path / "compare.json")],
        cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "dbt and the sql reference disagree on 1 (model, lead) rows" in result.stderr
    assert "dbt_total" in result.stderr
