"""The custom asset checks, called directly on small hand-made DuckDB tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from helpers import PROJECT_DIR
from orchestration import checks
from orchestration.resources import WarehouseResource

NOW = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    for schema in ("raw", "staging", "marts"):
        con.execute(f"create schema {schema}")
    yield con
    con.close()


def _events(con, *rows):
    con.execute("create or replace table raw.events (event_id varchar, occurred_at timestamptz)")
    if rows:
        con.executemany("insert into raw.events values (?, ?)", list(rows))


# -- freshness --------------------------------------------------------------------------------


def test_freshness_passes_within_36_hours_and_fails_beyond(con):
    _events(con, ("e1", NOW - dt.timedelta(days=5)), ("e2", NOW - dt.timedelta(hours=35)))
    fresh = checks.freshness_result(con, NOW, 36)
    assert fresh.passed and fresh.metadata["age_hours"].value == 35.0
    assert fresh.metadata["latest_event_at"].value == "2026-06-30T01:00:00+00:00"

    stale = checks.freshness_result(con, NOW + dt.timedelta(hours=2), 36)
    assert not stale.passed and stale.metadata["age_hours"].value == 37.0


def test_stale_events_fail_with_one_line_naming_the_as_of_date_that_scores_the_export(con, monkeypatch):
    from lead_scoring import run_options

    _events(con, ("e1", NOW - dt.timedelta(days=5)), ("e2", NOW - dt.timedelta(hours=35)))
    stale = checks.freshness_result(con, NOW + dt.timedelta(hours=2), 36)
    assert stale.description == (
        "Newest event 2026-06-30 01:00 UTC is 37.0 h old on 2026-07-01 14:00 UTC, beyond the 36 h limit "
        "(LEAD_SCORING_FRESHNESS_HOURS). To score this export as of its last day, run with LEAD_SCORING_AS_OF_DATE=2026-06-30."
    )
    assert stale.metadata["score_as_of_date"].value == "2026-06-30"
    # Last month's export: the age in days too (06-30 01:00 to 07-11 12:00 = 11 days 11 h).
    old = checks.freshness_result(con, NOW + dt.timedelta(days=10), 36)
    assert "is 275.0 h (11.5 days) old on 2026-07-11 12:00 UTC" in old.description
    assert old.description.endswith("LEAD_SCORING_AS_OF_DATE=2026-06-30.") and "\n" not in old.description
    # The advice works: as of that day the check passes (the end of 06-30 is 23 h after the event).
    monkeypatch.delenv("LEAD_SCORING_AS_OF_DATE", raising=False)
    as_of_end = run_options.reference_time({run_options.AS_OF_DATE_TAG: "2026-06-30"})
    assert checks.freshness_result(con, as_of_end, 36).passed
    # Under a limit shorter than those 23 h, the advice raises the limit as well.
    short = checks.freshness_result(con, NOW + dt.timedelta(hours=2), 12)
    assert short.description.endswith("run with LEAD_SCORING_AS_OF_DATE=2026-06-30 and LEAD_SCORING_FRESHNESS_HOURS=23.")
    assert checks.freshness_result(con, as_of_end, 23).passed and not checks.freshness_result(con, as_of_end, 22).passed


def test_freshness_fails_on_an_empty_events_table(con):
    _events(con)
    result = checks.freshness_result(con, NOW, 36)
    assert not result.passed and "empty" in result.description


def test_freshness_reference_time_is_the_end_of_the_as_of_day(monkeypatch):
    from lead_scoring import run_options

    monkeypatch.delenv("LEAD_SCORING_AS_OF_DATE", raising=False)
    monkeypatch.delenv("LEAD_SCORING_SAMPLE_END_DATE", raising=False)
    assert run_options.reference_time({run_options.AS_OF_DATE_TAG: "2026-06-30"}) == dt.datetime(2026, 7, 1, tzinfo=dt.timezone.utc)
    monkeypatch.setenv("LEAD_SCORING_AS_OF_DATE", "2026-01-31")
    assert run_options.reference_time({}) == dt.datetime(2026, 2, 1, tzinfo=dt.timezone.utc)
    # The run tag wins over the environment.
    assert run_options.as_of_date({run_options.AS_OF_DATE_TAG: "2026-03-01"}) == dt.date(2026, 3, 1)
    monkeypatch.delenv("LEAD_SCORING_AS_OF_DATE")
    # Simulated data ending on a fixed day: that day is the clock, unless an as-of date is given.
    monkeypatch.setenv("LEAD_SCORING_SAMPLE_END_DATE", "2026-06-30")
    assert run_options.reference_time({}) == dt.datetime(2026, 7, 1, tzinfo=dt.timezone.utc)
    assert run_options.reference_time({run_options.AS_OF_DATE_TAG: "2026-07-10"}) == dt.datetime(2026, 7, 11, tzinfo=dt.timezone.utc)
    monkeypatch.delenv("LEAD_SCORING_SAMPLE_END_DATE")
    before = dt.datetime.now(dt.timezone.utc)
    assert before <= run_options.reference_time({}) <= dt.datetime.now(dt.timezone.utc)


# -- reconciliation ---------------------------------------------------------------------------


def test_reconciliation_counts_rows_loaded_and_rejected():
    key = dg.AssetKey(["raw", "events"])
    assert checks.reconciliation_result(key, 100, 100, 0).passed
    assert checks.reconciliation_result(key, 100, 97, 3).passed
    broken = checks.reconciliation_result(key, 100, 95, 3)
    assert not broken.passed and broken.metadata["unaccounted_rows"].value == 2
    assert broken.description == "2 rows unaccounted for: 100 in files, 95 loaded, 3 pending or rejected."


def test_rows_waiting_for_their_lead_warn_only_once_older_than_the_limit():
    from lead_scoring.ingest.raw_loader import PendingRows

    since = dt.datetime(2026, 1, 2, 6, 0, tzinfo=dt.timezone.utc)
    fresh = checks.pending_result(PendingRows("events", 4, since, 0), max_age_days=7)
    assert fresh.passed and fresh.severity == dg.AssetCheckSeverity.WARN and fresh.metadata["rows_pending"].value == 4
    old = checks.pending_result(PendingRows("opportunities", 4, since, 1), max_age_days=7)
    assert not old.passed and old.asset_key == dg.AssetKey(["raw", "opportunities"])
    assert old.description.startswith("4 row(s) wait for their lead (pending in raw.load_rejects), the oldest since 2026-01-02 06:00 UTC; 1 longer than 7 days.")
    assert checks.pending_result(PendingRows("events", 0, None, 0), 7).description == "No rows wait for their lead."


def test_rejected_rows_come_from_raw_load_rejects_when_it_exists(con):
    assert checks.rejected_rows(con, "events") == 0
    con.execute("create table raw.load_rejects (table_name varchar, reason varchar)")
    con.execute("insert into raw.load_rejects values ('events', 'bad timestamp'), ('events', 'no id'), ('leads', 'no id')")
    assert checks.rejected_rows(con, "events") == 2
    assert checks.rejected_rows(con, "leads") == 1
    assert checks.rejected_rows(con, "opportunities") == 0


def _landing(tmp_path):
    """Two event files: 3 rows and 2 rows."""
    folder = tmp_path / "landing"
    (folder / "events").mkdir(parents=True)
    (folder / "events" / "a.csv").write_text("event_id\nE1\nE2\nE3\n")
    (folder / "events" / "b.csv").write_text("event_id\nE4\nE5\n")
    return folder


def test_reconciliation_of_a_whole_table_loader(con, tmp_path):
    """A loader that replaces the table: all rows in the files = table rows + rejects."""
    folder = _landing(tmp_path)
    con.execute("create table raw.events as select * from (values ('E1'), ('E2'), ('E3'), ('E4'), ('E5')) t(event_id)")
    result = checks.raw_reconciliation_result(con, folder, "events")
    assert result.passed and result.metadata["rows_in_files"].value == 5 and result.metadata["rows_loaded"].value == 5
    con.execute("delete from raw.events where event_id = 'E5'")
    broken = checks.raw_reconciliation_result(con, folder, "events")
    assert not broken.passed and broken.metadata["unaccounted_rows"].value == 1


def test_reconciliation_file_by_file_when_rows_know_their_file(con, tmp_path):
    """A loader that records each row's file: every file in the folder adds up, and rows of
    files that left the folder (archived) do not count."""
    folder = _landing(tmp_path)
    con.execute("create table raw.events (event_id varchar, _source_file varchar)")
    con.execute("insert into raw.events values ('E1', 'events/a.csv'), ('E2', 'events/a.csv'), "
                "('E4', 'events/b.csv'), ('E5', 'events/b.csv'), ('E0', 'events/archived.csv')")
    con.execute("create table raw.load_rejects (file_path varchar, table_name varchar, reason varchar)")
    con.execute("insert into raw.load_rejects values ('events/a.csv', 'events', 'duplicate event_id'), "
                "('events/old.csv', 'events', 'unknown lead_id'), ('leads/a.csv', 'leads', 'invalid email')")
    result = checks.raw_reconciliation_result(con, folder, "events")
    assert result.passed
    assert {k: v.value for k, v in result.metadata.items()} == {
        "rows_in_files": 5, "rows_loaded": 4, "rows_rejected": 1, "unaccounted_rows": 0,
    }
    # A row of b.csv lost, and one too many for a.csv: the totals would still add up.
    con.execute("delete from raw.events where event_id = 'E5'")
    con.execute("insert into raw.events values ('E9', 'events/a.csv')")
    broken = checks.raw_reconciliation_result(con, folder, "events")
    assert not broken.passed and broken.metadata["unaccounted_rows"].value == 0
    assert broken.metadata["mismatched_files"].value == "events/a.csv, events/b.csv"
    assert "Files that do not add up: events/a.csv, events/b.csv." in broken.description


# -- staging de-duplication -------------------------------------------------------------------


def test_staging_events_match_distinct_raw_event_ids(con):
    _events(con, ("e1", NOW), ("e1", NOW), (" e2 ", NOW), ("e2", NOW), (None, NOW), ("e3", NOW))
    con.execute("create table staging.stg_raw__events as select distinct trim(event_id) as event_id from raw.events where event_id is not null")
    result = checks.staging_events_result(con)
    assert result.passed
    assert {k: v.value for k, v in result.metadata.items()} == {
        "staging_rows": 3, "distinct_raw_event_ids": 3, "raw_rows": 6, "duplicate_deliveries_removed": 3,
    }
    con.execute("insert into staging.stg_raw__events values ('e3')")  # a duplicate slipped through
    assert not checks.staging_events_result(con).passed


# -- benchmark health -------------------------------------------------------------------------


BENCHMARK_SEED = PROJECT_DIR / "seeds" / "funnel_benchmarks.csv"


def _measures(con, n_leads: int, n_mql: int, days_to_mql: float | None, other_model_mqls: int = 0, seed: Path = BENCHMARK_SEED):
    """mart_mql_measures as dbt builds it (the all slice): n_leads leads of the primary model, n_mql
    of them in-order MQLs with a median of `days_to_mql` days, plus a challenger model that must
    be ignored; and the project's seed funnel_benchmarks."""
    con.execute("create schema if not exists seeds")
    con.execute(f"create or replace table seeds.funnel_benchmarks as select * from read_csv('{seed}', header = true)")
    con.execute(
        """
        create or replace table marts.mart_mql_measures (
            model_id varchar, is_primary_model boolean, slice_name varchar, slice_value varchar,
            measure varchar, label varchar, value double)
        """
    )
    labels = {"leads": "Leads", "mql_leads": "Leads that became an MQL", "lead_to_mql_rate": "Lead → MQL rate (in order)",
              "median_days_to_mql": "Days to MQL (median)"}
    for model, primary, mqls, days in (("champion", True, n_mql, days_to_mql), ("challenger", False, other_model_mqls, 1.0)):
        values = {"leads": n_leads, "mql_leads": mqls, "lead_to_mql_rate": mqls / n_leads if n_leads else None,
                  "median_days_to_mql": days if mqls else None}
        for measure, value in values.items():
            con.execute("insert into marts.mart_mql_measures values (?, ?, 'all', 'all', ?, ?, ?)", [model, primary, measure, labels[measure], value])
        # another slice of the same model must be ignored
        con.execute("insert into marts.mart_mql_measures values (?, ?, 'channel', 'webinar', 'lead_to_mql_rate', ?, 0.9)",
                    [model, primary, labels["lead_to_mql_rate"]])


