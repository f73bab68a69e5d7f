"""What the tests share besides fixtures (those are in conftest.py): the project's paths and the
sample's settings, dbt and warehouse reads, raw landing files, the CLI, the daily Dagster job,
MetricFlow, the dashboard in AppTest, and local servers (browser tests, PostgreSQL).

Test modules import from here, never from each other (tests/unit/test_tests_layout.py). Heavy
packages (Dagster, Streamlit, the project's own modules) are imported where a helper needs them,
so the fast tests do not pay for them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import glob
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
import pytest

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest

# --- the project and the sample data ----------------------------------------------------------

PROJECT_DIR = Path(__file__).resolve().parent.parent
SAMPLE_END = dt.date(2026, 6, 30)
SAMPLE = dict(n_leads=600, days=150, seed=7, end_date=SAMPLE_END)
# What a copy of the dbt project needs (conftest.py's project_copy, tests/integration/test_recycling.py).
DBT_PROJECT_FILES = ["dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "snapshots", "tests/dbt"]



def copy_project(copy: Path) -> Path:
    """A copy of the dbt project in the folder `copy`, whose seeds a test may edit."""
    for name in DBT_PROJECT_FILES:
        source = PROJECT_DIR / name
        target = copy / name
        if source.is_dir():
            shutil.copytree(source, target)
        elif source.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    return copy

# --- dbt and the warehouse ----------------------------------------------------------------------

def dbt_command(args: list[str], db_path: Path, extra_env: dict[str, str] | None = None,
                project_dir: Path = PROJECT_DIR) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of the dbt CLI of this virtualenv against `db_path`."""
    env = {**os.environ, "LEAD_SCORING_DB": str(db_path), "DBT_PROFILES_DIR": str(project_dir), **(extra_env or {})}
    return [str(Path(sys.executable).parent / "dbt"), *args, "--project-dir", str(project_dir)], env


def dbt(args: list[str], db_path: Path, extra_env: dict[str, str] | None = None, project_dir: Path = PROJECT_DIR) -> subprocess.CompletedProcess:
    """Run the dbt CLI of this virtualenv against the warehouse file `db_path`."""
    command, env = dbt_command(args, db_path, extra_env, project_dir)
    return subprocess.run(command, env=env, capture_output=True, text=True, cwd=project_dir)


def dbt_render(sql: str, tmp_path: Path) -> str:
    """The SQL that dbt renders from `sql` with the project's macros (`dbt compile --inline`)."""
    result = dbt(["compile", "--quiet", "--inline", sql, "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
                 tmp_path / "lead_scoring.duckdb")
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def query(db_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def load(db_path: Path, folder: Path) -> dict[str, int]:
    """Load the raw files of `folder` into the warehouse `db_path` (created with its folder when
    missing); returns the rows loaded per table."""
    from lead_scoring.ingest.raw_loader import load_raw_folder

    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db_path))
    try:
        return load_raw_folder(con, folder)
    finally:
        con.close()


def _comparable(frame: pd.DataFrame) -> list[tuple]:
    """Rows with floats rounded (parallel sums may differ in the last bit) and NaN as None
    (NaN != NaN; None == None)."""
    for column in frame.columns:
        if frame[column].dtype.kind == "f":
            frame[column] = frame[column].round(9)
    frame = frame.astype(object).where(frame.notna(), None)
    return list(frame.itertuples(index=False, name=None))


