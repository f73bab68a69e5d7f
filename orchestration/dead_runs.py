"""Runs whose process is gone: find them, mark them failed and free their pool slots.

A run killed with SIGKILL (out of memory, a reboot, `kill -9`) cannot record its end: it stays
"started" in the Dagster instance and keeps the slot of the `duckdb` pool that its step had
claimed, so every later run waits for it for ever. Each run therefore records the process
that executes it, and a run is dead when that process no longer exists:

- every run of the daily job tags itself, before any step claims the pool, with the run tags
  lead_scoring/worker_host, _pid and _start (the process start as the operating system records
  it, so that a reused pid is not taken for the run's process; the warehouse resource does it);
- a run killed before that (or a run of another job) is known by the engine event in which its
  process logged its pid: a process with that pid that started after the event is another one.

A run recorded on another host is never judged from here (its process cannot be seen). On
systems without /proc (macOS), the start time is not available and the pid alone decides.

Every run of the daily job calls fail_dead_runs() when it starts, before its first step claims the
pool (the warehouse resource does it; `lead-scoring run` also calls it first, to say what it found
on the terminal). Under the daemon, run monitoring asks the run launcher, which asks is_alive(),
so a dead run does not hold the queue either. `python -m orchestration.dead_runs` sweeps on demand.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
from dagster._core.events import JobFailureData, RunFailureReason
from dagster._core.storage.tags import GRPC_INFO_TAG

WORKER_HOST_TAG = "lead_scoring/worker_host"
WORKER_PID_TAG = "lead_scoring/worker_pid"
WORKER_START_TAG = "lead_scoring/worker_start"

# Runs that may have a process. QUEUED runs have none yet (the queue owns them).
RUNNING_STATUSES = [
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]
# A process logs its pid after it started. Wall-clock times can be adjusted meanwhile: allow a
# minute (a reused pid belongs to a process started much later, after the pids wrapped around).
START_TOLERANCE_SECONDS = 60.0
LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1", "0.0.0.0"}
PROC = Path("/proc")


@dataclass(frozen=True)
class Worker:
    """The process that executes a run."""

    pid: int
    host: str | None = None  # None: recorded without a host, taken as this host
    start: str | None = None  # "<boot id>:<start in clock ticks>", recorded by the process itself
    seen_at: float | None = None  # the process was alive at this time (an event it logged)

    def describe(self) -> str:
        return f"process {self.pid}" + (f" on {self.host}" if self.host else "")


@dataclass(frozen=True)
class RunState:
    run: dg.DagsterRun
    worker: Worker | None
    alive: bool | None  # None: cannot tell (unknown process, or another host)
    claims_slots: bool  # holds a pool slot, or waits for one

    @property
    def is_dead(self) -> bool:
        return self.alive is False


def this_host() -> str:
    return socket.gethostname()


def _boot_id() -> str | None:
    try:
        return (PROC / "sys" / "kernel" / "random" / "boot_id").read_text().strip()
    except OSError:
        return None


def _proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name, or None when there is no such process
    or it is a zombie (killed, not yet collected by its parent)."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except (OSError, ValueError):
        return None
    # The command name is in parentheses and may itself contain spaces and parentheses.
    fields = text[text.rindex(")") + 2:].split()
    if fields[0] in {"Z", "X", "x"}:
        return None
    return fields


def _start_ticks(fields: list[str]) -> int:
    return int(fields[19])  # field 22 of stat: start time after boot, in clock ticks


def _boot_time() -> float:
    for line in (PROC / "stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    raise RuntimeError("no btime in /proc/stat")


def process_start(pid: int) -> str | None:
    """The start of process `pid` as "<boot id>:<ticks>", or None (no such process, or no /proc)."""
    boot = _boot_id()
    fields = _proc_stat(pid) if boot else None
    return f"{boot}:{_start_ticks(fields)}" if fields else None


def current_worker() -> Worker:
    return Worker(pid=os.getpid(), host=this_host(), start=process_start(os.getpid()))


def worker_tags(worker: Worker | None = None) -> dict[str, str]:
    """Run tags naming the process that executes a run (by default: this one)."""
    worker = worker or current_worker()
    tags = {WORKER_HOST_TAG: worker.host or this_host(), WORKER_PID_TAG: str(worker.pid)}
    if worker.start:
        tags[WORKER_START_TAG] = worker.start
    return tags


def record_worker(instance: dg.DagsterInstance, run_id: str) -> None:
    """Tag run `run_id` with this process, the one that executes it."""
    instance.add_run_tags(run_id, worker_tags())


def is_alive(worker: Worker) -> bool | None:
    """True or False, or None when this process cannot tell (the worker is on another host)."""
    if worker.host and worker.host != this_host():
        return None
    if not PROC.is_dir():
        return _pid_exists(worker.pid)
    fields = _proc_stat(worker.pid)
    if fields is None:
        return False
    if worker.start:
        return process_start(worker.pid) == worker.start
    if worker.seen_at is not None:
        started_at = _boot_time() + _start_ticks(fields) / os.sysconf("SC_CLK_TCK")
        return started_at <= worker.seen_at + START_TOLERANCE_SECONDS
    return True


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def launched_host(tags: Mapping[str, str]) -> str | None:
    """The host of the code server that a launched run was sent to; None when it is this one."""
    try:
        host = json.loads(tags.get(GRPC_INFO_TAG) or "{}").get("host") or ""
    except (ValueError, AttributeError):
        return None
    return None if host in LOCAL_HOSTS or host == this_host() else host


def run_worker(instance: dg.DagsterInstance, run: dg.DagsterRun) -> Worker | None:
    """The process that executes `run`, from its tags or from the first event that logged a pid."""
    tags = run.tags
    host = tags.get(WORKER_HOST_TAG) or launched_host(tags)
    if tags.get(WORKER_PID_TAG, "").isdigit():
        return Worker(pid=int(tags[WORKER_PID_TAG]), host=host, start=tags.get(WORKER_START_TAG) or None)
    records = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT, ascending=True).records
    for record in records:
        event = record.event_log_entry.dagster_event
        metadata = event.event_specific_data.metadata if event and event.event_specific_data else {}
        pid = metadata.get("pid")
        if pid is not None and str(pid.value).isdigit():
            return Worker(pid=int(pid.value), host=host, seen_at=record.event_log_entry.timestamp)
    return None


def _pool_claims(instance: dg.DagsterInstance) -> tuple[set[str], set[str]]:
    """Run ids that hold a slot of a pool, and run ids with a step waiting for one."""
    storage = instance.event_log_storage
    holding: set[str] = set()
    waiting: set[str] = set()
    if storage.supports_global_concurrency_limits:
        for key in storage.get_concurrency_keys():
            info = storage.get_concurrency_info(key)
            holding |= {slot.run_id for slot in info.claimed_slots}
            waiting |= {step.run_id for step in info.pending_steps}
    return holding, waiting


def run_states(instance: dg.DagsterInstance, claiming: set[str] | None = None) -> list[RunState]:
    """Every run that may still have a process or that claims a pool slot, with its worker's state."""
    if claiming is None:
        claiming = set().union(*_pool_claims(instance))
    runs = {run.run_id: run for run in instance.get_runs(filters=dg.RunsFilter(statuses=RUNNING_STATUSES))}
    if claiming - runs.keys():
        runs |= {run.run_id: run for run in instance.get_runs(filters=dg.RunsFilter(run_ids=sorted(claiming - runs.keys())))}
    states = []
    for run in runs.values():
        worker = run_worker(instance, run)
        states.append(RunState(run, worker, is_alive(worker) if worker else None, run.run_id in claiming))
    return states


