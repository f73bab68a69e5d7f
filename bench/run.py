"""Benchmark of the daily scoring pipeline at a given scale (`make bench`).

    python -m bench.run --scale 1m --runs 3
    python -m bench.run --scale 5m --runs 1              (pandas and Polars are skipped above 1M leads)
    python -m bench.run --leads 300 --runs 1 --scenarios full      (smoke test)

For each run it measures, through the daily job's code path (raw load with
lead_scoring.ingest.raw_loader, then `dbt build` with every test):

  full         a first build from an empty warehouse (today's export)
  scoring      the same, limited to the scoring models and their tests (what the references compute)
  incremental  yesterday's export built, then one day's delivery: a new file per table with the
               rows that arrived that day, next to yesterday's unchanged files (the loader skips those);
               then the same day run again with nothing new (what any run costs, whatever changed)
               and the next day without a delivery (only the date moves), on the same warehouse
  seed         the full warehouse rebuilt after one scoring rule's points changed (rescores all)
  startup      `dbt build` of an empty selection: dbt's fixed start-up

and three references on the full warehouse: one hand-written DuckDB query (bench/reference_sql.py),
a pandas implementation (bench/reference_pandas.py) and a Polars one (bench/reference_polars.py).
Before it reports any time it checks that dbt and every reference agree (current total per model
and lead within 1e-6, identical first MQL dates) and that the incremental warehouse equals the full
one (also after the run with nothing new). Every measurement is a fresh child process
(bench/steps.py) reaped with os.wait4: wall, CPU (user + system, all threads and child processes)
and peak RSS; the CPU of each `dbt build` is also attributed to its nodes (bench/node_cpu.py). Medians over the runs go to
bench/results/bench_<scale>.json and .md, with the issue's targets met or missed.
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

from bench.node_cpu import SAMPLE_SECONDS, SCALING_CLASSES
from bench.steps import REFERENCE_BATCH_LEADS

PROJECT_DIR = Path(__file__).resolve().parent.parent
SCALES = {"tiny": 300, "100k": 100_000, "1m": 1_000_000, "5m": 5_000_000}
END_DATE = dt.date(2026, 11, 20)  # fixed, so every machine benchmarks the same bytes
DBT_PROJECT_FILES = ["dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "snapshots", "tests/dbt"]
SCENARIOS = ("full", "scoring", "incremental", "seed", "preview")
DATAFRAME_REFERENCES = {"ref_pandas": "pandas", "ref_polars": "Polars"}
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
    edit_seed(dest / "seeds" / SEED_EDIT["file"])
    return dest


def candidate_rules(dest: Path) -> Path:
    """A candidate folder for `lead-scoring preview` with the same edit (only the edited seed)."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    shutil.copy(PROJECT_DIR / "seeds" / SEED_EDIT["file"], dest)
    edit_seed(dest / SEED_EDIT["file"])
    return dest


def edit_seed(path: Path) -> None:
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
    if "dbt_nodes" in result["phases"]:  # dbt CPU per node (bench/node_cpu.py)
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
            entry["dbt_node_cpu"] = node_cpu_medians(runs)
        summary[name] = entry
    return summary


def node_cpu_medians(runs: list[dict], top: int = 12) -> dict:
    """Medians over the runs of the dbt CPU attributed to nodes (bench/node_cpu.py): sums by kind,
    by (kind, folder) and by how the work grows on a daily run, the CPU outside nodes, and the
    nodes that used the most."""
    first = runs[0]["dbt_nodes"]
    nodes = {uid: median_of(runs, "dbt_nodes", "node_cpu_s", uid) for uid in first["node_cpu_s"]}
    return {
        "outside_nodes_cpu_s": median_of(runs, "dbt_nodes", "outside_nodes_cpu_s"),
        "cpu_by_kind": {k: median_of(runs, "dbt_nodes", "cpu_by_kind", k) for k in first["cpu_by_kind"]},
        "cpu_by_folder": {k: median_of(runs, "dbt_nodes", "cpu_by_folder", k) for k in first["cpu_by_folder"]},
        "cpu_by_scaling": {k: median_of(runs, "dbt_nodes", "cpu_by_scaling", k) for k in first["cpu_by_scaling"]},
        "nodes_by_scaling": first["nodes_by_scaling"],
        "top_nodes": [{"node": uid.split(".", 2)[-1], "kind": uid.split(".")[0], "cpu_s": cpu}
                      for uid, cpu in sorted(nodes.items(), key=lambda kv: -(kv[1] or 0))[:top]],
    }


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def target(name: str, measured: str, value: float | None, limit: float, at_least: bool = False) -> dict:
    met = value is not None and (value >= limit if at_least else value <= limit)
    return {"target": name, "measured": measured, "ratio": value, "limit": limit, "met": met}