def table_rows(db_path: Path, table: str, order_by: str) -> list[tuple]:
    """A table's rows, comparable across builds, in a fixed order (intermediate tables without
    their scoring fingerprint)."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        frame = con.execute(f"select * from {table} order by {order_by}").df()
    finally:
        con.close()
    return _comparable(frame.drop(columns=["scoring_fingerprint"], errors="ignore"))


def mart_tables(db: Path) -> dict[str, list[tuple]]:
    """Every table and view the marts schema offers BI, as sorted rows (floats rounded)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute("select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
        return {name: sorted(_comparable(con.execute(f"select * from marts.{name}").df()), key=repr) for name in names}
    finally:
        con.close()


# Columns that say when or by which load or run a row was written, not what it holds (staged_at:
# when the run that staged it started; fingerprinted_through: the scoring day of the run that last
# restated an account; source_file: of an event delivered in two files, the loader keeps the copy
# it met first, which depends on how the files arrived; raw_rows_fingerprint: of the deliveries and
# lines a lead's raw rows came in).
RUN_COLUMNS = re.compile(r"load_id|loaded_at|staged_at|fingerprinted_through|source_file|_source_line|raw_rows_fingerprint|_dbt_|dbt_updated|dbt_valid|run_id|built_at|published_at|generated_at|invocation")


def warehouse_differences(a: Path, b: Path, schemas: tuple[str, ...], skip_tables: tuple[str, ...] = (), shown: int = 3) -> list[str]:
    """What differs between every table and view of `schemas` in warehouses `a` and `b`: missing
    tables and columns, and per table the rows of one that the other lacks (as multisets, in any
    order, doubles equal within 1e-9 relative, RUN_COLUMNS aside), with up to `shown` of them. Empty
    when they are equal. `skip_tables`: schema.table names left out."""
    from lead_scoring.warehouse import sql_string

    con = duckdb.connect()
    try:
        con.execute(f"attach {sql_string(a)} as a (read_only)")
        con.execute(f"attach {sql_string(b)} as b (read_only)")

        def columns(catalog: str) -> dict[str, dict[str, str]]:
            found: dict[str, dict[str, str]] = {}
            for schema, table, column, data_type in con.execute(
                f"select table_schema, table_name, column_name, data_type from information_schema.columns "
                f"where table_catalog = ? and table_schema in ({', '.join('?' for _ in schemas)}) order by ordinal_position",
                [catalog, *schemas],
            ).fetchall():
                if f"{schema}.{table}" not in skip_tables:
                    found.setdefault(f"{schema}.{table}", {})[column] = data_type
            return found

        in_a, in_b = columns("a"), columns("b")
        problems = [f"{name}: only in {where}" for name, where in
                    [(n, a) for n in sorted(in_a.keys() - in_b.keys())] + [(n, b) for n in sorted(in_b.keys() - in_a.keys())]]
        for name in sorted(in_a.keys() & in_b.keys()):
            if in_a[name] != in_b[name]:
                problems.append(f"{name}: columns differ: {in_a[name]} against {in_b[name]}")
                continue
            schema, table = name.split(".")
            kept = {c: t for c, t in in_a[name].items() if not RUN_COLUMNS.search(c)}
            doubles = [c for c, t in kept.items() if t in ("DOUBLE", "FLOAT")]
            values = ", ".join(f'round("{c}", 9) as "{c}"' if c in doubles else f'"{c}"' for c in kept)
            only = {}
            for this, other in (("a", "b"), ("b", "a")):
                only[this] = f'select {values} from {this}."{schema}"."{table}" except all select {values} from {other}."{schema}"."{table}"'
            for this, other in (("a", "b"), ("b", "a")):
                # A double summed in another order can round to the other side of a 9th decimal:
                # such a row still has a partner in the other build within 1e-9 (relative).
                same = " and ".join([f'x."{c}" is not distinct from y."{c}"' for c in kept if c not in doubles]
                                    + [f'(x."{c}" is not distinct from y."{c}" or abs(x."{c}" - y."{c}") <= 1e-9 * greatest(1, abs(x."{c}")))' for c in doubles])
                missing_sql = f"select * from ({only[this]}) as x where not exists (select 1 from ({only[other]}) as y where {same})"
                count = con.execute(f"select count(*) from ({missing_sql})").fetchone()[0]
                if count:
                    sample = con.execute(f"{missing_sql} limit {shown}").fetchall()
                    problems.append(f"{name}: {count} rows only in {a if this == 'a' else b}, e.g. {sample}")
        return problems
    finally:
        con.close()


# The dbt vars that set how many batches each model computed in batches runs in (macro batch_count).
BATCH_COUNT_VARS = ("lead_history_batches", "activation_history_batches", "account_history_batches")


def batch_count_vars(batches: int | None) -> str:
    """The BATCH_COUNT_VARS set to `batches`, as entries to append inside a `--vars` mapping
    (", lead_history_batches: 2, ..."); empty for None (each model sizes its batches itself)."""
    return "".join(f", {count_var}: {batches}" for count_var in BATCH_COUNT_VARS) if batches else ""


# The tables a scoring run writes, with the order that makes two builds comparable.
SCORING_TABLES = {
    "intermediate.int_lead_engagement_rule_states": "model_id, lead_id, rule_id, counts_for_total, counts_for_mql, state_date",
    "intermediate.int_lead_score_changes": "model_id, lead_id, score_date",
    "intermediate.int_lead_fit_rule_matches": "model_id, lead_id, rule_id",
    "intermediate.int_lead_fit_scores": "model_id, lead_id",
    "marts.fct_lead_scores": "model_id, lead_id, score_date",
    "marts.fct_lead_mql_episodes": "model_id, lead_id, mql_episode",
    "intermediate.int_lead_stage_signals_evaluated": "model_id, lead_id, signal_number",
    "marts.fct_lead_stage_transitions": "model_id, lead_id, transition_number",
    "intermediate.int_lead_funnel_stages": "model_id, lead_id",
    "marts.fct_lead_funnel": "model_id, lead_id",
    "intermediate.int_lead_stages_summarized": "lead_id",
    "marts.dim_leads": "lead_id",
    "intermediate.int_lead_threshold_crossings": "model_id, lead_id, offset_points",
    "intermediate.int_lead_rule_hits": "model_id, lead_id, rule_kind, rule_id",
    "intermediate.int_lead_feedback_outcomes": "model_id, lead_id",
    "intermediate.int_lead_lifecycle_fingerprints": "lead_id",
    "marts.mart_lead_scores_current": "model_id, lead_id",
    "intermediate.int_lead_current_rule_states": "model_id, lead_id, rule_kind, rule_id",
    "marts.fct_lead_score_explanations": "model_id, lead_id, rule_kind, rule_id",
    "marts.fct_lead_scored_events": "model_id, lead_id, event_id, rule_id",
    "intermediate.int_lead_score_band_spans": "model_id, lead_id, valid_from",
    "intermediate.int_lead_activation_edges": "activation_id",
    "marts.fct_lead_activations": "activation_id",
    "marts.mart_crm_lead_sync": "model_id, lead_id",
    "intermediate.int_account_score_days": "model_id, account_id, score_date",
    "marts.fct_account_scores": "model_id, account_id, score_date",
    "marts.mart_account_scores_current": "model_id, account_id",
    "intermediate.int_account_activation_edges": "activation_id",
    "marts.fct_account_activations": "activation_id",
    "intermediate.int_account_fingerprints": "account_id",
}

# Rows that make a scoring seed invalid: (seed, row appended to it, message that stops the run).
ENGAGEMENT, FIT, MAPPING = "scoring_engagement_rules", "scoring_fit_rules", "event_type_mapping"
ACTIVATION, SUPPRESSIONS = "activation_rules", "activation_suppressions"
BAD_ROWS = {
    "numeric condition on text": (ENGAGEMENT, "hybrid_v1,long_watch,Long webinar,webinar_attended,minutes_watched,>=,half,10,1,,,,,false",
                                  "rule_id=long_watch: property_value must be a number for >=, got 'half'"),
    "between the wrong way round": (ENGAGEMENT, "hybrid_v1,mid_scroll,Scrolled half,page_view,scroll_depth,between,80..20,2,1,,,,,false",
                                    "rule_id=mid_scroll: property_value '80..20': low is above high"),
    "mapping to an unknown event type": (MAPPING, ",webinar_watch,,,,webinar_watched,,,Typo in the event type",
                                         "source=webinar_watch: unknown event_type 'webinar_watched'"),
    "mapping with an unknown operator": (MAPPING, ",page_view,seconds,>,30,page_view,,,Long page views",
                                         "source=page_view where seconds > 30: property_operator must be equals, contains, starts_with, >=, <= or between, got '>'"),
    "duplicate mapping row": (MAPPING, ",pricing_sheet_download,,,,content_download,,content_type=pricing_sheet,Again",
                              "source=pricing_sheet_download: source_event appears 2 times with this source_system and condition"),
    "mapping with only a conditional row": (MAPPING, ",demo_video,seconds,>=,30,page_view,,,Long demo video plays",
                                            "source=demo_video where seconds >= 30: source_event 'demo_video' has only rows with a property condition"),
    "mapping rename without a target": (MAPPING, ",video_play,,,,page_view,seconds,,Video plays",
                                        "source=video_play: property_renames: 'seconds' is not a key=value pair"),
    "unknown event type": (ENGAGEMENT, "hybrid_v1,webinar_watch,Typo in event type,webinar_watched,,,,15,1,,,,,false",
                           "rule_id=webinar_watch: unknown event_type 'webinar_watched'"),
    "non-numeric points": (ENGAGEMENT, "hybrid_v1,case_study,Case study,content_download,content_type,equals,case_study,ten,1,,,,,false",
                           "rule_id=case_study: points must be a number, got 'ten'"),
    "negative half-life": (ENGAGEMENT, "hybrid_v1,docs,Docs pages,page_view,page_url,starts_with,/docs,2,1,,,-7,,false",
                           "rule_id=docs: half_life_days must be positive, got -7"),
    "duplicate rule id": (ENGAGEMENT, "hybrid_v1,pricing_page,Pricing page again,page_view,page_url,contains,pricing,5,1,,,,,false",
                          "rule_id=pricing_page: rule_id appears 2 times in this model"),
    # The scoring models trim ids, so these are the same rule: the run used to rescore, then fail
    # a unique test of int_lead_engagement_rule_states.
    "duplicate rule id with a space after it": (
        ENGAGEMENT, "hybrid_v1,pricing_page ,Pricing page again,page_view,page_url,contains,pricing,5,1,,,,,false",
        "rule_id=pricing_page: rule_id appears 2 times (spelled with different spaces around it) in this model"),
    "duplicate fit rule id": (FIT, "hybrid_v1,size_mid_market,Mid-market again,company_size,between,,101,5000,15,false",
                              "rule_id=size_mid_market: rule_id appears 2 times in this model"),
    # Used to pass every test and score the rule twice.
    "duplicate fit rule id with a space before it": (
        FIT, "hybrid_v1, size_mid_market,Mid-market again,company_size,between,,101,5000,15,false",
        "rule_id=size_mid_market: rule_id appears 2 times (spelled with different spaces around it) in this model"),
    "gate that can never be met": (ENGAGEMENT, "enterprise_gate_v1,ten_demos,Ten demo requests in a week,form_submit,form_id,equals,demo_request,10,1,,7,,10,true",
                                   "rule_id=ten_demos: required rule can never hold: min_count exceeds max_per_day x window_days"),
    "unknown re-trigger policy": (ACTIVATION, "nurture_again,Again,hybrid_v1,nurture,lead,,,,,,enter,always,7,nurture,true",
                                  "action_id=nurture_again: retrigger must be once_per_lead, once_per_mql_episode, every_entry, got 'always'"),
    "unknown band in an activation rule": (ACTIVATION, "warm_leads,Warm,hybrid_v1,warm,lead,,,,,,enter,every_entry,7,nurture,true",
                                           "action_id=warm_leads: score_bands: unknown band 'warm' (one of cold, nurture, hot_blocked, hot)"),
    "activation event without its days": (
        ACTIVATION, "demo_request,Demo,hybrid_v1,,lead,form_submit,form_id,equals,demo,,enter,every_entry,7,sales_crm,true",
        "action_id=demo_request: event_within_days must be a whole number of at least 1 when the rule names an event, got ''"),
    "duplicate action id": (ACTIVATION, "mql_handoff,Again,hybrid_v1,,mql,,,,,,enter,once_per_lead,7,sales_crm,true",
                            "action_id=mql_handoff: action_id appears 2 times"),
    # Rules that target accounts (a row of 19 fields: target, account_state, min_account_score, min_engaged_leads).
    "lead condition in an account rule": (
        ACTIVATION, "account_mqls,Accounts with MQLs,hybrid_v1,,mql,,,,,,enter,once_per_mqa_episode,7,sales_crm,true,account,mqa,,",
        "action_id=account_mqls: lifecycle_stages is a lead condition: an account rule (target account) takes account_state, "
        "min_account_score and min_engaged_leads"),
    "lead re-trigger policy in an account rule": (
        ACTIVATION, "account_again,Again,hybrid_v1,,,,,,,,enter,once_per_mql_episode,7,sales_crm,true,account,,90,",
        "action_id=account_again: retrigger must be once_per_account, once_per_mqa_episode, every_entry for an account rule, "
        "got 'once_per_mql_episode'"),
    "account suppression of a lead action": (
        SUPPRESSIONS, "won_accounts,account_stage,customer,mql_handoff,true,Wrong target",
        "suppression=won_accounts: applies_to: unknown action 'mql_handoff' for this kind: the rule targets leads, "
        "the suppression accounts (kind account_stage)"),
    "unknown suppression stage": (SUPPRESSIONS, "churned,stage,churned,,true,Churned",
                                  "suppression=churned: unknown stage 'churned' (one of lead, mql, sal, sql, opportunity, customer, recycled, disqualified, closed_lost)"),
    "suppression of an unknown action": (SUPPRESSIONS, "vip,event,email_unsubscribe,nurture_enroll,true,Typo",
                                         "suppression=vip: applies_to: unknown action 'nurture_enroll' (not an action_id of activation_rules)"),
}


def untouched_lead_sql(dim_leads: str, events: str) -> str:
    """SQL for the first lead still in stage `lead`, created before June, with no CRM event, given
    the relations of marts.dim_leads and staging.stg_raw__events."""
    return f"""
        select d.lead_id from {dim_leads} as d
        where d.current_stage = 'lead' and d.created_at < timestamp '2026-06-01'
          and not exists (select 1 from {events} as e where e.lead_id = d.lead_id and e.source_system = 'crm')
        order by d.lead_id limit 1
    """


# --- raw landing files --------------------------------------------------------------------------

def add_sales_acceptance(raw_dir: Path, lead_id: str) -> None:
    """A new raw events file: sales accepted `lead_id` at noon of the sample's last day."""
    day = SAMPLE_END.isoformat()
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute(
            f"""
            copy (
                select 'E_LIFECYCLE_TEST' as event_id, '{lead_id}' as lead_id, 'sales_accepted' as event_type,
                       timestamptz '{day} 12:00:00+00' as occurred_at, 'crm' as source_system,
                       '{{"owner": "rep_01"}}' as properties, timestamptz '{day} 12:05:00+00' as received_at
            ) to '{raw_dir / "events" / "part-lifecycle-test.parquet"}' (format parquet)
            """
        )
    finally:
        con.close()


# A tiny hand-made export (two leads, three events, one opportunity), loaded as of NOW.
NOW = dt.datetime(2026, 2, 1, 12, 0, tzinfo=dt.timezone.utc)
LEADS = pd.DataFrame(
    {
        "lead_id": ["L1", "L2"],
        "email": ["Anna@Example.com", "bob@acme.io"],
        "company_size": [250, 12],
        "created_at": ["2026-01-05T10:00:00+01:00", "2026-01-07T08:00:00Z"],
        "surplus_column": ["ignored", "ignored"],
    }
)
EVENTS = pd.DataFrame(
    {
        "event_id": ["E1", "E2", "E3"],
        "lead_id": ["L1", "L1", "L2"],
        "event_type": ["page_view", "content_download", "email_open"],
        "occurred_at": ["2026-01-06T10:00:00Z", "2026-01-06T11:00:00Z", "2026-01-08T09:30:00Z"],
        "properties": ['{"page_url": "/pricing"}', '{"content_type": "whitepaper"}', '{"newsletter": "general"}'],
    }
)
OPPORTUNITIES = pd.DataFrame(
    {
        "opportunity_id": ["O1"],
        "lead_id": ["L1"],
        "created_at": ["2026-01-20T10:00:00Z"],
        "stage": ["closed_won"],
        "amount": [25000.0],
        "closed_at": ["2026-01-28T16:00:00Z"],
        "is_won": ["true"],
    }
)
TABLES = {"leads": LEADS, "events": EVENTS, "opportunities": OPPORTUNITIES}
WRITERS = {
    "csv": lambda frame, path: frame.to_csv(path, index=False),
    "parquet": lambda frame, path: frame.to_parquet(path, index=False),
    "jsonl": lambda frame, path: frame.to_json(path, orient="records", lines=True),
}


def write_folder(folder: Path, fmt: str = "csv", tables: dict[str, pd.DataFrame] = TABLES, layout: str = "subfolder") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        if layout == "subfolder":
            (folder / name).mkdir(exist_ok=True)
            path = folder / name / f"part-00000.{fmt}"
        else:
            path = folder / f"{name}.{fmt}"
        WRITERS[fmt](frame, path)
    return folder


def connect(db: Path) -> duckdb.DuckDBPyConnection:
    db.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(db))


