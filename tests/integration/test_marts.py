"""Funnel, velocity, SLA and feedback marts: their dbt unit and data tests ran and passed, every
BI-facing mart has an enforced contract and documented columns, the numbers agree with counts
made here from dim_leads (cohort conversion, maturity, velocity), the demo summary shows them,
and `dbt docs generate` works."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import statistics
from pathlib import Path

import pytest

from helpers import SAMPLE_END, dbt, query
from lead_scoring.summary import render_summary

AS_OF = SAMPLE_END
BI_MARTS = {
    "fct_lead_funnel",
    "mart_funnel_conversion",
    "mart_funnel_dispositions",
    "mart_funnel_flow",
    "mart_funnel_health",
    "mart_funnel_velocity",
    "mart_funnel_stage_aging",
    "fct_mql_speed_to_lead",
    "mart_speed_to_lead",
    "mart_speed_to_lead_breaches",
    "mart_feedback_score_bands",
    "mart_feedback_threshold_sweep",
    "mart_feedback_rules",
    "mart_data_coverage",
    "fct_lead_scored_events",
    "mart_mql_measures",
}
INTERMEDIATES = {
    "int_funnel_settings",
    "int_lead_funnel_stages",
    "int_mql_sales_responses",
    "int_lead_feedback_outcomes",
    "int_lead_threshold_crossings",
    "int_lead_rule_hits",
    "int_lead_scored_events",
}
UNIT_TESTS = {
    "funnel_stages_any_stage_and_in_order",
    "funnel_conversion_next_step_cumulative_and_windows",
    "funnel_dispositions_by_slice_in_one_pass",
    "funnel_health_benchmark_flags_and_maturity",
    "funnel_velocity_percentiles",
    "speed_to_lead_sla_status",
    "threshold_crossings_point_in_time",
    "threshold_sweep_precision_and_recall",
    "score_bands_hot_blocked_only_for_models_with_gates",
    "score_explanations_gates_count_rules_and_older_contributions",
    "current_rule_states_gates_count_rules_and_resets",
    "current_scores_hot_blocked_points_to_mql_and_blocking_gates",
    "lead_scores_hot_blocked_until_the_gate_holds",
    "scored_events_page_paths_without_query_and_per_day_cap",
    "mql_measures_counted_once_per_lead_and_episode",
}
SINGULAR_TESTS = {
    "assert_funnel_cumulative_conversion_never_rises",
    "assert_funnel_cohorts_reconcile_with_dim_leads",
    "assert_funnel_lead_stages_match_dim_leads",
    "assert_funnel_slices_add_up",
    "assert_funnel_flow_balance_matches_current_stages",
    "assert_funnel_sweep_matches_mql_episodes",
    "assert_funnel_feedback_scope_reconciles",
    "assert_current_scores_match_as_of_scores",
    "assert_score_explanations_list_every_gate",
}


@pytest.fixture(scope="module")
def target_dir(built_warehouse) -> Path:
    return built_warehouse.parent / "target"


@pytest.fixture(scope="module")
def run_results(target_dir) -> list[dict]:
    return json.loads((target_dir / "run_results.json").read_text())["results"]


@pytest.fixture(scope="module")
def manifest(target_dir) -> dict:
    return json.loads((target_dir / "manifest.json").read_text())


def test_unit_tests_ran_and_passed(run_results):
    unit = {r["unique_id"].split(".")[-1]: r["status"] for r in run_results if r["unique_id"].startswith("unit_test.")}
    assert {name: unit.get(name) for name in UNIT_TESTS} == {name: "pass" for name in UNIT_TESTS}


def test_data_tests_of_the_marts_ran_and_passed(run_results, manifest):
    statuses = {r["unique_id"]: r["status"] for r in run_results}
    assert {name: statuses.get(f"test.lead_scoring.{name}") for name in SINGULAR_TESTS} == {name: "pass" for name in SINGULAR_TESTS}
    ours = {f"model.lead_scoring.{name}" for name in BI_MARTS | INTERMEDIATES}
    tests = [uid for uid, node in manifest["nodes"].items() if node["resource_type"] == "test" and ours & set(node["depends_on"]["nodes"])]
    # Counted per checked column: not_null_columns is one node for all of a model's never-null columns.
    checks = sum(len(manifest["nodes"][uid]["test_metadata"]["kwargs"]["column_names"])
                 if manifest["nodes"][uid].get("test_metadata", {}).get("name") == "not_null_columns" else 1 for uid in tests)
    assert checks >= 180
    assert {statuses.get(uid) for uid in tests} == {"pass"}
    # every model of ours has data tests, and every mart a not_empty test unless it may be empty
    tested = {dep for uid in tests for dep in manifest["nodes"][uid]["depends_on"]["nodes"]}
    assert ours <= tested
    not_empty = {dep for uid in tests if manifest["nodes"][uid].get("test_metadata", {}).get("name") == "not_empty" for dep in manifest["nodes"][uid]["depends_on"]["nodes"]}
    assert ours - not_empty == {"model.lead_scoring.mart_speed_to_lead_breaches"}  # no breach is possible


def test_bi_marts_have_enforced_contracts_and_documented_columns(manifest, built_warehouse):
    for name in BI_MARTS | INTERMEDIATES:
        node = manifest["nodes"][f"model.lead_scoring.{name}"]
        assert node["description"].strip(), name
        built = {row[0] for row in query(built_warehouse, "select column_name from information_schema.columns where table_name = ?", [name])}
        documented = {col: spec for col, spec in node["columns"].items()}
        assert set(documented) == built, name
        assert all(spec["description"].strip() for spec in documented.values()), name
        if name in BI_MARTS:
            assert node["config"]["contract"]["enforced"] is True, name
            assert all(spec["data_type"] for spec in documented.values()), name
            if node["config"]["materialized"] == "view":
                # a warehouse enforces no constraint on a view: a not_null_columns test checks it
                checked = {col for test in manifest["nodes"].values()
                           if test.get("test_metadata", {}).get("name") == "not_null_columns"
                           and f"model.lead_scoring.{name}" in test["depends_on"]["nodes"]
                           for col in test["test_metadata"]["kwargs"]["column_names"]}
                assert "model_id" in checked and not any(spec["constraints"] for spec in documented.values()), name
            else:
                # never-empty columns are not_null constraints of the contract, enforced at build time
                assert {"type": "not_null"} in [{"type": c["type"]} for c in documented["model_id"]["constraints"]], name


def test_cohort_conversion_matches_a_count_from_dim_leads(built_warehouse):
    """Leads created in a mature month that became MQL within 30 days (in order), counted here."""
    month = dt.date(2026, 3, 1)
    leads = query(
        built_warehouse,
        "select created_at, mql_first_entered_at from marts.dim_leads where created_at >= ? and created_at < ?",
        [month, dt.date(2026, 4, 1)],
    )
    within_30 = sum(1 for created, mql in leads if mql is not None and (mql - created) <= dt.timedelta(days=30))
    row = query(
        built_warehouse,
        """
        select cohort_leads, reached_within_30d, conversion_within_30d, is_immature_30d
        from marts.mart_funnel_conversion
        where is_primary_model and cohort_basis = 'created_month' and cohort_month = ?
          and slice_name = 'all' and funnel_kind = 'in_order' and stage = 'mql'
        """,
        [month],
    )
    assert within_30 > 0
    assert row == [(len(leads), within_30, pytest.approx(within_30 / len(leads)), False)]


def test_maturity_flags_follow_the_scoring_day(built_warehouse):
    """As of 06-30: a month is mature for W days when its last day + W <= 06-30."""
    rows = query(
        built_warehouse,
        """
        select distinct cohort_month, is_immature_30d, is_immature_60d, is_immature_90d, conversion_within_90d is null
        from marts.mart_funnel_conversion
        where is_primary_model and cohort_basis = 'created_month' and slice_name = 'all' and stage = 'lead'
        order by cohort_month
        """,
    )
    def immature(month: dt.date, days: int) -> bool:
        next_month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return next_month - dt.timedelta(days=1) + dt.timedelta(days=days) > AS_OF
    assert rows
    for month, i30, i60, i90, no_rate_90 in rows:
        assert (i30, i60, i90, no_rate_90) == (immature(month, 30), immature(month, 60), immature(month, 90), immature(month, 90)), month
    # the sample ends 06-30: March is mature for 90 days (03-31 + 90 = 06-29), April is not
    flags = {month: i90 for month, _, _, i90, _ in rows}
    assert flags[dt.date(2026, 3, 1)] is False and flags[dt.date(2026, 4, 1)] is True


def test_velocity_median_matches_the_entry_times(built_warehouse):
    days = [
        (mql - lead).total_seconds() / 86400
        for lead, mql in query(built_warehouse, "select lead_first_entered_at, mql_first_entered_at from marts.dim_leads where mql_first_entered_at >= lead_first_entered_at")
    ]
    row = query(
        built_warehouse,
        """
        select leads, median_days, p75_days, p90_days
        from marts.mart_funnel_velocity
        where is_primary_model and cohort_scope = 'all' and slice_name = 'all' and step = 'lead_to_mql'
        """,
    )
    quartiles = statistics.quantiles(days, n=4, method="inclusive")
    assert row == [(len(days), pytest.approx(statistics.median(days)), pytest.approx(quartiles[2]), pytest.approx(statistics.quantiles(days, n=10, method="inclusive")[8]))]


def test_speed_to_lead_covers_every_mql_and_lists_open_breaches(built_warehouse):
    entries = query(built_warehouse, "select count(*) from marts.fct_lead_stage_transitions where to_stage = 'mql'")[0][0]
    assert query(built_warehouse, "select count(*) from marts.fct_mql_speed_to_lead") == [(entries,)]
    open_breaches = query(
        built_warehouse,
        "select count(*) from marts.fct_mql_speed_to_lead where is_primary_model and first_attempt_at is null and is_still_mql "
        f"and sla_deadline_at <= timestamp '{AS_OF.isoformat()}' + interval 1 day",
    )[0][0]
    assert query(built_warehouse, "select count(*) from marts.mart_speed_to_lead_breaches") == [(open_breaches,)]
    monthly = query(built_warehouse, "select sum(mql_entries), sum(open_breaches) from marts.mart_speed_to_lead where is_primary_model and slice_name = 'all'")
    primary_entries = query(built_warehouse, "select count(*) from marts.fct_mql_speed_to_lead where is_primary_model")[0][0]
    assert monthly == [(primary_entries, open_breaches)]


def test_summary_shows_funnel_velocity_and_health(built_warehouse):
    import duckdb

    con = duckdb.connect(str(built_warehouse), read_only=True)
    try:
        text = render_summary(con)
    finally:
        con.close()
    for title in ("== Cohort funnel (primary model)", "== Velocity (primary model", "== Benchmark health (primary model", "== Speed to lead", "== Feedback per score band"):
        assert title in text
    health = text.split("== Benchmark health")[1].split("\n\n")[0]
    for metric in ("lead_to_mql_rate", "mql_to_sql_rate", "lead_to_mql_days"):
        assert metric in health
    velocity = text.split("== Velocity")[1].split("\n\n")[0]
    assert "lead_to_mql" in velocity and "opportunity_to_customer" in velocity


def test_docs_generate_works(built_warehouse, target_dir, tmp_path):
    """The docs site and catalog from the session build's manifest (it compiled every node)."""
    shutil.copytree(target_dir, tmp_path / "docs", ignore=shutil.ignore_patterns("run", "compiled"))
    result = dbt(["docs", "generate", "--no-compile", "--target-path", str(tmp_path / "docs"), "--vars", f"{{scoring_as_of_date: '{AS_OF.isoformat()}'}}"], built_warehouse)
    assert result.returncode == 0, result.stdout[-3000:]
    catalog = json.loads((tmp_path / "docs" / "catalog.json").read_text())
    assert {f"model.lead_scoring.{name}" for name in BI_MARTS} <= set(catalog["nodes"])
    assert (tmp_path / "docs" / "index.html").exists()


