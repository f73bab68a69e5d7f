"""The scoring engine end to end: incremental runs equal full rebuilds, seed edits rescore by
themselves, bad seeds stop the run before any mart changes, and the source text's example scores
exactly +10."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from helpers import BAD_ROWS, PROJECT_DIR, SAMPLE_END, SCORING_TABLES, batch_count_vars, dbt, dbt_command, load, query, table_rows
from lead_scoring.sample_data import split_export

AS_OF = SAMPLE_END.isoformat()


def build_args(db_path: Path, *args: str, with_tests: bool = False, as_of: str = AS_OF, batches: int | None = None) -> list[str]:
    target = db_path.parent / "target"
    skip_tests = [] if with_tests else ["--exclude", "resource_type:test", "resource_type:unit_test"]
    return ["build", "--target-path", str(target), "--vars", f"{{scoring_as_of_date: '{as_of}'{batch_count_vars(batches)}}}", *skip_tests, *args]


def build(db_path: Path, *args: str, project_dir: Path = PROJECT_DIR, with_tests: bool = False, as_of: str = AS_OF,
          batches: int | None = None):
    """`dbt build` as of the sample's last day; tests are skipped unless asked for (speed).
    batches: the batches of leads or accounts each model computed in batches runs in (batch_count_vars;
    default: one here)."""
    return dbt(build_args(db_path, *args, with_tests=with_tests, as_of=as_of, batches=batches), db_path, project_dir=project_dir)


def build_killed_when_it_starts(db_path: Path, model: str) -> str:
    """`dbt build` (as `build`), killed with SIGKILL - dbt and its threads at once, as the
    out-of-memory killer would - the moment it logs that it starts `model`. Returns its output."""
    command, env = dbt_command(build_args(db_path), db_path, {"PYTHONUNBUFFERED": "1"})
    process = subprocess.Popen(command, env=env, cwd=PROJECT_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    output = []
    for line in process.stdout:
        output.append(line)
        if re.search(rf" START .*\.{model} ", line):
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait()
    process.stdout.close()
    assert process.returncode == -signal.SIGKILL, "".join(output)[-3000:]
    return "".join(output)


@pytest.fixture(scope="module")
def incremental_and_full(tmp_path_factory, sample_raw_dir):
    """Warehouse A: yesterday's export built in full, then today's export built incrementally.
    Warehouse B: today's export built from scratch."""
    base = tmp_path_factory.mktemp("incremental")
    yesterday = base / "yesterday"
    split_export(sample_raw_dir, dt.datetime(2026, 6, 29, tzinfo=dt.timezone.utc), yesterday)
    incremental_db = base / "a" / "lead_scoring.duckdb"
    full_db = base / "b" / "lead_scoring.duckdb"

    load(incremental_db, yesterday)
    assert build(incremental_db, with_tests=True).returncode == 0
    load(incremental_db, sample_raw_dir)
    second = build(incremental_db)
    assert second.returncode == 0, second.stdout[-3000:]
    scope = query(incremental_db, "select count(*) filter (where needs_rescore), count(*) from intermediate.int_lead_scoring_scope")[0]

    load(full_db, sample_raw_dir)
    assert build(full_db, "--full-refresh").returncode == 0
    return incremental_db, full_db, scope


def test_incremental_run_rescores_only_changed_leads(incremental_and_full):
    _, _, (rescored, leads) = incremental_and_full
    assert 0 < rescored < leads


@pytest.mark.parametrize("table", sorted(SCORING_TABLES))
def test_incremental_run_equals_full_rebuild(incremental_and_full, table):
    incremental_db, full_db, _ = incremental_and_full
    incremental = table_rows(incremental_db, table, SCORING_TABLES[table])
    full = table_rows(full_db, table, SCORING_TABLES[table])
    assert len(full) > 0
    assert incremental == full


