"""Benchmark of the daily scoring pipeline at a given scale (`make bench`).

    python -m bench.run --scale 1m --runs 3
    python -m bench.run --scale 5m --runs 1              (pandas is skipped above 1M leads)
    python -m bench.run --leads 300 --runs 1 --scenarios full      (smoke test)

For each run it measures, through the daily job's code path (raw load with
lead_scoring.ingest.raw_loader, then `dbt build` with every test):

  full         a first build from an empty warehouse (today's export)
  scoring      the same, limited to the scoring models and their tests (what the references compute)
  incremental  yesterday's export built, then one day's delivery: a new file per table with the
               rows that arrived that day, next to yesterday's unchanged files (the loader skips those)
  seed         the full warehouse rebuilt after one scoring rule's points changed (rescores all)
  startup      `dbt build` of an empty selection: dbt's fixed start-up

and the two references on the full warehouse: one hand-written DuckDB query (bench/reference_sql.py)
and a pandas implementation (bench/reference_pandas.py). Before it reports any time it checks that
dbt and both references agree (current total per model and lead within 1e-6, identical first MQL
dates) and that the incremental warehouse equals the full one. Every measurement is a fresh child
process (bench/steps.py) reaped with os.wait4: wall, CPU (user + system, all threads and child
processes) and peak RSS. Medians over the runs go to bench/results/bench_<scale>.json and .md.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib.metadata
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
SCALES = {"tiny": 300, "100k": 100_000, "1m": 1_000_000, "5m": 5_000_000}
END_DATE = dt.date(2026, 11, 20)  # fixed, so every machine benchmarks the same bytes
DBT_PROJECT_FILES = ["dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "snapshots", "tests/dbt"]
SCENARIOS = ("full", "scoring", "incremental", "seed")
# The part of the daily build that computes what the references compute: staging, the scoring
# seeds and models, the scoring marts, and their tests (the rest are lifecycle, funnel, feedback...).
SCORING_SELECTION = "+path:models/marts/scoring"
# The seed change: the champion's pricing-page rule is worth 25 instead of 20 (cap 25).
SEED_EDIT = {"file": "scoring_engagement_rules.csv", "model_id": "hybrid_v1", "rule_id": "pricing_page", "set": {"points": "25", "max_points": "25"}}


# --------------------------------------------------------------------------- the seed change


def project_copy(dest: Path) -> Path:
    """A copy of the dbt project with one scoring rule edited."""
    shutil.rmtree(dest, ignore_errors=True)
    for name in DBT_PROJECT_FILES:
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, dest / name)
        elif source.exists():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, dest / name)
    path = dest / "seeds" / SEED_EDIT["file"]
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    hits = [r for r in rows if r["model_id"] == SEED_EDIT["model_id"] and r["rule_id"] == SEED_EDIT["rule_id"]]
    if len(hits) != 1:
        raise SystemExit(f"seed edit: no single rule {SEED_EDIT['model_id']}/{SEED_EDIT['rule_id']} in {path}")
    hits[0].update(SEED_EDIT["set"])
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return dest


# --------------------------------------------------------------------------- measuring


def step_command(step: str, json_file: Path, options: dict) -> list[str]:
    cmd = [sys.executable, "-m", "bench.steps", step, "--json", str(json_file)]
    for key, value in options.items():
        cmd += [f"--{key.replace('_', '-')}", str(value)]
    return cmd


def helper(step: str, work: Path, **options: str | Path) -> dict:
    """An unmeasured step (data generation, agreement checks), also in a child process: this
    runner stays small, which matters because a child's peak RSS includes its parent's resident
    memory at the moment it forks (Linux carries it over through exec)."""
    json_file = work / f"{step}.json"
    if subprocess.run(step_command(step, json_file, options), cwd=PROJECT_DIR).returncode != 0:
        raise SystemExit(f"bench: {step} failed (see above)")
    return json.loads(json_file.read_text())


def measure(step: str, label: str, work: Path, **options: str | Path) -> dict:
    """Run `python -m bench.steps <step>` in a fresh process and reap it with os.wait4, whose
    rusage covers that process and the dbt process it waited for."""
    phases_file = work / f"{label}.json"
    cmd = step_command(step, phases_file, options)
    load_before = os.getloadavg()
    started = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=PROJECT_DIR)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here; keep Popen from waiting again
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"bench step {label} failed (exit {process.returncode})")
    result = {
        "wall_s": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # KiB on Linux; max of the step and its dbt child
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "phases": json.loads(phases_file.read_text()),
    }
    if "dbt_nodes" in result["phases"]:  # where dbt's time went (bench/steps.py:dbt_node_times)
        result["dbt_nodes"] = result["phases"].pop("dbt_nodes")
    print(f"  {label:<22} wall {result['wall_s']:8.1f} s  cpu {result['cpu_s']:8.1f} s  "
          f"peak {result['peak_rss_mb'] / 1024:5.2f} GB  load {result['loadavg_before'][0]:.2f}", flush=True)
    return result


# --------------------------------------------------------------------------- summary


def median_of(runs: list[dict], *path: str) -> float | None:
    values = []
    for run in runs:
        value = run
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None:
            values.append(value)
    return round(statistics.median(values), 3) if values else None


def summarise(measurements: dict[str, list[dict]]) -> dict:
    summary = {}
    for name, runs in measurements.items():
        entry = {"runs": len(runs), "wall_s": median_of(runs, "wall_s"), "cpu_s": median_of(runs, "cpu_s"),
                 "peak_rss_mb": median_of(runs, "peak_rss_mb"), "max_peak_rss_mb": max(r["peak_rss_mb"] for r in runs)}
        for phase in ("load", "dbt", "query", "read", "compute"):
            if phase in runs[0]["phases"]:
                entry[phase] = {k: median_of(runs, "phases", phase, k) for k in ("wall_s", "cpu_s", "peak_rss_mb")}
        if "dbt_nodes" in runs[0]:
            entry["dbt_seconds_by_kind"] = {k: median_of(runs, "dbt_nodes", "seconds_by_kind", k) for k in runs[0]["dbt_nodes"]["seconds_by_kind"]}
            entry["dbt_model_seconds_by_folder"] = {k: median_of(runs, "dbt_nodes", "model_seconds_by_folder", k) for k in runs[0]["dbt_nodes"]["model_seconds_by_folder"]}
            entry["slowest_nodes_first_run"] = runs[0]["dbt_nodes"]["slowest_nodes"]
        summary[name] = entry
    return summary


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def targets(summary: dict) -> list[dict]:
    """The issue's targets, evaluated on the medians of this scale."""
    out = []
    full, startup, ref = summary.get("full"), summary.get("startup"), summary.get("ref_sql")
    for name, label in (("full", "full build"), ("scoring", "full build, scoring part only")):
        build = summary.get(name)
        if build and startup and ref:
            build_cpu, startup_cpu, ref_cpu = build["dbt"]["cpu_s"], startup["cpu_s"], ref["query"]["cpu_s"]
            measured = ratio(build_cpu - startup_cpu, ref_cpu)
            out.append({"target": f"{label}: `dbt build` CPU <= 1.5 x hand-written query CPU + dbt start-up",
                        "measured": f"dbt build {build_cpu:.1f} CPU s - start-up {startup_cpu:.1f} = {build_cpu - startup_cpu:.1f}; query {ref_cpu:.1f} CPU s",
                        "ratio": measured, "limit": 1.5, "met": measured is not None and measured <= 1.5})
    incremental = summary.get("incremental")
    if full and incremental:
        measured = ratio(incremental["wall_s"], full["wall_s"])
        out.append({"target": "incremental day <= 5 % of a full build (wall, load + dbt build)",
                    "measured": f"{incremental['wall_s']:.1f} s vs {full['wall_s']:.1f} s; dbt build alone {incremental['dbt']['wall_s']:.1f} s vs {full['dbt']['wall_s']:.1f} s; CPU {incremental['cpu_s']:.1f} vs {full['cpu_s']:.1f} s",
                    "ratio": measured, "limit": 0.05, "met": measured is not None and measured <= 0.05})
    pandas = summary.get("ref_pandas")
    for name, label in (("full", "full build"), ("scoring", "full build, scoring part only")):
        build = summary.get(name)
        if build and pandas:
            measured = ratio(pandas["wall_s"], build["dbt"]["wall_s"])
            out.append({"target": f"{label}: `dbt build` >= 3x faster than pandas (wall)",
                        "measured": f"pandas {pandas['wall_s']:.1f} s ({pandas['cpu_s']:.1f} CPU s) vs dbt build {build['dbt']['wall_s']:.1f} s ({build['dbt']['cpu_s']:.1f} CPU s)",
                        "ratio": measured, "limit": 3.0, "met": measured is not None and measured >= 3.0})
    peaks = [s["max_peak_rss_mb"] for name, s in summary.items() if name in ("full", "scoring", "incremental", "seed")]
    if peaks:
        peak_gb = max(peaks) / 1024
        out.append({"target": "peak memory <= 12 GB (the target applies at 5M leads)",
                    "measured": f"largest peak RSS of a daily run {peak_gb:.2f} GB", "ratio": round(peak_gb / 12, 3), "limit": 1.0,
                    "met": peak_gb <= 12})
    return out


