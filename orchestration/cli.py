"""Command line: `lead-scoring demo | run | summary | generate | load | raw-source`.

demo        run the daily Dagster job once (the job the schedule runs) on generated sample data,
            or on LEAD_SCORING_RAW_DIR when it is set, and print a summary.
run         the same on LEAD_SCORING_RAW_DIR only: unset, blank or missing, it stops at once with
            a message saying so (sample data is never loaded without being asked for).
summary     print the summary of the current warehouse.
generate    write sample raw files to a folder (see `lead-scoring generate --help`).
load        load a landing folder into the raw schema of the DuckDB warehouse, PostgreSQL or Spark
            (`lead-scoring load --target postgres --raw-dir DIR`, see `lead-scoring load --help`).
raw-source  say where runs of this environment read raw data from, or why they cannot.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

from orchestration import run_options, settings


def _prepare_environment() -> None:
    """Absolute paths for every process dbt and Dagster start, and a persistent DAGSTER_HOME."""
    os.environ["LEAD_SCORING_DB"] = str(settings.warehouse_path())
    home = Path(os.environ.get("DAGSTER_HOME", settings.PROJECT_DIR / "dagster_home")).resolve()
    home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(home)


def run_daily_job() -> bool:
    """Run the daily job in this process against the persistent Dagster instance."""
    _prepare_environment()
    from orchestration.dbt_project import prepare_manifest

    prepare_manifest()
    import dagster as dg

    from orchestration.dead_runs import fail_dead_runs
    from orchestration.definitions import defs
    from orchestration.jobs import DAILY_JOB_NAME

    # dagster-dbt echoes every dbt event to stdout, and the Dagster log has stack traces: both go
    # to a log file; the terminal gets the summary, or the reasons of a failure.
    log_path = settings.warehouse_path().parent / "last_run.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with dg.DagsterInstance.get() as instance:
        # No daemon watches runs started here: a killed one would hold the warehouse pool for ever.
        fail_dead_runs(instance)
        with log_path.open("w") as log, contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            result = defs.resolve_job_def(DAILY_JOB_NAME).execute_in_process(
                instance=instance,
                raise_on_error=False,
                # The run's full log is in the Dagster UI; the log file gets warnings and errors.
                run_config={"loggers": {"console": {"config": {"log_level": os.environ.get("LEAD_SCORING_LOG_LEVEL", "WARNING")}}}},
            )
        if not result.success:
            print(failure_report(instance, result.dagster_run, log_path), file=sys.stderr)
            return False
    print(f"Log of the run (dbt output, warnings): {log_path}")
    return True


def failure_report(instance, run, log_path: Path) -> str:
    """A few lines on a failed run: each failed blocking check with its description, each failed
    step with the reason of its error, and where the full log is."""
    from orchestration.alerts import summarise_failed_run

    summary = summarise_failed_run(instance, run)
    lines = [f"The daily job FAILED (run {run.run_id})."]
    lines += [f"  Failed check {check}" for check in summary.blocking_checks]
    lines += [f"  Failed step {step}: {reason}" for step, reason in summary.step_reasons.items()]
    if not summary.step_reasons and summary.error:
        lines.append(f"  {summary.error.splitlines()[0]}")
    lines.append(f"Full log with stack traces: {log_path}; run history: the Dagster UI (make dev), run {run.run_id}.")
    return "\n".join(lines)


def print_summary() -> None:
    import duckdb

    from orchestration.summary import render_summary

    path = settings.warehouse_path()
    con = duckdb.connect(str(path), read_only=True)
    try:
        print(f"Warehouse: {path}\n")
        print(render_summary(con))
    finally:
        con.close()


def load_raw(target: str, folder: Path | None, sample: bool = False) -> None:
    """Load the landing folder (`folder`, else LEAD_SCORING_RAW_DIR, else sample data when `sample`
    or LEAD_SCORING_SAMPLE_DATA asks for it) into the raw schema of `target` and print the rows per
    table. settings.RawSourceError when there is no such folder."""
    import duckdb

    from orchestration.raw_loader import load_raw_folder

    if folder is not None:
        source = run_options.RawSource(settings.folder_setting(str(folder), "--raw-dir"))
    else:
        source = run_options.raw_source({run_options.SAMPLE_DATA_TAG: "true"} if sample else {})
    folder = source.prepare(print)
    if target == "postgres":
        from orchestration.postgres_raw import load_raw_folder_to_postgres, postgres_connection_settings

        # The scratch DuckDB file keeps the load history, so unchanged files are not read again.
        counts = load_raw_folder_to_postgres(folder, scratch_db=settings.warehouse_path().parent / "raw_for_postgres.duckdb")
        where = "PostgreSQL {host}:{port}/{dbname}".format(**postgres_connection_settings())
    elif target == "spark":
        from orchestration.spark_raw import load_raw_folder_into_spark, spark_dir

        counts = load_raw_folder_into_spark(folder.resolve())
        where = f"Spark ({spark_dir()})"
    else:
        path = settings.warehouse_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path))
        try:
            counts = load_raw_folder(con, folder, on_note=lambda note: print(note, file=sys.stderr))
        finally:
            con.close()
        where = str(path)
    print(f"Loaded {folder} into {where}: " + ", ".join(f"{settings.RAW_SCHEMA}.{t} {n} rows" for t, n in counts.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lead-scoring", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="run the daily job once on generated sample data (or LEAD_SCORING_RAW_DIR) and print a summary")
    sub.add_parser("run", help="run the daily job once on LEAD_SCORING_RAW_DIR and print a summary")
    sub.add_parser("summary", help="print the summary of the current warehouse")
    sub.add_parser("generate", help="write sample raw files", add_help=False)
    sub.add_parser("raw-source", help="say where runs read raw data from (LEAD_SCORING_RAW_DIR or sample data), or why they cannot")
    load = sub.add_parser("load", help="load raw files into the warehouse's raw schema (DuckDB, PostgreSQL or Spark)")
    load.add_argument("--target", choices=["duckdb", "postgres", "spark"], default=os.environ.get("LEAD_SCORING_TARGET", "duckdb"),
                      help="where to load (default: LEAD_SCORING_TARGET, else duckdb); postgres reads LEAD_SCORING_PG_*, spark LEAD_SCORING_SPARK_DIR")
    source = load.add_mutually_exclusive_group()
    source.add_argument("--raw-dir", type=Path, default=None, help="landing folder (default: LEAD_SCORING_RAW_DIR)")
    source.add_argument("--sample", action="store_true", help="generate sample data and load it (when LEAD_SCORING_RAW_DIR is unset)")
    args, rest = parser.parse_known_args(argv)

    if args.command == "generate":
        from orchestration.sample_data import main as generate_main

        return generate_main(rest)
    if args.command == "demo":
        os.environ[settings.SAMPLE_DATA_VAR] = "true"  # the explicit request for sample data
    try:
        if args.command == "load":
            if rest:
                parser.error(f"unrecognized arguments: {' '.join(rest)}")
            load_raw(args.target, args.raw_dir, args.sample)
            return 0
        if args.command in {"demo", "run", "raw-source"}:
            # Checked before the job starts: a bad setting gets one line, not a failed run.
            print(f"Raw data: {run_options.raw_source({}).describe()}")
    except settings.RawSourceError as exc:
        hint = " (load: --raw-dir DIR for a folder, --sample for generated sample data)" if args.command == "load" else ""
        print(f"lead-scoring {args.command}: {exc}{hint}", file=sys.stderr)
        return 2
    if args.command == "raw-source":
        return 0
    if args.command in {"demo", "run"}:
        started = time.perf_counter()
        if not run_daily_job():
            return 1
        print(f"Daily job succeeded in {time.perf_counter() - started:.1f} s.\n")
    print_summary()
    return 0


if __name__ == "__main__":
    sys.exit(main())