def test_nothing_changed_means_nothing_rescored(incremental_and_full):
    incremental_db, _, _ = incremental_and_full
    before = table_rows(incremental_db, "marts.fct_lead_scores", SCORING_TABLES["marts.fct_lead_scores"])
    assert build(incremental_db).returncode == 0
    assert query(incremental_db, "select count(*) from intermediate.int_lead_scoring_scope where needs_rescore") == [(0,)]
    assert table_rows(incremental_db, "marts.fct_lead_scores", SCORING_TABLES["marts.fct_lead_scores"]) == before


def test_a_lead_corrected_in_any_fit_attribute_alone_is_rescored(tmp_path, incremental_and_full):
    # The rescoring fingerprint (int_lead_scoring_scope) must hold every attribute a fit rule can
    # read: those int_lead_fit_rule_matches matches on, read from it. One lead per attribute gets
    # a corrected value of that attribute only; exactly those leads are rescored. A correction
    # arrives as the loader writes it: a newer version of the lead in a new delivery (the loader
    # never changes a row in place; staging restages the leads whose raw rows changed).
    incremental_db, _, _ = incremental_and_full
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    db.parent.mkdir()
    shutil.copy(incremental_db, db)
    model = (PROJECT_DIR / "models" / "intermediate" / "scoring" / "int_lead_fit_rule_matches.sql").read_text()
    text_attributes = re.findall(r"'(\w+)'", re.search(r"set text_attributes = \[([^\]]*)\]", model).group(1))
    raw_columns = {"country_code": "country"}  # the staging model's name for the raw column
    corrections = {"company_size": "coalesce(company_size, 0) + 1"}
    corrections |= {raw_columns.get(name, name): f"coalesce({raw_columns.get(name, name)}, '') || ' (corrected)'" for name in text_attributes}
    leads = [row[0] for row in query(db, f"select lead_id from raw.leads order by lead_id limit {len(corrections)}")]
    with duckdb.connect(str(db)) as con:
        for lead, (column, corrected) in zip(leads, corrections.items()):
            con.execute(f"""
                insert into raw.leads
                select * replace ({corrected} as {column}, coalesce(updated_at, created_at) + interval 1 day as updated_at,
                                  'leads/day-corrections.csv' as _source_file, 'load-corrections' as _load_id)
                from raw.leads where lead_id = ?""", [lead])
    assert build(db).returncode == 0
    assert query(db, "select lead_id from intermediate.int_lead_scoring_scope where needs_rescore order by lead_id") == [(lead,) for lead in leads]


def test_event_statistics_count_only_the_events_staged_since_the_last_run(tmp_path, incremental_and_full):
    # int_lead_scoring_scope keeps each lead's event statistics from the run before and adds those
    # of the events staged since (macro lead_event_stats_counted_through), without reading the
    # other events again. Two leads' stored content lengths are marked; a new delivery brings one
    # more event of the second. The first keeps its mark, the second's mark grows by the new
    # event's length, and its count by one.
    incremental_db, _, _ = incremental_and_full
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    db.parent.mkdir()
    shutil.copy(incremental_db, db)
    (kept, _), (grown, grown_count) = query(db, """
        select lead_id, event_count from intermediate.int_lead_scoring_scope
        where event_count > 0 order by lead_id limit 2""")
    with duckdb.connect(str(db)) as con:
        con.execute("update intermediate.int_lead_scoring_scope set event_content_length = -1000 where lead_id in (?, ?)", [kept, grown])
        # A new delivery with one more event of the second lead, as the loader writes it.
        con.execute("""
            insert into raw.events
            select * replace ('E_NEW_DELIVERY' as event_id, 'events/day-extra.csv' as _source_file, 'load-extra' as _load_id)
            from raw.events where lead_id = ? order by event_id limit 1""", [grown])
    assert build(db).returncode == 0
    (new_length,), = query(db, "select content_length from staging.stg_raw__events where event_id = 'E_NEW_DELIVERY'")
    assert query(db, f"""
        select lead_id, event_count, event_content_length from intermediate.int_lead_scoring_scope
        where lead_id in ('{kept}', '{grown}') order by lead_id""") == sorted([(kept, _count(db, kept), -1000),
                                                                             (grown, grown_count + 1, -1000 + new_length)])
    # the marked fingerprints changed, so both leads are rescored; no other lead is
    assert query(db, "select lead_id from intermediate.int_lead_scoring_scope where needs_rescore order by lead_id") == sorted([(kept,), (grown,)])


