"""Seed event_type_mapping end to end: an export with its own event names (and Hotjar and Mouseflow
events) scores as the same export with the canonical names; numeric property rules score a webinar
and a scroll-depth example as worked out by hand; an unknown name waits in raw.load_rejects, is
listed by the summary and loads once the mapping names it; and a run after an edit of the mapping
gives the warehouse a full build gives.

The example (as of 2026-02-01, two numeric engagement rules added to hybrid_v1, no decay):
- long_webinar: webinar_attended with minutes_watched >= 30, 10 points, at most 10. L2 watched 45
  minutes (webinar_attendance, duration_minutes renamed to minutes_watched): 10 points. L1 watched
  20 minutes: no points.
- deep_scroll: page_view with scroll_depth >= 75, 5 points, one a day, at most 10. L1: a Hotjar
  scroll of 80 % (5 points) and one of 60 % (none): 5 points. L2: two Mouseflow page views scrolled
  90 % and 75 % (the bound included) on two days (scroll renamed to scroll_depth): 10 points.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from helpers import LEADS, copy_project, dbt, query, warehouse_differences, write_folder

AS_OF = "2026-02-01"
NUMERIC_RULES = [
    "hybrid_v1,long_webinar,Watched at least 30 minutes of a webinar,webinar_attended,minutes_watched,>=,30,10,1,10,,,,false",
    "hybrid_v1,deep_scroll,Scrolled at least 75% of a page,page_view,scroll_depth,>=,75,5,1,10,,,,false",
]
# (event_id, lead_id, occurred_at, source_system, name as the source spells it, its properties,
#  the canonical name, the canonical properties)
EVENTS = [
    ("E1", "L1", "2026-01-06T10:00:00Z", "web", "Pricing Sheet Download", {}, "content_download", {"content_type": "pricing_sheet"}),
    ("E2", "L1", "2026-01-07T10:00:00Z", "web", "career-page-view", {}, "page_view", {"page_url": "/careers"}),
    ("E3", "L2", "2026-01-08T10:00:00Z", "email", "newsletter_open", {}, "email_open", {"newsletter": "general"}),
    ("E5", "L1", "2026-01-10T10:00:00Z", "hotjar", "scroll", {"url": "/pricing", "scroll_depth": 80}, "page_view", {"page_url": "/pricing", "scroll_depth": 80}),
    ("E6", "L2", "2026-01-12T10:00:00Z", "mouseflow", "pageview", {"page": "/product/x", "scroll": 90, "engagement_time": 40}, "page_view",
     {"page_url": "/product/x", "scroll_depth": 90, "time_on_page": 40}),
    ("E7", "L2", "2026-01-14T10:00:00Z", "webinar", "webinar_attendance", {"duration_minutes": 45}, "webinar_attended", {"minutes_watched": 45}),
    ("E8", "L1", "2026-01-14T11:00:00Z", "webinar", "webinar_attendance", {"duration_minutes": "20"}, "webinar_attended", {"minutes_watched": "20"}),
    ("E9", "L1", "2026-01-11T10:00:00Z", "hotjar", "scroll", {"url": "/blog", "scroll_depth": "60"}, "page_view", {"page_url": "/blog", "scroll_depth": "60"}),
    ("E10", "L2", "2026-01-13T10:00:00Z", "mouseflow", "pageview", {"page": "/product/y", "scroll": "75"}, "page_view",
     {"page_url": "/product/y", "scroll_depth": "75"}),
    ("E11", "L1", "2026-01-15T10:00:00Z", "hotjar", "rage_click", {"url": "/pricing", "rage_clicks": 4}, "page_view", {"page_url": "/pricing", "rage_clicks": 4}),
    # Known to no seed: rejected with its reason, in both exports.
    ("E4", "L2", "2026-01-09T10:00:00Z", "web", "video_play", {"seconds": 95}, "video_play", {"seconds": 95}),
]


def export(folder: Path, canonical: bool) -> Path:
    name, props = (6, 7) if canonical else (4, 5)
    events = pd.DataFrame({
        "event_id": [e[0] for e in EVENTS],
        "lead_id": [e[1] for e in EVENTS],
        "event_type": [e[name] for e in EVENTS],
        "occurred_at": [e[2] for e in EVENTS],
        "source_system": [e[3] for e in EVENTS],
        "properties": [json.dumps(e[props]) for e in EVENTS],
    })
    return write_folder(folder, tables={"leads": LEADS.drop(columns=["surplus_column"]), "events": events})


def project_with_numeric_rules(folder: Path) -> Path:
    project = copy_project(folder)
    rules = project / "seeds" / "scoring_engagement_rules.csv"
    rules.write_text(rules.read_text().rstrip("\n") + "\n" + "\n".join(NUMERIC_RULES) + "\n")
    return project


def load_and_build(db: Path, raw: Path, project: Path, monkeypatch, *extra: str) -> None:
    from lead_scoring.ingest import raw_loader

    # The loader reads the mapping of the project it loads for.
    monkeypatch.setattr(raw_loader, "EVENT_TYPE_MAPPING_CSV", project / "seeds" / "event_type_mapping.csv")
    db.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db))
    try:
        raw_loader.load_raw_folder(con, raw, now=dt.datetime(2026, 2, 1, 12, tzinfo=dt.timezone.utc))
    finally:
        con.close()
    result = dbt(["build", "--target-path", str(db.parent / "target"), "--vars", f"{{scoring_as_of_date: '{AS_OF}'}}", *extra], db,
                 project_dir=project)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def rule_points(db: Path) -> dict[tuple[str, str], float]:
    return {(lead, rule): points for lead, rule, points in query(db, """
        select lead_id, rule_id, points from marts.fct_lead_score_explanations
        where model_id = 'hybrid_v1' and rule_id in ('long_webinar', 'deep_scroll') and points != 0""")}


@pytest.fixture(scope="module")
def names_and_canonical(tmp_path_factory):
    """The export with source names and its canonical twin, each loaded and built."""
    root = tmp_path_factory.mktemp("event_mapping")
    project = project_with_numeric_rules(root / "project")
    with pytest.MonkeyPatch.context() as monkeypatch:
        names_db, canonical_db = root / "names" / "lead_scoring.duckdb", root / "canonical" / "lead_scoring.duckdb"
        load_and_build(names_db, export(root / "names_raw", canonical=False), project, monkeypatch)
        load_and_build(canonical_db, export(root / "canonical_raw", canonical=True), project, monkeypatch)
    return names_db, canonical_db


def test_source_names_score_as_the_canonical_names(names_and_canonical):
    names_db, canonical_db = names_and_canonical
    assert query(names_db, "select count(*) from raw.events where event_type = 'Pricing Sheet Download'") == [(1,)]  # kept as delivered
    staged = dict(query(names_db, "select event_id, event_type || ' ' || source_event_type from staging.stg_raw__events"))
    assert staged["E1"] == "content_download pricing_sheet_download" and staged["E6"] == "page_view pageview"
    assert staged["E11"] == "page_view rage_click"
    assert query(names_db, "select page_url, content_type from staging.stg_raw__events where event_id in ('E1', 'E2') order by event_id") == [
        (None, "pricing_sheet"), ("/careers", None)]
    # (dim_scoring_config_versions: when each build went live)
    differences = warehouse_differences(names_db, canonical_db, schemas=("marts",), skip_tables=("marts.dim_scoring_config_versions",))
    assert not differences, differences
    scores = query(names_db, "select count(*), sum(total_score) from marts.mart_lead_scores_current where model_id = 'hybrid_v1'")
    assert scores == query(canonical_db, "select count(*), sum(total_score) from marts.mart_lead_scores_current where model_id = 'hybrid_v1'")


def test_numeric_rules_score_the_webinar_and_scroll_examples_as_worked_by_hand(names_and_canonical):
    for db in names_and_canonical:
        assert rule_points(db) == {("L2", "long_webinar"): 10.0, ("L1", "deep_scroll"): 5.0, ("L2", "deep_scroll"): 10.0}


def test_unknown_name_is_kept_with_its_reason_and_listed_by_the_summary(names_and_canonical):
    from lead_scoring.summary import summary_sections

    names_db, _ = names_and_canonical
    assert query(names_db, "select reason, status from raw.load_rejects where table_name = 'events'") == [
        ("unknown event_type (map it in seeds/event_type_mapping.csv)", "rejected")]
    con = duckdb.connect(str(names_db), read_only=True)
    try:
        sections = dict(summary_sections(con))
    finally:
        con.close()
    title = next(t for t in sections if t.startswith("Unmapped event names"))
    assert "1 event(s)" in title
    assert "video_play" in sections[title] and "web" in sections[title]


def test_a_mapping_edit_then_a_run_equals_a_full_build(tmp_path, monkeypatch):
    """Two edits: the unknown video_play gets a row (its rejected event loads at the next load),
    and an existing row changes (newsletter opens become product newsletter opens: staged events
    are mapped again and every lead rescored)."""
    project = project_with_numeric_rules(tmp_path / "project")
    raw = export(tmp_path / "raw", canonical=False)
    edited_db, fresh_db = tmp_path / "edited" / "lead_scoring.duckdb", tmp_path / "fresh" / "lead_scoring.duckdb"
    load_and_build(edited_db, raw, project, monkeypatch)
    before = dict(query(edited_db, "select event_id, newsletter from staging.stg_raw__events where event_type = 'email_open'"))
    assert before == {"E3": "general"}

    mapping = project / "seeds" / "event_type_mapping.csv"
    text = mapping.read_text().replace(",newsletter_open,,,,email_open,,newsletter=general,", ",newsletter_open,,,,email_open,,newsletter=product,")
    mapping.write_text(text.rstrip("\n") + "\n,video_play,,,,page_view,,page_url=/product/video,A product video was played\n")
    load_and_build(edited_db, raw, project, monkeypatch)
    load_and_build(fresh_db, raw, project, monkeypatch)

    assert query(edited_db, "select count(*) from raw.load_rejects") == [(0,)]
    staged = dict(query(edited_db, "select event_id, coalesce(newsletter, page_url) from staging.stg_raw__events where event_id in ('E3', 'E4')"))
    assert staged == {"E3": "product", "E4": "/product/video"}
    # The rule history keeps both configuration versions in the edited warehouse only.
    differences = warehouse_differences(edited_db, fresh_db, schemas=("staging", "marts"),
                                        skip_tables=("marts.dim_scoring_config_versions", "marts.mart_scoring_rule_changes"))
    assert not differences, differences