def targets(summary: dict, leads: int) -> list[dict]:
    """The issue's targets, evaluated on the medians of this scale (they are set for 1M leads, the
    memory one for 5M). The build ratios take `dbt build` CPU against the query's CPU."""
    out = []
    full, incremental, ref = summary.get("full"), summary.get("incremental"), summary.get("ref_sql")
    if full and incremental:
        out.append(target("incremental day CPU (load + `dbt build`) <= 5 % of a full build's CPU (load + `dbt build`)",
                          f"{incremental['cpu_s']:.1f} vs {full['cpu_s']:.1f} CPU s (`dbt build` alone {incremental['dbt']['cpu_s']:.1f} vs {full['dbt']['cpu_s']:.1f})",
                          ratio(incremental["cpu_s"], full["cpu_s"]), 0.05))
    for name, label, limit in (("scoring", "scoring part of the full build (staging, scoring models, their tests)", 1.5), ("full", "whole full build", 2.5)):
        build = summary.get(name)
        if build and ref:
            out.append(target(f"{label}: `dbt build` CPU <= {limit}x the hand-written query's CPU",
                              f"`dbt build` {build['dbt']['cpu_s']:.1f} vs query {ref['query']['cpu_s']:.1f} CPU s",
                              ratio(build["dbt"]["cpu_s"], ref["query"]["cpu_s"]), limit))
    for name, label in DATAFRAME_REFERENCES.items():
        reference = summary.get(name)
        if incremental and reference:
            out.append(target(f"daily run (incremental day, load + `dbt build`) >= 3x faster (wall) than the {label} reference",
                              f"{label} {reference['wall_s']:.1f} s ({reference['cpu_s']:.1f} CPU s) vs daily run {incremental['wall_s']:.1f} s ({incremental['cpu_s']:.1f} CPU s)",
                              ratio(reference["wall_s"], incremental["wall_s"]), 3.0, at_least=True))
    preview, scoring = summary.get("preview"), summary.get("scoring")
    if preview and scoring:
        out.append(target("`lead-scoring preview` of a seed change takes no longer (wall) than a scoring build (load + `dbt build`, scoring part)",
                          f"preview {preview['wall_s']:.1f} s ({preview['cpu_s']:.1f} CPU s) vs scoring build {scoring['wall_s']:.1f} s "
                          f"({scoring['cpu_s']:.1f} CPU s)", ratio(preview["wall_s"], scoring["wall_s"]), 1.0))
    peaks = [s["max_peak_rss_mb"] for name, s in summary.items() if name in ("full", "scoring", "incremental", "seed")]
    if peaks:
        peak_gb = max(peaks) / 1024
        out.append(target("peak RSS of a build <= 12 GB (the target is for 5M leads)",
                          f"{peak_gb:.2f} GB at {leads:,} leads", round(peak_gb / 12, 3), 1.0))
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
    labels = {"full": "full build", "scoring": "full build, scoring part only", "incremental": "incremental day",
              "rerun": "the same day run again, nothing new", "next_day": "the next day, no delivery (only the date moves)",
              "seed": "rescore after a seed change"}
    for name in ("full", "scoring", "incremental", "rerun", "next_day", "seed"):
        if name in s:
            row(f"{labels[name]}: load raw + `dbt build`", s[name])
            row("&nbsp;&nbsp;load raw", s[name]["load"])
            row("&nbsp;&nbsp;`dbt build`", s[name]["dbt"])
    if "preview" in s:
        row("`lead-scoring preview` of the seed change (candidate marts built beside the warehouse, compared)", s["preview"])
    if "yesterday" in s:
        row("(yesterday's export, full: set-up of the incremental day)", s["yesterday"])
    if "startup" in s:
        row("dbt start-up (`dbt build` of an empty selection)", s["startup"])
    if "ref_sql" in s:
        row("reference: hand-written DuckDB query", s["ref_sql"]["query"])
    for name, label in DATAFRAME_REFERENCES.items():
        if name in s:
            row(f"reference: {label} (read raw {num(s[name]['read']['wall_s'])} s + compute, {REFERENCE_BATCH_LEADS:,} leads per batch)", s[name])
        elif isinstance(result.get("dataframe_references"), str):
            lines.append(f"| reference: {label} | {result['dataframe_references']} | | |")
    if "incremental" in s and any(name in s for name in ("ref_sql", *DATAFRAME_REFERENCES)):
        daily = s["incremental"]
        lines += ["", "The daily run (incremental day: load + `dbt build`) against each reference computing today's scores from scratch:", "",
                  "| | wall s | CPU s | daily run faster (wall) |", "|---|---:|---:|---:|",
                  f"| daily run | {num(daily['wall_s'])} | {num(daily['cpu_s'])} | |"]
        for label, entry in (("hand-written DuckDB query", s.get("ref_sql", {}).get("query")),
                             *((label, s.get(name)) for name, label in DATAFRAME_REFERENCES.items())):
            if entry:
                lines.append(f"| {label} | {num(entry['wall_s'])} | {num(entry['cpu_s'])} | {ratio(entry['wall_s'], daily['wall_s'])}x |")
    lines += day_parts_markdown(s)
    for name in ("full", "incremental", "rerun", "next_day"):
        if name in s and "dbt_node_cpu" in s[name]:
            lines += ["", *node_cpu_markdown(f"{labels[name][0].upper()}{labels[name][1:]}", s[name]["dbt"]["cpu_s"], s[name]["dbt_node_cpu"])]
    agreement = result.get("agreement")
    if agreement:
        parts = [f"{name}: {agreement[name]['mismatched_rows']} mismatches, max |Δ total| {agreement[name]['max_abs_total_diff']:.1e}"
                 for name in ("sql", "pandas", "polars") if name in agreement]
        lines += ["", f"Agreement on {agreement['rows']:,} (model, lead) rows and {agreement['mqls']:,} first MQL dates: " + "; ".join(parts)
                  + (". Incremental warehouse equals the full build" if result.get("incremental_equals_full") else "")
                  + (", also after the run with nothing new." if result.get("rerun_equals_full") else ".")]
    if result["targets"]:
        lines += ["", "| target | measured | ratio | target | met |", "|---|---|---:|---:|---|"]
        for t in result["targets"]:
            bound = (">= " if "faster" in t["target"] else "<= ") + str(t["limit"])
            lines.append(f"| {t['target']} | {t['measured']} | {t['ratio']} | {bound} | {'met' if t['met'] else 'missed'} |")
    return "\n".join(lines) + "\n"


