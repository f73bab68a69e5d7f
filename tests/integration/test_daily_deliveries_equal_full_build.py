"""A warehouse built day by day equals a full build of the same files.

Six daily deliveries land in one raw folder, next to the earlier ones, and each day the daily job
runs on them as `lead-scoring run` runs it: day 1 is the initial export, and the later days bring
the sample's new rows plus events that arrive late (a day, a week, 71 days), events whose lead
comes a day later, a corrected lead, rows and a file delivered again, a scoring seed edited
between two days, and sales outcomes of a lead that qualified days before. The last day has a
second delivery in the afternoon and a second run on the same scoring day, which restates the
marts of today's state by lead instead of whole (macro restated_by_lead_today). After the last day,
the same folder built from scratch (`dbt build --full-refresh`) has the same
staging, intermediate and marts tables, row for row. Each day's own effect is checked against
values worked out by hand from the rule seeds (pricing page +20 with a 14-day half-life, contact
form +25 and whitepaper +10 with 30 days, webinar +15 with 30 days, company size 101-5000 +15).

Data tests are left out of the daily runs but the last one, which runs them as a daily run does
(they cost most of a run's time here, and tests/integration/test_dbt_build.py runs them all).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers import SAMPLE_END, connect, copy_project, dbt, load, query, run_daily_job_on, warehouse_differences

DAYS = [SAMPLE_END - dt.timedelta(days=n) for n in range(6, 0, -1)]  # 2026-06-24 .. 2026-06-29
SEED_EDITED_BEFORE = DAYS[3]
COMPARED_SCHEMAS = ("staging", "intermediate", "marts")
# Which leads the run rescored and restated: run-scoped by design (a full build recomputes everyone).
# The activation queue is what the delivery log does not yet record as delivered: the daily runs
# delivered, a full build of the files has not (fct_lead_activations, the activations themselves,
# is compared).
# The rule history records each configuration when a run first scores with it: the daily runs
# saw two (the seed edit), a full build of the files only the last; its episodes' and snapshot's
# scoring_config_version are compared and equal (the same final seeds give the same version).
RULE_HISTORY_TABLES = ("intermediate.int_scoring_config_history", "intermediate.int_scoring_config_history_rows",
                       "marts.dim_scoring_config_versions", "marts.mart_scoring_rule_changes")
RUN_SCOPED_TABLES = ("intermediate.int_lead_scoring_scope", "intermediate.int_lead_lifecycle_scope",
                     "intermediate.int_lead_today_state_scope", "intermediate.int_account_scope",
                     "marts.mart_activation_queue", *RULE_HISTORY_TABLES)
SKIP_TESTS = {"DBT_EXCLUDE_RESOURCE_TYPES": "test unit_test"}

# Hand-made leads whose attributes score no fit points in either model: 50 employees, a logistics
# company, a title without a decision-maker word, the US.
PLAIN_LEAD = dict(company_size=50, industry="logistics", job_title="Marketing Manager", country="US",
                  lead_source="organic_search", campaign="seo_blog")


def lead(lead_id: str, created_at: str, **changes) -> dict:
    return dict(lead_id=lead_id, email=f"{lead_id.lower()}@example.com", company_name=f"{lead_id} GmbH",
                created_at=created_at, updated_at=created_at) | PLAIN_LEAD | changes


def event(event_id: str, lead_id: str, kind: tuple[str, str, str], occurred_at: str, received_at: str) -> dict:
    """`kind`: (event_type, source_system, properties)."""
    event_type, source_system, properties = kind
    return dict(event_id=event_id, lead_id=lead_id, event_type=event_type, occurred_at=occurred_at,
                source_system=source_system, properties=properties, received_at=received_at)


PRICING = ("page_view", "web", '{"page_url": "/pricing"}')
CONTACT = ("form_submit", "form", '{"form_id": "contact"}')
DEMO = ("form_submit", "form", '{"form_id": "demo_request"}')
WHITEPAPER = ("content_download", "web", '{"content_type": "whitepaper"}')
WEBINAR = ("webinar_attended", "webinar", '{"minutes_watched": 40}')
QUALIFIED = ("qualification_update", "crm", '{"owner": "rep_01", "budget_confirmed": true, "is_decision_maker": true}')

# The hand-made rows of each day, beside the sample's rows of that day, as CSV files of a CRM export.
HANDMADE = {
    DAYS[0]: {
        "leads": [lead("L_EQ_LATE", "2026-04-01T09:00:00Z"), lead("L_EQ_FIT", "2026-04-02T09:00:00Z"),
                  lead("L_EQ_WON", "2026-03-02T09:00:00Z")],
        # Pricing page, contact form and demo request within ten minutes: 20 + 25 + 30 = 75 >= 70, an MQL.
        "events": [event("E_EQ_WON_1", "L_EQ_WON", PRICING, "2026-06-20T10:00:00Z", "2026-06-20T10:01:00Z"),
                   event("E_EQ_WON_2", "L_EQ_WON", CONTACT, "2026-06-20T10:05:00Z", "2026-06-20T10:06:00Z"),
                   event("E_EQ_WON_3", "L_EQ_WON", DEMO, "2026-06-20T10:10:00Z", "2026-06-20T10:11:00Z")],
    },
    DAYS[1]: {
        # Late events, 71 days, a week and a day old, all delivered this morning.
        "events": [event("E_EQ_LATE_71", "L_EQ_LATE", PRICING, "2026-04-15T10:00:00Z", "2026-06-25T06:00:00Z"),
                   event("E_EQ_LATE_7", "L_EQ_LATE", WHITEPAPER, "2026-06-18T10:00:00Z", "2026-06-25T06:00:00Z"),
                   event("E_EQ_LATE_1", "L_EQ_LATE", CONTACT, "2026-06-24T10:00:00Z", "2026-06-25T06:00:00Z")],
    },
    DAYS[2]: {
        # The CRM corrects the company size: 50 -> 250 employees (mid-market: +15 fit).
        "leads": [lead("L_EQ_FIT", "2026-04-02T09:00:00Z", company_size=250, updated_at="2026-06-26T05:00:00Z")],
        # The web tool sends two events of a lead the CRM only syncs tomorrow.
        "events": [event("E_EQ_EARLY_1", "L_EQ_EARLY", PRICING, "2026-06-20T10:00:00Z", "2026-06-26T06:00:00Z"),
                   event("E_EQ_EARLY_2", "L_EQ_EARLY", WEBINAR, "2026-06-26T09:00:00Z", "2026-06-26T10:00:00Z")],
    },
    DAYS[3]: {
        "leads": [lead("L_EQ_EARLY", "2026-06-19T08:00:00Z")],
    },
    DAYS[4]: {
        # Sales accepts the MQL of June 20, qualifies it and opens an opportunity.
        "events": [event("E_EQ_WON_4", "L_EQ_WON", ("sales_accepted", "crm", '{"owner": "rep_01"}'), "2026-06-28T09:00:00Z", "2026-06-28T09:01:00Z"),
                   event("E_EQ_WON_5", "L_EQ_WON", QUALIFIED, "2026-06-28T10:00:00Z", "2026-06-28T10:01:00Z")],
        "opportunities": [dict(opportunity_id="O_EQ_WON", lead_id="L_EQ_WON", account="L_EQ_WON GmbH", created_at="2026-06-28T12:00:00Z",
                               stage="discovery", amount=30000.0, currency="EUR", closed_at=None, is_won=None)],
    },
    DAYS[5]: {
        "opportunities": [dict(opportunity_id="O_EQ_WON", lead_id="L_EQ_WON", account="L_EQ_WON GmbH", created_at="2026-06-28T12:00:00Z",
                               stage="closed_won", amount=30000.0, currency="EUR", closed_at="2026-06-29T15:00:00Z", is_won=True)],
    },
}


# The last day's afternoon delivery: the CRM renames a company (nothing scored changes) and a
# whitepaper download of L_EQ_LATE arrives minutes after it happened (+10, under the rule's cap of 20).
AFTERNOON = {
    "leads": [lead("L_EQ_FIT", "2026-04-02T09:00:00Z", company_size=250, company_name="L_EQ_FIT Logistics AG",
                   updated_at="2026-06-29T13:00:00Z")],
    "events": [event("E_EQ_LATE_PM", "L_EQ_LATE", WHITEPAPER, "2026-06-29T13:00:00Z", "2026-06-29T13:05:00Z")],
}


def midnight_after(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.timezone.utc)


def deliver_day(sample: Path, work: Path, landing: Path, day: dt.date) -> None:
    """The day's files into the landing folder: the sample's rows that arrived that day (on the
    first day, everything before it) as one Parquet file per table, and the day's hand-made rows."""
    from lead_scoring.sample_data import split_export

    until_today = split_export(sample, midnight_after(day), work / f"until-{day}")
    delivery = until_today if day == DAYS[0] else split_export(until_today, midnight_after(day - dt.timedelta(days=1)), work / f"day-{day}", part="after")
    for table_folder in delivery.iterdir():
        for file in table_folder.iterdir():
            (landing / table_folder.name).mkdir(parents=True, exist_ok=True)
            shutil.move(file, landing / table_folder.name / f"day-{day}{''.join(file.suffixes)}")
    deliver_rows(landing, HANDMADE.get(day, {}), f"crm-{day}")


