"""Recycled leads re-qualify: raw files -> loader -> dbt build, with hand-made leads.

The example (primary model hybrid_v1, threshold 70, shipped seeds): a lead with 10 fit points
visits the pricing page, requests a demo and sends the contact form on day 1 (10 + 20 + 30 + 25 =
85), then nothing; decay takes it under 70 on day 9 (10 + 20 x 2^(-8/14) + 55 x 2^(-8/30) = 69.18;
day 8 is 70.93). Sales rejects it on day 15 (bad_timing). On day 36 the same three events bring it
back to 85 (each rule at its cap): a second MQL episode, the lead back in mql, and its next
sales_accepted a normal mql -> sal step. Under recycle_policy reset_engagement a rejection also
restarts the engagement that counts toward the MQL score, so fresh activity right after a rejection
re-qualifies a lead that next_crossing leaves recycled.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers import DBT_PROJECT_FILES, PROJECT_DIR, SCORING_TABLES, dbt, load, query, table_rows

DAY_1 = dt.date(2026, 3, 1)
AS_OF = "2026-06-30"
PRIMARY = "hybrid_v1"


def day(n: int, hour: int = 10, minute: int = 0) -> str:
    """Day n of the example (day 1 = 2026-03-01) at hour:minute UTC."""
    return f"{(DAY_1 + dt.timedelta(days=n - 1)).isoformat()}T{hour:02d}:{minute:02d}:00Z"


def hot_visit(lead_id: str, n: int, hour: int = 10) -> list[dict]:
    """Pricing page (+20, half-life 14), demo request (+30, 30) and contact form (+25, 30)."""
    return [
        {"event_id": f"{lead_id}-pricing-{n}-{hour}", "lead_id": lead_id, "event_type": "page_view", "occurred_at": day(n, hour, 0),
         "source_system": "web", "properties": '{"page_url": "/pricing"}'},
        {"event_id": f"{lead_id}-demo-{n}-{hour}", "lead_id": lead_id, "event_type": "form_submit", "occurred_at": day(n, hour, 5),
         "source_system": "form", "properties": '{"form_id": "demo_request"}'},
        {"event_id": f"{lead_id}-contact-{n}-{hour}", "lead_id": lead_id, "event_type": "form_submit", "occurred_at": day(n, hour, 10),
         "source_system": "form", "properties": '{"form_id": "contact"}'},
    ]


def crm(lead_id: str, event_type: str, n: int, hour: int = 14, reason: str | None = None) -> dict:
    properties = {"owner": "rep_01", **({"reason": reason} if reason else {})}
    return {"event_id": f"{lead_id}-{event_type}-{n}", "lead_id": lead_id, "event_type": event_type, "occurred_at": day(n, hour),
            "source_system": "crm", "properties": json.dumps(properties)}


# Every lead has 10 fit points under hybrid_v1 (a director title; no size, industry or country rule).
LEADS = {
    # the example as filed, seen before and after sales accepts it again on day 37
    "ISSUE": hot_visit("ISSUE", 1) + [crm("ISSUE", "sales_rejected", 15, reason="bad_timing")] + hot_visit("ISSUE", 36),
    "ISSUE_ACCEPTED": hot_visit("ISSUE_ACCEPTED", 1) + [crm("ISSUE_ACCEPTED", "sales_rejected", 15, reason="bad_timing")]
    + hot_visit("ISSUE_ACCEPTED", 36) + [crm("ISSUE_ACCEPTED", "sales_accepted", 37)],
    # rejected on day 9, the first day decay has it under 70
    "DIP_ON_REJECTION_DAY": hot_visit("DIP_ON_REJECTION_DAY", 1) + [crm("DIP_ON_REJECTION_DAY", "sales_rejected", 9, reason="bad_timing")]
    + hot_visit("DIP_ON_REJECTION_DAY", 36),
    # rejected on day 8, still at 70.93: the dip comes after the rejection
    "REJECTED_ABOVE": hot_visit("REJECTED_ABOVE", 1) + [crm("REJECTED_ABOVE", "sales_rejected", 8, reason="bad_timing")]
    + hot_visit("REJECTED_ABOVE", 36),
    # never rejected: dip and recovery are one episode
    "NOT_REJECTED": hot_visit("NOT_REJECTED", 1) + hot_visit("NOT_REJECTED", 36),
    # rejected on day 3 (about 80 points) and active again on day 5: no dip in between
    "QUICK_RETURN": hot_visit("QUICK_RETURN", 1) + [crm("QUICK_RETURN", "sales_rejected", 3, reason="bad_timing")] + hot_visit("QUICK_RETURN", 5),
}


def write_raw(folder: Path, leads: dict[str, list[dict]] = LEADS) -> Path:
    folder.mkdir(parents=True)
    pd.DataFrame([{
        "lead_id": lead_id, "email": f"{lead_id.lower()}@acme.example", "company_size": 50, "industry": "retail",
        "job_title": "Director of Marketing", "country": "US", "lead_source": "organic_search", "created_at": day(1, 8),
    } for lead_id in leads]).to_csv(folder / "leads.csv", index=False)
    (folder / "events").mkdir()
    pd.DataFrame([e for events in leads.values() for e in events]).to_csv(folder / "events" / "part-1.csv", index=False)
    pd.DataFrame(columns=["opportunity_id", "lead_id", "created_at", "stage"]).to_csv(folder / "opportunities.csv", index=False)
    return folder


def set_recycle_policy(project: Path, model_id: str, policy: str) -> None:
    seed = project / "seeds" / "scoring_models.csv"
    frame = pd.read_csv(seed, dtype=str, keep_default_na=False)
    frame.loc[frame.model_id == model_id, "recycle_policy"] = policy
    frame.to_csv(seed, index=False)


def episodes(db: Path, lead_id: str, model_id: str = PRIMARY) -> list[tuple]:
    return query(db, "select mql_episode, mql_date, recycles_before from marts.fct_lead_mql_episodes where model_id = ? and lead_id = ? order by mql_episode",
                 [model_id, lead_id])


def transitions(db: Path, lead_id: str) -> list[tuple]:
    return query(db, """
        select from_stage, to_stage, cast(transitioned_at as date), reason, is_skip
        from marts.fct_lead_stage_transitions where is_primary_model and lead_id = ? order by transition_number""", [lead_id])


def on(n: int) -> dt.date:
    return DAY_1 + dt.timedelta(days=n - 1)


SCORING_MODELS = ["int_lead_engagement_resets", "int_lead_engagement_rule_states", "int_lead_score_changes", "fct_lead_scores",
                  "fct_lead_mql_episodes", "mart_lead_scores_current", "fct_lead_score_explanations"]


def build(db: Path, project_dir: Path = PROJECT_DIR, as_of: str = AS_OF, data_tests: bool = False) -> None:
    """`dbt build` as of `as_of` without tests; with data_tests, then the data tests of the scoring
    models (explanations add up to the total and MQL scores, history matches the as-of scores, ...;
    the marts' not_empty tests do not fit a handful of leads)."""
    as_of_var = ["--target-path", str(db.parent / "target"), "--vars", f"{{scoring_as_of_date: '{as_of}'}}"]
    result = dbt(["build", *as_of_var, "--exclude", "resource_type:unit_test", "resource_type:test"], db, project_dir=project_dir)
    assert result.returncode == 0, result.stdout[-4000:]
    if data_tests:
        result = dbt(["test", *as_of_var, "--select", *SCORING_MODELS, "--exclude", "resource_type:unit_test"], db, project_dir=project_dir)
        assert result.returncode == 0, result.stdout[-4000:]
        assert "assert_current_scores_match_as_of_scores" in result.stdout


def copy_project(folder: Path, policy: str) -> Path:
    """A copy of the dbt project whose primary model has recycle_policy `policy`."""
    copy = folder / "project"
    for name in DBT_PROJECT_FILES:
        source, target = PROJECT_DIR / name, copy / name
        if source.is_dir():
            shutil.copytree(source, target)
        elif source.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    set_recycle_policy(copy, PRIMARY, policy)
    return copy


@pytest.fixture(scope="module")
def next_crossing_warehouse(tmp_path_factory) -> Path:
    """The example's leads with the shipped seeds (hybrid_v1: next_crossing), as of 2026-06-30."""
    base = tmp_path_factory.mktemp("recycling")
    db = base / "wh" / "lead_scoring.duckdb"
    load(db, write_raw(base / "raw"))
    build(db)
    return db


def test_the_issue_example_re_qualifies_on_day_36(next_crossing_warehouse):
    db = next_crossing_warehouse
    assert episodes(db, "ISSUE") == [(1, on(1), 0), (2, on(36), 1)]
    assert query(db, "select mql_count from marts.mart_lead_scores_current where model_id = ? and lead_id = 'ISSUE'", [PRIMARY]) == [(2,)]
    assert query(db, "select mql_count, current_stage from marts.dim_leads where lead_id = 'ISSUE'") == [(2, "mql")]
    assert transitions(db, "ISSUE") == [
        (None, "lead", on(1), None, False),
        ("lead", "mql", on(1), None, False),
        ("mql", "recycled", on(15), "bad_timing", False),
        ("recycled", "mql", on(36), None, False),
    ]
    # The score history shows why: the day before day 36 the score had decayed to 38.79.
    row = query(db, """
        select total_score, mql_score, mql_score_before, is_mql_crossing from marts.fct_lead_scores
        where model_id = ? and lead_id = 'ISSUE' and score_date = ?""", [PRIMARY, on(36)])
    before = 10 + 20 * 2 ** (-34 / 14) + 55 * 2 ** (-34 / 30)
    assert row == [(pytest.approx(85.0), pytest.approx(85.0), pytest.approx(before, abs=1e-5), True)]


def test_the_next_acceptance_is_a_normal_mql_to_sal_step(next_crossing_warehouse):
    db = next_crossing_warehouse
    assert episodes(db, "ISSUE_ACCEPTED") == [(1, on(1), 0), (2, on(36), 1)]
    assert transitions(db, "ISSUE_ACCEPTED")[-2:] == [("recycled", "mql", on(36), None, False), ("mql", "sal", on(37), None, False)]
    assert query(db, "select mql_count, current_stage, has_skipped_stages from marts.dim_leads where lead_id = 'ISSUE_ACCEPTED'") == [(2, "sal", False)]
    # Funnel and speed-to-lead marts follow the episodes.
    assert query(db, "select mql_entries from marts.fct_lead_funnel where model_id = ? and lead_id = 'ISSUE_ACCEPTED'", [PRIMARY]) == [(2,)]
    assert query(db, "select count(*) from marts.fct_mql_speed_to_lead where model_id = ? and lead_id = 'ISSUE_ACCEPTED'", [PRIMARY]) == [(2,)]


def test_a_dip_on_or_after_the_rejection_day_re_qualifies_too(next_crossing_warehouse):
    db = next_crossing_warehouse
    for lead_id, rejected_on in (("DIP_ON_REJECTION_DAY", 9), ("REJECTED_ABOVE", 8)):
        assert episodes(db, lead_id) == [(1, on(1), 0), (2, on(36), 1)], lead_id
        assert transitions(db, lead_id)[-2:] == [("mql", "recycled", on(rejected_on), "bad_timing", False), ("recycled", "mql", on(36), None, False)]


def test_next_crossing_needs_a_rejection_and_a_dip(next_crossing_warehouse):
    db = next_crossing_warehouse
    # Never rejected: the dip and recovery are crossings of the score, but one episode.
    assert episodes(db, "NOT_REJECTED") == [(1, on(1), 0)]
    assert query(db, "select count(*) from marts.fct_lead_scores where model_id = ? and lead_id = 'NOT_REJECTED' and is_mql_crossing", [PRIMARY]) == [(2,)]
    # Rejected while above the threshold and active again before any dip: stays recycled.
    assert episodes(db, "QUICK_RETURN") == [(1, on(1), 0)]
    assert query(db, "select current_stage from marts.dim_leads where lead_id = 'QUICK_RETURN'") == [("recycled",)]


@pytest.fixture(scope="module")
def reset_engagement_warehouse(tmp_path_factory) -> Path:
    """The same leads with hybrid_v1 on reset_engagement, as of 2026-04-10 (day 41), data tests
    included (explanations add up to the MQL score, history matches the as-of scores, ...)."""
    base = tmp_path_factory.mktemp("reset")
    project = copy_project(base, "reset_engagement")
    db = base / "wh" / "lead_scoring.duckdb"
    load(db, write_raw(base / "raw"))
    build(db, project_dir=project, as_of="2026-04-10", data_tests=True)
    return db


def test_reset_engagement_re_qualifies_on_fresh_activity(reset_engagement_warehouse):
    db = reset_engagement_warehouse
    # Rejected on day 3 at about 80 points; day 5's activity counts from zero: 10 + 75 = 85.
    assert episodes(db, "QUICK_RETURN") == [(1, on(1), 0), (2, on(5), 1)]
    assert transitions(db, "QUICK_RETURN")[-2:] == [("mql", "recycled", on(3), "bad_timing", False), ("recycled", "mql", on(5), None, False)]
    history = query(db, """
        select score_date, mql_score, mql_score_before, mql_engagement_after, is_mql_qualified, is_mql_crossing
        from marts.fct_lead_scores where model_id = ? and lead_id = 'QUICK_RETURN' and score_date <= ? order by score_date""", [PRIMARY, on(5)])
    rejected_at = dt.datetime(2026, 3, 3, 14, 0)
    assert history == [
        (on(1), pytest.approx(85.0), None, None, True, True),
        (on(3), pytest.approx(10.0), pytest.approx(10.0), rejected_at, False, False),  # only fit is left
        (on(5), pytest.approx(85.0), pytest.approx(10.0), rejected_at, True, True),
    ]
    # The example and the other rejected leads re-qualify on day 36 as under next_crossing.
    for lead_id in ("ISSUE", "DIP_ON_REJECTION_DAY", "REJECTED_ABOVE"):
        assert episodes(db, lead_id)[1][:2] == (2, on(36)), lead_id
    assert episodes(db, "NOT_REJECTED") == [(1, on(1), 0)]


def test_reset_engagement_explains_what_counted(reset_engagement_warehouse):
    """As of day 41: day 1's activity still counts in the total, not in the MQL score."""
    db = reset_engagement_warehouse
    d1, d36 = 40, 5  # ages in days of day 1's and day 36's events on day 41
    pricing = min(20, 20 * (2 ** (-d1 / 14) + 2 ** (-d36 / 14)))
    demo = min(30, 30 * (2 ** (-d1 / 30) + 2 ** (-d36 / 30)))
    contact = min(25, 25 * (2 ** (-d1 / 30) + 2 ** (-d36 / 30)))
    fresh = {"pricing_page": 20 * 2 ** (-d36 / 14), "demo_request": 30 * 2 ** (-d36 / 30), "contact_form": 25 * 2 ** (-d36 / 30)}
    rejected_at = dt.datetime(2026, 3, 15, 14, 0)
    rows = query(db, """
        select rule_id, points, points_for_mql, mql_engagement_after from marts.fct_lead_score_explanations
        where model_id = ? and lead_id = 'ISSUE' order by rule_id""", [PRIMARY])
    assert rows == [
        ("contact_form", pytest.approx(contact), pytest.approx(fresh["contact_form"]), rejected_at),
        ("demo_request", pytest.approx(demo), pytest.approx(fresh["demo_request"]), rejected_at),
        ("pricing_page", pytest.approx(pricing), pytest.approx(fresh["pricing_page"]), rejected_at),
        ("title_decision_maker", 10.0, 10.0, rejected_at),
    ]
    current = query(db, "select total_score, mql_score, mql_engagement_after, mql_count from marts.mart_lead_scores_current where model_id = ? and lead_id = 'ISSUE'", [PRIMARY])
    assert current == [(pytest.approx(10 + pricing + demo + contact), pytest.approx(10 + sum(fresh.values())), rejected_at, 2)]


def test_a_rejection_arriving_later_rescores_the_lead_as_a_full_rebuild_would(tmp_path):
    """Day 1's activity first; then a new events file brings the rejection and day 36's activity.
    The lead is rescored (its fingerprint changed) and the incremental result equals a full
    rebuild, under reset_engagement (its own chain of MQL states) and next_crossing."""
    first = {lead_id: [e for e in events if e["occurred_at"] < day(2)] for lead_id, events in LEADS.items()}
    later = [e for lead_id in ("ISSUE", "QUICK_RETURN") for e in LEADS[lead_id] if e["occurred_at"] >= day(2)]
    for policy in ("reset_engagement", "next_crossing"):
        project = copy_project(tmp_path / policy, policy)
        raw = write_raw(tmp_path / policy / "raw", first)
        incremental = tmp_path / policy / "incremental" / "lead_scoring.duckdb"
        load(incremental, raw)
        build(incremental, project_dir=project)
        pd.DataFrame(later).to_csv(raw / "events" / "part-2.csv", index=False)
        load(incremental, raw)
        build(incremental, project_dir=project)
        rescored = query(incremental, "select lead_id from intermediate.int_lead_scoring_scope where needs_rescore order by lead_id")
        assert rescored == [("ISSUE",), ("QUICK_RETURN",)], policy

        full = tmp_path / policy / "full" / "lead_scoring.duckdb"
        load(full, raw)
        build(full, project_dir=project)
        for table, order_by in SCORING_TABLES.items():
            assert table_rows(incremental, table, order_by) == table_rows(full, table, order_by), (policy, table)
        expected = [(1, on(1), 0), (2, on(5 if policy == "reset_engagement" else 36), 1)]
        assert episodes(incremental, "QUICK_RETURN" if policy == "reset_engagement" else "ISSUE") == expected, policy
