"""The Dagster UI in a real browser: the asset graph shows the layers, the checks and the automations.

Starts the Dagster webserver on a free local port with a throw-away DAGSTER_HOME, opens it in
headless Chromium (the system package, driven by Playwright) and keeps screenshots under
artifacts/ui/. Needs `chromium` on PATH: skipped without it locally, a failure in CI.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from helpers import PROJECT_DIR, STARTUP_TIMEOUT_SECONDS, chromium_page, free_port, serving

ARTIFACTS = PROJECT_DIR / "artifacts" / "ui"
GROUPS = ["raw", "seeds", "staging", "intermediate", "marts"]
PAGE_TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def dagster_ui(tmp_path_factory):
    """Base URL of a running Dagster webserver; the whole process group is killed afterwards."""
    from orchestration.dbt_project import prepare_manifest

    prepare_manifest()
    home = tmp_path_factory.mktemp("dagster_home")
    shutil.copy(PROJECT_DIR / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    (home / ".nux").mkdir()
    (home / ".nux" / "nux.yaml").write_text("seen: 1\n")  # no sign-up modal over the page
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAD_SCORING_")}
    env |= {"DAGSTER_HOME": str(home), "LEAD_SCORING_DB": str(home / "warehouse" / "lead_scoring.duckdb")}
    webserver = Path(sys.executable).parent / "dagster-webserver"
    url = f"http://127.0.0.1:{port}"
    log = home / "webserver.log"
    command = [str(webserver), "-h", "127.0.0.1", "-p", str(port), "-m", "orchestration.definitions"]
    with serving("The webserver", command, env, log, f"{url}/server_info"):
        _wait_for_code_location(url, log)
        yield url


LOCATION_QUERY = """{ workspaceOrError { __typename ... on Workspace { locationEntries {
    name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }"""


def _wait_for_code_location(url: str, log: Path) -> None:
    """The webserver answers before it has loaded the code; fail with the load error, if any."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        request = urllib.request.Request(
            f"{url}/graphql", data=json.dumps({"query": LOCATION_QUERY}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            workspace = json.load(response)["data"]["workspaceOrError"]
        entries = workspace.get("locationEntries") or []
        if entries and all(e["loadStatus"] == "LOADED" for e in entries):
            errors = [e["locationOrLoadError"] for e in entries if e["locationOrLoadError"]["__typename"] == "PythonError"]
            if errors:
                pytest.fail(f"The code location did not load:\n{errors[0]['message']}\n{log.read_text()[-3000:]}")
            return
        time.sleep(0.5)
    pytest.fail(f"The code location did not load in {STARTUP_TIMEOUT_SECONDS} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def page(dagster_ui):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium_page({"width": 1600, "height": 1000}, PAGE_TIMEOUT_MS) as page:
        yield page


def _open(page, url: str, *texts: str) -> None:
    """Open a page of the single-page app and wait until each text is on it."""
    page.goto(url, wait_until="domcontentloaded")
    for text in texts:
        page.get_by_text(text, exact=True).first.wait_for(state="attached")


def test_asset_graph_shows_the_layers(page, dagster_ui):
    page.goto(f"{dagster_ui}/asset-groups", wait_until="domcontentloaded")
    for group in GROUPS:
        # Each layer is in the sidebar tree and is a node of the graph.
        page.get_by_text(group, exact=True).nth(1).wait_for(state="attached")
    page.screenshot(path=str(ARTIFACTS / "asset-graph.png"))
    # Also keep a picture with every group expanded ("Expand all groups", ⌥E in the graph's
    # menu). Not asserted: zoomed to fit a large graph, the UI draws assets without labels.
    page.keyboard.press("Alt+e")
    page.wait_for_timeout(2000)
    page.screenshot(path=str(ARTIFACTS / "asset-graph-expanded.png"))


def test_asset_pages_list_the_checks(page, dagster_ui):
    _open(page, f"{dagster_ui}/assets/raw/events?view=checks",
          "events_are_fresh", "rows_reconcile", "source_not_null_raw_events_event_id", "This is a blocking asset check.")
    page.screenshot(path=str(ARTIFACTS / "raw-events-checks.png"))
    _open(page, f"{dagster_ui}/assets/marts/mart_lead_scores_current?view=checks",
          "score_band_drift", "unique_combination_mart_lead_scores_current_model_id__lead_id")
    _open(page, f"{dagster_ui}/assets/marts/mart_mql_measures?view=checks", "benchmark_health")
    _open(page, f"{dagster_ui}/assets/staging/stg_raw__events?view=checks",
          "one_row_per_raw_event_id", "relationships_stg_raw__events_event_type__event_type__ref_event_types_")


def test_automation_page_lists_the_schedule_and_sensors(page, dagster_ui):
    _open(page, f"{dagster_ui}/automation", "daily_lead_scoring_schedule", "new_raw_files_sensor", "run_failure_alert")
    page.screenshot(path=str(ARTIFACTS / "automation.png"))
