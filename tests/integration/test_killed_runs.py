"""Killed runs: a run whose process dies (SIGKILL) is marked failed and its pool slot freed, by the
next `lead-scoring run` or by the daemon's run monitoring, and the next run completes with the
marts of an uninterrupted run; the BI file is the old one or the new one throughout.

The first tests work on real processes and a real instance (fast); the end-to-end tests kill real
runs while loading, building (dbt) and publishing, in process and through the daemon (slow).
"""

from __future__ import annotations

import os
import re
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

from helpers import PROJECT_DIR, SAMPLE_END, mart_tables, query, stop_process_group
from lead_scoring.bi_publication import publish, read_publication, remove_abandoned_publications
from orchestration import dead_runs

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
    canceling = _started_run(instance, dead_runs.worker_tags(recorded), status=dg.DagsterRunStatus.CANCELING)

    said: list[str] = []
    acted = dead_runs.fail_dead_runs(instance, said.append)

    status = {run.run_id: instance.get_run_by_id(run.run_id).status for run in (dead, launched, live, elsewhere, finished, canceling)}
    assert status == {dead.run_id: dg.DagsterRunStatus.FAILURE, launched.run_id: dg.DagsterRunStatus.FAILURE,
                      live.run_id: dg.DagsterRunStatus.STARTED, elsewhere.run_id: dg.DagsterRunStatus.STARTED,
                      finished.run_id: dg.DagsterRunStatus.SUCCESS, canceling.run_id: dg.DagsterRunStatus.CANCELED}
    assert {state.run.run_id for state in acted} == {dead.run_id, launched.run_id, finished.run_id, canceling.run_id}
    assert _claimed_by(instance) == {live.run_id}
    failure = instance.get_records_for_run(dead.run_id, of_type=dg.DagsterEventType.RUN_FAILURE).records[0].event_log_entry
    assert failure.message == f"The run's process {killed.pid} on {dead_runs.this_host()} is gone (killed or crashed)."
    assert f"Run {dead.run_id} ({JOB}): its process {killed.pid} on {dead_runs.this_host()} is gone; marked failed, freed its pool slot." in said
    assert f"Run {launched.run_id} ({JOB}): its process {launched_worker.pid} is gone; marked failed." in said
    assert f"Run {finished.run_id} ({JOB}): was already success, freed its pool slot." in said
    assert f"Run {canceling.run_id} ({JOB}): its process {killed.pid} on {dead_runs.this_host()} is gone; marked canceled." in said
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


RUN_IN_POOL = """
import sys
import dagster as dg
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource

@dg.asset(pool=WAREHOUSE_POOL)
def table(warehouse: WarehouseResource):
    with warehouse.connect() as con:
        con.execute("create or replace table t as select 1 as x")

with dg.DagsterInstance.from_config(sys.argv[1]) as instance:
    result = dg.materialize([table], instance=instance, resources={"warehouse": WarehouseResource(path=sys.argv[2])})
    print(result.run_id)
"""


