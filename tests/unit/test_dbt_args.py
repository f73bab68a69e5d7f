"""The dbt command of each kind of run (lead_scoring.run_options.dbt_args and dbt_env): the daily
run tests only what changed and leaves the unit tests out; a full refresh and the weekly test-only
run test everything; the day a run stands for goes to dbt's environment, not to its vars. A build passes the project's git commit on for the rule history
(run_options.scoring_config_commit: `<sha>`, `<sha>+dirty`, or nothing outside a checkout)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess

import pytest

from lead_scoring import run_options

# The helper itself, before the fixture below replaces it.
scoring_config_commit = run_options.scoring_config_commit


@pytest.fixture(autouse=True)
def no_as_of_setting(monkeypatch):
    monkeypatch.delenv("LEAD_SCORING_AS_OF_DATE", raising=False)
    # This checkout's commit changes with every commit; the tests below that need one set it.
    monkeypatch.setattr(run_options, "scoring_config_commit", lambda *args: "")


def _vars(args: list[str]) -> dict:
    return json.loads(args[args.index("--vars") + 1])


def test_the_daily_build_scopes_data_tests_and_leaves_out_unit_tests():
    args = run_options.dbt_args({})
    assert args[0] == "build" and "--full-refresh" not in args
    assert args[args.index("--exclude-resource-type") + 1] == "unit_test"
    assert _vars(args) == {"data_test_scope": "changed"}


def test_a_full_refresh_runs_every_test_over_whole_tables():
    args = run_options.dbt_args({run_options.FULL_REFRESH_TAG: "true"})
    assert args[:2] == ["build", "--full-refresh"]
    assert "--exclude-resource-type" not in args
    assert _vars(args) == {"data_test_scope": "all"}


def test_a_test_only_run_tests_whole_tables_for_the_given_day():
    args = run_options.dbt_args({}, tests_only=True)
    assert args[0] == "test" and "--exclude-resource-type" not in args
    assert _vars(args) == {"data_test_scope": "all"}
    assert run_options.dbt_env({}, as_of=dt.date(2026, 6, 30)) == {"LEAD_SCORING_AS_OF_DATE": "2026-06-30"}


def test_the_run_tag_chooses_the_scope_and_the_as_of_date_is_passed_on():
    tags = {run_options.DATA_TEST_SCOPE_TAG: "all", run_options.AS_OF_DATE_TAG: "2026-03-01"}
    args = run_options.dbt_args(tags)
    assert "--exclude-resource-type" not in args
    assert _vars(args) == {"data_test_scope": "all"}
    assert run_options.dbt_env(tags) == {"LEAD_SCORING_AS_OF_DATE": "2026-03-01"}


def test_the_day_goes_to_dbts_environment_and_the_vars_stay_the_same_from_day_to_day(monkeypatch):
    # A new var value makes dbt parse the whole project again; the day is read from the
    # environment (macro scoring_as_of_date), so replaying day after day keeps the parse state.
    days = [{run_options.AS_OF_DATE_TAG: day} for day in ("2026-03-01", "2026-03-02")]
    assert run_options.dbt_args(days[0]) == run_options.dbt_args(days[1]) == run_options.dbt_args({})
    assert run_options.dbt_env({}) == {}  # today: dbt's own clock
    monkeypatch.setenv("LEAD_SCORING_AS_OF_DATE", "2026-02-27")
    assert run_options.dbt_env({}) == {"LEAD_SCORING_AS_OF_DATE": "2026-02-27"}
    assert run_options.dbt_env(days[1]) == {"LEAD_SCORING_AS_OF_DATE": "2026-03-02"}  # the run's tag first
    assert run_options.dbt_env(days[1], as_of=dt.date(2026, 1, 31)) == {"LEAD_SCORING_AS_OF_DATE": "2026-01-31"}


def test_an_unknown_scope_tag_is_an_error_naming_the_tag():
    with pytest.raises(ValueError, match="lead_scoring/data_test_scope must be one of all, changed, got 'some'"):
        run_options.dbt_args({run_options.DATA_TEST_SCOPE_TAG: "some"})


def test_a_build_passes_the_commit_on_and_a_test_only_run_does_not(monkeypatch):
    monkeypatch.setattr(run_options, "scoring_config_commit", lambda *args: "0123abc+dirty")
    assert _vars(run_options.dbt_args({})) == {"data_test_scope": "changed", "scoring_config_commit": "0123abc+dirty"}
    assert _vars(run_options.dbt_args({run_options.FULL_REFRESH_TAG: "true"}))["scoring_config_commit"] == "0123abc+dirty"
    assert "scoring_config_commit" not in _vars(run_options.dbt_args({}, tests_only=True))


def test_the_commit_is_the_head_of_the_checkout_and_says_when_the_tree_is_dirty(tmp_path):
    assert scoring_config_commit(tmp_path) == ""  # not a git checkout
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q", str(tmp_path)], check=True)
    assert scoring_config_commit(tmp_path) == ""  # no commit yet
    (tmp_path / "rules.csv").write_text("rule_id,points\npricing_page,20\n")
    subprocess.run([*git, "add", "rules.csv"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "rules"], cwd=tmp_path, check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True, check=True).stdout.strip()
    assert scoring_config_commit(tmp_path) == head
    (tmp_path / "rules.csv").write_text("rule_id,points\npricing_page,40\n")
    assert scoring_config_commit(tmp_path) == f"{head}+dirty"