# Each bad-input class: (table, bad row, expected (column, reason)). The bad row is appended to the
# otherwise valid files, so it is on CSV line 4 of events (header + 3 rows), 3 of leads, 2 of opps.
BAD_INPUTS = {
    "missing id": ("events", {"event_id": "", "lead_id": "L1", "event_type": "page_view", "occurred_at": "2026-01-09T10:00:00Z"}, ("event_id", "missing event_id")),
    "unparseable timestamp": ("events", {"event_id": "E9", "lead_id": "L1", "event_type": "page_view", "occurred_at": "yesterday at noon"}, ("occurred_at", "unparseable timestamp in occurred_at")),
    "future timestamp": ("events", {"event_id": "E9", "lead_id": "L1", "event_type": "page_view", "occurred_at": "2026-03-01T10:00:00Z"}, ("occurred_at", "occurred_at is in the future")),
    "unknown lead id": ("events", {"event_id": "E9", "lead_id": "L404", "event_type": "page_view", "occurred_at": "2026-01-09T10:00:00Z"}, ("lead_id", "unknown lead_id")),
    "duplicate event id": ("events", {"event_id": "E2", "lead_id": "L1", "event_type": "page_view", "occurred_at": "2026-01-09T10:00:00Z"}, ("event_id", "duplicate event_id")),
    "unknown event type": ("events", {"event_id": "E9", "lead_id": "L1", "event_type": "webinar_watched", "occurred_at": "2026-01-09T10:00:00Z"}, ("event_type", "unknown event_type (map it in seeds/event_type_mapping.csv)")),
    "negative amount": ("opportunities", {"opportunity_id": "O2", "lead_id": "L2", "created_at": "2026-01-21T10:00:00Z", "stage": "discovery", "amount": -5.0}, ("amount", "negative amount")),
    "invalid email": ("leads", {"lead_id": "L3", "email": "not-an-address", "company_size": 40, "created_at": "2026-01-10T10:00:00Z"}, ("email", "invalid email")),
    "not a number": ("leads", {"lead_id": "L3", "email": "c@d.io", "company_size": "about twelve", "created_at": "2026-01-10T10:00:00Z"}, ("company_size", "company_size is not a valid integer")),
    # What the staging models' data tests refuse is refused here, so one row never stops a build.
    "unknown source system": ("events", {"event_id": "E9", "lead_id": "L1", "event_type": "page_view", "occurred_at": "2026-01-09T10:00:00Z", "source_system": "carrier_pigeon"}, ("source_system", "unknown source_system")),
    "received before it occurred": ("events", {"event_id": "E9", "lead_id": "L1", "event_type": "page_view", "occurred_at": "2026-01-09T10:00:00Z", "received_at": "2026-01-09T09:59:59Z"}, ("received_at", "received_at is before occurred_at")),
    "malformed properties": ("events", {"event_id": "E9", "lead_id": "L1", "event_type": "page_view", "occurred_at": "2026-01-09T10:00:00Z", "properties": '{"page_url": "/pricing"'}, ("properties", "properties is not a JSON object")),
    "properties not an object": ("events", {"event_id": "E9", "lead_id": "L1", "event_type": "page_view", "occurred_at": "2026-01-09T10:00:00Z", "properties": '["/pricing"]'}, ("properties", "properties is not a JSON object")),
    "country not a code": ("leads", {"lead_id": "L3", "email": "c@d.io", "country": "Germany", "created_at": "2026-01-10T10:00:00Z"}, ("country", "country is not a two-letter ISO 3166-1 code")),
    "negative company size": ("leads", {"lead_id": "L3", "email": "c@d.io", "company_size": -4, "created_at": "2026-01-10T10:00:00Z"}, ("company_size", "negative company_size")),
    "updated before created": ("leads", {"lead_id": "L3", "email": "c@d.io", "created_at": "2026-01-10T10:00:00Z", "updated_at": "2026-01-09T10:00:00Z"}, ("updated_at", "updated_at is before created_at")),
    "unknown stage": ("opportunities", {"opportunity_id": "O2", "lead_id": "L2", "created_at": "2026-01-21T10:00:00Z", "stage": "maybe later"}, ("stage", "unknown stage")),
    "missing stage": ("opportunities", {"opportunity_id": "O2", "lead_id": "L2", "created_at": "2026-01-21T10:00:00Z", "stage": ""}, ("stage", "missing stage")),
    "closed without a close date": ("opportunities", {"opportunity_id": "O2", "lead_id": "L2", "created_at": "2026-01-21T10:00:00Z", "stage": "Closed Lost"}, ("closed_at", "missing closed_at for a closed stage")),
    "open with a close date": ("opportunities", {"opportunity_id": "O2", "lead_id": "L2", "created_at": "2026-01-21T10:00:00Z", "stage": "proposal", "closed_at": "2026-01-25T10:00:00Z"}, ("closed_at", "closed_at set on an open stage")),
    "closed before created": ("opportunities", {"opportunity_id": "O2", "lead_id": "L2", "created_at": "2026-01-21T10:00:00Z", "stage": "closed_lost", "closed_at": "2026-01-20T10:00:00Z"}, ("closed_at", "closed_at is before created_at")),
}


# --- activations, hand-made ------------------------------------------------------------------------