def deliver_rows(landing: Path, tables: dict[str, list[dict]], name: str) -> None:
    for table, rows in tables.items():
        pd.DataFrame(rows).to_csv(landing / table / f"{name}.csv", index=False)


def deliver_again(landing: Path, day: dt.date) -> None:
    """Duplicates: on the day after the seed edit, the sample's rows of DAYS[1] again in new files;
    on the day after, the events file of DAYS[2] once more under its own name and as a copy."""
    if day == DAYS[3]:
        for table in ("leads", "events", "opportunities"):
            shutil.copy(landing / table / f"day-{DAYS[1]}.parquet", landing / table / f"day-{DAYS[1]}-resent.parquet")
    if day == DAYS[4]:
        original = landing / "events" / f"day-{DAYS[2]}.parquet"
        content = original.read_bytes()
        original.write_bytes(content)
        (landing / "events" / f"day-{DAYS[2]}-copy.parquet").write_bytes(content)


def edit_pricing_points(project: Path) -> None:
    """hybrid_v1's pricing page rule: +20 (cap 20) -> +40 (cap 40)."""
    rules = project / "seeds" / "scoring_engagement_rules.csv"
    frame = pd.read_csv(rules, dtype=str, keep_default_na=False)
    frame.loc[(frame.model_id == "hybrid_v1") & (frame.rule_id == "pricing_page"), ["points", "max_points"]] = ["40", "40"]
    frame.to_csv(rules, index=False)


