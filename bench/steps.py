"""One measured step, run by bench/run.py in a fresh Python process (`python -m bench.steps ...`).

A fresh process per step keeps the measurement clean: the parent reaps it with os.wait4, whose
rusage covers this process and every child it waited for (dbt), so CPU seconds and peak RSS
belong to this step alone (getrusage(RUSAGE_CHILDREN) in a long-lived parent would report the peak
of *all* earlier children). Inside, the step splits its own time into phases and writes them to a
JSON file:

  daily     the daily job's path: load a raw folder into raw.* (lead_scoring.ingest.raw_loader) in this
            process, then `dbt build` (seeds, models, snapshots, unit and data tests) as a child
            whose CPU is sampled and attributed to its nodes (bench/node_cpu.py); --select limits
            the build (the scoring part of it)
  startup   `dbt build` of an empty selection: dbt's fixed start-up (imports, parse, manifest)
  ref-sql   the hand-written DuckDB query (bench/reference_sql.py) into a Parquet file
  ref-pandas the pandas implementation (bench/reference_pandas.py) into a Parquet file
  ref-polars the Polars implementation (bench/reference_polars.py) into a Parquet file
  preview   `lead-scoring preview` of the seed change on the full build's warehouse
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench.node_cpu import node_cpu_report, run_sampled

# The pandas and Polars references read and score this many leads at a time (bench.raw_tables).
REFERENCE_BATCH_LEADS = 250_000


def _cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


class Phase:
    """Wall and CPU seconds of a block, for this process (who='self') or its children."""

    def __init__(self, who: str):
        self.who = resource.RUSAGE_SELF if who == "self" else resource.RUSAGE_CHILDREN

    def __enter__(self) -> Phase:
        self._wall = time.perf_counter()
        self._usage = resource.getrusage(self.who)
        return self

    def __exit__(self, *exc) -> None:
        usage = resource.getrusage(self.who)
        self.result = {
            "wall_s": round(time.perf_counter() - self._wall, 3),
            "cpu_s": round(_cpu(usage) - _cpu(self._usage), 3),
            # Linux reports KiB. For RUSAGE_CHILDREN this is the largest child so far: each step
            # starts dbt at most once, so it is that dbt process.
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        }


def duckdb_config() -> dict[str, str]:
    """The DuckDB settings dbt gets from profiles.yml, for the loader and the references
    (TimeZone=UTC is set after connecting: it needs the ICU extension loaded first)."""
    config = {
        "memory_limit": os.environ.get("LEAD_SCORING_DUCKDB_MEMORY_LIMIT", "8GB"),
        "preserve_insertion_order": "false",
    }
    if os.environ.get("LEAD_SCORING_DUCKDB_TEMP_DIR"):
        config["temp_directory"] = os.environ["LEAD_SCORING_DUCKDB_TEMP_DIR"]
    return config


def dbt_command(project_dir: Path, target_path: Path, args: list[str]) -> list[str]:
    exe = Path(sys.executable).parent / "dbt"
    return [str(exe), *args, "--project-dir", str(project_dir), "--profiles-dir", str(project_dir), "--target-path", str(target_path)]


def run_dbt(project_dir: Path, db: Path, target_path: Path, args: list[str], log: Path,
            extra_env: dict[str, str] | None = None) -> tuple[dict, list[tuple[float, float]]]:
    """dbt as a child process: its phase timings, and its CPU sampled while it ran (bench/node_cpu.py)."""
    env = {**os.environ, "LEAD_SCORING_DB": str(db), **(extra_env or {})}
    with Phase("children") as phase, log.open("w") as out:
        returncode, samples = run_sampled(dbt_command(project_dir, target_path, args), env=env, cwd=project_dir, stdout=out, stderr=subprocess.STDOUT)
    if returncode != 0:
        tail = log.read_text()[-4000:]
        raise SystemExit(f"dbt {' '.join(args[:1])} failed (exit {returncode}); log {log}:\n{tail}")
    return phase.result, samples


def step_daily(args) -> dict:
    import duckdb

    from lead_scoring.ingest.raw_loader import load_raw_folder

    out: dict = {}
    args.db.parent.mkdir(parents=True, exist_ok=True)
    with Phase("self") as phase:
        con = duckdb.connect(str(args.db), config=duckdb_config())
        try:
            out["rows_loaded"] = load_raw_folder(con, args.raw)
        finally:
            con.close()
    out["load"] = phase.result
    # The daily job's own command (lead_scoring.run_options): data tests scoped to the rescored
    # leads, unit tests left to `make test`.
    from lead_scoring import run_options

    build_args = run_options.dbt_args({})
    as_of_env = run_options.dbt_env({}, as_of=dt.date.fromisoformat(args.as_of))
    if args.select:
        # Only tests whose every parent is selected (the default would pull in tests of others).
        build_args += ["--select", args.select, "--indirect-selection", "cautious"]
    out["dbt"], samples = run_dbt(args.project, args.db, args.target, build_args, args.log, as_of_env)
    out["dbt_nodes"] = node_cpu_report(samples, args.target)
    return out


def step_startup(args) -> dict:
    # A selector that matches nothing: dbt loads, parses (partially, from the target path's
    # cache, like every daily run) and exits before opening the warehouse.
    return {"dbt": run_dbt(args.project, args.db, args.target, ["build", "--select", "tag:bench_selects_nothing"], args.log)[0]}


def step_parse(args) -> dict:
    return {"dbt": run_dbt(args.project, args.db, args.target, ["parse"], args.log)[0]}


def step_ref_sql(args) -> dict:
    import duckdb

    from bench.reference_sql import reference_sql
    from bench.scoring_config import load_config
    from lead_scoring.warehouse import sql_string

    sql = reference_sql(load_config(args.project / "seeds"), dt.date.fromisoformat(args.as_of))
    con = duckdb.connect(str(args.db), read_only=True, config=duckdb_config())
    try:
        con.execute("set TimeZone = 'UTC'")
        with Phase("self") as phase:
            con.execute(f"copy ({sql}) to {sql_string(args.output)} (format parquet)")
    finally:
        con.close()
    return {"query": phase.result}


def batched_reference(args, load_raw, compute) -> tuple[list, dict]:
    """A DataFrame reference over the raw tables in batches of leads (memory stays bounded): each
    batch is read, then scored. Returns the batches' results and the read / compute phases."""
    import duckdb

    from bench.scoring_config import load_config
    from lead_scoring.warehouse import scalar

    config = load_config(args.project / "seeds")
    con = duckdb.connect(str(args.db), read_only=True, config=duckdb_config())
    con.execute("set TimeZone = 'UTC'")
    batches = max(1, -(-scalar(con, "select count(*) from raw.leads") // REFERENCE_BATCH_LEADS))
    phases = {"read": {"wall_s": 0.0, "cpu_s": 0.0}, "compute": {"wall_s": 0.0, "cpu_s": 0.0}}
    parts = []
    try:
        for batch in range(batches):
            with Phase("self") as read:
                raw = load_raw(con, batch=batch, batches=batches)
            with Phase("self") as compute_phase:
                parts.append(compute(raw, config, dt.date.fromisoformat(args.as_of)))
            for name, phase in (("read", read), ("compute", compute_phase)):
                for key in ("wall_s", "cpu_s"):
                    phases[name][key] = round(phases[name][key] + phase.result[key], 3)
                phases[name]["peak_rss_mb"] = phase.result["peak_rss_mb"]
    finally:
        con.close()
    return parts, {**phases, "batches": batches}


def step_ref_pandas(args) -> dict:
    import pandas as pd

    from bench.reference_pandas import load_raw, pandas_reference

    parts, phases = batched_reference(args, load_raw, pandas_reference)
    pd.concat(parts, ignore_index=True).to_parquet(args.output, index=False)
    return phases


def step_ref_polars(args) -> dict:
    import polars as pl

    from bench.reference_polars import load_raw, polars_reference

    parts, phases = batched_reference(args, load_raw, polars_reference)
    pl.concat(parts).write_parquet(args.output)
    return phases


def step_generate(args) -> dict:
    from bench.datasets import generate

    return {"events": generate(args.out, args.leads, dt.date.fromisoformat(args.as_of))}


def step_split(args) -> dict:
    from lead_scoring.sample_data import split_export

    split_export(args.raw, dt.datetime.fromisoformat(args.cutoff), args.out, args.part)
    return {}


def step_compare(args) -> dict:
    from bench.agreement import compare

    results = {"sql": args.sql_result, "pandas": args.pandas_result, "polars": args.polars_result}
    return compare(args.db, {name: path for name, path in results.items() if path is not None})


def step_compare_warehouses(args) -> dict:
    from bench.agreement import compare_warehouses

    return compare_warehouses(args.db, args.other_db)


def step_count_events(args) -> dict:
    from bench.datasets import count_events

    return {"events": count_events(args.raw)}


# Measured steps, then helpers the runner starts unmeasured (in a child too, so that the runner
# itself stays small: a child's peak RSS counts its parent's memory at fork time).
def step_preview(args) -> dict:
    """`lead-scoring preview --rules <candidate>` on the warehouse: its CPU is this process's and
    that of the dbt it starts (the parent's wait4)."""
    os.environ["LEAD_SCORING_DB"] = str(args.db)
    from lead_scoring.rule_preview import preview

    with Phase("self") as phase:
        result = preview(args.rules, out_dir=args.out)
    return {"preview": phase.result, "dbt_build_wall_s": round(result.build_seconds, 3),
            "mql_leads": list(result.mql_leads), "newly_qualify": result.newly_count, "drop_out": result.dropped_count}


STEPS = {
    "daily": step_daily, "preview": step_preview, "startup": step_startup, "ref-sql": step_ref_sql, "ref-pandas": step_ref_pandas, "ref-polars": step_ref_polars,
    "parse": step_parse, "generate": step_generate, "split": step_split, "compare": step_compare, "compare-warehouses": step_compare_warehouses,
    "count-events": step_count_events,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("step", choices=sorted(STEPS))
    parser.add_argument("--db", type=Path, help="warehouse file (lead_scoring.duckdb)")
    parser.add_argument("--other-db", type=Path, help="second warehouse (compare-warehouses)")
    parser.add_argument("--project", type=Path, help="dbt project folder")
    parser.add_argument("--target", type=Path, help="dbt target path")
    parser.add_argument("--raw", type=Path, help="raw folder to load (daily)")
    parser.add_argument("--as-of", help="scoring_as_of_date, YYYY-MM-DD")
    parser.add_argument("--leads", type=int, help="leads to generate (generate)")
    parser.add_argument("--out", type=Path, help="output folder (generate, split)")
    parser.add_argument("--cutoff", help="ISO timestamp (split)")
    parser.add_argument("--part", default="before", choices=["before", "after"], help="the export before the cutoff, or what arrived after it (split)")
    parser.add_argument("--log", type=Path, help="dbt output")
    parser.add_argument("--rules", type=Path, help="candidate seed folder (preview)")
    parser.add_argument("--select", help="dbt node selection (daily; default: everything)")
    parser.add_argument("--output", type=Path, help="reference result (Parquet)")
    parser.add_argument("--sql-result", type=Path, help="reference result to compare (compare)")
    parser.add_argument("--pandas-result", type=Path, help="reference result to compare (compare)")
    parser.add_argument("--polars-result", type=Path, help="reference result to compare (compare)")
    parser.add_argument("--json", type=Path, required=True, help="where the phase timings go")
    args = parser.parse_args(argv)
    result = STEPS[args.step](args)
    args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
