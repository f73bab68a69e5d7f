"""A new team's first weeks: a 60-day export, one without opportunities and one without
qualification updates run through the daily Dagster job and publish the BI file; the dbt tests
that only describe the data's age or completeness are reported as warnings, and the dashboard says
which figures need more history. Last month's export fails with one line that says how to score it.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from helpers import SAMPLE_END, open_page, query, run_daily_job, start_app

END = SAMPLE_END
YOUNG = dict(n_leads=300, days=60, seed=11, end_date=END)
OPPORTUNITY_HEADER = "opportunity_id,lead_id,account,created_at,stage,amount,currency,closed_at,is_won\n"
# The dbt tests a 60-day export fails: nothing is 90 days old yet (feedback loop).
FEEDBACK_TESTS = {
    ("intermediate/int_lead_feedback_outcomes", "not_empty_int_lead_feedback_outcomes_"),
}
NO_OPPORTUNITIES_TEST = ("staging/stg_raw__opportunities", "not_empty_stg_raw__opportunities_")
NO_QUALIFICATION_TEST = ("intermediate/int_qualification_updates_resolved", "not_empty_int_qualification_updates_resolved_")


@pytest.fixture(scope="module")
def young_raw_dir(tmp_path_factory) -> Path:
    from lead_scoring.sample_data import generate

    folder = tmp_path_factory.mktemp("young_raw")
    generate(folder, **YOUNG)
    return folder


def _copy(young_raw_dir: Path, tmp_path_factory, name: str) -> Path:
    folder = tmp_path_factory.mktemp(name)
    shutil.copytree(young_raw_dir, folder, dirs_exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def no_opportunities_raw_dir(young_raw_dir, tmp_path_factory) -> Path:
    """The CRM exported the opportunities file with its header and no row."""
    folder = _copy(young_raw_dir, tmp_path_factory, "no_opportunities_raw")
    shutil.rmtree(folder / "opportunities")
    (folder / "opportunities.csv").write_text(OPPORTUNITY_HEADER)
    return folder


@pytest.fixture(scope="module")
def no_qualification_raw_dir(young_raw_dir, tmp_path_factory) -> Path:
    """Sales has recorded no qualification update yet."""
    folder = _copy(young_raw_dir, tmp_path_factory, "no_qualification_raw")
    events = folder / "events"
    shutil.rmtree(events)
    events.mkdir()
    con = duckdb.connect()
    con.execute(f"""copy (select * from read_parquet('{young_raw_dir}/events/*.parquet') where event_type <> 'qualification_update')
                    to '{events / 'part-00000.parquet'}' (format parquet)""")
    con.close()
    return folder


@pytest.fixture(scope="module")
def young_run(young_raw_dir, tmp_path_factory):
    return run_daily_job(tmp_path_factory, young_raw_dir, END, "young_wh")


@pytest.fixture(scope="module")
def no_opportunities_run(no_opportunities_raw_dir, tmp_path_factory):
    return run_daily_job(tmp_path_factory, no_opportunities_raw_dir, END, "no_opportunities_wh")


@pytest.fixture(scope="module")
def no_qualification_run(no_qualification_raw_dir, tmp_path_factory):
    return run_daily_job(tmp_path_factory, no_qualification_raw_dir, END, "no_qualification_wh")


def _bi_file(defs) -> Path:
    return Path(defs.resources["warehouse"].path).parent / "bi.duckdb"


def _failed_checks(result) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
    return {(c.asset_key.to_user_string(), c.check_name): c for c in result.get_asset_check_evaluations() if not c.passed}


def _assert_published_with_warnings(run, expected_warnings: set[tuple[str, str]]) -> dict:
    defs, _, result = run
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    failed = _failed_checks(result)
    assert {c.severity for c in failed.values()} == {dg.AssetCheckSeverity.WARN}, failed
    assert expected_warnings <= set(failed)
    # Every dbt check that warned says why (its test's meta.description).
    graph = defs.resolve_asset_graph()
    for asset, check in failed:
        if check.startswith(("not_empty", "not_null")):
            spec = graph.get_check_spec(dg.AssetCheckKey(dg.AssetKey.from_user_string(asset), check))
            assert spec.description and not spec.blocking, check
    # Everything was built and published.
    assert "bi/bi_file" in {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    bi = _bi_file(defs)
    assert bi.exists()
    return failed


# --- the runs -------------------------------------------------------------------------------------

def test_a_60_day_export_publishes_and_reports_the_feedback_tests_as_warnings(young_run):
    failed = _assert_published_with_warnings(young_run, FEEDBACK_TESTS)
    # Only age and completeness warn here: the data has opportunities and qualification updates.
    assert NO_OPPORTUNITIES_TEST not in failed and NO_QUALIFICATION_TEST not in failed
    defs, _, _ = young_run
    bi = _bi_file(defs)
    (scope, oldest, starts_on), = query(bi, """select feedback_scope_leads, first_lead_created_at, feedback_scope_starts_on
                                               from marts.mart_data_coverage where is_primary_model""")
    first_created = query(bi, "select min(created_at) from marts.dim_leads")[0][0]
    assert scope == 0 and oldest == first_created and starts_on == first_created.date() + dt.timedelta(days=90) > END
    # The marts that do not need old leads are filled.
    assert query(bi, "select count(*) from marts.mart_lead_scores_current")[0][0] == 2 * YOUNG["n_leads"]
    assert query(bi, "select sum(leads) from marts.mart_feedback_score_bands")[0][0] == 0


def test_an_export_with_an_empty_opportunities_file_publishes(no_opportunities_run):
    _assert_published_with_warnings(no_opportunities_run, FEEDBACK_TESTS | {NO_OPPORTUNITIES_TEST})
    defs, _, _ = no_opportunities_run
    bi = _bi_file(defs)
    assert query(bi, "select count(*) from marts.dim_leads where opportunity_first_entered_at is not null") == [(0,)]
    assert query(bi, "select opportunities from marts.mart_data_coverage where is_primary_model") == [(0,)]


def test_an_export_without_qualification_updates_publishes(no_qualification_run):
    _assert_published_with_warnings(no_qualification_run, FEEDBACK_TESTS | {NO_QUALIFICATION_TEST})
    defs, _, _ = no_qualification_run
    bi = _bi_file(defs)
    assert query(bi, "select qualification_updates from marts.mart_data_coverage where is_primary_model") == [(0,)]


def test_last_months_export_fails_with_one_line_that_says_how_to_score_it(young_raw_dir, young_run, tmp_path_factory):
    # Run a month after the export's last day: the freshness check stops the run in the raw step.
    defs, _, result = run_daily_job(tmp_path_factory, young_raw_dir, END + dt.timedelta(days=30), "stale_young_wh")
    assert not result.success
    failed = _failed_checks(result)
    assert set(failed) == {("raw/events", "events_are_fresh")}
    newest = duckdb.connect().execute(
        f"select max(occurred_at at time zone 'UTC') from read_parquet('{young_raw_dir}/events/*.parquet')").fetchall()[0][0]
    assert newest.date() == END
    age_hours = (dt.datetime.combine(END + dt.timedelta(days=31), dt.time()) - newest).total_seconds() / 3600
    assert failed[("raw/events", "events_are_fresh")].description == (
        f"Newest event {newest:%Y-%m-%d %H:%M} UTC is {age_hours:.1f} h ({age_hours / 24:.1f} days) old on 2026-07-31 00:00 UTC, "
        "beyond the 36 h limit (LEAD_SCORING_FRESHNESS_HOURS). To score this export as of its last day, "
        "run with LEAD_SCORING_AS_OF_DATE=2026-06-30."
    )
    assert not _bi_file(defs).exists()
    # The advice works: young_run is the same export as of 2026-06-30 (run tag lead_scoring/as_of_date,
    # the same option as LEAD_SCORING_AS_OF_DATE: lead_scoring/run_options.py).
    _, _, advised = young_run
    assert advised.success
    assert [c.passed for c in advised.get_asset_check_evaluations() if c.check_name == "events_are_fresh"] == [True]


# --- the dashboard --------------------------------------------------------------------------------

PAGES = ("views/funnel.py", "views/trends.py", "views/velocity.py", "views/mql_volume.py", "views/scores.py",
         "views/lead_explorer.py", "views/activations.py")


def _page_notes(monkeypatch, bi: Path) -> dict[str, list[str]]:
    """Every page of the dashboard on `bi`: no exception, no error; the info notes per page."""
    at = start_app(monkeypatch, bi)
    notes = {}
    for page in PAGES:
        open_page(at, page)
        notes[page] = [note.value for note in at.info]
    return notes


def test_the_dashboard_says_which_figures_need_more_history(young_run, monkeypatch):
    defs, _, _ = young_run
    bi = _bi_file(defs)
    first_created = query(bi, "select min(created_at) from marts.dim_leads")[0][0]
    oldest_days = (END - first_created.date()).days
    notes = _page_notes(monkeypatch, bi)

    (feedback,) = notes["views/scores.py"]
    assert feedback == (
        "Precision, recall, the threshold sweep and conversion per score band need leads at least 90 days old: "
        f"the oldest is {oldest_days} days old (created {first_created:%Y-%m-%d}), "
        f"so they fill in from {first_created.date() + dt.timedelta(days=90):%Y-%m-%d}."
    )
    # Cohorts of May and June: the May cohort is mature for 90 days on May 31 + 90 days.
    (maturity,) = notes["views/funnel.py"]
    assert maturity == ("Comparisons between cohorts need a cohort whose month ended at least 90 days before the scoring day: "
                        "the oldest, May 2026, is mature for 90 days on 2026-08-29.")
    (trend,) = notes["views/trends.py"]
    assert trend.startswith("Rates within 90 days need a cohort whose month ended at least 90 days") and "2026-08-29" in trend
    # MQLs, qualification updates and opportunities exist: nothing to say there.
    assert notes["views/velocity.py"] == notes["views/mql_volume.py"] == notes["views/lead_explorer.py"] == []


def test_the_dashboard_says_there_are_no_opportunities_yet(no_opportunities_run, monkeypatch):
    defs, _, _ = no_opportunities_run
    notes = _page_notes(monkeypatch, _bi_file(defs))
    assert "Precision, recall and conversion to opportunity need opportunities: the data has none yet." in notes["views/scores.py"]
    assert "The opportunity and customer counts need opportunities: the data has none yet." in notes["views/funnel.py"]
    assert notes["views/velocity.py"] == ["The steps to opportunity and customer need opportunities: the data has none yet."]


def test_the_dashboard_says_there_are_no_qualification_updates_yet(no_qualification_run, monkeypatch):
    defs, _, _ = no_qualification_run
    notes = _page_notes(monkeypatch, _bi_file(defs))
    expected = "need qualification updates from sales (budget confirmed, decision maker): the data has none yet."
    assert f"MQL → SQL rates {expected}" in notes["views/trends.py"]
    assert f"The SQL counts {expected}" in notes["views/funnel.py"]
    assert notes["views/velocity.py"] == [f"The steps to and from SQL {expected}"]
