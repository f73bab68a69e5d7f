"""dbt's parse state, carried from one pipeline run to the next.

Dagster gives every dbt invocation a fresh target folder and copies in the parse state of the
project's `target/` (left by `dbt parse`, which has none of a run's vars), so without help each
daily run parses the whole project again: about 16 CPU seconds, a fixed cost as large as the
scoring of a small day. dbt reparses only the files that changed when it finds a
`partial_parse.msgpack` of an earlier parse with the same vars. A run copies in the one its last
run of the same kind left (dagster-dbt then leaves it), and keeps the one it writes for the next.

dbt itself decides whether a saved state still applies: it compares the dbt version, the vars,
the profile and the checksum of every file, and parses in full when anything differs (a state
file that cannot be read is a full parse, never an error). The key below only keeps kinds of run
apart whose vars differ (a daily run, the weekly tests), so that they do not overwrite each
other's state. The day a run stands for is not a var (lead_scoring.run_options.dbt_env), so a
replay of past days, one after the other, keeps the daily run's state.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

PARTIAL_PARSE_FILE = "partial_parse.msgpack"
STATE_FOLDER = "parse_state"
# One state per kind of run (and per warehouse or project folder): keep the newest few.
KEEP_STATES = 8


def state_file(target_dir: Path, project_dir: Path, dbt_args: Sequence[str]) -> Path:
    """Where the parse state of runs like this one is kept: per project folder, dbt target,
    warehouse and vars (the `--vars` argument)."""
    args = list(dbt_args)
    dbt_vars = args[args.index("--vars") + 1] if "--vars" in args[:-1] else ""
    key = json.dumps([str(project_dir), os.environ.get("LEAD_SCORING_TARGET", ""),
                      os.environ.get("LEAD_SCORING_DB", ""), dbt_vars])
    return target_dir / STATE_FOLDER / f"{hashlib.sha256(key.encode()).hexdigest()[:16]}.msgpack"


def restore(state: Path, run_target: Path) -> bool:
    """Puts the kept state into a run's target folder; False when there is none yet."""
    if not state.is_file():
        return False
    run_target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(state, run_target / PARTIAL_PARSE_FILE)
    return True


def keep(run_target: Path, state: Path) -> bool:
    """Keeps the state dbt wrote in a run's target folder for the next run (replaced atomically,
    so a run killed meanwhile leaves the previous state); False when dbt wrote none."""
    written = run_target / PARTIAL_PARSE_FILE
    if not written.is_file():
        return False
    state.parent.mkdir(parents=True, exist_ok=True)
    partial = state.with_name(f"{state.name}.{os.getpid()}.tmp")
    shutil.copyfile(written, partial)
    os.replace(partial, state)
    for old in sorted(state.parent.glob("*.msgpack"), key=lambda p: p.stat().st_mtime)[:-KEEP_STATES]:
        old.unlink(missing_ok=True)
    return True
