"""dbt's parse state kept between runs (lead_scoring.dbt_parse_state); a second daily run that
reparses nothing is tested in tests/integration/test_dagster.py."""

from __future__ import annotations

import os

from lead_scoring import dbt_parse_state
from lead_scoring.run_options import dbt_args


def test_runs_with_other_vars_keep_their_own_state(tmp_path, monkeypatch):
    monkeypatch.setenv("LEAD_SCORING_DB", "/data/lead_scoring.duckdb")
    daily = dbt_parse_state.state_file(tmp_path, tmp_path / "project", dbt_args({}))
    assert daily == dbt_parse_state.state_file(tmp_path, tmp_path / "project", dbt_args({}))
    assert daily.parent == tmp_path / dbt_parse_state.STATE_FOLDER
    # A replay of another day is a daily run like any other (its day is not a var).
    assert daily == dbt_parse_state.state_file(tmp_path, tmp_path / "project", dbt_args({"lead_scoring/as_of_date": "2026-03-31"}))
    others = {
        dbt_parse_state.state_file(tmp_path, tmp_path / "project", dbt_args({}, tests_only=True)),
        dbt_parse_state.state_file(tmp_path, tmp_path / "moved", dbt_args({})),
    }
    monkeypatch.setenv("LEAD_SCORING_DB", "/other/lead_scoring.duckdb")
    others.add(dbt_parse_state.state_file(tmp_path, tmp_path / "project", dbt_args({})))
    assert daily not in others and len(others) == 3


def test_the_state_a_run_wrote_is_restored_into_the_next_runs_folder(tmp_path):
    state = tmp_path / "target" / dbt_parse_state.STATE_FOLDER / "daily.msgpack"
    first, second = tmp_path / "target" / "run-1", tmp_path / "target" / "run-2"
    assert not dbt_parse_state.restore(state, first)  # first run: nothing kept, dbt parses in full
    first.mkdir(parents=True)
    assert not dbt_parse_state.keep(first, state)  # dbt failed before writing one
    (first / dbt_parse_state.PARTIAL_PARSE_FILE).write_bytes(b"state of run 1")
    assert dbt_parse_state.keep(first, state)
    assert dbt_parse_state.restore(state, second)
    assert (second / dbt_parse_state.PARTIAL_PARSE_FILE).read_bytes() == b"state of run 1"
    assert [p.name for p in state.parent.iterdir()] == ["daily.msgpack"]  # no temporary file left


def test_only_the_newest_states_are_kept(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / dbt_parse_state.PARTIAL_PARSE_FILE).write_bytes(b"state")
    folder = tmp_path / dbt_parse_state.STATE_FOLDER
    for day in range(dbt_parse_state.KEEP_STATES + 3):
        dbt_parse_state.keep(run, folder / f"day-{day:02d}.msgpack")
        os.utime(folder / f"day-{day:02d}.msgpack", (day, day))
    kept = sorted(p.name for p in folder.iterdir())
    assert kept == [f"day-{day:02d}.msgpack" for day in range(3, dbt_parse_state.KEEP_STATES + 3)]