def test_benchmark_health_passes_within_the_benchmarks(con):
    _measures(con, n_leads=100, n_mql=10, days_to_mql=21, other_model_mqls=60)
    result = checks.benchmark_health_result(con)
    assert result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert result.asset_key == dg.AssetKey(["marts", "mart_mql_measures"])
    assert result.metadata["lead_to_mql_rate"].value == 0.1
    assert result.metadata["median_days_to_mql"].value == 21.0
    assert result.metadata["benchmark_mql_rate"].value == "5-15 %"
    assert result.description == "Lead → MQL rate (in order) 10.0%; Days to MQL (median) 21.0."


@pytest.mark.parametrize(
    ("n_mql", "days", "passed", "phrase"),
    [
        (3, 21, False, "below 5 %: MQL criteria too strict"),
        (30, 21, False, "above 25 %: MQL criteria too loose"),
        (20, 21, True, "above the usual 15 % but tolerable"),
        (10, 5, False, "Days to MQL (median) 5.0 is under 14"),
        (10, 45, False, "Days to MQL (median) 45.0 is over 30"),
        (0, 21, False, "rate (in order) 0.0% is below 5 %"),
    ],
)
def test_benchmark_health_warns_outside_the_benchmarks(con, n_mql, days, passed, phrase):
    _measures(con, n_leads=100, n_mql=n_mql, days_to_mql=days)
    result = checks.benchmark_health_result(con)
    assert result.passed is passed
    assert phrase.lower() in result.description.lower()