VERSIONS_SQL = "select scoring_config_version, is_current from marts.dim_scoring_config_versions order by live_period"


def full_build(landing: Path, project: Path, as_of: dt.date, db: Path) -> Path:
    """The landing folder loaded into a new warehouse and built from scratch."""
    load(db, landing)
    built = dbt(["build", "--full-refresh", "--target-path", str(db.parent / "target"), "--vars", f"{{scoring_as_of_date: '{as_of}'}}",
                 "--exclude", "resource_type:test", "resource_type:unit_test"], db, project_dir=project)
    assert built.returncode == 0, built.stdout[-3000:]
    return db


@pytest.fixture(scope="module")
def days(tmp_path_factory, sample_raw_dir) -> dict:
    """Runs the six days; returns a copy of the warehouse after each day (and after the last
    day's morning run), the differences of the two full builds and the project copy."""
    import dagster as dg

    base = tmp_path_factory.mktemp("daily_deliveries")
    project = copy_project(base / "project")
    landing = base / "landing"
    db = base / "wh" / "lead_scoring.duckdb"
    db.parent.mkdir()
    after: dict[dt.date, Path] = {}
    differences: dict[dt.date, list[str]] = {}
    with dg.DagsterInstance.ephemeral() as instance:
        for day in DAYS:
            if day == SEED_EDITED_BEFORE:
                edit_pricing_points(project)
            deliver_day(sample_raw_dir, base / "work", landing, day)
            deliver_again(landing, day)
            last = day == DAYS[-1]
            if last:
                run_day(db, landing, day, instance, project, SKIP_TESTS)
                morning = base / "morning" / "lead_scoring.duckdb"
                morning.parent.mkdir()
                shutil.copy(db, morning)
                deliver_rows(landing, AFTERNOON, f"crm-{day}-afternoon")
            run_day(db, landing, day, instance, project, {} if last else SKIP_TESTS)
            after[day] = base / f"after-{day}" / "lead_scoring.duckdb"
            after[day].parent.mkdir()
            shutil.copy(db, after[day])
            if last:
                full = full_build(landing, project, day, base / f"full-{day}" / "lead_scoring.duckdb")
                differences[day] = warehouse_differences(db, full, COMPARED_SCHEMAS, skip_tables=RUN_SCOPED_TABLES)
                versions = {"daily": query(db, VERSIONS_SQL), "full": query(full, VERSIONS_SQL)}
    return {"after": after, "morning": morning, "differences": differences, "versions": versions, "project": project}