def _count(db: Path, lead: str) -> int:
    return query(db, f"select count(*) from staging.stg_raw__events where lead_id = '{lead}'")[0][0]


def test_a_lead_whose_events_leave_staging_is_rescored_though_none_was_staged_again(tmp_path, incremental_and_full, sample_raw_dir):
    # A corrected delivery that withdraws every event of a lead stages none of its events again;
    # the statistics kept from the run before would hide that, so the scope recounts every lead
    # when a counted event has left staging - and the lead is rescored.
    incremental_db, _, _ = incremental_and_full
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    db.parent.mkdir()
    shutil.copy(incremental_db, db)
    (lead, events), = query(db, """
        select lead_id, count(*) from staging.stg_raw__events group by lead_id order by count(*) desc, lead_id limit 1""")
    # The events file delivered again, corrected: the lead's events are gone from it. The loader
    # replaces that delivery's rows, as it does for any corrected file.
    raw = tmp_path / "raw"
    shutil.copytree(sample_raw_dir, raw)
    events_file = raw / "events" / "part-00000.parquet"
    delivered = pd.read_parquet(events_file)
    delivered[delivered.lead_id != lead].to_parquet(events_file, index=False)
    load(db, raw)
    assert build(db).returncode == 0
    assert events > 0
    assert query(db, f"select needs_rescore, event_count from intermediate.int_lead_scoring_scope where lead_id = '{lead}'") == [(True, 0)]
    assert query(db, f"select count(*) from marts.fct_lead_scored_events where lead_id = '{lead}'") == [(0,)]


def test_a_new_day_restates_only_the_leads_it_brings_a_fact_for(incremental_and_full):
    # The lifecycle chain (MQL episodes, stage signals) sees facts up to the scoring day. Moving
    # the day on, with no new data, must restate exactly the leads with an event, a scheduled
    # score change, an opportunity opened or closed, or a creation on the new day - and moving
    # it back restates the same leads.
    incremental_db, _, _ = incremental_and_full
    next_day = (SAMPLE_END + dt.timedelta(days=1)).isoformat()
    on_next_day = query(incremental_db, f"""
        select lead_id from staging.stg_raw__events where occurred_on = date '{next_day}'
        union select lead_id from intermediate.int_lead_score_changes where score_date = date '{next_day}'
        union select lead_id from staging.stg_raw__opportunities
              where cast(created_at as date) = date '{next_day}' or cast(closed_at as date) = date '{next_day}'
        union select lead_id from staging.stg_raw__leads where cast(created_at as date) = date '{next_day}'
    """)
    leads = query(incremental_db, "select count(*) from staging.stg_raw__leads")[0][0]
    assert 0 < len(on_next_day) < leads
    restated = "select lead_id from intermediate.int_lead_lifecycle_scope where needs_restate"
    for as_of in (next_day, AS_OF):
        assert build(incremental_db, as_of=as_of).returncode == 0
        assert query(incremental_db, "select count(*) from intermediate.int_lead_scoring_scope where needs_rescore") == [(0,)]
        assert sorted(query(incremental_db, restated)) == sorted(on_next_day), as_of


def _yesterday_built_and_today_loaded(tmp_path: Path, sample_raw_dir: Path) -> Path:
    """A warehouse with yesterday's export built and today's loaded, ready for today's run."""
    yesterday = tmp_path / "yesterday"
    split_export(sample_raw_dir, dt.datetime(2026, 6, 29, tzinfo=dt.timezone.utc), yesterday)
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    load(db, yesterday)
    assert build(db).returncode == 0
    load(db, sample_raw_dir)
    return db