def test_leads_held_back_by_a_gate_are_hot_blocked_and_say_why(built_warehouse):
    """On the sample data the challenger's gates hold leads over the threshold back: each is in band
    hot_blocked, never hot, and its blocking gates say what the lead has - its company size, its
    content downloads in the last 90 days, counted here from staging - against what they need."""
    held_back = query(built_warehouse, """
        select s.lead_id, s.score_band, s.mql_blocked_by, l.company_size
        from marts.mart_lead_scores_current as s join staging.stg_raw__leads as l using (lead_id)
        where s.model_id = 'enterprise_gate_v1' and s.total_score >= s.mql_threshold and not s.required_rules_hold""")
    assert len(held_back) >= 5
    downloads = dict(query(built_warehouse, """
        select lead_id, count(*) from staging.stg_raw__events
        where event_type = 'content_download' and occurred_on > ? - 90 and occurred_on <= ?
        group by lead_id""", [AS_OF, AS_OF]))
    for lead_id, band, blocked_by, size in held_back:
        assert band == "hot_blocked", lead_id
        gates = {rule: (has, needs) for rule, has, needs in query(built_warehouse, """
            select rule_id, lead_has, rule_needs from marts.fct_lead_score_explanations
            where model_id = 'enterprise_gate_v1' and lead_id = ? and is_blocking_mql""", [lead_id])}
        assert sorted(gates) == blocked_by.split(", "), lead_id
        if "size_over_100" in gates:
            assert size is None or size <= 100
            assert gates["size_over_100"] == (f"{size} employees" if size is not None else "company size unknown", "at least 101 employees")
        if "content_two_downloads" in gates:
            assert downloads.get(lead_id, 0) < 2
            assert gates["content_two_downloads"] == (f"{downloads.get(lead_id, 0)} in the last 90 days", "at least 2")
    assert query(built_warehouse, """
        select count(*) from marts.mart_lead_scores_current
        where score_band = 'hot' and not is_mql_qualified and mql_engagement_after is null""") == [(0,)]