def render_markdown(result: dict) -> str:
    s, scale = result["summary"], result["scale"]
    gb = lambda mb: f"{mb / 1024:.2f}" if mb is not None else ""  # noqa: E731
    num = lambda x: f"{x:.1f}" if x is not None else ""  # noqa: E731
    lines = [
        f"### {scale['name']}: {scale['leads']:,} leads, {scale['events']:,} events (median of {result['runs']} run(s))",
        "",
        f"Load average (1/5/15 min) at start {result['loadavg_start']}, at end {result['loadavg_end']}; "
        f"1-min load during measurements {result['loadavg_range'][0]:.2f}-{result['loadavg_range'][1]:.2f}; "
        f"{result['machine']['cpus']} CPUs, {result['machine']['memory_gb']} GB RAM, DuckDB memory_limit {result['machine']['duckdb_memory_limit']}.",
        "",
        "| measurement | wall s | CPU s | peak RSS GB |",
        "|---|---:|---:|---:|",
    ]
    def row(label, entry):
        lines.append(f"| {label} | {num(entry.get('wall_s'))} | {num(entry.get('cpu_s'))} | {gb(entry.get('peak_rss_mb'))} |")
    labels = {"full": "full build", "scoring": "full build, scoring part only", "incremental": "incremental day", "seed": "rescore after a seed change"}
    for name in ("full", "scoring", "incremental", "seed"):
        if name in s:
            row(f"{labels[name]}: load raw + `dbt build`", s[name])
            row("&nbsp;&nbsp;load raw", s[name]["load"])
            row("&nbsp;&nbsp;`dbt build`", s[name]["dbt"])
    if "yesterday" in s:
        row("(yesterday's export, full: set-up of the incremental day)", s["yesterday"])
    if "startup" in s:
        row("dbt start-up (`dbt build` of an empty selection)", s["startup"])
    if "ref_sql" in s:
        row("reference: hand-written DuckDB query", s["ref_sql"]["query"])
    if "ref_pandas" in s:
        row(f"reference: pandas (read raw {num(s['ref_pandas']['read']['wall_s'])} s + compute)", s["ref_pandas"])
    elif isinstance(result.get("pandas_reference"), str):
        lines.append(f"| reference: pandas | {result['pandas_reference']} | | |")
    if "full" in s:
        kinds = s["full"]["dbt_seconds_by_kind"]
        folders = s["full"]["dbt_model_seconds_by_folder"]
        lines += ["", "Full build, summed dbt node seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in kinds.items() if v is not None)
                  + "; models by folder: " + ", ".join(f"{k} {v:.1f}" for k, v in list(folders.items())[:6] if v is not None) + "."]
    agreement = result.get("agreement")
    if agreement:
        parts = [f"{name}: {agreement[name]['mismatched_rows']} mismatches, max |Δ total| {agreement[name]['max_abs_total_diff']:.1e}" for name in ("sql", "pandas") if name in agreement]
        lines += ["", f"Agreement on {agreement['rows']:,} (model, lead) rows and {agreement['mqls']:,} first MQL dates: " + "; ".join(parts)
                  + (". Incremental warehouse equals the full build." if result.get("incremental_equals_full") else ".")]
    if result["targets"]:
        lines += ["", "| target | measured | ratio | met |", "|---|---|---:|---|"]
        for t in result["targets"]:
            lines.append(f"| {t['target']} | {t['measured']} | {t['ratio']} (limit {t['limit']}) | {'met' if t['met'] else 'MISSED'} |")
    return "\n".join(lines) + "\n"