@pytest.mark.parametrize("stop_after", ["int_lead_stage_signals_evaluated", "int_lead_threshold_crossings"])
def test_a_run_that_stops_inside_the_lifecycle_chain_is_completed_by_the_next_run(stop_after, tmp_path, sample_raw_dir, incremental_and_full):
    # dbt replaces each model whole, so a run killed between two models leaves the ones before it
    # rebuilt and the ones after it as they were. Here the run stops after the lifecycle signals,
    # or after the funnel stages and the threshold crossings: the rule hits and the stored
    # lifecycle fingerprints still hold yesterday's rows. The next run must restate the same
    # leads again and end equal to a full build.
    _, full_db, _ = incremental_and_full
    db = _yesterday_built_and_today_loaded(tmp_path, sample_raw_dir)
    selection = "+int_lead_stage_signals_evaluated" if stop_after == "int_lead_stage_signals_evaluated" else "+int_lead_funnel_stages +int_lead_threshold_crossings"
    assert build(db, "--select", selection).returncode == 0
    restated = "select count(*) from intermediate.int_lead_lifecycle_scope where needs_restate"
    stopped_run = query(db, restated)[0][0]
    assert stopped_run > 0
    assert build(db).returncode == 0
    assert query(db, restated)[0][0] == stopped_run
    for table in ("intermediate.int_lead_funnel_stages", "marts.fct_lead_funnel", "marts.fct_lead_stage_transitions",
                  "intermediate.int_lead_threshold_crossings", "intermediate.int_lead_rule_hits",
                  "intermediate.int_lead_feedback_outcomes", "intermediate.int_lead_current_rule_states",
                  "marts.fct_lead_score_explanations", "marts.mart_lead_scores_current", "intermediate.int_lead_activation_edges",
                  "marts.fct_lead_activations", "intermediate.int_lead_lifecycle_fingerprints"):
        assert table_rows(db, table, SCORING_TABLES[table]) == table_rows(full_db, table, SCORING_TABLES[table]), table


def test_a_run_that_stops_inside_the_account_models_is_completed_by_the_next_run(tmp_path, sample_raw_dir, incremental_and_full):
    # The account models are restated by account (int_account_scope). Here the run stops right
    # after the accounts' change days: the account activations and the stored account
    # fingerprints still hold yesterday's rows. The next run must restate the same accounts again
    # and end equal to a full build.
    _, full_db, _ = incremental_and_full
    db = _yesterday_built_and_today_loaded(tmp_path, sample_raw_dir)
    assert build(db, "--select", "+int_account_score_days").returncode == 0
    restated = "select count(*) filter (where needs_restate), count(*) from intermediate.int_account_scope"
    stopped_run, accounts = query(db, restated)[0]
    assert 0 < stopped_run < accounts
    assert build(db).returncode == 0
    assert query(db, restated)[0] == (stopped_run, accounts)
    for table in ("intermediate.int_account_score_days", "marts.fct_account_scores", "marts.mart_account_scores_current",
                  "intermediate.int_account_activation_edges", "marts.fct_account_activations",
                  "intermediate.int_account_fingerprints"):
        assert table_rows(db, table, SCORING_TABLES[table]) == table_rows(full_db, table, SCORING_TABLES[table]), table
    # Nothing new: no account is restated, and only today's rows are rewritten.
    assert build(db).returncode == 0
    assert query(db, restated)[0] == (0, accounts)
    assert table_rows(db, "marts.fct_account_scores", SCORING_TABLES["marts.fct_account_scores"]) == \
        table_rows(full_db, "marts.fct_account_scores", SCORING_TABLES["marts.fct_account_scores"])


# The models computed in batches of leads, and the marts they feed first.
BATCHED_LEAD_TABLES = ("intermediate.int_lead_score_changes", "marts.fct_lead_scores", "marts.fct_lead_mql_episodes",
                       "intermediate.int_lead_activation_edges", "marts.fct_lead_activations")
ACCOUNT_TABLES = ("intermediate.int_account_score_days", "marts.fct_account_scores", "marts.mart_account_scores_current",
                  "intermediate.int_account_activation_edges", "marts.fct_account_activations", "intermediate.int_account_fingerprints")


