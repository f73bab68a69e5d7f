"""What the command line shows: progress of long runs, a short failure block, correct --help of
every command, and `make help` listing every public make target."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import dagster as dg
import pytest

from helpers import NOW, PROJECT_DIR, SMALL_SAMPLE, cli, connect, free_port, write_folder
from lead_scoring import progress
from lead_scoring.cli import build_parser
from orchestration.local_run import MAX_FAILURE_LINES, failure_report

LEAD_SCORING = Path(sys.executable).parent / "lead-scoring"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# --- progress ---------------------------------------------------------------------------------


def test_without_a_terminal_progress_prints_a_line_per_stage_change_and_at_most_one_per_interval():
    out, clock = io.StringIO(), FakeClock()
    shown = progress.ConsoleProgress(out, tty=False, every=5, clock=clock)
    shown.update("raw files", "1/3 loaded (leads/a.csv)")
    clock.now += 2
    shown.update("raw files", "2/3 loaded (events/a.csv)")  # 2 s after the last line: held back
    clock.now += 1
    shown.update("raw files", "3/3 loaded (opportunities/a.csv)", last=True)  # the stage's end: shown
    clock.now += 62
    shown.update("dbt build", "1/4 nodes done, running stg_leads")  # a new stage: shown
    clock.now += 4
    shown.update("dbt build", "2/4 nodes done, running stg_events")  # 4 s: held back
    clock.now += 1
    shown.update("dbt build", "3/4 nodes done, running fct_leads")  # 5 s: shown
    shown.close()
    assert out.getvalue().splitlines() == [
        "[0:00] raw files 1/3 loaded (leads/a.csv)",
        "[0:03] raw files 3/3 loaded (opportunities/a.csv)",
        "[1:05] dbt build 1/4 nodes done, running stg_leads",
        "[1:10] dbt build 3/4 nodes done, running fct_leads",
    ]
    assert "\r" not in out.getvalue()


def test_on_a_terminal_progress_rewrites_one_line_and_ends_it_at_the_stages_end():
    out, clock = io.StringIO(), FakeClock()
    shown = progress.ConsoleProgress(out, tty=True, clock=clock)
    shown.update("raw files", "1/12 loaded (leads/a.csv)")
    clock.now += 0.05
    shown.update("raw files", "2/12 loaded (y)")  # rewritten at most every 0.1 s: skipped
    clock.now += 0.95
    shown.update("raw files", "12/12 loaded (x)", last=True)
    shown.update("dbt build", "0/4 nodes done")
    shown.close()
    first = "[0:00] raw files 1/12 loaded (leads/a.csv)"
    second = "[0:01] raw files 12/12 loaded (x)"
    assert out.getvalue() == "\r" + first + "\r" + second.ljust(len(first)) + "\n" + "\r[0:01] dbt build 0/4 nodes done" + "\n"


def _dbt_event(name: str, node: str | None = None, **data) -> dict:
    info = {"unique_id": f"model.lead_scoring.{node}", "node_name": node} if node else {}
    return {"info": {"name": name, "msg": ""}, "data": {**data, **({"node_info": info} if info else {})}}


def test_dbt_progress_counts_finished_and_skipped_nodes_of_the_total_and_names_the_running_one():
    out = io.StringIO()
    with progress.shown_on(out, tty=False, every=0):
        nodes = progress.DbtProgress()
        for event in [
            _dbt_event("MainReportVersion", version="1.11"),
            _dbt_event("LogStartLine", "stg_leads", index=1, total=3),
            _dbt_event("LogModelResult", "stg_leads", index=1, total=3, status="success"),
            _dbt_event("LogStartLine", "not_null_stg_leads_lead_id", index=2, total=3),
            _dbt_event("LogTestResult", "not_null_stg_leads_lead_id", index=2, num_models=3, status="fail"),
            _dbt_event("SkippingDetails", "fct_leads", index=3, total=3),
        ]:
            nodes.event(event)
    assert out.getvalue().splitlines() == [
        "[0:00] dbt build 0/3 nodes done, running stg_leads",
        "[0:00] dbt build 1/3 nodes done",
        "[0:00] dbt build 1/3 nodes done, running not_null_stg_leads_lead_id",
        "[0:00] dbt build 2/3 nodes done",
        "[0:00] dbt build 3/3 nodes done",
    ]


def test_the_last_line_counts_the_nodes_dbt_ran_when_its_announced_total_is_higher():
    # dbt-core 1.11 can announce more nodes than it runs (one per unit test more): 3 here for 2 nodes.
    out = io.StringIO()
    with progress.shown_on(out, tty=False, every=0):
        nodes = progress.DbtProgress()
        for event in [
            _dbt_event("LogStartLine", "dim_leads", index=1, total=3),
            _dbt_event("LogTestResult", "dim_leads", index=1, num_models=3, status="pass"),
            _dbt_event("LogStartLine", "stg_leads", index=2, total=3),
            _dbt_event("LogModelResult", "stg_leads", index=2, total=3, status="success"),
            _dbt_event("StatsLine", stats={"error": 0, "noop": 0, "pass": 2, "skip": 0, "total": 2, "warn": 0}),
        ]:
            nodes.event(event)
    assert out.getvalue().splitlines()[-2:] == ["[0:00] dbt build 2/3 nodes done", "[0:00] dbt build 2/2 nodes done"]


def test_with_several_dbt_threads_the_running_node_is_the_latest_started_of_those_not_done():
    out = io.StringIO()
    with progress.shown_on(out, tty=False, every=0):
        nodes = progress.DbtProgress()
        nodes.event(_dbt_event("LogStartLine", "stg_leads", index=1, total=9))
        nodes.event(_dbt_event("LogStartLine", "stg_events", index=2, total=9))
        nodes.event(_dbt_event("LogModelResult", "stg_events", index=2, total=9))
    assert out.getvalue().splitlines()[-1] == "[0:00] dbt build 1/9 nodes done, running stg_leads"


def test_progress_is_silent_unless_a_command_line_asked_for_it():
    progress.report("raw files", "1/1 loaded")  # no error, nothing to show it on
    progress.DbtProgress().event(_dbt_event("LogStartLine", "stg_leads", index=1, total=1))


def test_the_raw_loader_reports_each_file_of_the_folder_and_loads_the_same(tmp_path):
    folder = write_folder(tmp_path / "raw")
    (folder / "notes.txt").write_text("not a raw file")
    seen: list[tuple[int, int, str]] = []
    from lead_scoring.ingest.raw_loader import load_raw_folder

    counts = load_raw_folder(connect(tmp_path / "a" / "lead_scoring.duckdb"), folder, now=NOW, on_file=lambda *a: seen.append(a))
    assert seen == [(1, 4, "notes.txt"), (2, 4, "leads/part-00000.csv"), (3, 4, "events/part-00000.csv"),
                    (4, 4, "opportunities/part-00000.csv")]
    assert counts == load_raw_folder(connect(tmp_path / "b" / "lead_scoring.duckdb"), folder, now=NOW) == {
        "leads": 2, "events": 3, "opportunities": 1, "company_visits": 0}
    # A second load: unchanged files count too.
    seen.clear()
    load_raw_folder(connect(tmp_path / "a" / "lead_scoring.duckdb"), folder, now=NOW, on_file=lambda *a: seen.append(a))
    assert [s[:2] for s in seen] == [(1, 4), (2, 4), (3, 4), (4, 4)]


@pytest.mark.slow
def test_demo_shows_files_loaded_dbt_nodes_and_elapsed_time_then_the_same_summary(tmp_path):
    """stdout is a pipe here, as in CI: lines, no carriage returns."""
    result = cli(tmp_path, "demo", **SMALL_SAMPLE)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Raw data: sample data")
    steps = [line for line in lines if re.match(r"\[\d+:\d\d\] ", line)]
    assert "\r" not in result.stdout
    assert any(re.fullmatch(r"\[\d+:\d\d\] sample data generating 300 leads over 120 days", s) for s in steps), steps
    files = [m for s in steps if (m := re.search(r"raw files (\d+)/(\d+) loaded", s))]
    assert files and files[-1].group(1) == files[-1].group(2) == str(len(list((tmp_path / "wh" / "sample_raw").rglob("*.parquet"))))
    dbt = [m for s in steps if (m := re.search(r"dbt build (\d+)/(\d+) nodes done", s))]
    assert len(dbt) >= 2 and dbt[-1].group(1) == dbt[-1].group(2) and int(dbt[-1].group(2)) > 100, steps
    assert any(re.search(r"dbt build \d+/\d+ nodes done, running \w+", s) for s in steps), steps
    assert any(" BI file published " in s for s in steps)
    # Every step's start, so that no stage of the run is silent.
    assert any(s.endswith(" step raw_tables started") for s in steps), steps
    assert any(s.endswith(" step lead_scoring_dbt_assets started") for s in steps), steps
    # Throttled: a few dozen lines for several hundred dbt nodes.
    assert len(steps) < 60, steps
    # After the progress, exactly what the command printed before it had any.
    after = lines[lines.index(steps[-1]) + 1:]
    assert after[0].startswith("Log of the run (dbt output, warnings): ")
    assert re.fullmatch(r"Daily job succeeded in \d+\.\d s\.", after[1]) and after[2] == ""
    assert after[3] == f"Warehouse: {tmp_path / 'wh' / 'lead_scoring.duckdb'}"


# --- a failure in a few lines -----------------------------------------------------------------


def test_a_failure_with_dozens_of_failed_checks_stays_within_fifteen_lines(tmp_path):
    names = [f"not_null_col_{i}" for i in range(30)]

    @dg.asset(check_specs=[dg.AssetCheckSpec(name, asset="scores", blocking=True) for name in names])
    def scores():
        yield dg.MaterializeResult()
        for name in names:
            yield dg.AssetCheckResult(check_name=name, passed=False, metadata={"dagster_dbt/failed_row_count": 3})

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([scores], instance=instance, raise_on_error=False)
    lines = failure_report(instance, result.dagster_run, tmp_path / "last_run.log").splitlines()
    assert len(lines) <= 15
    assert lines[0] == f"The daily job FAILED (run {result.dagster_run.run_id})."
    shown = MAX_FAILURE_LINES - 2  # room for the failed step and the "more" line
    assert lines[1:1 + shown] == [f"  Failed check scores {name}: 3 rows fail the test" for name in names[:shown]]
    assert lines[1 + shown] == f"  ... and {30 - shown} more failed checks (all in the log)"
    assert lines[2 + shown].startswith("  Failed step scores: 30 blocking asset checks failed with ERROR severity: scores: not_null_col_0,")
    assert lines[-2].startswith("Next: ")
    assert lines[-1].startswith(f"Full log with stack traces: {tmp_path / 'last_run.log'}")


# --- --help ------------------------------------------------------------------------------------


def _subcommands() -> dict[str, object]:
    parser = build_parser()
    [sub] = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    return sub.choices


@pytest.mark.parametrize("command", sorted(_subcommands()))
def test_every_command_has_a_help_with_its_own_usage_line_and_every_option_explained(command):
    result = subprocess.run([str(LEAD_SCORING), command, "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: lead-scoring {command} "), result.stdout
    parser = _subcommands()[command]
    for action in parser._actions:
        assert action.help and action.help != "==SUPPRESS==", f"{command}: {action.option_strings or action.dest} has no help"
        for option in action.option_strings:
            assert option in result.stdout


# --- make help ---------------------------------------------------------------------------------


def test_make_help_lists_every_phony_target():
    makefile = (PROJECT_DIR / "Makefile").read_text()
    phony = {t for line in re.findall(r"^\.PHONY:(.*)$", makefile, re.M) for t in line.split()}
    result = subprocess.run(["make", "--no-print-directory", "-C", str(PROJECT_DIR), "help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    listed = {m.group(1) for m in re.finditer(r"^make (\S+)", result.stdout, re.M)}
    assert sorted(phony - listed - {"help"}) == []
    assert sorted(listed - phony) == []  # no line for a target that is not there


# --- make dev and Ctrl-C -----------------------------------------------------------------------

DEV_STARTUP_TIMEOUT_SECONDS = 600  # the UI loads the code location and parses dbt first: minutes on a busy machine
DEV_STOP_TIMEOUT_SECONDS = 30


def _processes_in_group(group: int) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # ended meanwhile
            # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its parenthesis.
            if int(stat.rsplit(")", 1)[1].split()[2]) == group:
                found.append(f"{entry.name} {(entry / 'cmdline').read_bytes().replace(bytes(1), b' ').decode(errors='replace')[:150]}")
    return found


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads process groups from /proc")
def test_make_dev_stops_on_ctrl_c_within_seconds_and_leaves_no_process(tmp_path):
    """Ctrl-C in a terminal sends SIGINT to the whole foreground process group: make, dagster dev,
    the webserver, the daemon and the code servers. A browser tab keeps a websocket open meanwhile."""
    from websockets.sync.client import connect

    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_DIR / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    port = free_port()
    env = {**os.environ, "LEAD_SCORING_DB": str(tmp_path / "wh" / "lead_scoring.duckdb")}
    env.pop("LEAD_SCORING_RAW_DIR", None)
    log_path = tmp_path / "make_dev.log"
    with log_path.open("w") as log:
        make = subprocess.Popen(["make", "--no-print-directory", "-C", str(PROJECT_DIR), "dev", f"DAGSTER_PORT={port}", f"DAGSTER_HOME={home}"],
                                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + DEV_STARTUP_TIMEOUT_SECONDS
        while True:
            assert make.poll() is None, log_path.read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as answer:
                    answer.read()
                break
            except OSError:
                assert time.monotonic() < deadline, log_path.read_text()[-3000:]
                time.sleep(1)
        with connect(f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-ws"]) as tab:
            tab.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(tab.recv(timeout=30))["type"] == "connection_ack"
            assert len(_processes_in_group(make.pid)) >= 4  # make, dagster dev, webserver, daemon, code server(s)

            stopping = time.monotonic()
            os.killpg(make.pid, signal.SIGINT)
            make.wait(timeout=DEV_STOP_TIMEOUT_SECONDS)
            took = time.monotonic() - stopping
        left = _processes_in_group(make.pid)
        for _ in range(10):  # a last child may still be exiting as make returns
            if not left:
                break
            time.sleep(0.5)
            left = _processes_in_group(make.pid)
        assert left == [], left
        assert took < DEV_STOP_TIMEOUT_SECONDS
        assert "Dagster services shut down." in log_path.read_text()
    finally:
        if make.poll() is None or _processes_in_group(make.pid):
            os.killpg(make.pid, signal.SIGKILL)
            make.wait()
