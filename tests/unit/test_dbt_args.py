"""The dbt command of each kind of run (lead_scoring.run_options.dbt_args): the daily run tests
only what changed and leaves the unit tests out; a full refresh and the weekly test-only run test
everything."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from lead_scoring import run_options


@pytest.fixture(autouse=True)
def no_as_of_setting(monkeypatch):
    monkeypatch.delenv("LEAD_SCORING_AS_OF_DATE", raising=False)


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
    args = run_options.dbt_args({}, tests_only=True, as_of=dt.date(2026, 6, 30))
    assert args[0] == "test" and "--exclude-resource-type" not in args
    assert _vars(args) == {"data_test_scope": "all", "scoring_as_of_date": "2026-06-30"}


def test_the_run_tag_chooses_the_scope_and_the_as_of_date_is_passed_on():
    tags = {run_options.DATA_TEST_SCOPE_TAG: "all", run_options.AS_OF_DATE_TAG: "2026-03-01"}
    args = run_options.dbt_args(tags)
    assert "--exclude-resource-type" not in args
    assert _vars(args) == {"data_test_scope": "all", "scoring_as_of_date": "2026-03-01"}


def test_an_unknown_scope_tag_is_an_error_naming_the_tag():
    with pytest.raises(ValueError, match="lead_scoring/data_test_scope must be one of all, changed, got 'some'"):
        run_options.dbt_args({run_options.DATA_TEST_SCOPE_TAG: "some"})
