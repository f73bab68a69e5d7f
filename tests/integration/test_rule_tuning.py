"""`lead-scoring validate` and `lead-scoring preview`: candidate rules checked and compared with the
live ones on a real warehouse, which stays as it was."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers import BAD_ROWS, PROJECT_DIR, SAMPLE_END, cli, dbt, load
from lead_scoring import rule_preview, rule_validation

AS_OF = "2026-06-30"
# Two batches: the rows of a batch never name the same rule, so each keeps its own message.
SPACED_DUPLICATES = {"duplicate rule id with a space after it", "duplicate fit rule id with a space before it"}


def candidate(folder: Path, **edits: list[str]) -> Path:
    """A candidate folder: copies of the named seeds with rows appended (`edits`: seed -> rows)."""
    folder.mkdir(parents=True, exist_ok=True)
    for seed, rows in edits.items():
        text = (PROJECT_DIR / "seeds" / f"{seed}.csv").read_text().rstrip("\n")
        (folder / f"{seed}.csv").write_text(text + "\n" + "\n".join(rows) + "\n")
    return folder


def edited(folder: Path, seed: str, key: dict[str, str], changes: dict[str, str]) -> Path:
    """A candidate folder with one row of a seed changed."""
    folder.mkdir(parents=True, exist_ok=True)
    frame = pd.read_csv(PROJECT_DIR / "seeds" / f"{seed}.csv", dtype=str, keep_default_na=False)
    match = pd.concat([frame[column] == value for column, value in key.items()], axis=1).all(axis=1)
    assert match.sum() == 1
    for column, value in changes.items():
        frame.loc[match, column] = value
    frame.to_csv(folder / f"{seed}.csv", index=False)
    return folder


@pytest.mark.parametrize("batch", ["distinct rules", "spaced duplicates"])
def test_validate_names_every_bad_row_in_one_list(batch, tmp_path, monkeypatch):
    cases = {name: case for name, case in BAD_ROWS.items() if (name in SPACED_DUPLICATES) == (batch == "spaced duplicates")}
    edits: dict[str, list[str]] = {}
    for seed, row, _ in cases.values():
        edits.setdefault(seed, []).append(row)
    monkeypatch.setenv("LEAD_SCORING_DB", str(tmp_path / "no_warehouse" / "lead_scoring.duckdb"))

    result = rule_validation.validate(candidate(tmp_path / "candidate", **edits))

    listed = [f"{f.seed} {f.row}: {f.message}" for f in result.errors]
    for name, (seed, _, message) in cases.items():
        assert any(line.startswith(seed) and message in line for line in listed), (name, listed)
    assert len(result.errors) == len(cases), listed
    assert not result.warnings and result.as_of is None
    by_rule = {f.row: f for f in result.errors}
    if batch == "distinct rules":
        assert by_rule["model_id=hybrid_v1, rule_id=case_study"].column == "points"
        assert by_rule["model_id=hybrid_v1, rule_id=webinar_watch"].column == "event_type"
        assert by_rule["model_id=hybrid_v1, action_id=nurture_again"].column == "retrigger"
        assert by_rule["suppression=churned"].column == "value"


def test_validate_command_is_short_and_fails_on_an_error(tmp_path):
    folder = candidate(tmp_path / "candidate", scoring_engagement_rules=[BAD_ROWS["non-numeric points"][1]])
    result = cli(tmp_path, "validate", "--rules", str(folder))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3, result.stdout  # the head line, the one error, what to do
    assert "1 error(s), 0 warning(s)" in lines[0] and "no warehouse checks" in lines[0]
    assert "error" in lines[1] and "rule_id=case_study" in lines[1] and "points must be a number, got 'ten'" in lines[1]
    assert "Traceback" not in result.stdout + result.stderr

    assert cli(tmp_path, "validate").returncode == 0  # the project's own seeds
    unknown = tmp_path / "unknown"
    unknown.mkdir()
    (unknown / "scoring_rules.csv").write_text("a,b\n")
    refused = cli(tmp_path, "validate", "--rules", str(unknown))
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and "scoring_rules.csv is not a seed" in refused.stderr


def test_validate_warns_from_the_warehouse_of_the_last_days(built_warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("LEAD_SCORING_DB", str(built_warehouse))
    folder = edited(tmp_path / "candidate", "scoring_engagement_rules", {"model_id": "hybrid_v1", "rule_id": "ebook"},
                    {"property_value": "e-book", "points": "25"})
    before = hashlib.sha256(built_warehouse.read_bytes()).hexdigest()

    result = rule_validation.validate(folder, work_dir=tmp_path / "work")

    assert result.as_of == SAMPLE_END.isoformat() and not result.errors
    warnings = {(w.row, w.column): w.message for w in result.warnings}
    assert warnings == {
        ("model_id=hybrid_v1, rule_id=ebook", "points"): "points 25 exceed max_points 20: the rule never gives more than 20, raise max_points too",
        ("model_id=hybrid_v1, rule_id=ebook", "property_value"):
            "no content_download event of the last 90 days has content_type equals 'e-book': check the value",
    }
    assert hashlib.sha256(built_warehouse.read_bytes()).hexdigest() == before


# --- preview, on a warehouse small enough to work out by hand ------------------------------------
#
# Four leads created on 2026-01-05 (old enough for an outcome on 2026-06-30: 90 days), each with
# fit 30 under hybrid_v1 (500 employees +15, software +5, CTO +10). Engagement on 01-10:
#   L1 demo request +30 and contact form +25: 85;   L2 pricing page +20: 50;
#   L3 nothing: 30;                                  L4 e-book +10, whitepaper +10: 50.
# Opportunities on 02-01 for L1, L2, L3. The candidate lowers hybrid_v1's threshold from 70 to 40:
#   MQLs            live {L1}            candidate {L1, L2, L4}: L2 and L4 newly qualify;
#   lead-to-MQL     live 1/4 = 25 %      candidate 3/4 = 75 % (January cohort, mature);
#   precision       live 1/1             candidate 2/3 (L4 got no opportunity);
#   recall          live 1/3             candidate 2/3 (L3 never became an MQL);
#   opportunity lift per peak band (overall rate 3/4): live hot {L1} 1/0.75 = 4/3, nurture
#   {L2, L3, L4} (2/3)/0.75 = 8/9; candidate hot {L1, L2, L4} 8/9, nurture {L3} 4/3.


@pytest.fixture(scope="module")
def small_warehouse(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("preview_raw")
    created = "2026-01-05T09:00:00Z"
    pd.DataFrame([{"lead_id": lead, "email": f"{lead.lower()}@acme.example", "company_size": 500, "industry": "software",
                   "job_title": "CTO", "country": "US", "lead_source": "organic_search", "created_at": created}
                  for lead in ("L1", "L2", "L3", "L4")]).to_csv(folder / "leads.csv", index=False)
    events = [
        ("e1", "L1", "form_submit", "2026-01-10T10:00:00Z", '{"form_id": "demo_request"}'),
        ("e2", "L1", "form_submit", "2026-01-10T11:00:00Z", '{"form_id": "contact"}'),
        ("e3", "L2", "page_view", "2026-01-10T10:00:00Z", '{"page_url": "/pricing"}'),
        ("e4", "L4", "content_download", "2026-01-10T10:00:00Z", '{"content_type": "ebook"}'),
        ("e5", "L4", "content_download", "2026-01-10T11:00:00Z", '{"content_type": "whitepaper"}'),
    ]
    pd.DataFrame([{"event_id": e, "lead_id": lead, "event_type": t, "occurred_at": at, "properties": p} for e, lead, t, at, p in events]
                 ).to_csv(folder / "events.csv", index=False)
    pd.DataFrame([{"opportunity_id": f"O{lead}", "lead_id": lead, "created_at": "2026-02-01T09:00:00Z", "stage": "discovery"}
                  for lead in ("L1", "L2", "L3")]).to_csv(folder / "opportunities.csv", index=False)
    db = tmp_path_factory.mktemp("preview_warehouse") / "lead_scoring.duckdb"
    load(db, folder)
    built = dbt(["build", "--target-path", str(db.parent / "target"), "--vars", f"{{scoring_as_of_date: '{AS_OF}'}}",
                 "--exclude", "resource_type:test", "resource_type:unit_test"], db)
    assert built.returncode == 0, built.stdout[-3000:]
    return db


def test_preview_compares_candidate_rules_with_the_live_ones_as_worked_out_by_hand(small_warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("LEAD_SCORING_DB", str(small_warehouse))
    folder = edited(tmp_path / "threshold_40", "scoring_models", {"model_id": "hybrid_v1"}, {"mql_threshold": "40"})
    before = hashlib.sha256(small_warehouse.read_bytes()).hexdigest()

    result = rule_preview.preview(folder, work_dir=tmp_path / "work")

    assert (result.model_id, result.as_of) == ("hybrid_v1", AS_OF)
    assert result.mql_leads == (1, 3)
    assert (result.newly_count, result.dropped_count) == (2, 0)
    assert sorted(lead for lead, *_ in result.newly) == ["L2", "L4"]
    assert result.months == [("2026-01", 1, 3)]
    assert result.lead_to_mql["live"][:2] == (pytest.approx(0.25), 4)
    assert result.lead_to_mql["candidate"][:2] == (pytest.approx(0.75), 4)
    assert result.lead_to_mql["live"][2:] == (pytest.approx(0.05), pytest.approx(0.15))  # seed funnel_benchmarks
    assert result.precision_recall["live"] == (70, 1, 4, pytest.approx(1.0), pytest.approx(1 / 3))
    assert result.precision_recall["candidate"] == (40, 3, 4, pytest.approx(2 / 3), pytest.approx(2 / 3))
    bands = {band: (live_leads, live_lift, candidate_leads, candidate_lift) for band, live_leads, live_lift, candidate_leads, candidate_lift, *_
             in result.bands}
    assert bands["hot"] == (1, pytest.approx(4 / 3), 3, pytest.approx(8 / 9))
    assert bands["nurture"] == (3, pytest.approx(8 / 9), 1, pytest.approx(4 / 3))

    report = result.report.read_text()
    assert "| leads that became an MQL | 1 | 3 |" in report and "| precision: MQLs that got an opportunity | 100.0 % | 66.7 % |" in report
    assert (result.report.parent / "mql_episodes_per_month.svg").read_text().startswith("<svg")
    assert "2 newly qualify" in result.render()
    # The warehouse is read, never written.
    assert hashlib.sha256(small_warehouse.read_bytes()).hexdigest() == before


def test_preview_of_the_live_rules_changes_nothing_and_bad_rules_are_refused(small_warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("LEAD_SCORING_DB", str(small_warehouse))
    same = tmp_path / "same"
    same.mkdir()
    shutil.copy(PROJECT_DIR / "seeds" / "scoring_engagement_rules.csv", same)
    result = rule_preview.preview(same, work_dir=tmp_path / "work")
    assert result.mql_leads == (1, 1) and (result.newly_count, result.dropped_count) == (0, 0)
    assert result.precision_recall["live"] == result.precision_recall["candidate"]

    bad = candidate(tmp_path / "bad", scoring_engagement_rules=[BAD_ROWS["unknown event type"][1]])
    refused = cli(tmp_path, "preview", "--rules", str(bad), LEAD_SCORING_DB=str(small_warehouse))
    assert refused.returncode == 2 and "unknown event_type 'webinar_watched'" in refused.stderr and "Traceback" not in refused.stderr


def test_preview_of_a_git_revision(small_warehouse, tmp_path, monkeypatch):
    if not (PROJECT_DIR / ".git").exists():
        pytest.skip("not a git checkout")
    monkeypatch.setenv("LEAD_SCORING_DB", str(small_warehouse))
    folder = rule_preview.seeds_of_revision("HEAD")
    assert {p.name for p in folder.glob("*.csv")} >= {"scoring_models.csv", "scoring_engagement_rules.csv"}
    with pytest.raises(rule_preview.PreviewError, match="no-such-revision"):
        rule_preview.seeds_of_revision("no-such-revision")


def test_the_daily_job_stops_on_a_bad_seed_before_loading_anything(tmp_path, sample_raw_dir, project_copy):
    import dagster as dg

    from helpers import run_daily_job_on

    seed, row, message = BAD_ROWS["non-numeric points"]
    rules = project_copy / "seeds" / f"{seed}.csv"
    rules.write_text(rules.read_text().rstrip("\n") + "\n" + row + "\n")
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    with dg.instance_for_test() as instance:
        _, _, result = run_daily_job_on(db, sample_raw_dir, dt.date(2026, 6, 30), instance, project_dir=project_copy)
    assert not result.success
    failures = [e for e in result.all_events if e.is_step_failure]
    assert [e.step_key for e in failures] == ["rules__scoring_rules"]
    description = failures[0].step_failure_data.error.message if failures[0].step_failure_data.error else ""
    description += failures[0].step_failure_data.user_failure_data.description if failures[0].step_failure_data.user_failure_data else ""
    row, problem = message.split(": ", 1)
    assert row in description and problem in description and "Traceback" not in description
    assert not any(e.is_step_start and e.step_key != "rules__scoring_rules" for e in result.all_events)