def run_day(db: Path, landing: Path, day: dt.date, instance, project: Path, extra_env: dict[str, str]) -> None:
    _, _, result = run_daily_job_on(db, landing, day, instance, project_dir=project, extra_env=extra_env)
    failed = [e.message for e in result.all_events if e.is_failure]
    assert result.success, f"the daily run of {day} failed: {failed}"


def decayed(points: float, days_old: int, half_life: float) -> float:
    return points * 0.5 ** (days_old / half_life)


def current(db: Path, lead_id: str, column: str) -> float:
    return query(db, f"select {column} from marts.mart_lead_scores_current where model_id = 'hybrid_v1' and lead_id = ?", [lead_id])[0][0]


def history(db: Path, lead_id: str) -> dict[dt.date, float]:
    return dict(query(db, "select score_date, engagement_score from marts.fct_lead_scores where model_id = 'hybrid_v1' and lead_id = ?", [lead_id]))


def test_the_daily_warehouse_equals_a_full_build_of_the_same_files(days):
    assert days["differences"][DAYS[-1]] == []


def test_the_daily_runs_recorded_both_rule_versions_and_end_on_the_full_builds(days):
    (before, _), (after, is_current) = days["versions"]["daily"]
    assert before != after and is_current
    assert days["versions"]["full"] == [(after, True)]
    assert query(days["after"][DAYS[-1]], "select distinct scoring_config_version from marts.fct_lead_mql_episodes") == [(after,)]


def test_day_1_the_initial_export_scores_the_mql_of_june_20(days):
    db = days["after"][DAYS[0]]
    assert query(db, "select mql_episode, mql_date, score_at_mql from marts.fct_lead_mql_episodes where model_id = 'hybrid_v1' and lead_id = 'L_EQ_WON'") == [
        (1, dt.date(2026, 6, 20), 75.0)]
    assert query(db, "select current_stage from marts.dim_leads where lead_id = 'L_EQ_WON'") == [("mql",)]
    assert (current(db, "L_EQ_LATE", "engagement_score"), current(db, "L_EQ_FIT", "fit_score")) == (0.0, 0.0)


def test_day_2_late_events_of_any_age_count_on_the_days_they_happened(days):
    db = days["after"][DAYS[1]]
    scores = history(db, "L_EQ_LATE")
    expected = {
        dt.date(2026, 4, 15): 20.0,
        dt.date(2026, 6, 18): decayed(20, 64, 14) + 10,
        dt.date(2026, 6, 24): decayed(20, 70, 14) + decayed(10, 6, 30) + 25,
    }
    assert {d: round(scores.get(d, -1), 6) for d in expected} == {d: round(v, 6) for d, v in expected.items()}
    today = decayed(20, 71, 14) + decayed(10, 7, 30) + decayed(25, 1, 30)
    assert current(db, "L_EQ_LATE", "engagement_score") == pytest.approx(today, abs=1e-6)


def test_day_3_a_corrected_lead_changes_its_fit_and_events_wait_for_their_lead(days):
    db = days["after"][DAYS[2]]
    assert current(db, "L_EQ_FIT", "fit_score") == 15.0
    assert query(db, "select company_size from marts.dim_leads where lead_id = 'L_EQ_FIT'") == [(250,)]
    assert query(db, "select status, reason, count(*) from raw.load_rejects where file_path = ? group by all",
                 [f"events/crm-{DAYS[2]}.csv"]) == [("pending", "unknown lead_id", 2)]
    assert query(db, "select count(*) from marts.dim_leads where lead_id = 'L_EQ_EARLY'") == [(0,)]


