"""Killed runs: a run whose process dies (SIGKILL) is marked failed and its pool slot freed, by the
next `lead-scoring run` or by the daemon's run monitoring, and the next run completes with the
marts of an uninterrupted run; the BI file is the old one or the new one throughout.

The first tests work on real processes and a real instance (fast); the end-to-end tests kill real
runs while loading, building (dbt) and publishing, in process and through the daemon (slow).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._core.events import EngineEventData

from conftest import PROJECT_DIR, SAMPLE_END, query
from orchestration import dead_runs
from orchestration.bi_publication import read_publication, remove_abandoned_publications
from test_reliability import mart_tables

BIN = Path(sys.executable).parent
JOB = "daily_lead_scoring"
POOL = "duckdb"
RAW_STEP, DBT_STEP = "raw_tables", "lead_scoring_dbt_assets"
# A full run takes one to three minutes on two busy cores; a run blocked by a dead one never ends.
RUN_TIMEOUT = 900


def sleeper() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])


def kill(process: subprocess.Popen, reap: bool = True) -> None:
    process.kill()
    if reap:
        process.wait()


def wait_for(condition: Callable[[], object], timeout: float, what: str, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


# --- the process behind a run ---------------------------------------------------------------


def test_a_process_is_alive_while_it_runs_and_dead_once_killed_even_before_it_is_collected():
    process = sleeper()
    worker = dead_runs.Worker(pid=process.pid, host=dead_runs.this_host(), start=dead_runs.process_start(process.pid))
    assert worker.start and dead_runs.is_alive(worker) is True
    kill(process, reap=False)  # a zombie until its parent collects it
    try:
        wait_for(lambda: dead_runs.is_alive(worker) is False, 5, "the killed process to count as dead")
    finally:
        process.wait()
    assert dead_runs.is_alive(worker) is False


def test_a_reused_pid_is_not_the_runs_process_and_another_hosts_process_is_not_judged():
    process = sleeper()
    try:
        boot, ticks = dead_runs.process_start(process.pid).rsplit(":", 1)
        # The pid now belongs to a process that started later than the one the run recorded.
        assert dead_runs.is_alive(dead_runs.Worker(pid=process.pid, start=f"{boot}:{int(ticks) - 500}")) is False
        assert dead_runs.is_alive(dead_runs.Worker(pid=process.pid, start=f"another-boot:{ticks}")) is False
        # Known only from an event it logged: it must have started before that event.
        assert dead_runs.is_alive(dead_runs.Worker(pid=process.pid, seen_at=time.time())) is True
        assert dead_runs.is_alive(dead_runs.Worker(pid=process.pid, seen_at=time.time() - 3600)) is False
        # A process on another host cannot be seen from here: never judged dead.
        assert dead_runs.is_alive(dead_runs.Worker(pid=process.pid, host="another-host", start="x:1")) is None
    finally:
        kill(process)


@pytest.fixture()
def instance(tmp_path):
    """An instance with the project's dagster.yaml (pool limits, run launcher, run monitoring)."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_DIR / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        yield instance


def _started_run(instance: dg.DagsterInstance, tags: dict[str, str] | None = None, status=dg.DagsterRunStatus.STARTED) -> dg.DagsterRun:
    return instance.add_run(dg.DagsterRun(job_name=JOB, run_id=str(uuid.uuid4()), status=status, tags=tags or {}))


def _claim(instance: dg.DagsterInstance, run: dg.DagsterRun, step: str = RAW_STEP) -> None:
    assert instance.event_log_storage.claim_concurrency_slot(POOL, run.run_id, step).is_claimed


def _claimed_by(instance: dg.DagsterInstance) -> set[str]:
    return {slot.run_id for slot in instance.event_log_storage.get_concurrency_info(POOL).claimed_slots}


