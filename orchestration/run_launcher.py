"""The run launcher of the instance in dagster_home/: Dagster's default launcher, plus a health
check of run workers, so that the daemon's run monitoring can tell a dead run from a live one.

The default launcher starts each run in a process of the code server but cannot say whether that
process still lives, so run monitoring leaves a run whose process was killed "started" for ever
(and, with `max_concurrent_runs: 1`, every queued run behind it). This one answers from the
process the run recorded (orchestration/dead_runs.py): gone → the run is marked failed, and
`free_slots_after_run_end_seconds` frees its slot in the `duckdb` pool. It answers for runs of
`lead-scoring run` too, which no launcher started.
"""

from __future__ import annotations

import dagster as dg

# Not re-exported by `dagster`: the types a run launcher's health check returns.
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus

from orchestration import dead_runs


class LeadScoringRunLauncher(dg.DefaultRunLauncher):
    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        worker = dead_runs.run_worker(self._instance, run)
        if worker is not None and dead_runs.is_alive(worker) is False:
            return CheckRunHealthResult(WorkerStatus.FAILED, dead_runs.dead_worker_message(worker))
        # Alive, not yet known (still starting) or on another host: never fail a run on a guess.
        return CheckRunHealthResult(WorkerStatus.RUNNING, worker.describe() if worker else "process not known yet")