def test_day_4_the_lead_arrives_under_the_edited_seed_and_resent_rows_change_nothing(days):
    db = days["after"][DAYS[3]]
    # The waiting events load with their lead; the pricing visit now scores +40 on its own day.
    assert history(db, "L_EQ_EARLY").get(dt.date(2026, 6, 20)) == 40.0
    today = decayed(40, 7, 14) + decayed(15, 1, 30)
    assert current(db, "L_EQ_EARLY", "engagement_score") == pytest.approx(today, abs=1e-6)
    # The edited seed rescored the history of every lead, the late pricing visit of April 15 too.
    assert history(db, "L_EQ_LATE").get(dt.date(2026, 4, 15)) == 40.0
    # Every event delivered again is set aside as a duplicate; staging has each event once.
    resent = query(db, "select rows_in, rows_accepted, rows_rejected from raw.load_log where file_path = ?", [f"events/day-{DAYS[1]}-resent.parquet"])
    assert len(resent) == 1 and resent[0][0] > 0 and resent[0][1:] == (0, resent[0][0])
    assert query(db, "select count(*), count(distinct event_id) from staging.stg_raw__events")[0] == query(
        db, "select count(*), count(*) from raw.events")[0]


def test_day_5_sales_outcomes_move_the_qualified_lead_on_and_a_file_delivered_twice_loads_once(days):
    db = days["after"][DAYS[4]]
    assert query(db, """select current_stage, mql_count, strftime(sal_first_entered_at, '%d %H:%M'),
                               strftime(sql_first_entered_at, '%d %H:%M'), strftime(opportunity_first_entered_at, '%d %H:%M')
                        from marts.dim_leads where lead_id = 'L_EQ_WON'""") == [("opportunity", 1, "28 09:00", "28 10:00", "28 12:00")]
    assert query(db, "select count(*) from raw.load_log where file_path = ?", [f"events/day-{DAYS[2]}.parquet"]) == [(1,)]
    copy = query(db, "select rows_in, rows_accepted, rows_rejected from raw.load_log where file_path = ?", [f"events/day-{DAYS[2]}-copy.parquet"])
    assert len(copy) == 1 and copy[0][0] > 0 and copy[0][1:] == (0, copy[0][0])


def test_day_6_the_won_opportunity_makes_the_lead_a_customer(days):
    db = days["after"][DAYS[5]]
    assert query(db, "select current_stage, strftime(customer_first_entered_at, '%d %H:%M') from marts.dim_leads where lead_id = 'L_EQ_WON'") == [
        ("customer", "29 15:00")]
    assert query(db, "select stage, is_won from staging.stg_raw__opportunities where opportunity_id = 'O_EQ_WON'") == [("closed_won", True)]


def test_accounts_are_restated_from_their_first_changed_day_unless_the_rules_changed(days):
    restated = "select count(*) filter (where needs_restate), count(*) filter (where restate_from is not null) from intermediate.int_account_scope"
    # Day 2: the three hand-made leads share the account of example.com (change days March 2,
    # April 1 and 2: the leads' creation; June 20: the MQL). The late pricing visit of April 15 is
    # its first changed day, so it is recomputed from April 2, the change day before it, whose
    # next change day moves from June 20 to April 15.
    day_2 = days["after"][DAYS[1]]
    assert query(day_2, "select needs_restate, restate_from from intermediate.int_account_scope where account_id = 'domain:example.com'") == [
        (True, dt.date(2026, 4, 2))]
    assert query(day_2, """select distinct next_score_date from intermediate.int_account_score_days
                           where account_id = 'domain:example.com' and score_date = date '2026-04-02'""") == [(dt.date(2026, 4, 15),)]
    for day in (DAYS[1], DAYS[4], DAYS[5]):
        count, from_a_day = query(days["after"][day], restated)[0]
        assert 0 < from_a_day <= count, day
    # The seed edit rescored every lead: every account is restated whole, as on the first day.
    for day in (DAYS[0], SEED_EDITED_BEFORE):
        count, from_a_day = query(days["after"][day], restated)[0]
        assert count > 0 and from_a_day == 0, day