# A warehouse with only what the Activations page, the sidebar, the BI publication and the summary
# read of the activation marts (contract: marts.fct_lead_activations, a view over an intermediate
# table as in dbt; marts.mart_activation_queue; marts.mart_crm_lead_sync; seed activation_rules), so
# their tests need no dbt build. Scoring day ACTIVATION_AS_OF; model hybrid_v1 (primary) queues 4
# activations before any delivery, enterprise_gate_v1 one.
ACTIVATION_AS_OF = dt.date(2026, 6, 30)
ACTIVATION_COLUMNS = (
    "activation_id varchar, action_id varchar, model_id varchar, is_primary_model boolean, lead_id varchar, "
    "destination varchar, trigger_on varchar, due_at timestamp, due_date date, mql_episode integer, lifecycle_stage varchar, "
    "total_score double, score_band varchar, fit_grade varchar, top_reasons varchar, triggering_event_id varchar, "
    "triggering_event_type varchar, triggering_event_at timestamp, sales_owner varchar, is_deliverable boolean, as_of_date date"
)
# (action, model, lead, destination, due_at, episode, stage, score, band, event type, deliverable)
ACTIVATIONS = [
    ("mql_handoff", "hybrid_v1", "L1", "sales_crm", "2026-06-30 09:00", 1, "mql", 82.5, "hot", None, True),
    ("sales_notification", "hybrid_v1", "L1", "sales_crm", "2026-06-30 10:15", 1, "mql", 82.5, "hot", "form_submit", True),
    ("nurture_enrol", "hybrid_v1", "L2", "nurture", "2026-06-29 14:00", None, "lead", 41.0, "nurture", "page_view", True),
    ("campaign_trigger", "hybrid_v1", "L3", "campaigns", "2026-06-30 08:30", None, "lead", 22.0, "cold", "page_view", True),
    ("nurture_enrol", "hybrid_v1", "L4", "nurture", "2026-04-10 11:00", None, "lead", 35.0, "nurture", "page_view", False),
    ("nurture_exit", "hybrid_v1", "L4", "nurture", "2026-05-02 16:00", None, "recycled", 12.0, "cold", None, False),
    ("mql_handoff", "hybrid_v1", "L5", "sales_crm", "2026-05-20 12:00", 1, "mql", 71.0, "hot", "form_submit", False),
    ("mql_handoff", "enterprise_gate_v1", "L1", "sales_crm", "2026-06-30 09:00", 1, "mql", 90.0, "hot", None, True),
]
# (action, lead, destination, channel, attempt, status, detail, logged_at): L1's hand-off delivered,
# L3's campaign failed twice (the queue keeps it), an older hand-off delivered on an earlier day.
DELIVERIES = [
    ("mql_handoff", "L1", "sales_crm", "outbox", 1, "delivered", "2026-06-30_run-1.jsonl", "2026-06-30 11:00"),
    ("mql_handoff", "L1", "sales_crm", "webhook", 1, "delivered", None, "2026-06-30 11:00"),
    ("campaign_trigger", "L3", "campaigns", "outbox", 1, "failed", "disk full", "2026-06-30 11:00"),
    ("campaign_trigger", "L3", "campaigns", "outbox", 2, "failed", "disk full", "2026-06-30 11:05"),
    ("mql_handoff", "L5", "sales_crm", "outbox", 1, "delivered", "2026-05-20_run-0.jsonl", "2026-05-20 13:00"),
]


def activation_id(action: str, model: str, lead: str, due_at: str, episode: int | None) -> str:
    return f"{action}:{model}:{lead}:" + (f"e{episode}" if episode else due_at[:10])


def activation_warehouse(db: Path, with_log: bool = False) -> Path:
    """The hand-made warehouse `db` (see ACTIVATIONS); with_log: activation.delivery_log holds
    DELIVERIES and the queue leaves out what it records as delivered to the outbox, as dbt builds
    it after a delivery."""
    con = connect(db)
    try:
        for schema in ("staging", "intermediate", "marts", "seeds", "activation"):
            con.execute(f"create schema {schema}")
        leads = [("L1", "2026-05-03 10:00", "organic_search"), ("L2", "2026-06-01 09:00", "paid_social"),
                 ("L3", "2026-06-20 15:00", "organic_search"), ("L4", "2026-03-15 08:00", "paid_social"),
                 ("L5", "2026-04-02 12:00", "referral")]
        con.execute("create table staging.stg_raw__leads (lead_id varchar, email varchar, first_name varchar, last_name varchar)")
        con.executemany("insert into staging.stg_raw__leads values (?, ?, 'Ann', 'Example')", [(lead, f"{lead.lower()}@example.com") for lead, _, _ in leads])
        con.execute("create table marts.dim_leads (lead_id varchar, created_at timestamp, lead_source varchar, as_of_date date)")
        con.executemany("insert into marts.dim_leads values (?, ?, ?, ?)", [(*lead, ACTIVATION_AS_OF) for lead in leads])
        con.execute("create table marts.mart_lead_scores_current (model_id varchar, is_primary_model boolean, lead_id varchar, "
                    "mql_threshold double, total_score double, score_band varchar)")
        for model, primary, threshold in (("hybrid_v1", True, 60.0), ("enterprise_gate_v1", False, 60.0)):
            con.executemany("insert into marts.mart_lead_scores_current values (?, ?, ?, ?, 50, 'nurture')",
                            [(model, primary, lead, threshold) for lead, _, _ in leads])
        con.execute(f"create table intermediate.int_lead_activation_edges ({ACTIVATION_COLUMNS})")
        for action, model, lead, destination, due_at, episode, stage, score, band, event, deliverable in ACTIVATIONS:
            con.execute("insert into intermediate.int_lead_activation_edges values "
                        "(?, ?, ?, ?, ?, ?, ?, ?::timestamp, ?::date, ?, ?, ?, ?, 'A', ?, ?, ?, ?, 'rep@example.com', ?, ?)", [
                            activation_id(action, model, lead, due_at, episode), action, model, model == "hybrid_v1", lead, destination,
                            "exit" if action == "nurture_exit" else "enter", due_at, due_at[:10], episode, stage, score, band,
                            f"Visited the pricing page (+20.0); Matching company size (+{score - 20:.1f})",
                            f"E-{lead}" if event else None, event, due_at if event else None, deliverable, ACTIVATION_AS_OF])
        con.execute("create view marts.fct_lead_activations as select * from intermediate.int_lead_activation_edges")
        queue = "select * from marts.fct_lead_activations as a where is_deliverable"
        if with_log:
            con.execute("create table activation.delivery_log (activation_id varchar, action_id varchar, lead_id varchar, destination varchar, "
                        "channel varchar, run_id varchar, attempt integer, status varchar, detail varchar, logged_at timestamp)")
            for action, lead, destination, channel, attempt, status, detail, logged_at in DELIVERIES:
                found = [activation_id(a, m, ld, due, ep) for a, m, ld, _, due, ep, *_ in ACTIVATIONS
                         if (a, m, ld) == (action, "hybrid_v1", lead)]
                con.execute("insert into activation.delivery_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [found[0], action, lead, destination, channel, f"run-{logged_at[:10]}", attempt, status, detail, logged_at])
            queue += (" and not exists (select 1 from activation.delivery_log as l where l.activation_id = a.activation_id "
                      "and l.destination = a.destination and l.channel = 'outbox' and l.status = 'delivered')")
        con.execute(f"create view marts.mart_activation_queue as {queue}")
        con.execute("create table marts.mart_crm_lead_sync as select model_id, is_primary_model, lead_id, 50 as score, "
                    "score_band, 'B' as fit_grade, 'medium' as engagement_level, false as is_mql_qualified, 'lead' as lifecycle_stage, "
                    "'' as top_reasons, as_of_date, as_of_date as state_changed_on, md5(lead_id) as sync_hash "
                    "from marts.mart_lead_scores_current cross join (select ?::date as as_of_date)", [ACTIVATION_AS_OF])
        con.execute("create table seeds.activation_rules (action_id varchar, description varchar, model_id varchar, trigger_on varchar, "
                    "deliver_within_days integer, destination varchar, is_active boolean)")
        con.executemany("insert into seeds.activation_rules values (?, ?, ?, ?, ?, ?, true)", [
            ("mql_handoff", "The lead became an MQL: hand it to sales at once", "hybrid_v1", "enter", 7, "sales_crm"),
            ("sales_notification", "A hot MQL submitted the contact form: tell its sales rep", "hybrid_v1", "enter", 7, "sales_crm"),
            ("nurture_enrol", "Score in the nurture band: enrol in nurturing", "hybrid_v1", "enter", 7, "nurture"),
            ("nurture_exit", "Left the nurture band: take out of nurturing", "hybrid_v1", "exit", 7, "nurture"),
            ("campaign_trigger", "Visited the pricing page: start the pricing campaign", "hybrid_v1", "enter", 2, "campaigns"),
            ("mql_handoff", "The lead became an MQL: hand it to sales at once", "enterprise_gate_v1", "enter", 7, "sales_crm"),
        ])
        # The active rules as dbt types them (int_activation_rules), which the summary reads.
        con.execute("create schema if not exists intermediate")
        con.execute("create table intermediate.int_activation_rules as select action_id, description, model_id, trigger_on, "
                    "deliver_within_days, destination from seeds.activation_rules where is_active")
    finally:
        con.close()
    return db


# --- webhooks ------------------------------------------------------------------------------------

class WebhookReceiver:
    """A webhook receiver on 127.0.0.1: answers per `mode` ('error': 500, 'slow': answers only after
    `delay` seconds, with 503; 'ok': 200) and records each request's Idempotency-Key, and the path
    and body of each accepted one. Serve it with `server.serve_forever` in a thread."""

    def __init__(self, delay: float = 2.0) -> None:
        self.mode = "ok"
        self.delay = delay
        self.received: list[tuple[str, str]] = []  # (mode, key)
        self.accepted: list[str] = []
        self.bodies: list[dict] = []
        self.paths: list[str] = []  # of the accepted requests
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key, mode = self.headers["Idempotency-Key"], receiver.mode
                receiver.received.append((mode, key))
                if mode == "slow":
                    time.sleep(receiver.delay)
                status = {"error": 500, "slow": 503, "ok": 200}[mode]
                if status == 200:
                    receiver.accepted.append(key)
                    receiver.bodies.append(body)
                    receiver.paths.append(self.path)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


# --- the CLI ------------------------------------------------------------------------------------

CLI = [sys.executable, "-m", "lead_scoring.cli"]
SMALL_SAMPLE = {"LEAD_SCORING_SAMPLE_LEADS": "300", "LEAD_SCORING_SAMPLE_DAYS": "120",
                "LEAD_SCORING_SAMPLE_SEED": "3", "LEAD_SCORING_SAMPLE_END_DATE": SAMPLE_END.isoformat()}


def cli_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The user's environment without any LEAD_SCORING_ setting (the tests' BI key file kept), a
    warehouse and a Dagster instance of the test's own, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAD_SCORING_")}
    env["LEAD_SCORING_BI_HASH_KEY_FILE"] = os.environ["LEAD_SCORING_BI_HASH_KEY_FILE"]
    (tmp_path / "dagster_home").mkdir(exist_ok=True)
    env |= {"LEAD_SCORING_DB": str(tmp_path / "wh" / "lead_scoring.duckdb"), "DAGSTER_HOME": str(tmp_path / "dagster_home")}
    return env | settings


