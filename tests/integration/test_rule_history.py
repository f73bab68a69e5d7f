"""Rule history: each run records the scoring configuration it used, once per new configuration.

One warehouse, built five times from a copy of the project: the shipped rules; the same rules
again (no new version); hybrid_v1's pricing page rule edited from +20 to +40 points (a second
version, the changes mart names the edited cells, every MQL episode carries the new version, the
lifecycle snapshot keeps the first version's rows); `dbt build --full-refresh` (the history
survives); the edit undone (the first version is live again, in a third period); hybrid_v1's MQA
threshold in account_scoring raised from 100 to 120 (a fourth version, in the changes mart, with no
lead rescored: lead scores do not read it). The data tests of the new models run on the last state.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers import SAMPLE_END, copy_project, dbt, load, query

HISTORY_MODELS = ["int_scoring_config_history", "int_scoring_config_history_rows", "dim_scoring_config_versions",
                  "mart_scoring_rule_changes", "fct_lead_mql_episodes"]
SKIP_TESTS = ["--exclude", "resource_type:test", "resource_type:unit_test"]


def build(db: Path, project: Path, commit: str, *args: str):
    vars_ = f"{{scoring_as_of_date: '{SAMPLE_END}', scoring_config_commit: '{commit}'}}"
    result = dbt(["build", "--target-path", str(db.parent / "target"), "--vars", vars_, *SKIP_TESTS, *args], db, project_dir=project)
    assert result.returncode == 0, result.stdout[-3000:]


def set_pricing_points(project: Path, points: str) -> None:
    rules = project / "seeds" / "scoring_engagement_rules.csv"
    frame = pd.read_csv(rules, dtype=str, keep_default_na=False)
    frame.loc[(frame.model_id == "hybrid_v1") & (frame.rule_id == "pricing_page"), ["points", "max_points"]] = [points, points]
    frame.to_csv(rules, index=False)


def set_mqa_threshold(project: Path, threshold: str) -> None:
    settings = project / "seeds" / "account_scoring.csv"
    frame = pd.read_csv(settings, dtype=str, keep_default_na=False)
    frame.loc[frame.model_id == "hybrid_v1", "mqa_threshold"] = threshold
    frame.to_csv(settings, index=False)


def periods(db: Path) -> list[tuple]:
    return query(db, "select live_period, scoring_config_version, config_commit from marts.dim_scoring_config_versions order by live_period")


def stored_versions(db: Path) -> list[tuple]:
    return query(db, "select scoring_config_version, count(*) from intermediate.int_scoring_config_history_rows group by all order by 1")


@pytest.fixture(scope="module")
def history(tmp_path_factory, sample_raw_dir) -> dict:
    """The warehouse after each step, as the facts the tests check."""
    base = tmp_path_factory.mktemp("rule_history")
    project = copy_project(base / "project")
    db = base / "wh" / "lead_scoring.duckdb"
    load(db, sample_raw_dir)
    seen: dict = {}

    build(db, project, "c0ffee1")
    seen["first"] = {"periods": periods(db), "stored": stored_versions(db)}
    build(db, project, "c0ffee2")
    seen["unchanged"] = {"periods": periods(db), "stored": stored_versions(db)}

    set_pricing_points(project, "40")
    build(db, project, "c0ffee3+dirty")
    seen["edited"] = {
        "periods": periods(db),
        "stored": stored_versions(db),
        "changes": query(db, """select live_period, from_version, to_version, seed_name, model_id, rule_id, column_name,
                                       change_kind, old_value, new_value
                                from marts.mart_scoring_rule_changes order by column_name"""),
        "live": query(db, """select live_period, live_from, live_until, is_current, first_recorded_at
                             from marts.dim_scoring_config_versions order by live_period"""),
        "changed_at": query(db, "select distinct changed_at from marts.mart_scoring_rule_changes"),
        "episode_versions": query(db, "select scoring_config_version, count(*) from marts.fct_lead_mql_episodes group by all"),
        "snapshot_versions": dict(query(db, """select scoring_config_version, count(*) from snapshots.snap_lead_lifecycle
                                               group by all""")),
        "old_rule_mqls": query(db, """select count(*) from snapshots.snap_lead_lifecycle as snapshot
                                      inner join marts.dim_scoring_config_versions as versions
                                          on versions.scoring_config_version = snapshot.scoring_config_version
                                      where versions.live_period = 1 and snapshot.mql_count > 0""")[0][0],
    }

    build(db, project, "c0ffee4", "--full-refresh")
    seen["full_refresh"] = {"periods": periods(db), "stored": stored_versions(db),
                            "changes": query(db, "select count(*) from marts.mart_scoring_rule_changes")[0][0]}

    set_pricing_points(project, "20")
    build(db, project, "c0ffee5")
    seen["reverted"] = {
        "periods": periods(db),
        "stored": stored_versions(db),
        "changes": query(db, """select live_period, from_version, to_version, column_name, change_kind, old_value, new_value
                                from marts.mart_scoring_rule_changes where live_period = 3 order by column_name"""),
        "episode_versions": query(db, "select distinct scoring_config_version from marts.fct_lead_mql_episodes"),
    }

    # A rescored lead stores the fingerprint of this run: unchanged fingerprints mean none was.
    stored_fingerprints = "select distinct lead_id, scoring_fingerprint from intermediate.int_lead_score_changes order by 1, 2"
    before = query(db, stored_fingerprints)
    set_mqa_threshold(project, "120")
    build(db, project, "c0ffee6")
    seen["account_settings"] = {
        "periods": periods(db),
        "changes": query(db, """select live_period, seed_name, model_id, rule_id, column_name, change_kind, old_value, new_value
                                from marts.mart_scoring_rule_changes where live_period = 4"""),
        "fingerprints": (len(before), query(db, stored_fingerprints) == before),
    }
    tested = dbt(["test", "--target-path", str(db.parent / "target"), "--vars", f"{{scoring_as_of_date: '{SAMPLE_END}'}}",
                  "--select", *HISTORY_MODELS], db, project_dir=project)
    seen["data_tests"] = (tested.returncode, tested.stdout[-3000:])
    return seen


def test_the_first_run_records_its_configuration_with_its_commit(history):
    [(period, version, commit)] = history["first"]["periods"]
    assert (period, len(version), commit) == (1, 12, "c0ffee1")
    [(stored, cells)] = history["first"]["stored"]
    assert stored == version and cells > 100


def test_a_run_with_unchanged_rules_adds_no_version(history):
    assert history["unchanged"] == history["first"]


def test_an_edited_seed_is_a_second_version_and_the_changes_name_the_edited_cells(history):
    (_, first, _), (_, second, commit) = history["edited"]["periods"]
    assert first != second and commit == "c0ffee3+dirty"
    assert [version for version, _ in history["edited"]["stored"]] == sorted([first, second])
    assert history["edited"]["changes"] == [
        (2, first, second, "scoring_engagement_rules", "hybrid_v1", "pricing_page", "max_points", "changed", "20", "40"),
        (2, first, second, "scoring_engagement_rules", "hybrid_v1", "pricing_page", "points", "changed", "20", "40"),
    ]
    (_, first_from, first_until, first_current, _), (_, second_from, second_until, second_current, second_recorded) = history["edited"]["live"]
    assert (first_until, first_current, second_until, second_current) == (second_from, False, None, True)
    assert first_from < second_from == second_recorded
    assert history["edited"]["changed_at"] == [(second_from,)]


def test_every_mql_episode_carries_the_new_version_and_the_snapshot_keeps_the_old(history):
    (_, first, _), (_, second, _) = history["edited"]["periods"]
    [(version, episodes)] = history["edited"]["episode_versions"]
    assert version == second and episodes > 0
    # Leads the edit moved have a version under the new rules; the rest keep the first one's.
    snapshot = history["edited"]["snapshot_versions"]
    assert set(snapshot) == {first, second} and snapshot[second] > 0
    assert history["edited"]["old_rule_mqls"] > 0


def test_a_full_refresh_keeps_the_history(history):
    assert history["full_refresh"]["periods"] == history["edited"]["periods"]  # the same rules: no new period either
    assert history["full_refresh"]["stored"] == history["edited"]["stored"]
    assert history["full_refresh"]["changes"] == 2


def test_going_back_to_earlier_rules_reuses_their_version_in_a_new_period(history):
    (_, first, _), (_, second, _), (period, again, commit) = history["reverted"]["periods"]
    assert (period, again, commit) == (3, first, "c0ffee5")
    assert history["reverted"]["stored"] == history["edited"]["stored"]  # its rows are not stored twice
    assert history["reverted"]["changes"] == [
        (3, second, first, "max_points", "changed", "40", "20"),
        (3, second, first, "points", "changed", "40", "20"),
    ]
    assert history["reverted"]["episode_versions"] == [(first,)]


def test_account_scoring_settings_are_a_version_that_rescores_no_lead(history):
    (*_, (_, first, _)), account_edit = history["reverted"]["periods"], history["account_settings"]
    *earlier, (period, version, commit) = account_edit["periods"]
    assert earlier == history["reverted"]["periods"]
    assert (period, commit) == (4, "c0ffee6") and version != first
    assert account_edit["changes"] == [(4, "account_scoring", "hybrid_v1", None, "mqa_threshold", "changed", "100", "120")]
    leads, unchanged = account_edit["fingerprints"]
    assert leads > 0 and unchanged


def test_the_data_tests_of_the_history_pass(history):
    returncode, output = history["data_tests"]
    assert returncode == 0, output