def _yesterday_built_and_a_delivery_loaded(tmp_path: Path, sample_raw_dir: Path) -> Path:
    """A warehouse with yesterday's export built and today's rows loaded as a new delivery (files of
    their own, as the daily job meets them), ready for today's run. Yesterday's score history,
    activations and accounts are computed in two batches of leads and of accounts (a first build: the batches after
    the first are inserted into the table the first created); the tests compare with a full build
    in one."""
    landing = tmp_path / "landing"
    split_export(sample_raw_dir, dt.datetime(2026, 6, 29, tzinfo=dt.timezone.utc), landing)
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    load(db, landing)
    assert build(db, batches=2).returncode == 0
    delivery = split_export(sample_raw_dir, dt.datetime(2026, 6, 29, tzinfo=dt.timezone.utc), tmp_path / "delivery", part="after")
    for file in delivery.glob("*/*.parquet"):
        file.rename(landing / file.parent.name / file.name)
    load(db, landing)
    return db


RESTATED_FROM = "select count(*) filter (where needs_restate), count(*) filter (where restate_from is not null) from intermediate.int_account_scope"


def test_a_delivery_restates_accounts_from_their_first_changed_day_also_after_an_upgrade(tmp_path, sample_raw_dir, incremental_and_full):
    # Today's events staged on top of yesterday's: most restated accounts are recomputed from the
    # change day before their leads' first new event, not over their whole history, and end
    # equal to a full build.
    # The same delivery on a warehouse built before accounts were restated from a day: it has no
    # history fingerprints in int_account_fingerprints (on_schema_change adds the columns,
    # empty). Its first run rescores the same leads and restates the same accounts, each whole,
    # stores their history fingerprints, and ends equal to a full build.
    # Today's run computes the score history, the activations and the accounts in four batches of
    # leads and of accounts, the upgraded one in one.
    _, full_db, _ = incremental_and_full
    db = _yesterday_built_and_a_delivery_loaded(tmp_path, sample_raw_dir)
    older = tmp_path / "older" / "lead_scoring.duckdb"
    older.parent.mkdir()
    shutil.copy(db, older)
    with duckdb.connect(str(older)) as con:
        for column in ("history_fingerprint", "fingerprinted_through"):
            con.execute(f"alter table intermediate.int_account_fingerprints drop column {column}")
    for warehouse, batches in ((db, 4), (older, None)):
        completed = build(warehouse, batches=batches)
        assert completed.returncode == 0, completed.stdout[-3000:]
    restated, from_a_day = query(db, RESTATED_FROM)[0]
    assert 0 < from_a_day < restated
    # The first batch's statement reads its accounts only; the tables below hold all accounts.
    for model in ("int_lead_score_changes", "int_lead_activation_edges", "int_account_score_days"):
        ran = next((db.parent / "target" / "compiled").rglob(f"{model}.sql")).read_text()
        assert "substring(md5(" in ran, model
    for table in BATCHED_LEAD_TABLES + ACCOUNT_TABLES:
        assert table_rows(db, table, SCORING_TABLES[table]) == table_rows(full_db, table, SCORING_TABLES[table]), table

    rescored = "select count(*) filter (where needs_rescore) from intermediate.int_lead_scoring_scope"
    assert query(older, rescored) == query(db, rescored)
    assert query(older, RESTATED_FROM)[0] == (restated, 0)
    for table in ACCOUNT_TABLES[:-1]:
        assert table_rows(older, table, SCORING_TABLES[table]) == table_rows(full_db, table, SCORING_TABLES[table]), table
    # The stored fingerprints: every account's as in a full build; the history fingerprints of the
    # accounts this run restated, as in a full build; the others' stay empty until they change.
    stored = "select account_id, account_fingerprint, history_fingerprint from intermediate.int_account_fingerprints order by account_id"
    upgraded, full = query(older, stored), query(full_db, stored)
    assert [row[:2] for row in upgraded] == [row[:2] for row in full]
    filled = {row[0] for row in upgraded if row[2] is not None}
    assert filled == {account for (account,) in query(older, "select account_id from intermediate.int_account_scope where needs_restate")}
    assert [row for row in upgraded if row[0] in filled] == [row for row in full if row[0] in filled]


# batch_count's line in dbt's debug log: the model, its estimated work, the per-batch var and its
# value, and the count.
ESTIMATE_LINE = re.compile(r"(int_\w+): estimated work (\d+), (\w+) (\d+): (\d+) batches")