def test_day_6_an_afternoon_run_on_the_same_scoring_day_restates_the_leads_its_delivery_touched(days):
    morning, afternoon = days["morning"], days["after"][DAYS[-1]]
    restated = "select lead_id from intermediate.int_lead_lifecycle_scope where needs_restate order by lead_id"
    # The renamed company changes no score, yet its lead is restated for dim_leads' company name.
    assert query(afternoon, restated) == [("L_EQ_FIT",), ("L_EQ_LATE",)]
    names = "select company_name from marts.dim_leads where lead_id = 'L_EQ_FIT'"
    assert (query(morning, names), query(afternoon, names)) == ([("L_EQ_FIT GmbH",)], [("L_EQ_FIT Logistics AG",)])
    assert current(afternoon, "L_EQ_LATE", "engagement_score") == pytest.approx(current(morning, "L_EQ_LATE", "engagement_score") + 10, abs=1e-9)
    synced = "select score, top_reasons from marts.mart_crm_lead_sync where model_id = 'hybrid_v1' and lead_id = 'L_EQ_LATE'"
    assert query(afternoon, synced) != query(morning, synced)
    assert query(afternoon, "select distinct as_of_date from marts.mart_lead_scores_current") == [(DAYS[-1],)]
    # What each run recorded before building those marts, which their daily data tests follow:
    # the morning run found day 5's rows and restated them whole; the afternoon run did not.
    recorded = "select as_of_date, restates_every_lead, restated_because from intermediate.int_lead_today_state_scope"
    another_day = "; ".join(f"{mart} holds another scoring day" for mart in ("dim_leads", "mart_crm_lead_sync", "mart_lead_scores_current"))
    assert query(morning, recorded) == [(DAYS[-1], True, another_day)]
    assert query(afternoon, recorded) == [(DAYS[-1], False, None)]


TODAY_MARTS = {"marts.mart_lead_scores_current": "mql_blocked_by", "marts.dim_leads": "company_name", "marts.mart_crm_lead_sync": "top_reasons"}


def test_the_marts_of_todays_state_keep_untouched_leads_on_the_same_day_and_are_restated_whole_on_a_new_day(days, tmp_path):
    """A marked row shows which rows a run rewrote: on the same scoring day only the leads the
    lifecycle scope flags (here those the morning run restated), on the next day every row."""
    db = tmp_path / "lead_scoring.duckdb"
    shutil.copy(days["morning"], db)
    flagged = query(db, "select min(lead_id) from intermediate.int_lead_lifecycle_scope where needs_restate")[0][0]
    untouched = query(db, "select min(lead_id) from intermediate.int_lead_lifecycle_scope where not needs_restate")[0][0]
    assert flagged and untouched

    def marked() -> dict[str, list[tuple]]:
        return {table: query(db, f"select distinct lead_id from {table} where {column} = 'marker' order by lead_id") for table, column in TODAY_MARTS.items()}

    with connect(db) as con:
        for table, column in TODAY_MARTS.items():
            con.execute(f"update {table} set {column} = 'marker' where lead_id in (?, ?)", [flagged, untouched])
    assert marked() == {table: sorted([(flagged,), (untouched,)]) for table in TODAY_MARTS}

    def run(as_of: dt.date) -> None:
        built = dbt(["run", "--select", *(table.split(".")[1] for table in TODAY_MARTS), "--target-path", str(tmp_path / "target")],
                    db, extra_env={"LEAD_SCORING_AS_OF_DATE": as_of.isoformat()}, project_dir=days["project"])
        assert built.returncode == 0, built.stdout[-3000:]

    run(DAYS[-1])
    assert marked() == {table: [(untouched,)] for table in TODAY_MARTS}
    run(DAYS[-1] + dt.timedelta(days=1))
    assert marked() == {table: [] for table in TODAY_MARTS}
    for table in TODAY_MARTS:
        assert query(db, f"select distinct as_of_date from {table}") == [(DAYS[-1] + dt.timedelta(days=1),)]