def dead_worker_message(worker: Worker) -> str:
    return f"The run's {worker.describe()} is gone (killed or crashed)."


def fail_dead_runs(instance: dg.DagsterInstance, say: Callable[[str], None] = print) -> list[RunState]:
    """Marks every unfinished run whose process is gone failed (canceled, when it was being
    canceled) and frees the pool slots of every run that cannot use them any more: dead, finished,
    or deleted from the run history. Says what it did, and which live run holds a slot (a new run
    waits for it). Returns the runs it marked or freed."""
    holding, waiting = _pool_claims(instance)
    claiming = holding | waiting
    states = run_states(instance, claiming)
    acted = []
    for state in states:
        run = state.run
        if state.is_dead and not run.is_finished:
            _report_dead(instance, run, dead_worker_message(state.worker))
        if state.claims_slots and (state.is_dead or run.is_finished):
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        if state.is_dead or (state.claims_slots and run.is_finished):
            acted.append(state)
            gone = f"its {state.worker.describe()} is gone; " if state.is_dead else ""
            if run.is_finished:
                done = f"was already {run.status.value.lower()}"
            else:
                done = "marked canceled" if run.status == dg.DagsterRunStatus.CANCELING else "marked failed"
            freed = ", freed its pool slot" if state.claims_slots else ""
            say(f"Run {run.run_id} ({run.job_name}): {gone}{done}{freed}.")
        elif run.run_id in holding:
            who = state.worker.describe() if state.worker else "process not known yet"
            say(f"Run {run.run_id} ({run.job_name}, {who}) holds the warehouse pool; a new run waits until it ends.")
    # Slots of runs deleted from the run history belong to nobody.
    for run_id in sorted(claiming - {state.run.run_id for state in states}):
        instance.event_log_storage.free_concurrency_slots_for_run(run_id)
        say(f"Run {run_id} is not in the run history any more: freed its pool slot.")
    return acted


def _report_dead(instance: dg.DagsterInstance, run: dg.DagsterRun, message: str) -> None:
    current = instance.get_run_by_id(run.run_id)  # another process may have ended it meanwhile
    if current is None or current.is_finished:
        return
    if current.status == dg.DagsterRunStatus.CANCELING:
        instance.report_run_canceled(current, message)
    else:
        instance.report_run_failed(
            current, message, JobFailureData(error=None, failure_reason=RunFailureReason.UNEXPECTED_TERMINATION)
        )


def main() -> int:
    with dg.DagsterInstance.get() as instance:
        fail_dead_runs(instance)
    return 0


if __name__ == "__main__":
    sys.exit(main())
