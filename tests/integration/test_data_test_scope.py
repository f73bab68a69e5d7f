"""Data tests scoped to the change: with the var data_test_scope = changed (the daily job), the
generic tests of a lead-grain model check only the rows of the leads the run rescored
(int_lead_scoring_scope where needs_rescore); with all, every row.

Each case copies the session's built warehouse, marks one lead as rescored and every other lead as
unchanged, and breaks rows of int_lead_fit_scores (a lead-grain model built for the rescored
leads only) by hand. The staged-rows cases do the same for stg_raw__events, whose daily tests
check the rows the latest staging wrote."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from helpers import dbt, query
from lead_scoring import run_options

MODEL = "intermediate.int_lead_fit_scores"
UNIQUE_LEAD_ID = "unique_combination_int_lead_fit_scores_model_id__lead_id"
NOT_NULL_LEAD_ID = "not_null_columns_int_lead_fit_scores"
# One row of a lead: the champion model's.
ONE_ROW = "lead_id = ? and model_id = 'hybrid_v1'"


@pytest.fixture()
def scoped(built_warehouse, tmp_path):
    """A copy of the warehouse where only the first lead (by id) is rescored; returns (db, rescored
    lead, an unchanged lead)."""
    db = tmp_path / "lead_scoring.duckdb"
    shutil.copy(built_warehouse, db)
    rescored, unchanged = [row[0] for row in query(db, "select distinct lead_id from intermediate.int_lead_fit_scores order by lead_id limit 2")]
    con = duckdb.connect(str(db))
    try:
        con.execute("update intermediate.int_lead_scoring_scope set needs_rescore = (lead_id = ?)", [rescored])
    finally:
        con.close()
    return db, rescored, unchanged


def _execute(db, sql: str, params: list) -> None:
    con = duckdb.connect(str(db))
    try:
        con.execute(sql, params)
    finally:
        con.close()


def _duplicate_lead(db, lead_id: str) -> None:
    _execute(db, f"insert into {MODEL} select * from {MODEL} where {ONE_ROW}", [lead_id])


def _test_results(db, scope: str, select: str = "int_lead_fit_scores,test_type:generic") -> dict[str, tuple[str, int]]:
    """{test name: (status, failures)} of `dbt test --select <select>`, run with the args the
    pipeline gives a test-only run of that scope."""
    args = run_options.dbt_args({run_options.DATA_TEST_SCOPE_TAG: scope}, tests_only=True)
    target = db.parent / f"target_{scope}"
    result = dbt([*args, "--select", *select.split(), "--target-path", str(target)], db)
    assert "Compilation Error" not in result.stdout, result.stdout[-3000:]
    results = json.loads((target / "run_results.json").read_text())["results"]
    # Generic test names end in a hash when they are long: keep the readable part.
    return {r["unique_id"].split(".")[2].rsplit(".", 1)[0]: (r["status"], r["failures"]) for r in results}


def test_a_broken_row_of_an_unchanged_lead_is_not_checked_on_a_daily_run(scoped):
    db, _, unchanged = scoped
    _duplicate_lead(db, unchanged)
    # The scoped relation holds the rescored lead's one row: nothing repeats.
    assert _test_results(db, "changed")[UNIQUE_LEAD_ID] == ("pass", 0)
    # The whole table holds the unchanged lead twice: one repeated lead id.
    assert _test_results(db, "all")[UNIQUE_LEAD_ID] == ("fail", 1)


def test_a_broken_row_of_a_rescored_lead_fails_on_a_daily_run(scoped):
    db, rescored, _ = scoped
    _duplicate_lead(db, rescored)
    assert _test_results(db, "changed")[UNIQUE_LEAD_ID] == ("fail", 1)


def test_a_row_without_a_lead_id_is_checked_on_a_daily_run(scoped):
    db, _, unchanged = scoped
    _execute(db, f"update {MODEL} set lead_id = null where {ONE_ROW}", [unchanged])
    # The row has no lead, so it is in every scope: not_null finds it once.
    assert _test_results(db, "changed")[NOT_NULL_LEAD_ID] == ("fail", 1)


def test_an_unknown_scope_is_a_clear_error(built_warehouse, tmp_path):
    db = tmp_path / "lead_scoring.duckdb"
    shutil.copy(built_warehouse, db)
    result = dbt(["test", "--select", "int_lead_fit_scores", "--vars", '{"data_test_scope": "changes"}',
                  "--target-path", str(tmp_path / "target")], db)
    assert result.returncode != 0
    assert "var data_test_scope must be 'all' or 'changed', got 'changes'" in result.stdout


def test_the_combined_not_null_test_counts_every_null_and_names_its_column(scoped):
    """not_null_columns: one test for a model's never-null columns. Two columns broken by hand:
    fit_score in one row of the rescored lead, required_fit_rules_matched in every row of it."""
    db, rescored, _ = scoped
    _execute(db, f"update {MODEL} set fit_score = null where {ONE_ROW}", [rescored])
    _execute(db, f"update {MODEL} set required_fit_rules_matched = null where lead_id = ?", [rescored])
    (rows_of_lead,), = query(db, f"select count(*) from {MODEL} where lead_id = ?", [rescored])
    assert rows_of_lead >= 2  # one row per scoring model
    # The failures are the null values: 1 + one per row of the lead.
    assert _test_results(db, "all")[NOT_NULL_LEAD_ID] == ("fail", 1 + rows_of_lead)
    # The failing rows name each column with nulls.
    target = db.parent / "target_compiled"
    result = dbt(["compile", "--select", NOT_NULL_LEAD_ID, "--target-path", str(target)], db)
    assert result.returncode == 0, result.stdout[-3000:]
    (compiled,) = list((target / "compiled").rglob(f"{NOT_NULL_LEAD_ID}.sql"))
    found = query(db, f"select column_name, null_rows from ({compiled.read_text()}) as failing order by column_name")
    assert found == [("fit_score", 1), ("required_fit_rules_matched", rows_of_lead)]


# Staged rows: stg_raw__events is staged by delivery, and its staged_at says which run staged each
# row. On a daily run its tests check the rows staged last, and its unique test every row that
# shares an event_id with them.
EVENTS = "staging.stg_raw__events"
UNIQUE_EVENT_ID = "unique_stg_raw__events_event_id"
NOT_NULL_EVENTS = "not_null_columns_stg_raw__events"


@pytest.fixture()
def staged(built_warehouse, tmp_path):
    """A copy of the warehouse where one event (the first by id) was staged by the latest run and
    every other event by an earlier one; returns (db, new event id, an old event id)."""
    db = tmp_path / "lead_scoring.duckdb"
    shutil.copy(built_warehouse, db)
    new, old = [row[0] for row in query(db, f"select event_id from {EVENTS} order by event_id limit 2")]
    _execute(db, f"update {EVENTS} set staged_at = case when event_id = ? then timestamp '2026-07-01 06:00:00' else timestamp '2026-06-30 06:00:00' end", [new])
    return db, new, old


def _events_results(db, scope: str) -> dict[str, tuple[str, int]]:
    return _test_results(db, scope, "stg_raw__events,test_type:generic")


def test_an_old_staged_row_repeated_is_not_checked_again_on_a_daily_run(staged):
    db, _, old = staged
    _execute(db, f"insert into {EVENTS} select * from {EVENTS} where event_id = ?", [old])
    # Both copies were staged before the latest run: the daily run does not read them.
    assert _events_results(db, "changed")[UNIQUE_EVENT_ID] == ("pass", 0)
    assert _events_results(db, "all")[UNIQUE_EVENT_ID] == ("fail", 1)


def test_a_newly_staged_row_repeating_an_old_event_id_fails_on_a_daily_run(staged):
    db, _, old = staged
    # A copy of an old event staged by the latest run: its key is shared with an old row.
    _execute(db, f"insert into {EVENTS} select * replace (timestamp '2026-07-01 06:00:00' as staged_at) from {EVENTS} where event_id = ?", [old])
    assert _events_results(db, "changed")[UNIQUE_EVENT_ID] == ("fail", 1)


def test_a_newly_staged_row_without_a_lead_fails_on_a_daily_run_an_old_one_does_not(staged):
    db, new, old = staged
    _execute(db, f"update {EVENTS} set lead_id = null where event_id = ?", [old])
    results = _events_results(db, "changed")
    assert results[NOT_NULL_EVENTS] == ("pass", 0)
    _execute(db, f"update {EVENTS} set lead_id = null where event_id = ?", [new])
    # The new row's null lead id: one null, and its relationship to stg_raw__leads is not tested
    # for a null (dbt's relationships test skips nulls).
    assert _events_results(db, "changed")[NOT_NULL_EVENTS] == ("fail", 1)
    assert _events_results(db, "all")[NOT_NULL_EVENTS] == ("fail", 2)


def test_a_newly_staged_event_of_an_unknown_lead_fails_on_a_daily_run(staged):
    db, new, old = staged
    relationship = "relationships_stg_raw__events_lead_id__lead_id__ref_stg_raw__leads_"
    _execute(db, f"update {EVENTS} set lead_id = 'no-such-lead' where event_id = ?", [old])
    assert _events_results(db, "changed")[relationship] == ("pass", 0)
    _execute(db, f"update {EVENTS} set lead_id = 'no-such-lead' where event_id = ?", [new])
    assert _events_results(db, "changed")[relationship] == ("fail", 1)
    assert _events_results(db, "all")[relationship] == ("fail", 2)
