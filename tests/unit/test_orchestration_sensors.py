"""The landing-folder sensor: one run per new file set, none for a set it has seen or that is incomplete."""

from __future__ import annotations

import os
import time
from pathlib import Path

import dagster as dg
import pytest

from lead_scoring.run_options import RAW_DIR_TAG
from lead_scoring.settings import RawSourceError
from orchestration.sensors import SETTLE_SECONDS, fingerprint, landed_files, new_raw_files_sensor


def _write(path: Path, text: str, age_seconds: float = 3600) -> None:
    """A file last modified `age_seconds` ago (an export that finished copying)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    then = time.time() - age_seconds
    os.utime(path, (then, then))


@pytest.fixture
def landing(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "landing"
    _write(folder / "leads.csv", "lead_id,created_at\nL1,2026-06-01\n")
    _write(folder / "events" / "day-1.csv", "event_id,lead_id,event_type,occurred_at\nE1,L1,page_view,2026-06-01\n")
    _write(folder / "opportunities.csv", "opportunity_id,lead_id,created_at,stage\n")
    monkeypatch.delenv("LEAD_SCORING_RAW_DIR", raising=False)
    monkeypatch.setenv("LEAD_SCORING_LANDING_DIR", str(folder))
    return folder


def _tick(cursor: str | None = None):
    return new_raw_files_sensor(dg.build_sensor_context(cursor=cursor))


def test_a_new_file_set_starts_one_run_and_the_same_set_none(landing):
    first = _tick()
    (request,) = first.run_requests
    key = fingerprint(landing, landed_files(landing))
    assert request.run_key == key and first.cursor == key
    assert request.tags[RAW_DIR_TAG] == str(landing)
    # Same files on the next tick: nothing to do.
    again = _tick(cursor=first.cursor)
    assert isinstance(again, dg.SkipReason) and "No new files" in again.skip_message


def test_another_file_starts_another_run(landing):
    first = _tick()
    _write(landing / "events" / "day-2.csv", "event_id,lead_id,event_type,occurred_at\nE2,L1,page_view,2026-06-02\n")
    second = _tick(cursor=first.cursor)
    (request,) = second.run_requests
    assert request.run_key == second.cursor != first.cursor
    # A re-delivered file with new content (size or time changed) is a new set too.
    _write(landing / "leads.csv", "lead_id,created_at\nL1,2026-06-01\nL2,2026-06-02\n")
    third = _tick(cursor=second.cursor)
    assert third.run_requests[0].run_key not in {first.cursor, second.cursor}


def test_files_still_being_copied_wait_for_a_later_tick(landing):
    first = _tick()
    _write(landing / "events" / "day-2.csv", "event_id\n", age_seconds=SETTLE_SECONDS / 2)
    waiting = _tick(cursor=first.cursor)
    assert isinstance(waiting, dg.SkipReason) and "waiting until the copy is complete" in waiting.skip_message


def test_an_incomplete_file_set_waits_for_the_missing_table(landing):
    (landing / "events" / "day-1.csv").unlink()
    result = _tick()
    assert isinstance(result, dg.SkipReason)
    assert "complete file set" in result.skip_message and "'events'" in result.skip_message


def test_opportunities_are_optional_for_a_team_without_any_yet(landing):
    (landing / "opportunities.csv").unlink()
    (request,) = _tick().run_requests
    assert request.run_key


def test_landing_folder_defaults_to_the_raw_folder(landing, monkeypatch):
    monkeypatch.delenv("LEAD_SCORING_LANDING_DIR")
    monkeypatch.setenv("LEAD_SCORING_RAW_DIR", str(landing))
    (request,) = _tick().run_requests
    assert request.tags[RAW_DIR_TAG] == str(landing)
    monkeypatch.delenv("LEAD_SCORING_RAW_DIR")
    result = _tick()
    assert isinstance(result, dg.SkipReason) and "No landing folder" in result.skip_message


def test_the_run_loads_the_folder_the_sensor_watched(tmp_path, monkeypatch):
    """The raw step reads the sensor's folder tag before LEAD_SCORING_RAW_DIR."""
    from lead_scoring import run_options

    (tmp_path / "configured").mkdir()
    (tmp_path / "landed").mkdir()
    monkeypatch.setenv("LEAD_SCORING_RAW_DIR", str(tmp_path / "configured"))
    assert run_options.raw_source({RAW_DIR_TAG: str(tmp_path / "landed")}).folder == tmp_path / "landed"
    assert run_options.raw_source({}).folder == tmp_path / "configured"


@pytest.mark.parametrize("variable", ["LEAD_SCORING_LANDING_DIR", "LEAD_SCORING_RAW_DIR"])
def test_a_blank_landing_variable_fails_the_tick_naming_it(landing, monkeypatch, variable):
    # Blank used to mean "no folder" (and LANDING_DIR blank fell through to RAW_DIR) without a word.
    monkeypatch.delenv("LEAD_SCORING_LANDING_DIR")
    monkeypatch.setenv("LEAD_SCORING_RAW_DIR", str(landing))
    monkeypatch.setenv(variable, " ")
    with pytest.raises(RawSourceError, match=f"{variable} is set but blank"):
        _tick()