def test_benchmark_health_reads_the_ranges_from_the_seed(con, tmp_path):
    """Edited ranges in seeds.funnel_benchmarks change the verdict: 10 % is too strict under an alarm at
    12 %, and 21 days too slow under a range of 7-20 days."""
    seed = tmp_path / "funnel_benchmarks.csv"
    text = BENCHMARK_SEED.read_text().replace(",share,90,0.05,0.15,0.05,", ",share,90,0.12,0.2,0.12,").replace(",days,90,14,30,", ",days,90,7,20,")
    assert text != BENCHMARK_SEED.read_text()
    seed.write_text(text)
    _measures(con, n_leads=100, n_mql=10, days_to_mql=21, seed=seed)
    result = checks.benchmark_health_result(con)
    assert not result.passed
    assert result.description == ("Lead → MQL rate (in order) 10.0% is below 12 %: MQL criteria too strict; "
                                  "Days to MQL (median) 21.0 is over 20: hand-over comes late.")
    assert result.metadata["benchmark_mql_rate"].value == "12-20 %" and result.metadata["benchmark_days_to_mql"].value == "7-20"


def test_benchmark_health_warns_when_nothing_was_scored(con):
    _measures(con, n_leads=0, n_mql=0, days_to_mql=None)
    result = checks.benchmark_health_result(con)
    assert not result.passed and "scored no leads" in result.description


