"""A local server in its own process group and a headless Chromium page, for the browser tests
(tests/test_ui_dagster.py, tests/test_ui_dashboard.py)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import PROJECT_DIR, missing_program

STARTUP_TIMEOUT_SECONDS = 60
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@contextlib.contextmanager
def serving(name: str, command: list[str], env: dict[str, str], log_path: Path, health_url: str,
            is_ready: Callable[[bytes], bool] = lambda body: True) -> Iterator[None]:
    """Run `command` until the block ends, once `health_url` answers with a body `is_ready` accepts;
    then its whole process group is stopped (SIGTERM, SIGKILL after 15 s)."""
    with log_path.open("w") as log:
        server = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
            while True:
                if server.poll() is not None:
                    pytest.fail(f"{name} exited with {server.returncode}:\n{log_path.read_text()[-3000:]}")
                try:
                    with urllib.request.urlopen(health_url, timeout=2) as answer:
                        if is_ready(answer.read()):
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"{name} did not answer in {STARTUP_TIMEOUT_SECONDS} s:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.5)
            yield
        finally:
            stop_process_group(server, timeout=15)


@contextlib.contextmanager
def chromium_page(viewport: dict[str, int], timeout_ms: int) -> Iterator[object]:
    """A Playwright page in the system Chromium (skipped without it locally, a failure in CI)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        missing_program("Chromium is not installed (Debian: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=viewport)
        page.set_default_timeout(timeout_ms)
        yield page
        browser.close()


def stop_process_group(process: subprocess.Popen, timeout: float) -> None:
    """End the process group a test started: SIGTERM, then SIGKILL after `timeout` seconds. The
    group is signalled even when its leader has exited, so no child outlives the test."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:  # the whole group is gone already
        process.wait()
        return
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