def test_batch_counts_from_estimates_run_once_and_equal_one(tmp_path, sample_raw_dir, incremental_and_full):
    # The default path on a large warehouse: no count var set, each model's estimate asks for
    # more than one batch. Per-batch values small for the sample (at the time of writing its
    # estimates are 7,522 rule states, 9,683 events and 17,362 score change x lead pairs: 3.8,
    # 3.9 and 3.5 per-batch values, rounded up to a power of two, 4 batches each). Each estimate
    # runs once - when the model's statement is compiled; the post-hook reads the count from
    # that statement (first_batch) - the post-hook inserts the other three batches, and the
    # tables equal a build in one batch.
    _, full_db, _ = incremental_and_full
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    load(db, sample_raw_dir)
    per_batch = "lead_history_states_per_batch: 2000, activation_history_events_per_batch: 2500, account_history_pairs_per_batch: 5000"
    completed = dbt(["build", "--debug", "--target-path", str(db.parent / "target"), "--vars", f"{{scoring_as_of_date: '{AS_OF}', {per_batch}}}",
                     "--exclude", "resource_type:test", "resource_type:unit_test"], db)
    assert completed.returncode == 0, completed.stdout[-3000:]
    estimates = sorted((model, per_batch_var, batches) for model, _, per_batch_var, _, batches in ESTIMATE_LINE.findall(completed.stdout))
    assert estimates == [("int_account_score_days", "account_history_pairs_per_batch", "4"),
                         ("int_lead_activation_edges", "activation_history_events_per_batch", "4"),
                         ("int_lead_score_changes", "lead_history_states_per_batch", "4")]
    for model, count_var in (("int_lead_score_changes", "lead_history_batches"), ("int_lead_activation_edges", "activation_history_batches"),
                             ("int_account_score_days", "account_history_batches")):
        assert f"{model}: computed in 4 batches ({count_var})" in completed.stdout
    for table in BATCHED_LEAD_TABLES + ACCOUNT_TABLES:
        assert table_rows(db, table, SCORING_TABLES[table]) == table_rows(full_db, table, SCORING_TABLES[table]), table


def test_a_run_that_stops_after_a_delivery_restates_its_accounts_whole_next_time(tmp_path, sample_raw_dir, incremental_and_full):
    # The run stops after the accounts' change days (restated from their first changed day; the
    # test below kills one while they are computed): the stored account fingerprints are
    # yesterday's. The next run stages nothing new: the events the stopped run staged are older
    # than it, so its leads' fingerprints before the run are no longer those the accounts were
    # restated with, and every account restated again is recomputed whole - and ends equal to a
    # full build.
    _, full_db, _ = incremental_and_full
    db = _yesterday_built_and_a_delivery_loaded(tmp_path, sample_raw_dir)
    assert build(db, "--select", "+int_account_score_days").returncode == 0
    assert build(db).returncode == 0
    restated, from_a_day = query(db, RESTATED_FROM)[0]
    assert restated > 0 and from_a_day == 0
    for table in ACCOUNT_TABLES:
        assert table_rows(db, table, SCORING_TABLES[table]) == table_rows(full_db, table, SCORING_TABLES[table]), table


def test_a_dbt_build_killed_after_a_delivery_is_completed_by_the_next(tmp_path, sample_raw_dir, incremental_and_full):
    # A real kill of today's run while it recomputes the accounts' change days: the leads' scores
    # are written, the accounts' are not. DuckDB recovers the warehouse from its write-ahead log;
    # the next run restates the accounts again, whole (the events the killed run staged are older
    # than it), and ends equal to a full build.
    _, full_db, _ = incremental_and_full
    db = _yesterday_built_and_a_delivery_loaded(tmp_path, sample_raw_dir)
    output = build_killed_when_it_starts(db, "int_account_score_days")
    assert "int_lead_score_changes" in output and "Completed successfully" not in output
    completed = build(db)
    assert completed.returncode == 0, completed.stdout[-3000:]
    restated, from_a_day = query(db, RESTATED_FROM)[0]
    assert restated > 0 and from_a_day == 0
    for table in ACCOUNT_TABLES:
        assert table_rows(db, table, SCORING_TABLES[table]) == table_rows(full_db, table, SCORING_TABLES[table]), table