def day_parts_markdown(s: dict) -> list[str]:
    """The incremental day's `dbt build` CPU split by subtraction: what a run costs with nothing
    new (the rerun), what the date moving adds (the next day without a delivery, less the rerun)
    and what the day's delivery adds (the day, less the next day without one); each also as a share
    of the full build's, the unit of the 5 % target."""
    if not all(name in s for name in ("full", "incremental", "rerun", "next_day")):
        return []
    day, rerun, next_day, full = (s[name]["dbt"]["cpu_s"] for name in ("incremental", "rerun", "next_day", "full"))
    part = lambda x: f"{x:.1f} CPU s ({100 * x / full:.1f} %)"  # noqa: E731
    return ["", f"The incremental day's `dbt build`, {part(day)} of the full build's {full:.1f}, split by subtraction: "
                f"any run, with nothing new, {part(rerun)}; the date moving {part(next_day - rerun)}; the day's delivery {part(day - next_day)}."]


def node_cpu_markdown(label: str, dbt_cpu: float, cpu: dict) -> list[str]:
    """Where a build's dbt CPU went, per node: an attribution by overlap (bench/node_cpu.py)."""
    share = lambda x: f"{x:.1f} s ({100 * x / dbt_cpu:.0f} %)" if x is not None and dbt_cpu else ""  # noqa: E731
    return [
        f"{label}, `dbt build` CPU per node ({dbt_cpu:.1f} CPU s; attributed by overlap: dbt's CPU sampled every "
        f"{SAMPLE_SECONDS} s, each interval's CPU split among the nodes running in it). "
        f"By kind: {', '.join(f'{k} {share(v)}' for k, v in cpu['cpu_by_kind'].items())}; outside nodes (start-up, parsing) "
        f"{share(cpu['outside_nodes_cpu_s'])}. By folder: {', '.join(f'{k} {share(v)}' for k, v in list(cpu['cpu_by_folder'].items())[:8])}.",
        *scaling_markdown(cpu, share),
        "",
        "| node | kind | CPU s |",
        "|---|---|---:|",
        *(f"| {n['node']} | {n['kind']} | {share(n['cpu_s'])} |" for n in cpu["top_nodes"]),
    ]