def cli(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess:
    """`lead-scoring <args>` in `tmp_path`, with cli_env's environment."""
    return subprocess.run([*CLI, *args], env=cli_env(tmp_path, **settings), capture_output=True, text=True, cwd=tmp_path)


# --- the daily Dagster job ----------------------------------------------------------------------

def run_daily_job(tmp_path_factory, raw_dir: Path, as_of: dt.date, name: str, without_loader_rules: tuple[str, ...] = ()):
    """The daily job on its own warehouse, as one run of a fresh instance; returns (definitions,
    instance, result). `without_loader_rules`: reasons whose loader rules are switched off, as for
    raw tables written by another tool."""
    import dagster as dg

    db_path = tmp_path_factory.mktemp(name) / "lead_scoring.duckdb"
    return run_daily_job_on(db_path, raw_dir, as_of, dg.DagsterInstance.ephemeral(), without_loader_rules=without_loader_rules)


def run_daily_job_on(db_path: Path, raw_dir: Path, as_of: dt.date, instance, project_dir: Path = PROJECT_DIR,
                     without_loader_rules: tuple[str, ...] = (), extra_env: dict[str, str] | None = None):
    """One run of the daily job (what `lead-scoring run` executes) on the warehouse `db_path`, in
    `instance`; returns (definitions, instance, result). `project_dir`: a copy of the dbt project
    (conftest.py's project_copy) whose seeds a test edited, for dbt to build instead of this one;
    `extra_env`: more environment for the run and the dbt it starts."""
    from lead_scoring.ingest import raw_loader
    from lead_scoring.run_options import AS_OF_DATE_TAG
    from orchestration.dbt_project import prepare_manifest

    prepare_manifest()
    with pytest.MonkeyPatch.context() as env:
        if without_loader_rules:
            rules = raw_loader._rule_checks
            env.setattr(raw_loader, "_rule_checks", lambda *args: [r for r in rules(*args) if r[2] not in without_loader_rules])
        env.setenv("LEAD_SCORING_DB", str(db_path))
        env.setenv("LEAD_SCORING_RAW_DIR", str(raw_dir))
        env.delenv("LEAD_SCORING_AS_OF_DATE", raising=False)
        for key, value in (extra_env or {}).items():
            env.setenv(key, value)
        from orchestration import definitions

        if project_dir != PROJECT_DIR:
            # The scoring rules step validates the copy's seeds (lead_scoring/rule_workspace.py).
            from lead_scoring import settings

            env.setattr(settings, "DBT_PROJECT_DIR", project_dir)
            # dbt runs in the project the dbt assets were defined with: point each invocation at
            # the copy instead (the same nodes; only seed rows differ).
            from dagster_dbt import DbtProject
            from dagster_dbt.core import resource as dbt_resource
            from dagster_shared.record import replace

            params_for, copy = dbt_resource.get_updated_cli_invocation_params_for_context, DbtProject(project_dir=project_dir)
            env.setattr(dbt_resource, "get_updated_cli_invocation_params_for_context",
                        lambda *args, **kwargs: replace(params_for(*args, **kwargs), dbt_project=copy))
        defs = definitions.build_definitions()
        result = defs.resolve_job_def("daily_lead_scoring").execute_in_process(
            instance=instance, raise_on_error=False, tags={AS_OF_DATE_TAG: as_of.isoformat()}
        )
    return defs, instance, result


# --- the semantic layer (MetricFlow) ------------------------------------------------------------

def mf(args: list[str], project: Path, db_path: Path) -> subprocess.CompletedProcess:
    """`mf <args>` on the warehouse `db_path` through the read-only `semantic` target; `project` is
    conftest.py's mf_project."""
    env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT_DIR), "LEAD_SCORING_DB": str(db_path), "LEAD_SCORING_TARGET": "semantic"}
    return subprocess.run([str(Path(sys.executable).parent / "mf"), *args], env=env, cwd=project, capture_output=True, text=True)


# --- the dashboard in Streamlit's AppTest ------------------------------------------------------

DASHBOARD_APP = PROJECT_DIR / "dashboard" / "app.py"
APP_TIMEOUT = 60  # seconds per script run; generous for a loaded machine


def publish_copy(built_warehouse: Path, folder: Path, run_id: str) -> Path:
    """Publish a BI file from a private copy of the session warehouse (publication only reads it)."""
    from lead_scoring.bi_publication import publish

    warehouse = folder / "wh" / "lead_scoring.duckdb"
    if not warehouse.exists():
        warehouse.parent.mkdir(parents=True)
        shutil.copy(built_warehouse, warehouse)
    target = folder / "bi" / "bi.duckdb"
    publish(warehouse, target, run_id=run_id, personal_data="hashed")
    return target


