"""Command line: `lead-scoring demo | run | summary | generate | load | raw-source | validate | preview |
suggest-weights`.

demo        run the daily Dagster job once (the job the schedule runs) on generated sample data,
            or on LEAD_SCORING_RAW_DIR when it is set, and print a summary.
run         the same on LEAD_SCORING_RAW_DIR only: unset, blank or missing, it stops at once with
            a message saying so (sample data is never loaded without being asked for).
summary     print the summary of the current warehouse.
generate    write sample raw files to a folder (see `lead-scoring generate --help`).
load        load a landing folder into the raw schema of the DuckDB warehouse, PostgreSQL or Spark
            (`lead-scoring load --target postgres --raw-dir DIR`, see `lead-scoring load --help`).
raw-source  say where runs of this environment read raw data from, or why they cannot.
validate    check the scoring and activation seeds (or a folder of candidate seed files) in
            seconds: every error and warning in one short list; exit code 1 on an error.
preview     build candidate rules (a folder, or the seeds of a git revision) beside the live ones
            and compare MQLs, the lead-to-MQL rate, precision, recall and lift; the warehouse
            stays as it is. See docs/scoring-rules.md#validate-and-preview.
suggest-weights
            suggest rule points and a threshold from the leads' outcomes, as a candidate seed folder to
            review (see `lead-scoring suggest-weights --help`); nothing is applied to seeds/.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from lead_scoring import run_options, settings


def print_summary() -> None:
    import duckdb

    from lead_scoring.summary import render_summary

    path = settings.warehouse_path()
    with duckdb.connect(str(path), read_only=True) as con:
        print(f"Warehouse: {path}\n")
        print(render_summary(con))


def load_raw(target: str, folder: Path | None, sample: bool = False) -> None:
    """Load the landing folder (`folder`, else LEAD_SCORING_RAW_DIR, else sample data when `sample`
    or LEAD_SCORING_SAMPLE_DATA asks for it) into the raw schema of `target` and print the rows per
    table. settings.RawSourceError when there is no such folder."""
    import duckdb

    from lead_scoring.ingest.raw_loader import load_raw_folder

    if folder is not None:
        source = run_options.RawSource(settings.folder_setting(str(folder), "--raw-dir"))
    else:
        source = run_options.raw_source({run_options.SAMPLE_DATA_TAG: "true"} if sample else {})
    folder = source.prepare(print)
    if source.crm is not None:
        load_crm_sample(target, source.crm, folder)
        return
    if target == "postgres":
        from lead_scoring.ingest.postgres import load_raw_folder_to_postgres, postgres_connection_settings

        # The scratch DuckDB file keeps the load history, so unchanged files are not read again.
        counts = load_raw_folder_to_postgres(folder, scratch_db=settings.warehouse_path().parent / "raw_for_postgres.duckdb")
        where = "PostgreSQL {host}:{port}/{dbname}".format(**postgres_connection_settings())
    elif target == "spark":
        from lead_scoring.ingest.spark import load_raw_folder_into_spark, spark_dir

        counts = load_raw_folder_into_spark(folder.resolve())
        where = f"Spark ({spark_dir()})"
    else:
        path = settings.warehouse_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(path)) as con:
            counts = load_raw_folder(con, folder, on_note=lambda note: print(note, file=sys.stderr))
        where = str(path)
    print(f"Loaded {folder} into {where}: " + ", ".join(f"{settings.RAW_SCHEMA}.{t} {n} rows" for t, n in counts.items()))


def load_crm_sample(target: str, crm: str, folder: Path | None) -> None:
    """A CRM source (LEAD_SCORING_SOURCE) loads no files: its connector lands the tables. Sample
    data, when asked for, is written in the CRM's shape into the DuckDB warehouse instead."""
    import duckdb

    from lead_scoring.crm_shapes import write_shape

    if folder is None:
        print(f"Nothing to load: {settings.SOURCE_VAR}={crm} reads the tables its connector landed.")
        return
    if target != "duckdb":
        raise settings.RawSourceError(f"Sample data in the {crm} shape is written to the DuckDB warehouse only, not {target}.")
    path = settings.warehouse_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        counts = write_shape(con, crm, folder, settings.crm_schema(crm))
    # Tables outside the CRM's schema (Pardot's, the raw company visits) are named with their schema.
    names = {t: t if "." in t else f"{settings.crm_schema(crm)}.{t}" for t in counts}
    print(f"Wrote {folder} as {crm} tables into {path}: " + ", ".join(f"{names[t]} {n} rows" for t, n in counts.items()))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lead-scoring", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        # The one-line help of the command list is also the description of `lead-scoring <name> --help`.
        return sub.add_parser(name, help=help, description=help[0].upper() + help[1:] + ".")

    command("demo", "run the daily job once on generated sample data (or LEAD_SCORING_RAW_DIR) and print a summary")
    command("run", "run the daily job once on LEAD_SCORING_RAW_DIR and print a summary")
    command("summary", "print the summary of the current warehouse")
    from lead_scoring.sample_data import add_arguments as add_generate_arguments

    add_generate_arguments(command("generate", "write sample raw files (leads, events, opportunities) to a folder"))
    command("raw-source", "say where runs read raw data from (LEAD_SCORING_RAW_DIR or sample data), or why they cannot")
    load = command("load", "load raw files into the warehouse's raw schema (DuckDB, PostgreSQL or Spark)")
    load.add_argument("--target", choices=["duckdb", "postgres", "spark"], default=os.environ.get("LEAD_SCORING_TARGET", "duckdb"),
                      help="where to load (default: LEAD_SCORING_TARGET, else duckdb); postgres reads LEAD_SCORING_PG_*, spark LEAD_SCORING_SPARK_DIR")
    source = load.add_mutually_exclusive_group()
    source.add_argument("--raw-dir", type=Path, default=None, help="landing folder (default: LEAD_SCORING_RAW_DIR)")
    source.add_argument("--sample", action="store_true", help="generate sample data and load it (when LEAD_SCORING_RAW_DIR is unset)")
    validate = command("validate", "check the scoring seeds (or a candidate folder) without building the warehouse")
    validate.add_argument("--rules", type=Path, default=None, help="folder of candidate seed files (default: the project's seeds/)")
    validate.add_argument("--no-warehouse", action="store_true", help="only the checks of the seeds, not those against the warehouse's data")
    preview = command("preview", "compare candidate scoring rules with the live ones on the current warehouse, without changing it")
    rules = preview.add_mutually_exclusive_group(required=True)
    rules.add_argument("--rules", type=Path, help="folder of candidate seed files (those it lacks come from seeds/)")
    rules.add_argument("--rev", help="a git revision whose seeds are the candidate (e.g. HEAD~1, a branch): the project must be a git checkout")
    preview.add_argument("--model", default=None, help="scoring model to compare (default: the primary one)")
    preview.add_argument("--out", type=Path, default=None, help="folder of the report (default: preview/ in the candidate folder)")
    from lead_scoring.rule_suggestions import add_arguments as add_suggest_weights_arguments

    add_suggest_weights_arguments(command("suggest-weights", "suggest rule points and a threshold from what the leads did, as candidate seeds to review"))
    return parser