def scaling_markdown(cpu: dict, share) -> list[str]:
    """The CPU by how each node's work grows on a daily run (node_cpu.SCALING_CLASSES), with what
    each class holds; nothing for results written before the bench reported it."""
    if "cpu_by_scaling" not in cpu:
        return []
    return [
        "",
        "By how the work grows on a daily run: " + ", ".join(
            f"{k} {share(v)} in {cpu['nodes_by_scaling'][k]} nodes" for k, v in cpu["cpu_by_scaling"].items())
        + f"; outside nodes {share(cpu['outside_nodes_cpu_s'])}. ("
        + "; ".join(f"{k}: {SCALING_CLASSES[k]}" for k in cpu["cpu_by_scaling"]) + ".)",
    ]


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
    parser.add_argument("--dataframe-max-leads", type=int, default=1_000_000,
                        help=f"skip the pandas and Polars references above this many leads (they read and score {REFERENCE_BATCH_LEADS:,} leads at a time)")
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
    with_dataframes = leads <= args.dataframe_max_leads
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown or "full" not in scenarios:
        parser.error(f"scenarios must include full and be among {SCENARIOS}")

    data = args.data_dir / name
    work = data / "work"
    raw, yesterday, today = data / "raw", data / "yesterday", data / "today"
    # The warehouse spills to this folder instead of failing when a query needs more than memory_limit.
    os.environ["LEAD_SCORING_DUCKDB_MEMORY_LIMIT"] = args.memory_limit
    os.environ["LEAD_SCORING_DUCKDB_TEMP_DIR"] = str(data / "spill")
    as_of, day_before, day_after = (day.isoformat() for day in (END_DATE, END_DATE - dt.timedelta(days=1), END_DATE + dt.timedelta(days=1)))

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
    equal = rerun_equal = None
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

        results = {"sql_result": run_dir / "ref_sql.parquet"}
        record("ref_sql", measure("ref-sql", "reference SQL", run_dir, db=full_db, project=PROJECT_DIR, as_of=as_of, output=results["sql_result"]))
        for key, label in DATAFRAME_REFERENCES.items() if with_dataframes else ():
            results[f"{label.lower()}_result"] = run_dir / f"{key}.parquet"
            record(key, measure(key.replace("_", "-"), f"reference {label}", run_dir, db=full_db, project=PROJECT_DIR, as_of=as_of,
                                output=results[f"{label.lower()}_result"]))
        agreement = helper("compare", run_dir, db=full_db, **results)
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
            # The day's split (day_parts_markdown): the same day again with nothing new, which must
            # leave the warehouse as it was, then the next day without a delivery.
            record("rerun", measure("daily", "rerun, nothing new", run_dir, db=inc_db, raw=today, as_of=as_of, log=run_dir / "rerun.log", **common))
            rerun_equal = helper("compare-warehouses", run_dir, db=inc_db, other_db=full_db)
            record("next_day", measure("daily", "next day, no delivery", run_dir, db=inc_db, raw=today, as_of=day_after,
                                       log=run_dir / "next_day.log", **common))
            shutil.rmtree(inc_db.parent, ignore_errors=True)
        if "preview" in scenarios:
            # Before the seed change rescores this warehouse: the live rules are the project's.
            candidate = candidate_rules(work / "candidate_rules")
            if run == 1:  # warm-up: the rule workspaces parse once, as after their first use
                helper("preview", run_dir, db=full_db, rules=candidate, out=run_dir / "preview_warmup")
            record("preview", measure("preview", "preview (seed change)", run_dir, db=full_db, rules=candidate, out=run_dir / "preview"))
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
        "dataframe_references": with_dataframes or f"skipped above {args.dataframe_max_leads:,} leads",
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
        "rerun_equals_full": rerun_equal,
        "summary": summary,
        "targets": targets(summary, leads),
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