# -- score distribution drift -----------------------------------------------------------------


def test_drift_first_run_passes_with_a_note():
    result = checks.drift_result({"cold": 0.7, "nurture": 0.2, "hot": 0.1}, None)
    assert result.passed and result.description.startswith("First run")
    assert result.metadata["band_shares"].value == {"cold": 0.7, "nurture": 0.2, "hot": 0.1}


def test_drift_warns_when_a_band_moves_more_than_10_points():
    previous = {"cold": 0.7, "nurture": 0.2, "hot": 0.1}
    small = checks.drift_result({"cold": 0.65, "nurture": 0.25, "hot": 0.1}, previous)
    assert small.passed and small.metadata["largest_shift_pp"].value in (-5.0, 5.0)
    large = checks.drift_result({"cold": 0.55, "nurture": 0.3, "hot": 0.15}, previous)
    assert not large.passed and large.severity == dg.AssetCheckSeverity.WARN
    assert large.metadata["largest_shift_pp"].value == -15.0
    assert large.description == "Largest move: 'cold' 70.0% → 55.0% (-15.0 pp; limit ±10 pp)."


@pytest.mark.slow  # two Dagster runs
def test_drift_check_reads_the_previous_run_from_the_instance(tmp_path):
    """Two runs of the real check against one instance: the second compares with the first."""
    db_path = tmp_path / "lead_scoring.duckdb"

    def write_bands(cold: int, nurture: int, hot: int) -> None:
        con = duckdb.connect(str(db_path))
        con.execute("create schema if not exists marts")
        con.execute("create or replace table marts.mart_lead_scores_current (model_id varchar, is_primary_model boolean, score_band varchar)")
        for band, n in (("cold", cold), ("nurture", nurture), ("hot", hot)):
            con.execute(f"insert into marts.mart_lead_scores_current select 'champion', true, '{band}' from range({n})")
        con.execute("insert into marts.mart_lead_scores_current select 'challenger', false, 'hot' from range(500)")
        con.close()

    @dg.asset(key=checks.MART_CURRENT)
    def mart_stub() -> None:
        """Stands in for the dbt model: the table is written by the test."""

    resources = {"warehouse": WarehouseResource(path=str(db_path))}
    with dg.instance_for_test() as instance:
        def run() -> dg.AssetCheckEvaluation:
            result = dg.materialize([mart_stub, checks.score_band_drift], instance=instance, resources=resources)
            (evaluation,) = result.get_asset_check_evaluations()
            return evaluation

        write_bands(70, 20, 10)
        first = run()
        assert first.passed and first.description.startswith("First run")
        write_bands(72, 19, 9)
        second = run()
        assert second.passed and second.metadata["previous_band_shares"].value == {"cold": 0.7, "nurture": 0.2, "hot_blocked": 0.0, "hot": 0.1}
        write_bands(50, 30, 20)
        third = run()
        assert not third.passed
        assert third.metadata["previous_band_shares"].value == {"cold": 0.72, "nurture": 0.19, "hot_blocked": 0.0, "hot": 0.09}
        assert third.metadata["largest_shift_pp"].value == -22.0
