"""Per-node CPU of a `dbt build`, attributed by overlap.

dbt runs nodes on several threads in one process, so the OS cannot say which node used the CPU.
While dbt runs, its CPU time (user + system of the process, all its threads, and its children) is
sampled every ~0.2 s; afterwards each sampling interval's CPU is split among the nodes that ran in
it (from compile start to execute end, run_results.json's timing), in proportion to the time each
ran within the interval, which is evenly when they all ran throughout. CPU in intervals where no
node ran (start-up, parsing, writing artifacts) is reported as outside nodes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import time
from pathlib import Path

SAMPLE_SECONDS = 0.2
_TICKS = os.sysconf("SC_CLK_TCK")


def _process_cpu(pid: int) -> float:
    """CPU seconds of a process (all its threads, and its children it waited for) and of its live
    descendants; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = [int(c) for task in Path(f"/proc/{pid}/task").iterdir() for c in (task / "children").read_text().split()]
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    # utime, stime, cutime, cstime are fields 14-17 of stat; fields[0] here is field 3 (state).
    own = sum(int(x) for x in fields[11:15]) / _TICKS
    return own + sum(_process_cpu(child) for child in children)


def run_sampled(command: list[str], **popen) -> tuple[int, list[tuple[float, float]]]:
    """Run a command to its end, sampling its CPU; returns (exit code, [(unix time, CPU s)]). The
    last sample is the total from the exit (wait4's rusage)."""
    samples = [(time.time(), 0.0)]
    process = subprocess.Popen(command, **popen)
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        cpu = _process_cpu(process.pid)
        if cpu >= samples[-1][1]:
            samples.append((time.time(), cpu))
        time.sleep(SAMPLE_SECONDS)
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here; keep Popen from waiting again
    samples.append((time.time(), max(usage.ru_utime + usage.ru_stime, samples[-1][1])))
    return process.returncode, samples


def _seconds(timestamp: str) -> float:
    return dt.datetime.fromisoformat(timestamp).replace(tzinfo=dt.timezone.utc).timestamp()


def node_spans(run_results: dict) -> dict[str, tuple[float, float]]:
    """unique_id -> (start, end) in unix seconds: from the first timing entry (compile) to the last
    (execute). Nodes without timing (skipped) did not run."""
    spans = {}
    for result in run_results["results"]:
        timing = [t for t in result.get("timing", []) if t.get("started_at") and t.get("completed_at")]
        if timing:
            spans[result["unique_id"]] = (min(_seconds(t["started_at"]) for t in timing), max(_seconds(t["completed_at"]) for t in timing))
    return spans


def attribute(samples: list[tuple[float, float]], spans: dict[str, tuple[float, float]]) -> tuple[dict[str, float], float]:
    """({node: CPU s}, CPU s outside nodes) from cumulative CPU samples and node spans."""
    per_node = dict.fromkeys(spans, 0.0)
    outside = 0.0
    for (t0, cpu0), (t1, cpu1) in zip(samples, samples[1:]):
        overlaps = {node: min(end, t1) - max(start, t0) for node, (start, end) in spans.items()}
        overlaps = {node: seconds for node, seconds in overlaps.items() if seconds > 0}
        total = sum(overlaps.values())
        if not total:
            outside += cpu1 - cpu0
            continue
        for node, seconds in overlaps.items():
            per_node[node] += (cpu1 - cpu0) * seconds / total
    return per_node, outside


# How a node's work grows on a daily run, read from the manifest (the order is the report's).
SCALING_CLASSES = {
    "restated models": "incremental models: a run rewrites the rows of the leads, accounts or deliveries that changed",
    "narrowed tests": ("data tests of models whose meta names a daily_test_scope column: on a daily run they check the changed rows"
                       " (those of today's state only on a run for the same scoring day)"),
    "models rebuilt whole": "tables rebuilt from all rows on every run",
    "views": "views (created on every run, computed when read)",
    "whole tests": "every other data test: over whole models or views, and the singular tests over aggregates and accounts",
    "unit tests": "dbt unit tests",
    "seeds and snapshots": "seeds and snapshots",
}


def scaling_class(uid: str, nodes: dict) -> str:
    """The SCALING_CLASSES key of node `uid`, from the manifest's `nodes` and `unit_tests`: a
    model by its materialization, a data test by the meta of the model it is attached to (the meta
    that narrows it on a daily run, macros/tests/get_where_subquery.sql), a singular test by
    whether it reads its models through the macro daily_tested_leads."""
    kind = uid.split(".")[0]
    node = nodes.get("nodes", {}).get(uid, {})
    if kind == "model":
        materialized = node.get("config", {}).get("materialized")
        return {"incremental": "restated models", "view": "views"}.get(materialized, "models rebuilt whole")
    if kind == "test":
        attached = nodes.get("nodes", {}).get(node.get("attached_node") or "", {})
        meta = attached.get("config", {}).get("meta", {})
        narrowed = any(meta.get(key) for key in ("daily_test_scope", "daily_test_scope_staged")) or any(
            macro.endswith(".daily_tested_leads") for macro in node.get("depends_on", {}).get("macros", []))
        return "narrowed tests" if narrowed else "whole tests"
    return "unit tests" if kind == "unit_test" else "seeds and snapshots"


def node_cpu_report(samples: list[tuple[float, float]], target: Path, top: int = 12) -> dict:
    """Per-node CPU of the dbt run whose artifacts are in `target`: every node, the top ones, and
    sums by kind, by (kind, folder of the file that defines the node) and by how the node's work
    grows on a daily run (scaling_class)."""
    nodes = json.loads((target / "manifest.json").read_text())
    defined_in = {uid: node.get("original_file_path", "") for section in ("nodes", "unit_tests") for uid, node in nodes.get(section, {}).items()}
    per_node, outside = attribute(samples, node_spans(json.loads((target / "run_results.json").read_text())))
    by_kind: dict[str, float] = {}
    by_folder: dict[str, float] = {}
    scaling = {uid: scaling_class(uid, nodes) for uid in per_node}
    by_scaling = dict.fromkeys((k for k in SCALING_CLASSES if k in scaling.values()), 0.0)
    for uid, cpu in per_node.items():
        kind = uid.split(".")[0]
        folder = f"{kind} {os.path.dirname(defined_in.get(uid, '')) or '?'}"
        by_kind[kind] = by_kind.get(kind, 0.0) + cpu
        by_folder[folder] = by_folder.get(folder, 0.0) + cpu
        by_scaling[scaling[uid]] += cpu
    ranked = lambda sums: {k: round(v, 2) for k, v in sorted(sums.items(), key=lambda kv: -kv[1])}  # noqa: E731
    return {
        "sampled_cpu_s": round(samples[-1][1], 2),
        "outside_nodes_cpu_s": round(outside, 2),
        "cpu_by_kind": ranked(by_kind),
        "cpu_by_folder": ranked(by_folder),
        "cpu_by_scaling": {k: round(v, 2) for k, v in by_scaling.items()},
        "nodes_by_scaling": {k: list(scaling.values()).count(k) for k in by_scaling},
        "top_nodes": [{"node": uid.split(".", 2)[-1], "kind": uid.split(".")[0], "cpu_s": round(cpu, 2)}
                      for uid, cpu in sorted(per_node.items(), key=lambda kv: -kv[1])[:top]],
        "nodes": len(per_node),
        "node_cpu_s": {uid: round(cpu, 3) for uid, cpu in per_node.items()},
    }