def test_dead_runs_are_marked_failed_and_their_slots_freed_live_and_foreign_ones_are_left(instance):
    instance.event_log_storage.set_concurrency_slots(POOL, 3)
    killed = sleeper()
    recorded = dead_runs.Worker(pid=killed.pid, host=dead_runs.this_host(), start=dead_runs.process_start(killed.pid))
    dead = _started_run(instance, dead_runs.worker_tags(recorded))  # `lead-scoring run`, tagged by itself
    _claim(instance, dead)
    # Launched by the daemon and killed before it tagged itself: known by the pid it logged.
    launched_worker = sleeper()
    launched = _started_run(instance)
    instance.report_engine_event(f"Started process for run (pid: {launched_worker.pid}).", launched, EngineEventData.in_process(launched_worker.pid))
    kill(killed)
    kill(launched_worker)
    live = _started_run(instance, dead_runs.worker_tags())  # this process
    _claim(instance, live, DBT_STEP)
    elsewhere = _started_run(instance, {**dead_runs.worker_tags(recorded), dead_runs.WORKER_HOST_TAG: "another-host"})
    finished = _started_run(instance, status=dg.DagsterRunStatus.SUCCESS)  # ended, slot still claimed
    _claim(instance, finished, "bi__bi_file")

    said: list[str] = []
    acted = dead_runs.fail_dead_runs(instance, said.append)

    status = {run.run_id: instance.get_run_by_id(run.run_id).status for run in (dead, launched, live, elsewhere, finished)}
    assert status == {dead.run_id: dg.DagsterRunStatus.FAILURE, launched.run_id: dg.DagsterRunStatus.FAILURE,
                      live.run_id: dg.DagsterRunStatus.STARTED, elsewhere.run_id: dg.DagsterRunStatus.STARTED,
                      finished.run_id: dg.DagsterRunStatus.SUCCESS}
    assert {state.run.run_id for state in acted} == {dead.run_id, launched.run_id, finished.run_id}
    assert _claimed_by(instance) == {live.run_id}
    failure = instance.get_records_for_run(dead.run_id, of_type=dg.DagsterEventType.RUN_FAILURE).records[0].event_log_entry
    assert failure.message == f"The run's process {killed.pid} on {dead_runs.this_host()} is gone (killed or crashed)."
    assert f"Run {dead.run_id} ({JOB}): its process {killed.pid} on {dead_runs.this_host()} is gone; marked failed, freed its pool slot." in said
    assert f"Run {launched.run_id} ({JOB}): its process {launched_worker.pid} is gone; marked failed." in said
    assert f"Run {finished.run_id} ({JOB}): was already success, freed its pool slot." in said
    assert f"Run {live.run_id} ({JOB}, process {os.getpid()} on {dead_runs.this_host()}) holds the warehouse pool; a new run waits until it ends." in said
    # A second sweep finds nothing more to do.
    assert dead_runs.fail_dead_runs(instance, said.append) == []


def test_the_run_launcher_reports_dead_run_workers_to_run_monitoring(instance):
    from dagster._core.launcher import WorkerStatus

    from orchestration.run_launcher import LeadScoringRunLauncher

    assert isinstance(instance.run_launcher, LeadScoringRunLauncher) and instance.run_monitoring_enabled
    assert instance.run_monitoring_settings["free_slots_after_run_end_seconds"] > 0
    killed = sleeper()
    dead = _started_run(instance, dead_runs.worker_tags(dead_runs.Worker(pid=killed.pid, host=dead_runs.this_host(), start=dead_runs.process_start(killed.pid))))
    kill(killed)
    live = _started_run(instance, dead_runs.worker_tags())
    starting = _started_run(instance)  # no process known yet
    health = instance.run_launcher.check_run_worker_health
    assert health(dead).status == WorkerStatus.FAILED
    assert health(live).status == WorkerStatus.RUNNING
    assert health(starting).status == WorkerStatus.RUNNING


# --- a dbt step whose run's process is killed -----------------------------------------------------


def test_a_child_that_asked_to_die_with_its_parent_dies_when_only_the_parent_is_killed(tmp_path):
    """What `lead-scoring-dbt` does before it becomes dbt (the end-to-end test kills a real run)."""
    pid_file = tmp_path / "child.pid"
    child_code = "from orchestration.dbt_process import die_with_parent; import time; die_with_parent(); time.sleep(600)"
    parent_code = (f"import subprocess, sys, time; child = subprocess.Popen([sys.executable, '-c', {child_code!r}]); "
                   f"open({str(pid_file)!r}, 'w').write(str(child.pid)); time.sleep(600)")
    parent = subprocess.Popen([sys.executable, "-c", parent_code])
    child_pid = int(wait_for(lambda: pid_file.exists() and pid_file.read_text(), 30, "the child to start"))
    child = dead_runs.Worker(pid=child_pid, start=dead_runs.process_start(child_pid))
    time.sleep(1)  # past the child's die_with_parent()
    assert dead_runs.is_alive(child) is True
    kill(parent)
    wait_for(lambda: dead_runs.is_alive(child) is False, 10, "the child to die with its parent")


# --- publications killed before their rename ------------------------------------------------------


def test_leftovers_of_killed_publications_are_removed_and_a_live_ones_file_is_kept(tmp_path):
    target = tmp_path / "bi.duckdb"
    writer = ("import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
              "con.execute('create table t as select range as i from range(100000)'); print('ready', flush=True); time.sleep(600)")
    killed_file = tmp_path / f"_publishing_{uuid.uuid4()}_bi.duckdb"
    killed = subprocess.Popen([sys.executable, "-c", writer, str(killed_file)], stdout=subprocess.PIPE, text=True)
    live_file = tmp_path / f"_publishing_{uuid.uuid4()}_bi.duckdb"
    live = subprocess.Popen([sys.executable, "-c", writer, str(live_file)], stdout=subprocess.PIPE, text=True)
    try:
        assert killed.stdout.readline().strip() == "ready" and live.stdout.readline().strip() == "ready"
        kill(killed)
        assert killed_file.exists() and killed_file.with_name(killed_file.name + ".wal").exists()
        lone_wal = tmp_path / f"_publishing_{uuid.uuid4()}_bi.duckdb.wal"
        lone_wal.write_bytes(b"cut short")
        other_bi_file = tmp_path / "_publishing_x_other.duckdb"
        other_bi_file.write_bytes(b"")

        removed = remove_abandoned_publications(target)

        assert set(removed) == {killed_file, killed_file.with_name(killed_file.name + ".wal"), lone_wal}
        assert live_file.exists() and other_bi_file.exists()
    finally:
        kill(live)
