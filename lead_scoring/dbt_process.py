"""`lead-scoring-dbt`: dbt, made to die with the process that started it.

A run's dbt step starts `dbt build` as a child process. When the run's process is killed
(SIGKILL, the out-of-memory killer), a child would survive it: dbt would go on writing the
warehouse, and hold DuckDB's lock on it, while the next run starts and fails on that lock. On
Linux this asks the kernel to kill dbt when its parent dies (PR_SET_PDEATHSIG), then becomes
dbt; elsewhere it is plain dbt.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from pathlib import Path

from lead_scoring import settings

PR_SET_PDEATHSIG = 1  # linux/prctl.h
EXECUTABLE_NAME = "lead-scoring-dbt"


def executable() -> str:
    """This wrapper beside the project's Python, else plain dbt (an install older than it)."""
    beside = Path(sys.executable).parent / EXECUTABLE_NAME
    return str(beside) if beside.exists() else settings.dbt_executable()


def die_with_parent() -> None:
    """SIGKILL this process when its parent ends (Linux); exit at once if it already has."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return  # not available here: plain dbt
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def main() -> None:
    die_with_parent()
    dbt = settings.dbt_executable()
    os.execvp(dbt, [dbt, *sys.argv[1:]])  # the death signal setting survives exec


if __name__ == "__main__":
    main()