def validate_rules(rules: Path | None, no_warehouse: bool) -> int:
    from lead_scoring.rule_validation import validate

    result = validate(rules.resolve() if rules else None, use_warehouse=not no_warehouse)
    print(result.render())
    return 1 if result.errors else 0


def preview_rules(rules: Path | None, rev: str | None, model: str | None, out: Path | None) -> int:
    from lead_scoring.rule_preview import preview, seeds_of_revision

    if rev is not None:
        rules = seeds_of_revision(rev)
    result = preview(rules.resolve(), model_id=model, out_dir=out.resolve() if out else None)
    print(result.render())
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "generate":
        from lead_scoring.sample_data import run as generate

        return generate(args)
    if args.command in {"validate", "preview"}:
        from lead_scoring.rule_preview import PreviewError
        from lead_scoring.rule_workspace import CandidateRulesError, WarehouseInUseError

        try:
            if args.command == "validate":
                return validate_rules(args.rules, args.no_warehouse)
            return preview_rules(args.rules, args.rev, args.model, args.out)
        except (CandidateRulesError, PreviewError, WarehouseInUseError) as exc:
            print(f"lead-scoring {args.command}: {exc}", file=sys.stderr)
            return 2
    if args.command == "suggest-weights":
        from lead_scoring.rule_suggestions import run as suggest_weights

        return suggest_weights(args)
    if args.command == "demo":
        os.environ[settings.SAMPLE_DATA_VAR] = "true"  # the explicit request for sample data
    try:
        if args.command == "load":
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
        # The package never imports Dagster: running the job is the code location's work.
        from orchestration.local_run import run_daily_job

        if not run_daily_job():
            return 1
        print(f"Daily job succeeded in {time.perf_counter() - started:.1f} s.\n")
    print_summary()
    return 0


if __name__ == "__main__":
    sys.exit(main())