def test_any_run_fails_dead_runs_before_its_first_step_claims_the_pool(instance, tmp_path):
    """Also runs without `lead-scoring run` and without a daemon (`dagster job execute`, make backfill)."""
    killed = sleeper()
    dead = _started_run(instance, dead_runs.worker_tags(dead_runs.Worker(pid=killed.pid, host=dead_runs.this_host(), start=dead_runs.process_start(killed.pid))))
    instance.event_log_storage.initialize_concurrency_limit_to_default(POOL)  # limit 1, dagster.yaml
    _claim(instance, dead)  # the pool's only slot
    kill(killed)
    home = Path(instance.root_directory)
    result = subprocess.run([sys.executable, "-c", RUN_IN_POOL, str(home), str(tmp_path / "lead_scoring.duckdb")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    run_id = result.stdout.split()[-1]
    assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.SUCCESS
    assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
    assert f"Run {dead.run_id} ({JOB}): its process {killed.pid} on {dead_runs.this_host()} is gone; marked failed, freed its pool slot." in result.stderr
    assert instance.get_run_by_id(run_id).tags[dead_runs.WORKER_PID_TAG] != str(os.getpid())  # it recorded its own process


# --- a dbt step whose run's process is killed -----------------------------------------------------


def test_a_child_that_asked_to_die_with_its_parent_dies_when_only_the_parent_is_killed(tmp_path):
    """What `lead-scoring-dbt` does before it becomes dbt (the end-to-end test kills a real run)."""
    pid_file = tmp_path / "child.pid"
    child_code = ("import os, time; from lead_scoring.dbt_process import die_with_parent; die_with_parent(); "
                  f"open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(600)")
    parent = subprocess.Popen([sys.executable, "-c", f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {child_code!r}]); time.sleep(600)"])
    child_pid = int(wait_for(lambda: pid_file.exists() and pid_file.read_text(), 30, "the child to start"))
    child = dead_runs.Worker(pid=child_pid, start=dead_runs.process_start(child_pid))
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


# --- real runs killed while loading, building and publishing ---------------------------------------


@dataclass
class Site:
    """A warehouse folder, a landing folder and a Dagster instance with the project's settings."""

    root: Path
    reference_marts: dict
    reference_bi_run: str

    @property
    def warehouse(self) -> Path:
        return self.root / "wh" / "lead_scoring.duckdb"

    @property
    def bi_file(self) -> Path:
        return self.root / "wh" / "bi.duckdb"

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def home(self) -> Path:
        return self.root / "dagster_home"

    def env(self, **extra: str) -> dict[str, str]:
        # Runs stand for the sample's last day, as the reference build does (dbt var scoring_as_of_date).
        return {**os.environ, "LEAD_SCORING_DB": str(self.warehouse), "LEAD_SCORING_RAW_DIR": str(self.landing),
                "DAGSTER_HOME": str(self.home), "LEAD_SCORING_AS_OF_DATE": SAMPLE_END.isoformat(),
                "PYTHONUNBUFFERED": "1", **extra}


CLI = [str(BIN / "lead-scoring"), "run"]


@pytest.fixture(scope="module")
def reference_marts(built_warehouse) -> dict:
    """The marts of an uninterrupted build of the sample data."""
    return mart_tables(built_warehouse)


@pytest.fixture()
def site(tmp_path, built_warehouse, sample_raw_dir, reference_marts) -> Site:
    """A copy of the uninterrupted build with its BI file published, its landing folder plus a new
    file of 300,000 events that the loader rejects (unparseable times: loading takes seconds, the
    marts stay those of the reference), and a fresh instance with the project's dagster.yaml."""
    site = Site(tmp_path, reference_marts, "published-before-the-kills")
    site.warehouse.parent.mkdir()
    shutil.copy(built_warehouse, site.warehouse)
    publish(site.warehouse, site.bi_file, run_id=site.reference_bi_run)
    shutil.copytree(sample_raw_dir, site.landing)
    site.home.mkdir()
    shutil.copy(PROJECT_DIR / "dagster_home" / "dagster.yaml", site.home / "dagster.yaml")
    con = duckdb.connect()
    con.execute(f"""
        copy (select 'E_UNPARSEABLE_' || range as event_id, 'L00000001' as lead_id, 'page_view' as event_type,
                     'not a time' as occurred_at, 'web' as source_system, '{{}}' as properties, 'not a time' as received_at
              from range(300000))
        to '{site.landing / "events" / "late-unparseable.csv"}' (header)""")
    con.close()
    return site


def run_of(instance: dg.DagsterInstance, pid: int) -> str | None:
    """The run that process `pid` executes (it tags itself before its first step)."""
    runs = instance.get_runs(filters=dg.RunsFilter(tags={dead_runs.WORKER_PID_TAG: str(pid)}), limit=1)
    return runs[0].run_id if runs else None


def step_events(instance: dg.DagsterInstance, run_id: str, step: str) -> set[str]:
    return {record.event_log_entry.dagster_event.event_type_value for record in
            instance.get_records_for_run(run_id, of_type={dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS,
                                                          dg.DagsterEventType.STEP_FAILURE}).records
            if record.event_log_entry.step_key == step}


def dbt_builds(parent_pid: int) -> list[dead_runs.Worker]:
    """The `dbt build` processes started by `parent_pid`."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if not proc.name.isdigit() or int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1]) != parent_pid:
                continue
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if any(part.endswith(b"dbt") for part in cmdline) and b"build" in cmdline:
            found.append(dead_runs.Worker(pid=int(proc.name), start=dead_runs.process_start(int(proc.name))))
    return found


def dbt_nodes_started(log: Path) -> int:
    """How many nodes the dbt build that writes to `log` has started ("12 of 553 START ...")."""
    started = re.findall(r"^\s*(\d+) of \d+ START ", log.read_text(errors="replace"), flags=re.MULTILINE) if log.exists() else []
    return max(map(int, started), default=0)


def assert_bi_file_is_whole(site: Site, allowed_runs: set[str]) -> str:
    """The BI file opens, has every mart, and comes from one of `allowed_runs`."""
    publication = read_publication(site.bi_file)
    assert publication is not None and publication["run_id"] in allowed_runs
    tables = query(site.bi_file, "select table_name, row_count from main.bi_publication_tables")
    assert {f"marts.{name}" for name in site.reference_marts} <= {name for name, _ in tables}
    for name, rows in tables:
        assert query(site.bi_file, f"select count(*) from {name}") == [(rows,)]
    return publication["run_id"]


def test_runs_killed_while_loading_building_and_publishing_are_followed_by_a_normal_run(site, tmp_path):
    killed: list[tuple[str, int]] = []  # (run id, pid)
    outputs: list[Path] = []

    def start(name: str) -> subprocess.Popen:
        outputs.append(tmp_path / f"{name}.out")
        with outputs[-1].open("w") as out:
            return subprocess.Popen(CLI, env=site.env(), cwd=site.root, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def kill_run_process(process: subprocess.Popen, run_id: str) -> None:
        # The run's process only, as the out-of-memory killer would: not its process group.
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        killed.append((run_id, process.pid))

    with dg.DagsterInstance.from_config(str(site.home)) as instance:
        # 1. While loading (300,000 rows to reject).
        process = start("killed-loading")
        run_id = wait_for(lambda: run_of(instance, process.pid), RUN_TIMEOUT, "the run to start")
        wait_for(lambda: "STEP_START" in step_events(instance, run_id, RAW_STEP), RUN_TIMEOUT, "the loading step")
        time.sleep(0.3)
        kill_run_process(process, run_id)
        assert step_events(instance, run_id, RAW_STEP) == {"STEP_START"}, "killed after loading"
        assert_bi_file_is_whole(site, {site.reference_bi_run})

        # 2. While dbt builds: dbt, the run's child, dies with it (it would hold the warehouse).
        process = start("killed-dbt")
        run_id = wait_for(lambda: run_of(instance, process.pid), RUN_TIMEOUT, "the run to start")
        builds = wait_for(lambda: dbt_builds(process.pid), RUN_TIMEOUT, "dbt build to start")
        wait_for(lambda: dbt_nodes_started(site.warehouse.parent / "last_run.log") >= 100, RUN_TIMEOUT, "dbt to build its 100th node")
        kill_run_process(process, run_id)
        wait_for(lambda: not any(dead_runs.is_alive(build) for build in builds), 10, "dbt to die with its run")
        assert step_events(instance, run_id, DBT_STEP) == {"STEP_START"}, "killed after dbt"
        assert_bi_file_is_whole(site, {site.reference_bi_run})

        # 3. While publishing: the BI file is the old one or the new one, never missing or partial.
        process = start("killed-publishing")
        run_id = wait_for(lambda: run_of(instance, process.pid), RUN_TIMEOUT, "the run to start")
        half_built = site.bi_file.with_name(f"_publishing_{run_id}_bi.duckdb")
        wait_for(half_built.exists, RUN_TIMEOUT, "the publication to start", every=0.005)
        kill_run_process(process, run_id)
        if assert_bi_file_is_whole(site, {site.reference_bi_run, run_id}) == site.reference_bi_run:
            assert half_built.exists()  # killed before its rename: left for the next publication

        # 4. The next run marks the last dead run failed, frees its slot and completes.
        outputs.append(tmp_path / "final.out")
        final = subprocess.run(CLI, env=site.env(), cwd=site.root, capture_output=True, text=True, timeout=RUN_TIMEOUT)
        outputs[-1].write_text(final.stdout + final.stderr)
        assert final.returncode == 0, final.stdout[-3000:] + final.stderr[-3000:]

        # Each run said that it found its predecessor dead, marked it failed and freed its slot.
        for (run_id, pid), output in zip(killed, outputs[1:]):
            assert (f"Run {run_id} ({JOB}): its process {pid} on {dead_runs.this_host()} is gone; marked failed, freed its pool slot."
                    in output.read_text()), output.read_text()[-3000:]
            assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE
        assert not instance.event_log_storage.get_concurrency_info(POOL).claimed_slots
        [completed] = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.SUCCESS]))
    assert mart_tables(site.warehouse) == site.reference_marts
    assert_bi_file_is_whole(site, {completed.run_id})
    assert not list(site.bi_file.parent.glob("_publishing_*"))
    assert query(site.warehouse, "select status, rows_rejected from raw.load_log where file_path = 'events/late-unparseable.csv'") == [("loaded", 300000)]


def worker_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    """The pid of a launched run's process, from the event in which it logged it."""
    worker = dead_runs.run_worker(instance, instance.get_run_by_id(run_id))
    return worker.pid if worker else None


def test_launched_runs_whose_processes_are_killed_are_failed_by_run_monitoring_and_the_next_one_completes(site, tmp_path):
    """The daemon's path (schedule, sensor, UI): runs go through the queue (one at a time) and run
    in a process of the code server. Once the run's process is killed, and once the daemon, the
    code server and the run all at once; each time the next launched run gets the warehouse."""
    # The landing-folder sensor would start runs of its own: give it nothing to watch.
    env = site.env(LEAD_SCORING_LANDING_DIR=str(tmp_path / "no-landing"))
    daemons: list[subprocess.Popen] = []

    def start_daemon() -> subprocess.Popen:
        with (tmp_path / f"daemon-{len(daemons)}.log").open("w") as log:
            daemons.append(subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-m", "orchestration.definitions"], env=env,
                                            cwd=site.root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        return daemons[-1]

    def launch() -> str:
        run_id = str(uuid.uuid4())
        launched = subprocess.run([str(BIN / "dagster"), "job", "launch", "-m", "orchestration.definitions", "-j", JOB, "--run-id", run_id],
                                  env=env, cwd=site.root, capture_output=True, text=True, timeout=300)
        assert launched.returncode == 0, launched.stdout[-3000:] + launched.stderr[-3000:]
        return run_id

    def status(run_id: str) -> dg.DagsterRunStatus:
        return instance.get_run_by_id(run_id).status

    try:
        with dg.DagsterInstance.from_config(str(site.home)) as instance:
            daemon = start_daemon()
            # 1. The run's process is killed while loading.
            first = launch()
            pid = wait_for(lambda: worker_pid(instance, first), RUN_TIMEOUT, "the first run's process")
            wait_for(lambda: "STEP_START" in step_events(instance, first, RAW_STEP), RUN_TIMEOUT, "the loading step")
            time.sleep(0.3)
            os.kill(pid, signal.SIGKILL)
            wait_for(lambda: status(first) == dg.DagsterRunStatus.FAILURE, 120, "the killed run to be marked failed")

            # 2. The next run gets the warehouse pool. While dbt builds, the daemon, its code server
            # and the run are all killed (a crash of `make dev`, a reboot): nothing is left to notice.
            second = launch()
            second_pid = wait_for(lambda: worker_pid(instance, second), RUN_TIMEOUT, "the second run's process")
            wait_for(lambda: dbt_builds(second_pid), RUN_TIMEOUT, "the second run's dbt build")
            time.sleep(5)
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait()
            assert status(second) == dg.DagsterRunStatus.STARTED

            # 3. A new daemon's run monitoring marks it failed and frees its slot; the next run completes.
            start_daemon()
            third = launch()
            wait_for(lambda: instance.get_run_by_id(third).is_finished, RUN_TIMEOUT, "the third run to end")
            assert status(third) == dg.DagsterRunStatus.SUCCESS, (tmp_path / "daemon-1.log").read_text()[-3000:]
            assert status(second) == dg.DagsterRunStatus.FAILURE
            failure = instance.get_records_for_run(second, of_type=dg.DagsterEventType.RUN_FAILURE).records[0].event_log_entry
            assert f"The run's process {second_pid} on {dead_runs.this_host()} is gone (killed or crashed)." in failure.message
            assert not instance.event_log_storage.get_concurrency_info(POOL).claimed_slots
    finally:
        for daemon in daemons:
            stop_process_group(daemon, timeout=30)
    assert mart_tables(site.warehouse) == site.reference_marts
    assert_bi_file_is_whole(site, {third})
