"""The dashboard and the run summary read their figures from the marts and define none.

A metric's definition (which lead converted, the stages, the windows, the benchmark ranges, the
score bands) lives once, in the dbt models and seeds; dashboard/data.py only selects, filters and
sums what the published BI file holds, and the summary reads the warehouse's marts.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dashboard import data
from helpers import PROJECT_DIR, query
from lead_scoring import bi_publication
from lead_scoring.settings import warehouse_path
from lead_scoring.summary import render_summary

DATA_SOURCE = (PROJECT_DIR / "dashboard" / "data.py").read_text(encoding="utf-8")
# What defining a metric in SQL or Python takes, rather than reading it: stage entry times and the
# days between them, de-duplicating leads, generated threshold grids, files of the project.
DEFINING = {
    "stage entry times": r"_entered_at\b",
    "days between two times": r"date_?diff\s*\(",
    "leads de-duplicated": r"count\s*\(\s*distinct\b",
    "a generated series": r"\b(?:range|generate_series|unnest)\(",
    "a file of the project": r"\.csv\b|read_csv|\bopen\s*\(|PROJECT_DIR",
}


def test_the_dashboard_data_module_defines_no_metric():
    found = {what: re.findall(pattern, DATA_SOURCE, flags=re.IGNORECASE) for what, pattern in DEFINING.items()}
    assert not {what: hits for what, hits in found.items() if hits}


def test_no_stage_list_in_the_dashboard_data_module():
    """The stages and their order come from the marts' stage and stage_order columns."""
    with (PROJECT_DIR / "seeds" / "lifecycle_stages.csv").open(encoding="utf-8", newline="") as seed:
        stages = [row["stage"] for row in csv.DictReader(seed)]
    quoted = [stage for stage in stages if re.search(rf"""["']{stage}["']""", DATA_SOURCE)]
    assert not quoted


def test_the_bi_path_is_the_publications(monkeypatch, tmp_path):
    monkeypatch.delenv("LEAD_SCORING_BI_DB", raising=False)
    monkeypatch.setenv("LEAD_SCORING_DB", str(tmp_path / "wh" / "lead_scoring.duckdb"))
    assert data.bi_path() == bi_publication.bi_path(warehouse_path()) == tmp_path / "wh" / "bi.duckdb"
    monkeypatch.setenv("LEAD_SCORING_BI_DB", str(tmp_path / "elsewhere.duckdb"))
    assert data.bi_path() == tmp_path / "elsewhere.duckdb"
    assert "LEAD_SCORING_BI_DB" not in DATA_SOURCE  # one definition, in lead_scoring/bi_publication.py


def test_the_dashboard_imports_no_orchestration():
    code = ("import sys, dashboard.data; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dagster', 'dagster_dbt', 'orchestration')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_DIR, check=True)
    assert result.stdout.strip() == "[]"


@pytest.fixture(scope="module")
def bi_file(tmp_path_factory, built_warehouse) -> Path:
    target = tmp_path_factory.mktemp("reads_marts") / "bi.duckdb"
    bi_publication.publish(built_warehouse, target, run_id="reads-marts", personal_data="hashed")
    return target


def test_every_relation_the_dashboard_reads_is_published(bi_file):
    published = {f"{s}.{t}" for s, t in query(bi_file, "select table_schema, table_name from information_schema.tables")}
    read = set(re.findall(r"\b(?:from|join)\s+([a-z_]+\.[a-z_]+)\b(?!\s+import)", DATA_SOURCE))  # SQL, not Python imports
    assert "seeds.funnel_benchmarks" in published and "marts.dim_score_bands" in published
    assert read - {"information_schema.columns"} <= published, read - published


def test_benchmarks_stages_and_bands_are_the_published_ones(bi_file, built_warehouse):
    bi = data.BI(str(bi_file))
    assert data.benchmarks(bi) == {m: (lo, hi) for m, lo, hi in query(
        built_warehouse, "select metric, typical_min, typical_max from seeds.funnel_benchmarks")}
    assert data.score_bands(bi) == ["cold", "nurture", "hot_blocked", "hot"]
    assert data.windows(bi) == [30, 60, 90]
    first_day, as_of = data.date_bounds(bi)
    flows = data.flow(bi, data.Filters("hybrid_v1", first_day, as_of))
    assert list(flows.drop_duplicates("stage").sort_values("stage_order")["stage"]) == [
        s for (s,) in query(built_warehouse, "select stage from seeds.lifecycle_stages where is_main_path order by stage_order")]


def test_velocity_for_a_filter_is_the_lead_level_steps_of_the_mart(bi_file):
    """Velocity of some channels: the steps of fct_lead_funnel_steps, whose per-cohort aggregate
    is mart_funnel_velocity (a month's cohort gives the mart's figures for that month)."""
    bi = data.BI(str(bi_file))
    month, step, leads, median = query(bi_file, """
        select cohort_month, step, leads, median_days from marts.mart_funnel_velocity
        where model_id = 'hybrid_v1' and cohort_scope = 'month' and slice_name = 'channel' and slice_value = 'webinar'
        order by leads desc, cohort_month limit 1""")[0]
    month_end = query(bi_file, "select last_day(?::date)", [month])[0][0]
    steps = data.velocity(bi, data.Filters("hybrid_v1", month, month_end, ("webinar",))).set_index("step")
    assert steps.loc[step, "leads"] == leads and steps.loc[step, "median_days"] == pytest.approx(median)


def test_the_summary_orders_the_bands_as_the_warehouse_ranks_them():
    """The band order is marts.dim_score_bands' (macro score_bands), not a list in Python: ranked
    the other way round, the summary lists the bands the other way round."""
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.mart_lead_scores_current as select *, true as is_primary_model, 60.0 as mql_threshold, "
                "score_band = 'hot' as is_mql_qualified from (values ('m', 'cold', 10.0), ('m', 'hot', 90.0), ('m', 'nurture', 40.0)) "
                "as t(model_id, score_band, total_score)")
    con.execute("create table marts.mart_mql_measures (model_id varchar, is_primary_model boolean, slice_name varchar, "
                "slice_value varchar, measure varchar, measure_order integer, label varchar, unit varchar, value double)")
    con.execute("create table marts.dim_score_bands as select * from (values "
                "('cold', 1), ('nurture', 2), ('hot_blocked', 3), ('hot', 4)) as t(score_band, band_order)")

    def bands() -> list[str]:
        section = render_summary(con).split("== Leads per score band today ==\n")[1].split("\n\n")[0]
        return [line.split()[1] for line in section.splitlines()[2:]]

    assert bands() == ["hot", "nurture", "cold"]
    con.execute("update marts.dim_score_bands set band_order = 5 - band_order")
    assert bands() == ["cold", "nurture", "hot"]
