"""Data tests scoped to the change: with the var data_test_scope = changed (the daily job), the
generic tests of a lead-grain model check only the rows of the leads the run rescored
(int_lead_scoring_scope where needs_rescore); with all, every row.

Each case copies the session's built warehouse, marks one lead as rescored and every other lead as
unchanged, and breaks rows of int_lead_fit_scores (a lead-grain model built for the rescored
leads only) by hand. The staged-rows cases do the same for stg_raw__events, whose daily tests
check the rows the latest staging wrote."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import duckdb
import pytest

from helpers import SAMPLE_END, dbt, query
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


def _test_results(db, scope: str, select: str = "int_lead_fit_scores,test_type:generic",
                  extra_env: dict[str, str] | None = None) -> dict[str, tuple[str, int]]:
    """{test name: (status, failures)} of `dbt test --select <select>`, run with the args the
    pipeline gives a test-only run of that scope."""
    args = run_options.dbt_args({run_options.DATA_TEST_SCOPE_TAG: scope}, tests_only=True)
    target = db.parent / f"target_{scope}"
    result = dbt([*args, "--select", *select.split(), "--target-path", str(target)], db, extra_env)
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


# Today's state: the marts restated by lead on the same scoring day and whole on the first run of
# a day (restated_by_lead_today), and the explanations view, whose decay moves with the day. Their
# daily tests check the leads int_lead_lifecycle_scope flags only when int_lead_today_state_scope
# recorded, for this run's scoring day, that today's state was not restated whole.
TODAY = SAMPLE_END
LISTED_FIT = "model_id = 'hybrid_v1' and rule_kind = 'fit'"
TODAY_STATE = {
    # tested model: (a table to break, its unique test)
    "mart_lead_scores_current": ("marts.mart_lead_scores_current", "unique_combination_mart_lead_scores_current_model_id__lead_id"),
    # A view: a rule state repeated under it repeats the lead's explanation row.
    "fct_lead_score_explanations": ("intermediate.int_lead_current_rule_states",
                                    "unique_combination_fct_lead_score_explanations_model_id__lead_id__rule_kind__rule_id"),
}


@pytest.fixture()
def today_scoped(built_warehouse, tmp_path):
    """A copy of the warehouse where the lifecycle scope flags only the first lead (by id);
    returns (db, flagged lead, an untouched lead)."""
    db = tmp_path / "lead_scoring.duckdb"
    shutil.copy(built_warehouse, db)
    flagged, untouched = [row[0] for row in query(db, f"select distinct lead_id from marts.fct_lead_score_explanations where {LISTED_FIT} order by lead_id limit 2")]
    _execute(db, "update intermediate.int_lead_lifecycle_scope set needs_restate = (lead_id = ?)", [flagged])
    return db, flagged, untouched


def _record(db, as_of_date, restates_every_lead: bool) -> None:
    _execute(db, "update intermediate.int_lead_today_state_scope set as_of_date = ?, restates_every_lead = ?, restated_because = ?",
             [as_of_date, restates_every_lead, "dim_leads holds another scoring day" if restates_every_lead else None])


def _repeat_a_row(db, tested: str, lead_id: str) -> None:
    """One row of the lead twice: its champion-model score, or the rule state behind its first
    listed fit rule."""
    table = TODAY_STATE[tested][0]
    rule = ""
    if "rule_states" in table:
        rule = f" and rule_kind = 'fit' and rule_id = (select min(rule_id) from marts.fct_lead_score_explanations where lead_id = ? and {LISTED_FIT})"
    _execute(db, f"insert into {table} select * from {table} where lead_id = ? and model_id = 'hybrid_v1'{rule}", [lead_id] * (2 if rule else 1))


def _unique_result(db, tested: str, scope: str) -> tuple[str, int]:
    return _test_results(db, scope, f"{tested},test_type:generic", {"LEAD_SCORING_AS_OF_DATE": TODAY.isoformat()})[TODAY_STATE[tested][1]]


@pytest.mark.parametrize("tested", sorted(TODAY_STATE))
def test_on_the_same_scoring_day_a_broken_row_of_an_untouched_lead_is_not_checked(today_scoped, tested):
    db, _, untouched = today_scoped
    _record(db, TODAY, restates_every_lead=False)
    _repeat_a_row(db, tested, untouched)
    assert _unique_result(db, tested, "changed") == ("pass", 0)
    assert _unique_result(db, tested, "all") == ("fail", 1)


@pytest.mark.parametrize("tested", sorted(TODAY_STATE))
def test_on_the_same_scoring_day_a_broken_row_of_a_flagged_lead_fails(today_scoped, tested):
    db, flagged, _ = today_scoped
    _record(db, TODAY, restates_every_lead=False)
    _repeat_a_row(db, tested, flagged)
    assert _unique_result(db, tested, "changed") == ("fail", 1)


@pytest.mark.parametrize("tested", sorted(TODAY_STATE))
@pytest.mark.parametrize("recorded", ["restated whole", "for another day", "nothing"])
def test_after_a_whole_restatement_or_without_a_record_for_the_day_every_row_is_checked(today_scoped, tested, recorded):
    db, _, untouched = today_scoped
    if recorded == "restated whole":
        _record(db, TODAY, restates_every_lead=True)
    elif recorded == "for another day":
        _record(db, TODAY - dt.timedelta(days=1), restates_every_lead=False)
    else:
        _execute(db, "drop table intermediate.int_lead_today_state_scope", [])
    _repeat_a_row(db, tested, untouched)
    assert _unique_result(db, tested, "changed") == ("fail", 1)


# Singular tests read their models through daily_tested_leads: the history check on a daily run
# checks the rescored leads (any day), the check of today's scores the restated leads on the same
# scoring day only.
def _singular_result(db, test: str, scope: str) -> tuple[str, int]:
    return _test_results(db, scope, test, {"LEAD_SCORING_AS_OF_DATE": TODAY.isoformat()})[test]


def test_the_history_check_reads_the_rescored_leads_on_a_daily_run(built_warehouse, tmp_path):
    db = tmp_path / "lead_scoring.duckdb"
    shutil.copy(built_warehouse, db)
    check_day = TODAY - dt.timedelta(days=45)  # the day assert_history_matches_as_of_scores checks
    rescored, unchanged = [row[0] for row in query(
        db, "select lead_id from marts.fct_lead_scores where score_date = ? and model_id = 'hybrid_v1' order by lead_id limit 2", [check_day])]
    _execute(db, "update intermediate.int_lead_scoring_scope set needs_rescore = (lead_id = ?)", [rescored])
    # fct_lead_scores is a view over the score changes.
    broken = "update intermediate.int_lead_score_changes set total_score = total_score + 1 where lead_id = ? and score_date = ? and model_id = 'hybrid_v1'"
    _execute(db, broken, [unchanged, check_day])
    assert _singular_result(db, "assert_history_matches_as_of_scores", "changed") == ("pass", 0)
    assert _singular_result(db, "assert_history_matches_as_of_scores", "all") == ("fail", 1)
    _execute(db, broken, [rescored, check_day])
    assert _singular_result(db, "assert_history_matches_as_of_scores", "changed") == ("fail", 1)


@pytest.mark.parametrize("restated_whole", [False, True])
def test_the_check_of_todays_scores_reads_the_restated_leads_only_on_the_same_scoring_day(today_scoped, restated_whole):
    db, flagged, untouched = today_scoped
    _record(db, TODAY, restates_every_lead=restated_whole)
    broken = "update marts.mart_lead_scores_current set total_score = total_score + 1 where lead_id = ? and model_id = 'hybrid_v1'"
    _execute(db, broken, [untouched])
    test = "assert_current_scores_match_as_of_scores"
    assert _singular_result(db, test, "changed") == (("fail", 1) if restated_whole else ("pass", 0))
    assert _singular_result(db, test, "all") == ("fail", 1)
    _execute(db, broken, [flagged])
    assert _singular_result(db, test, "changed") == ("fail", 2 if restated_whole else 1)