def test_seed_change_rescores_everything_without_full_refresh(tmp_path, project_copy, sample_raw_dir):
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    load(db, sample_raw_dir)
    assert build(db, project_dir=project_copy).returncode == 0
    pricing_before = query(db, "select count(*) from marts.fct_lead_score_explanations where rule_id = 'pricing_page' and model_id = 'hybrid_v1'")[0][0]
    assert pricing_before > 0

    rules = project_copy / "seeds" / "scoring_engagement_rules.csv"
    frame = pd.read_csv(rules, dtype=str, keep_default_na=False)
    frame.loc[(frame.model_id == "hybrid_v1") & (frame.rule_id == "pricing_page"), ["points", "max_points"]] = ["40", "40"]
    frame.to_csv(rules, index=False)

    edited = build(db, project_dir=project_copy)
    assert edited.returncode == 0, edited.stdout[-3000:]
    assert query(db, "select count(*) filter (where needs_rescore), count(*) from intermediate.int_lead_scoring_scope")[0] == (600, 600)
    # Every pricing contribution doubled (20 -> 40 per visit, cap 20 -> 40).
    max_pricing = query(db, "select max(points) from marts.fct_lead_score_explanations where rule_id = 'pricing_page' and model_id = 'hybrid_v1'")[0][0]
    assert 20 < max_pricing <= 40

    fresh = tmp_path / "fresh" / "lead_scoring.duckdb"
    load(fresh, sample_raw_dir)
    assert build(fresh, project_dir=project_copy).returncode == 0
    for table, order_by in SCORING_TABLES.items():
        assert table_rows(db, table, order_by) == table_rows(fresh, table, order_by), table


def test_activation_rule_edit_restates_every_lead_without_full_refresh(tmp_path, project_copy, sample_raw_dir):
    # The activation seeds are part of every lead's lifecycle fingerprint: an edit restates all
    # activations on the next run, which then equals a fresh build with the edited rules.
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    load(db, sample_raw_dir)
    assert build(db, project_dir=project_copy).returncode == 0
    campaigns = "select count(*) from marts.fct_lead_activations where action_id = 'campaign_trigger'"
    before = query(db, campaigns)[0][0]
    assert before > 0

    rules = project_copy / "seeds" / "activation_rules.csv"
    frame = pd.read_csv(rules, dtype=str, keep_default_na=False)
    frame.loc[frame.action_id == "campaign_trigger", "event_within_days"] = "30"
    frame.to_csv(rules, index=False)

    edited = build(db, project_dir=project_copy)
    assert edited.returncode == 0, edited.stdout[-3000:]
    leads = query(db, "select count(*) from staging.stg_raw__leads")[0][0]
    assert query(db, "select count(*) from intermediate.int_lead_lifecycle_scope where needs_restate")[0][0] == leads
    # A 30-day window joins visits that a 7-day one kept apart: fewer, longer campaign windows.
    assert 0 < query(db, campaigns)[0][0] < before

    fresh = tmp_path / "fresh" / "lead_scoring.duckdb"
    load(fresh, sample_raw_dir)
    assert build(fresh, project_dir=project_copy).returncode == 0
    for table in ("intermediate.int_lead_activation_edges", "marts.fct_lead_activations"):
        assert table_rows(db, table, SCORING_TABLES[table]) == table_rows(fresh, table, SCORING_TABLES[table]), table


@pytest.fixture(scope="module")
def scored_warehouse(tmp_path_factory, sample_raw_dir) -> Path:
    db = tmp_path_factory.mktemp("bad_seed") / "lead_scoring.duckdb"
    load(db, sample_raw_dir)
    assert build(db).returncode == 0
    return db