def start_app(monkeypatch, bi: Path) -> AppTest:
    """The dashboard on the BI file `bi`, first page run."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("LEAD_SCORING_BI_DB", str(bi))
    at = AppTest.from_file(str(DASHBOARD_APP), default_timeout=APP_TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def metric(at: AppTest, label: str) -> str:
    values = [m.value for m in at.metric if m.label == label]
    assert values, f"no metric {label!r} among {[m.label for m in at.metric]}"
    return values[0]


# --- ports, system programs and processes -------------------------------------------------------

def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def missing_program(message: str) -> None:
    """A system program a test needs is missing: skip, except in CI (CI set), where .ci/run installs
    it and its absence is a failure."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def stop_process_group(process: subprocess.Popen, timeout: float) -> None:
    """End the process group a test started: SIGTERM, then SIGKILL after `timeout` seconds. The
    group is signalled even when its leader has exited, so no child outlives the test."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:  # the whole group is gone already
        process.wait()
        return
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# --- a local server and a headless Chromium page (the browser tests in tests/ui/) ---------------

STARTUP_TIMEOUT_SECONDS = 60
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@contextlib.contextmanager
def serving(name: str, command: list[str], env: dict[str, str], log_path: Path, health_url: str,
            is_ready: Callable[[bytes], bool] = lambda body: True) -> Iterator[None]:
    """Run `command` until the block ends, once `health_url` answers with a body `is_ready` accepts;
    then its whole process group is stopped (SIGTERM, SIGKILL after 15 s)."""
    with log_path.open("w") as log:
        server = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
            while True:
                if server.poll() is not None:
                    pytest.fail(f"{name} exited with {server.returncode}:\n{log_path.read_text()[-3000:]}")
                try:
                    with urllib.request.urlopen(health_url, timeout=2) as answer:
                        if is_ready(answer.read()):
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"{name} did not answer in {STARTUP_TIMEOUT_SECONDS} s:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.5)
            yield
        finally:
            stop_process_group(server, timeout=15)


@contextlib.contextmanager
def chromium_page(viewport: dict[str, int], timeout_ms: int) -> Iterator[object]:
    """A Playwright page in the system Chromium (skipped without it locally, a failure in CI)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        missing_program("Chromium is not installed (Debian: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=viewport)
        page.set_default_timeout(timeout_ms)
        yield page
        browser.close()


# --- the CRM sources' hand-made examples (tests/integration/test_crm_sources.py on DuckDB,
# tests/engines/test_postgres_crm.py on PostgreSQL) ---------------------------------------------
# The landed tables as DuckDB SQL, the queries that read a build of them (portable SQL, formatted
# here so every engine's rows compare) and the rows worked out by hand (the tests' docstrings
# show the arithmetic). Every column is typed, as a connector types it, so a copy keeps the types.

CRM_AS_OF = "2026-03-31"

# Two contacts and one deleted one, in Fivetran's table shapes (web analytics as Airbyte lands it).
# Anna (contact 101) works for company 9001; Ben (102) has no company record, his contact carries
# the company facts. Noise that must not count: a note, a delivered email, a deleted contact (and
# its call).
HUBSPOT_FIXTURE = {
    "company": """
        select * from (values (9001, 'Acme Software GmbH', 'https://www.Acme.io/', 250, 'SOFTWARE', false))
            as t(id, property_name, property_domain, property_numberofemployees, property_industry, is_deleted)
    """,
    "contact": """
        select * from (values
            (101, 'Anna.Schmidt@acme.io', 'Anna', 'Schmidt', 'Acme', null, null, null, 'Head of Marketing', 'DE',
             'ORGANIC_SEARCH', 'spring-launch', 9001, timestamp '2026-03-01 10:00:00', timestamp '2026-03-20 10:00:00', false),
            (102, ' BEN@TinyShop.com ', 'Ben', 'Berg', 'Tiny Shop', 'tinyshop.com', 5, 'retail', 'Student assistant', 'US',
             'PAID_SOCIAL', null, null, timestamp '2026-03-10 08:00:00', null, false),
            (103, 'gone@example.com', 'Gone', 'Away', null, null, null, null, null, null,
             null, null, null, timestamp '2026-03-05 08:00:00', null, true)
        ) as t(id, property_email, property_firstname, property_lastname, property_company, property_website,
               property_numemployees, property_industry, property_jobtitle, property_hs_country_region_code,
               property_hs_analytics_source, property_hs_analytics_first_touch_converting_campaign,
               property_associatedcompanyid, property_createdate, property_lastmodifieddate, _fivetran_deleted)
    """,
    "deal": """
        select * from (values (5001, 'discovery', 12000.0, 'EUR', timestamp '2026-03-31 12:00:00', cast(null as timestamp), false))
            as t(deal_id, deal_pipeline_stage_id, property_amount, property_deal_currency_code,
                 property_createdate, property_closedate, is_deleted)
    """,
    "deal_contact": "select * from (values (5001, 101)) as t(deal_id, contact_id)",
    "deal_pipeline_stage": """
        select * from (values ('discovery', 'Discovery', false, false), ('closedwon', 'Closed won', true, true))
            as t(stage_id, label, is_closed, closed_won)
    """,
    "engagement": """
        select * from (values
            (7001, 'CALL', 'owner-1', timestamp '2026-03-31 08:00:00', true),
            (7002, 'NOTE', 'owner-1', timestamp '2026-03-31 08:05:00', true)
        ) as t(id, type, owner_id, timestamp, active)
    """,
    "engagement_contact": "select * from (values (7001, 101), (7001, 102), (7001, 103), (7002, 101)) as t(engagement_id, contact_id)",
    "contact_property_history": """
        select * from (values
            (101, 'hs_lead_status', 'IN_PROGRESS', timestamp '2026-03-31 10:00:00', 'owner-1'),
            (101, 'budget_confirmed', 'true', timestamp '2026-03-31 11:00:00', 'owner-1'),
            (101, 'is_decision_maker', 'true', timestamp '2026-03-31 11:00:00', 'owner-1'),
            (102, 'hs_lead_status', 'UNQUALIFIED', timestamp '2026-03-31 09:00:00', 'owner-2'),
            (102, 'lead_status_reason', 'student', timestamp '2026-03-31 09:00:00', 'owner-2')
        ) as t(contact_id, name, value, timestamp, source_id)
    """,
    "email_campaign": "select * from (values (61, 'Product')) as t(id, name)",
    "email_event": """
        select * from (values
            (1, 'OPEN', timestamp '2026-03-29 07:00:00', 'ben@tinyshop.com', 61),
            (2, 'OPEN', timestamp '2026-03-30 07:10:00', 'Ben@TinyShop.com', 61),
            (3, 'OPEN', timestamp '2026-03-31 07:20:00', 'ben@tinyshop.com', 61),
            (4, 'DELIVERED', timestamp '2026-03-31 06:59:00', 'ben@tinyshop.com', 61),
            (5, 'STATUSCHANGE', timestamp '2026-03-31 07:30:00', 'ben@tinyshop.com', 61)
        ) as t(id, type, created, recipient, email_campaign_id)
    """,
    "form": "select * from (values ('f-7c1a', 'demo_request')) as t(guid, name)",
    "contact_form_submission": """
        select * from (values (101, 'f-7c1a', 'conv-1', timestamp '2026-03-31 09:30:00'))
            as t(contact_id, form_id, conversion_id, timestamp)
    """,
    "contacts_web_analytics": """
        select * from (values
            ('w1', 101, 'CONTACT', 'e_visited_page', timestamp '2026-03-31 09:00:00',
             'https://www.example-vendor.com/pricing?utm_source=ads', cast(null as varchar))
        ) as t(id, objectId, objectType, eventType, occurredAt, properties_hs_url, properties_hs_asset_type)
    """,
}
# Three people and a deleted lead in Salesforce's objects, columns by their API names (written
# as Fivetran or Airbyte lands them), plus Pardot activity. Anna was a Lead (101), converted into
# Contact 101 at account 9001: her Lead's stale title loses to the Contact's, her Pardot prospect
# syncs with the Contact, a meeting names the Contact, her opportunity's primary contact role is
# the Contact - all of it is lead 00Q...101. Ben is an unconverted Lead whose prospect has no CRM
# link (matched by email). Carla is a Contact without a Lead (at Anna's account) who responded to
# a webinar campaign and is a non-primary contact role of Anna's opportunity. A second Lead of
# Anna's (105), converted into her Contact later, stays a lead of its own (the first converted
# lead is the Contact's), with the account's company facts. Noise that must not
# count: a task of Type Other, a default status Open - Not Contacted, a Pardot email sent, a
# deleted lead and its call, a deleted opportunity.
ANNA_LEAD, ANNA_CONTACT, BEN_LEAD, CARLA_CONTACT, GONE_LEAD, ANNA_AGAIN = (
    "00Q000000000000101", "003000000000000101", "00Q000000000000102", "003000000000000103", "00Q000000000000104",
    "00Q000000000000105")
ACME = "001000000000009001"
SALESFORCE_FIXTURE = {
    "lead": f"""
        select * from (values
            ('{ANNA_LEAD}', 'Anna.Schmidt@acme.io', 'Anna', 'Schmidt', 'Acme', null, null, null, 'Marketing Manager',
             'DE', cast(null as varchar), 'Web', true, '{ANNA_CONTACT}', '{ACME}', '006000000000005001',
             timestamp '2026-03-01 10:00:00', timestamp '2026-03-31 12:00:00', false),
            ('{BEN_LEAD}', ' BEN@TinyShop.com ', 'Ben', 'Berg', 'Tiny Shop', 'tinyshop.com', 5, 'retail', 'Student assistant',
             'US', null, 'Paid Social', false, null, null, null, timestamp '2026-03-10 08:00:00', null, false),
            ('{GONE_LEAD}', 'gone@example.com', 'Gone', 'Away', 'Gone Ltd', null, null, null, null,
             null, null, null, false, null, null, null, timestamp '2026-03-05 08:00:00', null, true),
            ('{ANNA_AGAIN}', 'anna@acme.io', 'Anna', 'Schmidt', 'Acme', null, null, null, null,
             null, null, 'Trade Show', true, '{ANNA_CONTACT}', '{ACME}', null,
             timestamp '2026-03-15 10:00:00', timestamp '2026-03-31 12:00:00', false)
        ) as t("Id", "Email", "FirstName", "LastName", "Company", "Website", "NumberOfEmployees", "Industry", "Title",
               "CountryCode", "Country", "LeadSource", "IsConverted", "ConvertedContactId", "ConvertedAccountId",
               "ConvertedOpportunityId", "CreatedDate", "LastModifiedDate", "IsDeleted")
    """,
    "contact": f"""
        select * from (values
            ('{ANNA_CONTACT}', '{ACME}', 'anna.schmidt@acme.io', 'Anna', 'Schmidt', 'Head of Marketing', 'DE', cast(null as varchar), null,
             timestamp '2026-03-31 11:45:00', timestamp '2026-03-31 11:45:00', false),
            ('{CARLA_CONTACT}', '{ACME}', 'carla@acme.io', 'Carla', 'Costa', 'Engineer', 'FR', null, 'Partner',
             timestamp '2026-03-20 09:00:00', null, false)
        ) as t("Id", "AccountId", "Email", "FirstName", "LastName", "Title", "MailingCountryCode", "MailingCountry",
               "LeadSource", "CreatedDate", "LastModifiedDate", "IsDeleted")
    """,
    "account": f"""
        select * from (values ('{ACME}', 'Acme Software GmbH', 'https://www.Acme.io/', 250, 'Software', false))
            as t("Id", "Name", "Website", "NumberOfEmployees", "Industry", "IsDeleted")
    """,
    "opportunity": f"""
        select * from (values
            ('006000000000005001', '{ACME}', 'Discovery', 12000.0, 'EUR', timestamp '2026-03-31 12:00:00',
             date '2026-06-30', false, false, false),
            ('006000000000005002', null, 'Closed Won', 500.0, 'USD', timestamp '2026-03-20 12:00:00',
             date '2026-03-25', true, true, true)
        ) as t("Id", "AccountId", "StageName", "Amount", "CurrencyIsoCode", "CreatedDate", "CloseDate", "IsClosed",
               "IsWon", "IsDeleted")
    """,
    "opportunity_contact_role": f"""
        select * from (values
            ('00K000000000000001', '006000000000005001', '{CARLA_CONTACT}', false, timestamp '2026-03-31 12:00:00', false),
            ('00K000000000000002', '006000000000005001', '{ANNA_CONTACT}', true, timestamp '2026-03-31 12:01:00', false),
            ('00K000000000000003', '006000000000005002', '{CARLA_CONTACT}', true, timestamp '2026-03-20 12:00:00', false)
        ) as t("Id", "OpportunityId", "ContactId", "IsPrimary", "CreatedDate", "IsDeleted")
    """,
    "opportunity_history": """
        select * from (values ('006000000000005001', 'Discovery', timestamp '2026-03-31 12:00:00', false))
            as t("OpportunityId", "StageName", "CreatedDate", "IsDeleted")
    """,
    "task": f"""
        select * from (values
            ('00T000000000007001', '{ANNA_LEAD}', 'Call', 'Call', 'owner-1', 'Left voicemail',
             timestamp '2026-03-31 08:00:00', timestamp '2026-03-31 08:01:00', false),
            ('00T000000000007002', '{BEN_LEAD}', 'Task', 'Call', 'owner-1', null, null, timestamp '2026-03-31 08:00:00', false),
            ('00T000000000007003', '{ANNA_LEAD}', 'Task', 'Other', 'owner-1', null, null, timestamp '2026-03-31 08:05:00', false),
            ('00T000000000007004', '{GONE_LEAD}', 'Call', 'Call', 'owner-1', null, null, timestamp '2026-03-31 08:00:00', false)
        ) as t("Id", "WhoId", "TaskSubtype", "Type", "OwnerId", "CallDisposition", "CompletedDateTime", "CreatedDate",
               "IsDeleted")
    """,
    "event": f"""
        select * from (values
            ('00U000000000000001', '{ANNA_CONTACT}', cast(null as varchar), 'owner-1', timestamp '2026-03-31 11:30:00',
             timestamp '2026-03-31 11:30:00', false)
        ) as t("Id", "WhoId", "Type", "OwnerId", "StartDateTime", "ActivityDateTime", "IsDeleted")
    """,
    "lead_history": f"""
        select * from (values
            ('017000000000000001', '{BEN_LEAD}', 'Status', 'Open - Not Contacted', timestamp '2026-03-10 08:00:00', 'owner-2', false),
            ('017000000000000002', '{ANNA_LEAD}', 'Status', 'Working', timestamp '2026-03-31 10:00:00', 'owner-1', false),
            ('017000000000000003', '{ANNA_LEAD}', 'Budget_Confirmed__c', 'true', timestamp '2026-03-31 11:00:00', 'owner-1', false),
            ('017000000000000004', '{ANNA_LEAD}', 'Decision_Maker__c', 'true', timestamp '2026-03-31 11:00:00', 'owner-1', false),
            ('017000000000000005', '{BEN_LEAD}', 'Status', 'Unqualified', timestamp '2026-03-31 09:00:00', 'owner-2', false),
            ('017000000000000006', '{BEN_LEAD}', 'Status_Reason__c', 'student', timestamp '2026-03-31 09:00:00', 'owner-2', false)
        ) as t("Id", "LeadId", "Field", "NewValue", "CreatedDate", "CreatedById", "IsDeleted")
    """,
    "campaign": """
        select * from (values ('701000000000000001', 'Spring webinar', 'Webinar', false))
            as t("Id", "Name", "Type", "IsDeleted")
    """,
    "campaign_member": f"""
        select * from (values
            ('00v000000000000001', '701000000000000001', null, '{CARLA_CONTACT}', true, date '2026-03-31',
             timestamp '2026-03-25 09:00:00', false),
            ('00v000000000000002', '701000000000000001', '{BEN_LEAD}', null, false, null,
             timestamp '2026-03-25 09:00:00', false)
        ) as t("Id", "CampaignId", "LeadId", "ContactId", "HasResponded", "FirstRespondedDate", "CreatedDate", "IsDeleted")
    """,
}
PARDOT_FIXTURE = {
    "prospect": f"""
        select * from (values
            (1, 'anna.schmidt@acme.io', cast(null as varchar), '{ANNA_CONTACT}', false),
            (2, 'ben@tinyshop.com', null, null, false)
        ) as t(id, email, crm_lead_fid, crm_contact_fid, _fivetran_deleted)
    """,
    "visitor_activity": """
        select * from (values
            (11, 1, 2, 'Page', 'https://www.example-vendor.com/pricing?utm_source=ads', timestamp '2026-03-31 09:00:00'),
            (12, 1, 4, 'Form', 'demo_request', timestamp '2026-03-31 09:30:00'),
            (21, 2, 11, 'Email', 'Product', timestamp '2026-03-29 07:00:00'),
            (22, 2, 11, 'Email', 'Product', timestamp '2026-03-30 07:10:00'),
            (23, 2, 11, 'Email', 'Product', timestamp '2026-03-31 07:20:00'),
            (24, 2, 6, 'Email', 'Product', timestamp '2026-03-31 06:59:00'),
            (25, 2, 12, 'Email', 'Product', timestamp '2026-03-31 07:30:00')
        ) as t(id, prospect_id, type, type_name, details, created_at)
    """,
}
# The schemas of each CRM's fixture (a CRM source reads more than one connector's schema).
CRM_FIXTURES = {"hubspot": {"hubspot": HUBSPOT_FIXTURE}, "salesforce": {"salesforce": SALESFORCE_FIXTURE, "pardot": PARDOT_FIXTURE}}


def write_crm_fixture(con: duckdb.DuckDBPyConnection, source: str, column_style: str = "fivetran") -> dict[str, tuple[str, ...]]:
    """Create the CRM's fixture tables in `con`, Salesforce's columns as `column_style` lands them
    (airbyte: the API names; fivetran: snake case). Returns the tables per schema."""
    from lead_scoring.crm_shapes import fivetran_column

    for schema, tables in CRM_FIXTURES[source].items():
        con.execute(f"create schema {schema}")
        for table, sql in tables.items():
            con.execute(f"create temp view landed as {sql}")
            columns = [row[0] for row in con.execute("describe landed").fetchall()]
            names = [fivetran_column(c) for c in columns] if schema == "salesforce" and column_style == "fivetran" else columns
            select = ", ".join(f'"{c}" as "{n}"' for c, n in zip(columns, names, strict=True))
            con.execute(f"create table {schema}.{table} as select {select} from landed")
            con.execute("drop view landed")
    return {schema: tuple(tables) for schema, tables in CRM_FIXTURES[source].items()}


def crm_build_vars(source: str, column_style: str = "fivetran") -> str:
    """dbt --vars for a build of the CRM's fixture on CRM_AS_OF."""
    style = f"lead_scoring_salesforce_column_style: {column_style}, " if source == "salesforce" else ""
    return f"{{lead_scoring_source: {source}, {style}scoring_as_of_date: '{CRM_AS_OF}'}}"


# What a test reads of a build: (portable SQL, strftime format of its timestamps). Salesforce's
# leads add title and campaign, its events the system (Pardot or Salesforce).
_CRM_LEAD_COLUMNS = {
    "hubspot": "lead_id, email, company_name, company_domain, company_size, industry, country_code, lead_source, crm_account_id, crm_account_name",
    "salesforce": "lead_id, email, job_title, company_name, company_domain, company_size, industry, country_code, lead_source, campaign, "
    "crm_account_id, crm_account_name",
}
_CRM_EVENT_EXTRA_COLUMNS = {"hubspot": "", "salesforce": ", source_system"}
_CRM_QUERIES = {
    "events": ("select lead_id, event_type, occurred_at, coalesce(page_url, form_id, newsletter, reason, sales_owner, ''), "
               "budget_confirmed, is_decision_maker{event_extra} from staging.stg_raw__events order by lead_id, occurred_at, event_type", "%H:%M"),
    "leads": ("select {lead_columns} from staging.stg_raw__leads order by lead_id", None),
    "opportunities": ("select opportunity_id, lead_id, account_name, stage, amount, currency, is_closed, closed_at "
                      "from staging.stg_raw__opportunities order by opportunity_id", None),
    "dim_leads": ("select lead_id, fit_score, engagement_score, total_score, current_stage, first_mql_at, disqualification_reason "
                  "from marts.dim_leads order by lead_id", "%Y-%m-%d %H:%M"),
    "stages": ("select lead_id, to_stage from marts.fct_lead_stage_transitions where model_id = 'hybrid_v1' "
               "order by lead_id, transition_number", None),
}


def _crm_value(value, time_format: str | None):
    """One value as CRM_EXPECTED writes it: numbers rounded to 1e-6 (engines differ in the last
    bits), timestamps in the query's format."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, dt.datetime) and time_format:
        return value.strftime(time_format)
    if isinstance(value, (int, float, decimal.Decimal)):
        number = round(float(value), 6)
        return int(number) if number.is_integer() and not isinstance(value, float) else number
    return value


def crm_results(fetch: Callable[[str], list[tuple]], source: str) -> dict[str, list]:
    """The staged events, leads and opportunities, dim_leads and each lead's stages (hybrid_v1) of
    a build of the CRM's fixture, as CRM_EXPECTED lists them; fetch(sql) returns rows on any engine."""
    results: dict[str, list] = {}
    for name, (sql, time_format) in _CRM_QUERIES.items():
        sql = sql.format(lead_columns=_CRM_LEAD_COLUMNS[source], event_extra=_CRM_EVENT_EXTRA_COLUMNS[source])
        results[name] = [tuple(_crm_value(v, time_format) for v in row) for row in fetch(sql)]
    stages: dict[str, list[str]] = {}
    for lead_id, stage in results["stages"]:
        stages.setdefault(lead_id, []).append(stage)
    results["stages"] = list(stages.items())
    return results


CRM_EXPECTED = {
    "hubspot": {
        "events": [
            ("101", "sales_call_attempt", "08:00", "owner-1", None, None),
            ("101", "page_view", "09:00", "/pricing", None, None),
            ("101", "form_submit", "09:30", "demo_request", None, None),
            ("101", "sales_accepted", "10:00", "owner-1", None, None),
            ("101", "qualification_update", "11:00", "owner-1", True, True),
            ("102", "email_open", "07:00", "product", None, None),
            ("102", "email_open", "07:10", "product", None, None),
            ("102", "email_open", "07:20", "product", None, None),
            ("102", "email_unsubscribe", "07:30", "product", None, None),
            ("102", "sales_call_attempt", "08:00", "owner-1", None, None),
            ("102", "disqualified", "09:00", "student", None, None),
        ],
        "leads": [
            ("101", "anna.schmidt@acme.io", "Acme Software GmbH", "acme.io", 250, "software", "DE", "organic_search",
             "9001", "Acme Software GmbH"),
            ("102", "ben@tinyshop.com", "Tiny Shop", "tinyshop.com", 5, "retail", "US", "paid_social", None, None),
        ],
        "opportunities": [("5001", "101", "Acme Software GmbH", "discovery", 12000.0, "EUR", False, None)],
        "dim_leads": [
            ("101", 35, 50.0, 85.0, "opportunity", "2026-03-31 09:30", None),
            ("102", -30, 5.0, -25.0, "disqualified", None, "student"),
        ],
        "stages": [("101", ["lead", "mql", "sal", "sql", "opportunity"]), ("102", ["lead", "disqualified"])],
    },
    "salesforce": {
        "events": [
            (CARLA_CONTACT, "webinar_attended", "00:00", "", None, None, "salesforce"),
            (ANNA_LEAD, "sales_call_attempt", "08:00", "owner-1", None, None, "salesforce"),
            (ANNA_LEAD, "page_view", "09:00", "/pricing", None, None, "pardot"),
            (ANNA_LEAD, "form_submit", "09:30", "demo_request", None, None, "pardot"),
            (ANNA_LEAD, "sales_accepted", "10:00", "owner-1", None, None, "salesforce"),
            (ANNA_LEAD, "qualification_update", "11:00", "owner-1", True, True, "salesforce"),
            (ANNA_LEAD, "sales_meeting", "11:30", "owner-1", None, None, "salesforce"),
            (BEN_LEAD, "email_open", "07:00", "product", None, None, "pardot"),
            (BEN_LEAD, "email_open", "07:10", "product", None, None, "pardot"),
            (BEN_LEAD, "email_open", "07:20", "product", None, None, "pardot"),
            (BEN_LEAD, "email_unsubscribe", "07:30", "product", None, None, "pardot"),
            (BEN_LEAD, "sales_call_attempt", "08:00", "owner-1", None, None, "salesforce"),
            (BEN_LEAD, "disqualified", "09:00", "student", None, None, "salesforce"),
        ],
        "leads": [
            (CARLA_CONTACT, "carla@acme.io", "Engineer", "Acme Software GmbH", "acme.io", 250, "software", "FR", "partner",
             "spring webinar", ACME, "Acme Software GmbH"),
            (ANNA_LEAD, "anna.schmidt@acme.io", "Head of Marketing", "Acme Software GmbH", "acme.io", 250, "software", "DE",
             "web", None, ACME, "Acme Software GmbH"),
            (BEN_LEAD, "ben@tinyshop.com", "Student assistant", "Tiny Shop", "tinyshop.com", 5, "retail", "US", "paid social",
             "spring webinar", None, None),
            (ANNA_AGAIN, "anna@acme.io", None, "Acme Software GmbH", "acme.io", 250, "software", None, "trade show", None,
             ACME, "Acme Software GmbH"),
        ],
        "opportunities": [("006000000000005001", ANNA_LEAD, "Acme Software GmbH", "discovery", 12000.0, "EUR", False, None)],
        "dim_leads": [
            (CARLA_CONTACT, 20, 15.0, 35.0, "lead", None, None),
            (ANNA_LEAD, 35, 50.0, 85.0, "opportunity", "2026-03-31 09:30", None),
            (BEN_LEAD, -30, 5.0, -25.0, "disqualified", None, "student"),
            (ANNA_AGAIN, 20, 0.0, 20.0, "lead", None, None),
        ],
        "stages": [
            (CARLA_CONTACT, ["lead"]),
            (ANNA_LEAD, ["lead", "mql", "sal", "sql", "opportunity"]),
            (BEN_LEAD, ["lead", "disqualified"]),
            (ANNA_AGAIN, ["lead"]),
        ],
    },
}


# --- a throw-away PostgreSQL server (conftest.py's postgres_server, tests/engines/) -------------
# initdb + pg_ctl in a temporary folder, on a free local port, trust authentication, its unix
# socket in the same folder; stopped and removed by stop(). PostgreSQL refuses to run as root:
# under uid 0 the server's processes run as the `postgres` system user (created when missing),
# else as `nobody`, and the folder is handed to that user.

POSTGRES_SUPERUSER = "postgres"


def find_postgres_bindir() -> Path | None:
    """The folder with initdb and pg_ctl: PATH, then `pg_config --bindir`, then Debian's layout."""
    on_path = [shutil.which(name) for name in ("initdb", "pg_ctl")]
    if all(on_path):
        return Path(os.path.realpath(on_path[0])).parent
    candidates: list[str] = []
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(found.stdout.strip())
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted(versions, key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0, reverse=True)
    for folder in candidates:
        if folder and all((Path(folder) / name).is_file() for name in ("initdb", "pg_ctl")):
            return Path(folder)
    return None


def _postgres_server_user() -> pwd.struct_passwd | None:
    """None when not root (the server runs as the current user)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        pass
    if shutil.which("useradd"):
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"], capture_output=True)
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        return pwd.getpwnam("nobody")


@dataclass
class PostgresServer:
    folder: Path
    bindir: Path
    port: int = field(default_factory=free_port)
    host: str = "127.0.0.1"
    user: str = POSTGRES_SUPERUSER
    _owned_folder: bool = False
    _owner: pwd.struct_passwd | None = None

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    @property
    def log_file(self) -> Path:
        return self.folder / "server.log"

    def _run(self, args: list[str], owner: pwd.struct_passwd | None) -> None:
        as_user = dict(user=owner.pw_uid, group=owner.pw_gid, extra_groups=[]) if owner else {}
        env = {**os.environ, "LC_ALL": "C", "HOME": str(self.folder)}
        result = subprocess.run(args, capture_output=True, text=True, env=env, cwd=self.folder, **as_user)
        if result.returncode != 0:
            log = self.log_file.read_text() if self.log_file.exists() else ""
            raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n{log}")

    def start(self) -> PostgresServer:
        owner = _postgres_server_user()
        if owner:
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self._owner = owner
        self._run([str(self.bindir / "initdb"), "-D", str(self.data_dir), "-U", self.user, "-A", "trust",
                   "-E", "UTF8", "--locale=C", "--no-sync"], owner)
        options = f"-p {self.port} -k {self.folder} -c listen_addresses={self.host} -c fsync=off -c timezone=UTC"
        self._run([str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file), "-o", options, "-w", "-t", "60", "start"], owner)
        return self

    def stop(self) -> None:
        if self.data_dir.exists():
            try:
                self._run([str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"], self._owner)
            finally:
                if self._owned_folder:
                    shutil.rmtree(self.folder, ignore_errors=True)

    def connect(self, database: str):
        import psycopg2

        return psycopg2.connect(host=self.host, port=self.port, user=self.user, dbname=database)

    def create_database(self, name: str) -> None:
        con = self.connect("postgres")
        try:
            con.autocommit = True
            with con.cursor() as cur:
                cur.execute(f'create database "{name}"')
        finally:
            con.close()

    def env(self, database: str) -> dict[str, str]:
        """The environment variables the `postgres` output of profiles.yml reads."""
        return {
            "LEAD_SCORING_TARGET": "postgres",
            "LEAD_SCORING_PG_HOST": self.host,
            "LEAD_SCORING_PG_PORT": str(self.port),
            "LEAD_SCORING_PG_USER": self.user,
            "LEAD_SCORING_PG_PASSWORD": "",
            "LEAD_SCORING_PG_DATABASE": database,
        }


def start_postgres_server(folder: Path, bindir: Path) -> PostgresServer:
    """Start a server in `folder` (a fresh empty folder). As root, pytest's temporary folders are
    closed to other users, so the server gets its own folder in the system's temporary directory."""
    owned = os.geteuid() == 0
    if owned:
        folder = Path(tempfile.mkdtemp(prefix="lead-scoring-pg-"))
    server = PostgresServer(folder=folder, bindir=bindir, _owned_folder=owned)
    try:
        return server.start()
    except BaseException:
        if owned:
            shutil.rmtree(folder, ignore_errors=True)
        raise