def render_all(results_dir: Path) -> str:
    order = {name: i for i, name in enumerate(SCALES)}
    files = sorted(results_dir.glob("bench_*.json"), key=lambda p: (order.get(p.stem[6:], 99), p.stem))
    parts = ["## Benchmark results", ""]
    for path in files:
        parts.append(render_markdown(json.loads(path.read_text())))
    return "\n".join(parts)


# --------------------------------------------------------------------------- main


def landing_folder(out: Path, *deliveries: Path) -> Path:
    """A landing folder as the daily job sees it: the files of every delivery so far, side by side
    (linked, not copied)."""
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    for delivery in deliveries:
        for file in sorted(delivery.glob("*/*.parquet")):
            (tmp / file.parent.name).mkdir(parents=True, exist_ok=True)
            (tmp / file.parent.name / file.name).symlink_to(file.resolve())
    tmp.rename(out)
    return out


def count_events(work: Path, raw: Path) -> int:
    return helper("count-events", work, raw=raw)["events"]



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), help="named scale (leads): " + ", ".join(f"{k}={v:,}" for k, v in SCALES.items()))
    parser.add_argument("--leads", type=int, help="number of leads (instead of --scale)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated subset of " + ",".join(SCENARIOS))
    parser.add_argument("--pandas-max-leads", type=int, default=1_000_000,
                        help="skip the pandas reference above this many leads (it reads and scores 250k leads at a time)")
    parser.add_argument("--data-dir", type=Path, default=PROJECT_DIR / "bench" / "data")
    parser.add_argument("--results-dir", type=Path, default=PROJECT_DIR / "bench" / "results")
    parser.add_argument("--memory-limit", default=os.environ.get("LEAD_SCORING_DUCKDB_MEMORY_LIMIT", "8GB"),
                        help="DuckDB memory_limit for dbt, loader and references (default: the profile's 8GB)")
    parser.add_argument("--keep", action="store_true", help="keep the warehouses of the last run")
    args = parser.parse_args(argv)
    if (args.scale is None) == (args.leads is None):
        parser.error("give exactly one of --scale or --leads")
    name = args.scale or f"{args.leads}leads"
    leads = SCALES.get(args.scale, args.leads)
    scenarios = [s for s in args.scenarios.split(",") if s]
    with_pandas = leads <= args.pandas_max_leads
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown or "full" not in scenarios:
        parser.error(f"scenarios must include full and be among {SCENARIOS}")

    data = args.data_dir / name
    work = data / "work"
    raw, yesterday, today = data / "raw", data / "yesterday", data / "today"
    # The warehouse spills to this folder instead of failing when a query needs more than memory_limit.
    os.environ["LEAD_SCORING_DUCKDB_MEMORY_LIMIT"] = args.memory_limit
    os.environ["LEAD_SCORING_DUCKDB_TEMP_DIR"] = str(data / "spill")
    as_of, day_before = END_DATE.isoformat(), (END_DATE - dt.timedelta(days=1)).isoformat()

    print(f"bench {name}: {leads:,} leads, {args.runs} run(s), scenarios {scenarios}; load {os.getloadavg()}", flush=True)
    work.mkdir(parents=True, exist_ok=True)
    if not raw.exists():
        print("  generating data ...", flush=True)
        helper("generate", work, out=raw, leads=leads, as_of=as_of)
    if "incremental" in scenarios:
        cutoff = dt.datetime.combine(END_DATE, dt.time(), dt.timezone.utc).isoformat()
        if not yesterday.exists():
            helper("split", work, raw=raw, out=yesterday, cutoff=cutoff)
        if not today.exists():
            shutil.rmtree(data / "day", ignore_errors=True)
            helper("split", work, raw=raw, out=data / "day", cutoff=cutoff, part="after")
            landing_folder(today, yesterday, data / "day")

    loadavg_start = [round(x, 2) for x in os.getloadavg()]
    measurements: dict[str, list[dict]] = {}
    agreement = None
    equal = None
    shutil.rmtree(work / "yesterday_warehouse", ignore_errors=True)  # built anew by this bench's models
    seed_project = project_copy(work / "project_seed") if "seed" in scenarios else None
    targets_dir = work / "targets"  # one per project, kept across runs: dbt parses partially, as in daily use
    # Warm-up: parse once per project so that every measured dbt run parses partially (from the
    # target path's cache), as a scheduled daily run does.
    for project, target in ((PROJECT_DIR, targets_dir / "main"), (PROJECT_DIR if "scoring" in scenarios else None, targets_dir / "scoring"),
                            (seed_project, targets_dir / "seed")):
        if project is not None:
            helper("parse", work, project=project, target=target, db=work / "parse" / "lead_scoring.duckdb", log=work / "parse.log")
    for run in range(1, args.runs + 1):
        print(f" run {run}/{args.runs}", flush=True)
        run_dir = work / f"run{run}"
        shutil.rmtree(run_dir, ignore_errors=True)
        run_dir.mkdir(parents=True)
        full_db = run_dir / "full" / "lead_scoring.duckdb"
        common = dict(project=PROJECT_DIR, target=targets_dir / "main")

        record = lambda key, m: measurements.setdefault(key, []).append(m)  # noqa: E731
        startup_db = run_dir / "startup" / "lead_scoring.duckdb"  # never opened: nothing is selected
        startup_db.parent.mkdir()
        record("startup", measure("startup", "startup", run_dir, db=startup_db, as_of=as_of, log=run_dir / "startup.log", **common))
        full = measure("daily", "full", run_dir, db=full_db, raw=raw, as_of=as_of, log=run_dir / "full.log", **common)
        record("full", full)

        if "scoring" in scenarios:
            scoring_db = run_dir / "scoring" / "lead_scoring.duckdb"
            scoring = measure("daily", "full (scoring only)", run_dir, db=scoring_db, raw=raw, as_of=as_of, log=run_dir / "scoring.log",
                              select=SCORING_SELECTION, project=PROJECT_DIR, target=targets_dir / "scoring")
            record("scoring", scoring)
            shutil.rmtree(scoring_db.parent, ignore_errors=True)

        sql_out, pandas_out = run_dir / "ref_sql.parquet", run_dir / "ref_pandas.parquet"
        record("ref_sql", measure("ref-sql", "reference SQL", run_dir, db=full_db, project=PROJECT_DIR, as_of=as_of, output=sql_out))
        if with_pandas:
            record("ref_pandas", measure("ref-pandas", "reference pandas", run_dir, db=full_db, project=PROJECT_DIR, as_of=as_of, output=pandas_out))
        agreement = helper("compare", run_dir, db=full_db, sql_result=sql_out, **({"pandas_result": pandas_out} if with_pandas else {}))
        print(f"  agreement: {agreement}", flush=True)

        if "incremental" in scenarios:
            # Yesterday's warehouse is built (and measured) once; later runs start from a copy.
            inc_db = run_dir / "incremental" / "lead_scoring.duckdb"
            yesterday_copy = work / "yesterday_warehouse" / "lead_scoring.duckdb"
            if not yesterday_copy.exists():
                record("yesterday", measure("daily", "yesterday (full)", run_dir, db=inc_db, raw=yesterday, as_of=day_before, log=run_dir / "yesterday.log", **common))
                if run < args.runs:
                    yesterday_copy.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(inc_db, yesterday_copy)
            else:
                inc_db.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(yesterday_copy, inc_db)
            incremental = measure("daily", "incremental day", run_dir, db=inc_db, raw=today, as_of=as_of, log=run_dir / "incremental.log", **common)
            record("incremental", incremental)
            equal = helper("compare-warehouses", run_dir, db=inc_db, other_db=full_db)
            shutil.rmtree(inc_db.parent, ignore_errors=True)
        if "seed" in scenarios:
            seed = measure("daily", "seed change", run_dir, db=full_db, raw=raw, as_of=as_of, log=run_dir / "seed.log",
                           project=seed_project, target=targets_dir / "seed")
            record("seed", seed)
        if not (args.keep and run == args.runs):
            shutil.rmtree(run_dir / "full", ignore_errors=True)

    if not args.keep:
        shutil.rmtree(work / "yesterday_warehouse", ignore_errors=True)
    loads = [m["loadavg_before"][0] for runs in measurements.values() for m in runs] + [m["loadavg_after"][0] for runs in measurements.values() for m in runs]
    summary = summarise(measurements)
    result = {
        "scale": {"name": name, "leads": leads, "events": count_events(work, raw), "end_date": as_of},
        "runs": args.runs,
        "scenarios": scenarios,
        "pandas_reference": with_pandas or f"skipped above {args.pandas_max_leads:,} leads",
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3, 1),
            "python": platform.python_version(),
            "duckdb": importlib.metadata.version("duckdb"),
            "dbt_core": importlib.metadata.version("dbt-core"),
            "duckdb_memory_limit": args.memory_limit,
            "dbt_threads": os.environ.get("LEAD_SCORING_DBT_THREADS", "2 (profiles.yml default)"),
        },
        "loadavg_start": loadavg_start,
        "loadavg_end": [round(x, 2) for x in os.getloadavg()],
        "loadavg_range": [min(loads), max(loads)],
        "agreement": agreement,
        "incremental_equals_full": equal,
        "summary": summary,
        "targets": targets(summary),
        "measurements": measurements,
    }
    args.results_dir.mkdir(parents=True, exist_ok=True)
    (args.results_dir / f"bench_{name}.json").write_text(json.dumps(result, indent=2))
    markdown = render_markdown(result)
    (args.results_dir / f"bench_{name}.md").write_text(markdown)
    (args.results_dir / "bench.md").write_text(render_all(args.results_dir))
    print("\n" + markdown, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