@pytest.mark.parametrize("problem", sorted(BAD_ROWS))
def test_bad_scoring_seed_stops_the_run_before_any_mart_changes(problem, scored_warehouse, project_copy):
    seed, row, message = BAD_ROWS[problem]
    rules = project_copy / "seeds" / f"{seed}.csv"
    rules.write_text(rules.read_text().rstrip("\n") + "\n" + row + "\n")
    before = {t: table_rows(scored_warehouse, t, o) for t, o in SCORING_TABLES.items()}

    # With the data tests, as the daily run builds: the message, not a failed test, stops it.
    result = build(scored_warehouse, project_dir=project_copy, with_tests=True)
    assert result.returncode != 0
    assert f"seed {seed}, row " in result.stdout, result.stdout[-3000:]
    assert message in result.stdout and "nothing was rescored" in result.stdout, result.stdout[-3000:]
    assert "FAIL" not in result.stdout, result.stdout[-3000:]
    assert {t: table_rows(scored_warehouse, t, o) for t, o in SCORING_TABLES.items()} == before


def test_bad_recycle_policy_stops_the_run_before_any_mart_changes(scored_warehouse, project_copy):
    seed = project_copy / "seeds" / "scoring_models.csv"
    frame = pd.read_csv(seed, dtype=str, keep_default_na=False)
    frame.loc[frame.model_id == "hybrid_v1", "recycle_policy"] = "reset"
    frame.to_csv(seed, index=False)
    before = {t: table_rows(scored_warehouse, t, o) for t, o in SCORING_TABLES.items()}

    result = build(scored_warehouse, project_dir=project_copy)
    assert result.returncode != 0
    message = "seed scoring_models, row model_id=hybrid_v1: recycle_policy must be next_crossing or reset_engagement, got 'reset'"
    assert message in result.stdout, result.stdout[-3000:]
    assert {t: table_rows(scored_warehouse, t, o) for t, o in SCORING_TABLES.items()} == before


def test_source_text_example_scores_plus_ten(tmp_path):
    """Pricing sheet +10, career page -5, three product newsletters +15, unsubscribe -10 -> +10,
    with the shipped champion model, for a lead whose fit is 0 (no fit rule matches)."""
    day = dt.date(2026, 6, 30)
    at = lambda d, h=10: f"{(day - dt.timedelta(days=d)).isoformat()}T{h:02d}:00:00Z"  # noqa: E731
    folder = tmp_path / "raw"
    (folder).mkdir()
    pd.DataFrame([{
        "lead_id": "L1", "email": "jo@shop.example", "company_size": 50, "industry": "retail",
        "job_title": "Marketing Specialist", "country": "US", "lead_source": "organic_search",
        "created_at": at(20, 8),
    }]).to_csv(folder / "leads.csv", index=False)
    events = [
        ("e1", "email_open", at(12), '{"newsletter": "product"}'),
        ("e2", "email_open", at(8), '{"newsletter": "product"}'),
        ("e3", "page_view", at(5), '{"page_url": "/careers"}'),
        ("e4", "email_open", at(4), '{"newsletter": "product"}'),
        ("e5", "email_unsubscribe", at(2), '{"newsletter": "general"}'),
        ("e6", "content_download", at(0), '{"content_type": "pricing_sheet"}'),
    ]
    pd.DataFrame([{"event_id": i, "lead_id": "L1", "event_type": t, "occurred_at": o, "properties": p} for i, t, o, p in events]).to_csv(folder / "events.csv", index=False)
    pd.DataFrame(columns=["opportunity_id", "lead_id", "created_at", "stage"]).to_csv(folder / "opportunities.csv", index=False)

    db = tmp_path / "wh" / "lead_scoring.duckdb"
    load(db, folder)
    result = build(db)
    assert result.returncode == 0, result.stdout[-3000:]
    assert query(db, "select fit_score, engagement_score, total_score from marts.mart_lead_scores_current where model_id = 'hybrid_v1'") == [(0.0, 10.0, 10.0)]
    explained = query(db, "select rule_id, points from marts.fct_lead_score_explanations where model_id = 'hybrid_v1' order by rule_id")
    assert explained == [("career_page", -5.0), ("newsletter_unsubscribe", -10.0), ("pricing_sheet", 10.0), ("product_newsletter_3_opens", 15.0)]