def test_scored_events_match_the_rule_states_and_carry_no_personal_data(built_warehouse):
    """The events mart and the scoring match events separately: for every rule without a window,
    the events counted in fct_lead_scored_events are the occurrences the explanation counts."""
    columns = {c for (c,) in query(built_warehouse, "select column_name from information_schema.columns where table_name = 'fct_lead_scored_events'")}
    assert columns == {"model_id", "is_primary_model", "lead_id", "event_id", "rule_id", "event_type", "occurred_at",
                       "occurred_on", "event_detail", "is_counted"}
    compared = query(built_warehouse, """
        with counted as (
            select model_id, lead_id, rule_id, count(*) filter (where is_counted) as counted_events
            from marts.fct_lead_scored_events group by all
        )
        select count(*), count(*) filter (where x.occurrences_in_window is distinct from c.counted_events)
        from marts.fct_lead_score_explanations as x
        left join counted as c using (model_id, lead_id, rule_id)
        where x.rule_kind = 'engagement' and x.window_days is null and x.last_change_date is not null""")[0]
    assert compared[0] > 100 and compared[1] == 0, compared
    assert query(built_warehouse, """
        select count(*) from marts.fct_lead_scored_events
        where event_detail like '%?%' or event_detail like '%#%' or event_detail like '%@%'""") == [(0,)]
