"""The benchmark's DataFrame references (bench/reference_pandas.py, bench/reference_polars.py) on a
hand-made raw export whose scores are derived by hand, the agreement check that stops the bench
when the Polars reference disagrees with dbt, and the per-node CPU attribution (bench/node_cpu.py)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import duckdb
import polars as pl
import pytest

from bench.scoring_config import EngagementRule, FitRule, ScoringConfig, ScoringModel

AS_OF = dt.date(2026, 1, 21)


def _rule(rule_id: str, event_type: str, points: float, **options) -> EngagementRule:
    fields = dict(property_key=None, property_operator=None, property_value=None, max_per_day=1, max_points=None,
                  window_days=None, half_life_days=None, min_count=None, required=False)
    return EngagementRule(model_id="m", rule_id=rule_id, event_type=event_type, points=points, **{**fields, **options})


# Threshold 30. Fit: 10 for more than 100 employees, 5 for "vp" in the title. Engagement: 10 per
# day with a pricing page view in the last 7 days; 30 once for a demo request; 20 for a webinar,
# halving every 10 days.
CONFIG = ScoringConfig(
    models=(ScoringModel("m", 30.0),),
    fit_rules=(
        FitRule("m", "size", "company_size", "between", (), 101, None, 10, False),
        FitRule("m", "title", "job_title", "contains_any", ("vp",), None, None, 5, False),
    ),
    engagement_rules=(
        _rule("pricing", "page_view", 10, property_key="page_url", property_operator="starts_with", property_value="/pricing", window_days=7),
        _rule("demo", "form_submit", 30, property_key="form_id", property_operator="equals", property_value="demo_request", max_points=30),
        _rule("webinar", "webinar_attended", 20, max_points=20, half_life_days=10),
    ),
)

LEADS = [  # lead_id, company_size, job_title, created_at, updated_at
    ("A", 5, "Intern", "2025-12-31 09:00", None),  # A's first version, replaced by the one below
    (" A ", 500, "VP Sales", "2025-12-31 09:00", "2026-01-02 09:00"),
    ("B", 50, "Student", "2026-01-01 09:00", None),
    ("C", None, None, "2026-01-01 09:00", None),
    ("D", 900, "VP", "2026-02-01 09:00", None),  # created after the day scored: not scored
]
EVENTS = [  # event_id, lead_id, event_type, occurred_at, received_at, properties
    ("e1", "A", "page_view", "2026-01-01 10:00", None, '{"page_url": "/pricing"}'),
    ("e2", "A", "Page View", "2026-01-01 15:00", None, '{"page_url": "/Pricing/enterprise"}'),  # same day: capped at 1
    ("e3", "A", "page_view", "2026-01-04 10:00", None, '{"page_url": "/pricing"}'),
    ("e4", "A", "page_view", "2026-01-05 10:00", None, '{"page_url": "/careers"}'),
    ("e5", "B", "disqualified", "2026-01-09 10:00", None, "{}"),
    ("e6", "B", "form_submit", "2026-01-10 10:00", None, '{"form_id": "demo_request"}'),
    ("e7", "C", "webinar_attended", "2026-01-11 10:00", "2026-01-11 11:00", "{}"),
    ("e7", "C", "webinar_attended", "2026-01-16 10:00", "2026-01-16 11:00", "{}"),  # a later delivery of e7: ignored
    ("e8", "Z", "form_submit", "2026-01-10 10:00", None, '{"form_id": "demo_request"}'),  # unknown lead
]
# A: fit 15; 10 on Jan 1 (25), 20 from Jan 4 (35: MQL), back to 10 on Jan 8 and 0 on Jan 11: 15 today.
# B: fit 0; the demo brings 30 on Jan 10, a day after B was disqualified: no MQL.
# C: fit 0; the webinar 10 days ago: 20 * 2^-1 = 10.
EXPECTED = {("m", "A"): (15.0, dt.date(2026, 1, 4)), ("m", "B"): (30.0, None), ("m", "C"): (10.0, None)}


@pytest.fixture
def raw_warehouse(tmp_path):
    path = tmp_path / "lead_scoring.duckdb"
    con = duckdb.connect(str(path))
    con.execute("set TimeZone = 'UTC'")
    con.execute("create schema raw")
    con.execute("""create table raw.leads (lead_id varchar, company_size integer, industry varchar, job_title varchar, country varchar,
                   lead_source varchar, campaign varchar, created_at timestamptz, updated_at timestamptz)""")
    con.executemany("insert into raw.leads values (?, ?, null, ?, null, null, null, ?, ?)", LEADS)
    con.execute("""create table raw.events (event_id varchar, lead_id varchar, event_type varchar, occurred_at timestamptz,
                   received_at timestamptz, properties varchar)""")
    con.executemany("insert into raw.events values (?, ?, ?, ?, ?, ?)", EVENTS)
    yield path, con
    con.close()


def _scores(frame) -> dict:
    rows = frame.to_dicts() if isinstance(frame, pl.DataFrame) else frame.to_dict("records")
    as_date = lambda value: None if value is None or value != value else (value.date() if isinstance(value, dt.datetime) else value)  # noqa: E731
    return {(r["model_id"], r["lead_id"]): (r["total_score"], as_date(r["first_mql_date"])) for r in rows}


def test_polars_reference_scores_the_hand_made_export_as_derived_by_hand(raw_warehouse):
    from bench.reference_polars import load_raw, polars_reference

    _, con = raw_warehouse
    assert _scores(polars_reference(load_raw(con), CONFIG, AS_OF)) == EXPECTED


def test_pandas_reference_scores_the_same_export_the_same_way(raw_warehouse):
    from bench.reference_pandas import load_raw, pandas_reference

    _, con = raw_warehouse
    assert _scores(pandas_reference(load_raw(con), CONFIG, AS_OF)) == EXPECTED


def test_polars_reference_gives_the_same_scores_in_batches_of_leads(raw_warehouse):
    from bench.reference_polars import load_raw, polars_reference

    _, con = raw_warehouse
    parts = [polars_reference(load_raw(con, batch=b, batches=3), CONFIG, AS_OF) for b in range(3)]
    assert _scores(pl.concat(parts)) == EXPECTED


def test_the_agreement_check_fails_when_the_polars_reference_disagrees_with_dbt(raw_warehouse, tmp_path):
    """dbt's marts (made here from the expected scores) against the Polars reference's real output:
    equal, then one first MQL date moved by a day."""
    from bench.agreement import compare
    from bench.reference_polars import load_raw, polars_reference

    db, con = raw_warehouse
    con.execute("create schema marts")
    con.execute("create table marts.mart_lead_scores_current (model_id varchar, lead_id varchar, total_score double)")
    con.execute("create table marts.fct_lead_mql_episodes (model_id varchar, lead_id varchar, mql_episode integer, mql_date date)")
    for (model, lead), (total, mql) in EXPECTED.items():
        con.execute("insert into marts.mart_lead_scores_current values (?, ?, ?)", [model, lead, total])
        if mql:
            con.execute("insert into marts.fct_lead_mql_episodes values (?, ?, 1, ?)", [model, lead, mql])
    result = polars_reference(load_raw(con), CONFIG, AS_OF)
    con.close()
    good, bad = tmp_path / "polars.parquet", tmp_path / "polars_off_by_a_day.parquet"
    result.write_parquet(good)
    result.with_columns(pl.col("first_mql_date") + pl.duration(days=1)).write_parquet(bad)

    assert compare(db, {"polars": good})["polars"]["mismatched_rows"] == 0
    with pytest.raises(SystemExit, match=r"dbt and the polars reference disagree on 1 \(model, lead\) rows"):
        compare(db, {"sql": good, "polars": bad})


# -- per-node CPU ------------------------------------------------------------------------------


def test_cpu_of_each_interval_goes_to_the_nodes_running_in_it_by_overlap():
    from bench.node_cpu import attribute

    samples = [(0.0, 0.0), (1.0, 1.0), (2.0, 3.0), (3.0, 3.5), (4.0, 3.9)]
    spans = {"model.p.a": (0.0, 2.0), "model.p.b": (1.0, 2.0), "test.p.c": (2.5, 3.0)}
    per_node, outside = attribute(samples, spans)
    # [0,1]: a alone 1.0; [1,2]: a and b throughout, 1.0 each; [2,3]: c alone 0.5; [3,4]: no node.
    assert per_node == pytest.approx({"model.p.a": 2.0, "model.p.b": 1.0, "test.p.c": 0.5})
    assert outside == pytest.approx(0.4)


def test_a_node_that_ran_for_part_of_an_interval_gets_that_part_of_its_share():
    from bench.node_cpu import attribute

    per_node, outside = attribute([(0.0, 0.0), (1.0, 0.9)], {"a": (0.0, 1.0), "b": (0.5, 1.0)})
    assert per_node == pytest.approx({"a": 0.6, "b": 0.3}) and outside == 0


def test_node_spans_run_from_compile_start_to_execute_end_and_skip_nodes_that_did_not_run():
    from bench.node_cpu import node_spans

    spans = node_spans({"results": [
        {"unique_id": "model.p.a", "timing": [
            {"name": "compile", "started_at": "2026-01-01T00:00:00.000000Z", "completed_at": "2026-01-01T00:00:01.000000Z"},
            {"name": "execute", "started_at": "2026-01-01T00:00:01.000000Z", "completed_at": "2026-01-01T00:00:03.500000Z"}]},
        {"unique_id": "test.p.skipped", "timing": []},
    ]})
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc).timestamp()
    assert spans == {"model.p.a": (start, start + 3.5)}


def test_a_child_process_cpu_is_sampled_while_it_runs_and_totalled_at_its_exit():
    from bench.node_cpu import run_sampled

    busy = "import time\nend = time.process_time() + 0.5\nwhile time.process_time() < end: pass"
    returncode, samples = run_sampled([sys.executable, "-c", busy], stdout=subprocess.DEVNULL)
    assert returncode == 0
    assert len(samples) >= 3  # sampled while it ran, not only at its end
    assert [cpu for _, cpu in samples] == sorted(cpu for _, cpu in samples)
    assert samples[-1][1] >= 0.5


def test_nodes_are_classed_by_how_their_work_grows_on_a_daily_run():
    from bench.node_cpu import SCALING_CLASSES, scaling_class

    nodes = {"nodes": {
        "model.p.scores": {"config": {"materialized": "incremental", "meta": {"daily_test_scope": "lead_id"}}},
        "model.p.events": {"config": {"materialized": "incremental", "meta": {"daily_test_scope_staged": "staged_at"}}},
        "model.p.current": {"config": {"materialized": "table", "meta": {}}},
        "model.p.explained": {"config": {"materialized": "view", "meta": {}}},
        "test.p.unique_scores": {"attached_node": "model.p.scores", "config": {}},
        "test.p.unique_events": {"attached_node": "model.p.events", "config": {}},
        "test.p.unique_current": {"attached_node": "model.p.current", "config": {}},
        "test.p.assert_singular": {"attached_node": None, "config": {}},
        "test.p.assert_by_lead": {"attached_node": None, "config": {}, "depends_on": {"macros": ["macro.p.daily_tested_leads"]}},
    }}
    classes = {uid: scaling_class(uid, nodes) for uid in [*nodes["nodes"], "unit_test.p.scores.a_case", "seed.p.rules", "snapshot.p.lifecycle"]}
    assert classes == {
        "model.p.scores": "restated models", "model.p.events": "restated models",
        "model.p.current": "models rebuilt whole", "model.p.explained": "views",
        "test.p.unique_scores": "narrowed tests", "test.p.unique_events": "narrowed tests",
        "test.p.unique_current": "whole tests", "test.p.assert_singular": "whole tests", "test.p.assert_by_lead": "narrowed tests",
        "unit_test.p.scores.a_case": "unit tests", "seed.p.rules": "seeds and snapshots", "snapshot.p.lifecycle": "seeds and snapshots",
    }
    assert set(classes.values()) == set(SCALING_CLASSES)


def test_the_incremental_day_is_split_by_subtraction_into_any_run_the_date_and_the_delivery():
    from bench.run import day_parts_markdown

    # dbt CPU s: full build 400, the day 60, the same day again with nothing new 30, the next day
    # without a delivery 45: any run 30 (7.5 % of 400), the date 45 - 30 = 15 (3.75 %, shown
    # 3.8), the delivery 60 - 45 = 15.
    summary = {name: {"dbt": {"cpu_s": cpu}} for name, cpu in (("full", 400.0), ("incremental", 60.0), ("rerun", 30.0), ("next_day", 45.0))}
    (line,) = [text for text in day_parts_markdown(summary) if text]
    assert "`dbt build`, 60.0 CPU s (15.0 %) of the full build's 400.0, split by subtraction:" in line
    assert "any run, with nothing new, 30.0 CPU s (7.5 %);" in line
    assert "the date moving 15.0 CPU s (3.8 %); the day's delivery 15.0 CPU s (3.8 %)." in line
    # Results of a bench without the two extra runs (or earlier ones) get no split.
    assert day_parts_markdown({name: summary[name] for name in ("full", "incremental")}) == []
