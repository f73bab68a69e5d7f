"""The daily job run in this process, as `lead-scoring demo | run` do: progress on the terminal, the
run's own output in a log file, and a short block on failure.

The command line (lead_scoring/cli.py) hands over to `run_daily_job()`; the package never imports
Dagster itself.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from lead_scoring import settings


def _prepare_environment() -> None:
    """Absolute paths for every process dbt and Dagster start, and a persistent DAGSTER_HOME."""
    os.environ["LEAD_SCORING_DB"] = str(settings.warehouse_path())
    home = Path(os.environ.get("DAGSTER_HOME", settings.PROJECT_DIR / "dagster_home")).resolve()
    home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(home)


def run_daily_job() -> bool:
    """Run the daily job in this process against the persistent Dagster instance, showing its
    progress on the terminal (lead_scoring/progress.py)."""
    _prepare_environment()
    from lead_scoring import progress

    # dagster-dbt echoes every dbt event to stdout, and the Dagster log has stack traces: both go
    # to a log file; the terminal gets the progress, then the summary or the reasons of a failure.
    log_path = settings.warehouse_path().parent / "last_run.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with progress.shown_on(sys.stdout) as shown:
        progress.report("preparing", "dbt parse, Dagster definitions")
        from orchestration.dbt_project import prepare_manifest

        prepare_manifest()
        import dagster as dg

        from orchestration.dead_runs import fail_dead_runs
        from orchestration.definitions import defs
        from orchestration.jobs import DAILY_JOB_NAME

        progress.report("preparing", "done", last=True)
        with dg.DagsterInstance.get() as instance:
            # No daemon watches runs started here: a killed one would hold the warehouse pool for ever.
            fail_dead_runs(instance)
            with log_path.open("w") as log, contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
                result = defs.resolve_job_def(DAILY_JOB_NAME).execute_in_process(
                    instance=instance,
                    raise_on_error=False,
                    # The run's full log is in the Dagster UI; the log file gets warnings and errors.
                    run_config={"loggers": {"console": {"config": {"log_level": os.environ.get("LEAD_SCORING_LOG_LEVEL", "WARNING")}},
                                            "progress": {}}},
                )
            shown.close()  # ends a progress line still open on a terminal before what follows
            if not result.success:
                print(failure_report(instance, result.dagster_run, log_path), file=sys.stderr)
                return False
    print(f"Log of the run (dbt output, warnings): {log_path}")
    return True


# A failure fits on one screen: past this many failed checks and steps, the rest are counted.
MAX_FAILURE_LINES = 8


def failure_report(instance, run, log_path: Path) -> str:
    """A short block on a failed run, about MAX_FAILURE_LINES + 3 lines: what failed (each
    failed blocking check with its description, each failed step with the reason of its error),
    what to do next, and where the full log is."""
    from orchestration.alerts import summarise_failed_run

    summary = summarise_failed_run(instance, run)
    steps = [f"  Failed step {step}: {reason}" for step, reason in summary.step_reasons.items()]
    if not summary.step_reasons and summary.error:
        steps.append(f"  {summary.error.splitlines()[0]}")
    # The failed steps (a handful) always show; the checks (a bad seed row can fail dozens) fill the rest.
    checks = [f"  Failed check {check}" for check in summary.blocking_checks]
    room = max(MAX_FAILURE_LINES - len(steps), 2)
    if len(checks) > room:
        checks = checks[: room - 1] + [f"  ... and {len(checks) - (room - 1)} more failed checks (all in the log)"]
    return "\n".join([
        f"The daily job FAILED (run {run.run_id}).",
        *checks,
        *steps,
        "Next: fix the data, setting or model named above, then run again; the BI file still holds the last good run.",
        f"Full log with stack traces: {log_path}; run history: the Dagster UI (make dev), run {run.run_id}.",
    ])
