"""Progress of a command-line run (`lead-scoring demo | run`) on the terminal.

The run's own output (dbt's log, Dagster's warnings) goes to a log file, so without this the
terminal stays silent for minutes. The steps report what they do through `report()`, which does
nothing unless a command line asked for progress with `shown_on(stream)` (a run launched by the
Dagster UI or the schedule shows nothing here). On a terminal one line is rewritten in place; on
anything else (a CI log, a pipe) a line is printed when a stage starts or ends, and at most
every few seconds in between, so the log stays short and readable.

    [0:12] raw files 3/7 loaded (events/part-0001.parquet)
    [1:05] dbt build 120/553 nodes done, running int_lead_scores
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TextIO

# Without a terminal: at most one line per stage in this many seconds (plus its first and last).
LINE_EVERY_SECONDS = 5.0
# On a terminal: the line is rewritten at most this often (dbt reports a few dozen nodes a second).
REWRITE_EVERY_SECONDS = 0.1

# dbt's structured events (--log-format json, which dagster-dbt reads), those of its "N of M START"
# and "N of M OK / FAIL / SKIP" lines: a node starts; a node ends, built, tested or skipped because
# something upstream failed.
DBT_NODE_START = "LogStartLine"
DBT_NODE_DONE = {"LogModelResult", "LogTestResult", "LogSeedResult", "LogSnapshotResult", "SkippingDetails"}
# The "Done. PASS=… TOTAL=…" line at the end of an invocation.
DBT_RUN_STATS = "StatsLine"


class ConsoleProgress:
    """Writes progress lines to `stream`: rewritten in place on a terminal, else throttled lines."""

    def __init__(self, stream: TextIO, tty: bool | None = None, every: float = LINE_EVERY_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.every = every
        self.clock = clock
        self.started = clock()
        self._stage: str | None = None
        self._printed_at = float("-inf")
        self._open_line = 0  # length of the line being rewritten on a terminal

    def update(self, stage: str, detail: str, last: bool = False) -> None:
        """`detail` of `stage` (e.g. "raw files", "3/7 loaded"); `last` marks its final update."""
        now = self.clock()
        elapsed = int(now - self.started)
        text = f"[{elapsed // 60}:{elapsed % 60:02d}] {stage} {detail}"
        if self.tty:
            if stage == self._stage and not last and now - self._printed_at < REWRITE_EVERY_SECONDS:
                return
            self._printed_at = now
            width = shutil.get_terminal_size((100, 20)).columns - 1
            text = text[:width]
            self.stream.write("\r" + text.ljust(self._open_line))
            self._open_line = len(text)
            if last:
                self._end_line()
        elif stage != self._stage or last or now - self._printed_at >= self.every:
            self.stream.write(text + "\n")
            self._printed_at = now
        self._stage = None if last else stage
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self._open_line:
            self._end_line()
            self.stream.flush()

    def _end_line(self) -> None:
        self.stream.write("\n")
        self._open_line = 0


_shown: ConsoleProgress | None = None


@contextmanager
def shown_on(stream: TextIO, **options: Any) -> Iterator[ConsoleProgress]:
    """Show the progress that steps report, on `stream`, for the duration of the block."""
    global _shown
    progress = ConsoleProgress(stream, **options)
    _shown = progress
    try:
        yield progress
    finally:
        _shown = None
        progress.close()


def report(stage: str, detail: str, last: bool = False) -> None:
    if _shown is not None:
        _shown.update(stage, detail, last)


def report_file_loaded(done: int, total: int, name: str) -> None:
    """For the raw loader's `on_file`."""
    report("raw files", f"{done}/{total} loaded ({name})", last=done == total)


class DbtProgress:
    """Counts the nodes of one dbt invocation from its structured events: nodes done of the total
    dbt announces, and the node that started last (with several threads, one of those running)."""

    def __init__(self) -> None:
        self.done: set[str] = set()
        self.total: int | None = None
        self.running: dict[str, str] = {}  # unique id -> name, in start order

    def event(self, raw_event: Mapping[str, Any]) -> None:
        name = raw_event.get("info", {}).get("name")
        data = raw_event.get("data", {})
        node = data.get("node_info", {})
        if data.get("total") or data.get("num_models"):  # dbt calls the total num_models on tests
            self.total = int(data.get("total") or data.get("num_models"))
        if name == DBT_RUN_STATS and "total" in data.get("stats", {}):
            # The total dbt-core 1.11 announces can exceed the nodes it runs (by one per unit test
            # in the builds seen here); its closing statistics count what it ran, so the last
            # line reads N/N when all are done.
            self.total = int(data["stats"]["total"])
            self._show()
            return
        if name == DBT_NODE_START and node.get("unique_id"):
            self.running[node["unique_id"]] = node.get("node_name") or node["unique_id"]
            self._show()
        elif name in DBT_NODE_DONE and node.get("unique_id"):
            self.done.add(node["unique_id"])
            self.running.pop(node["unique_id"], None)
            self._show()

    def _show(self) -> None:
        total = self.total or "?"
        finished = self.total is not None and len(self.done) >= self.total
        detail = f"{len(self.done)}/{total} nodes done"
        if self.running and not finished:
            detail += f", running {list(self.running.values())[-1]}"
        report("dbt build", detail, last=finished)
