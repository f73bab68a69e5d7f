"""The dashboard in a real browser: `streamlit run` on a free local port, the funnel page (and the
Activations page, on a hand-made BI file) in headless Chromium (the system package, driven by
Playwright), screenshots kept under artifacts/dashboard/.

Needs `chromium` on PATH: skipped without it locally, a failure in CI (.ci/run installs it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from pathlib import Path

import pytest

from helpers import PROJECT_DIR, activation_warehouse, chromium_page, free_port, serving
from lead_scoring.activation_log_export import export_delivery_log
from lead_scoring.bi_publication import publish

ARTIFACTS = PROJECT_DIR / "artifacts" / "dashboard"
PAGE_TIMEOUT_MS = 60_000
VIEWPORT = {"width": 1400, "height": 1000}
FUNNEL_CHARTS = 3  # cohort funnel, per cohort, flow


@pytest.fixture(scope="module")
def bi_file(tmp_path_factory, built_warehouse) -> Path:
    folder = tmp_path_factory.mktemp("dashboard_ui")
    warehouse = folder / "wh" / "lead_scoring.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(built_warehouse, warehouse)  # publication only reads it, but never the shared file
    target = folder / "bi" / "bi.duckdb"
    publish(warehouse, target, run_id="ui-test", personal_data="hashed")
    return target


@pytest.fixture(scope="module")
def activations_bi_file(tmp_path_factory) -> Path:
    """A hand-made BI file with the activation marts (helpers.activation_warehouse) and the log of
    the delivery that followed its publication beside it."""
    folder = tmp_path_factory.mktemp("dashboard_ui_activations")
    target = folder / "bi" / "bi.duckdb"
    publish(activation_warehouse(folder / "wh" / "lead_scoring.duckdb"), target, run_id="ui-activations", personal_data="hashed")
    export_delivery_log(activation_warehouse(folder / "delivered" / "lead_scoring.duckdb", with_log=True), target)
    return target


@pytest.fixture(scope="module")
def dashboard_url(bi_file, tmp_path_factory):
    """Base URL of a running dashboard; the server's whole process group is killed afterwards."""
    with _dashboard(bi_file, tmp_path_factory) as url:
        yield url


@pytest.fixture(scope="module")
def activations_url(activations_bi_file, tmp_path_factory):
    with _dashboard(activations_bi_file, tmp_path_factory) as url:
        yield url


@contextlib.contextmanager
def _dashboard(bi_file: Path, tmp_path_factory):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAD_SCORING_")} | {"LEAD_SCORING_BI_DB": str(bi_file)}
    log_path = tmp_path_factory.mktemp("streamlit") / "server.log"
    streamlit = Path(sys.executable).parent / "streamlit"
    command = [str(streamlit), "run", "dashboard/app.py", "--server.address", "127.0.0.1", "--server.port", str(port),
               "--server.headless", "true", "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer"]
    url = f"http://127.0.0.1:{port}"
    with serving("streamlit", command, env, log_path, f"{url}/_stcore/health", is_ready=lambda body: body.strip() == b"ok"):
        yield url


@pytest.fixture(scope="module")
def page():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium_page(VIEWPORT, PAGE_TIMEOUT_MS) as page:
        yield page


def _assert_real_picture(path: Path) -> None:
    """A PNG of the viewport's size that is not one flat colour (a blank or error page would be)."""
    from PIL import Image, ImageStat

    assert path.stat().st_size > 30_000, f"{path} is only {path.stat().st_size} bytes"
    with Image.open(path) as image:
        assert image.format == "PNG" and image.width >= VIEWPORT["width"]
        rgb = image.convert("RGB")
        assert len(rgb.getcolors(maxcolors=1_000_000) or []) > 50
        assert max(ImageStat.Stat(rgb).stddev) > 10


def test_funnel_page_renders_in_chromium(page, dashboard_url):
    page.goto(dashboard_url, wait_until="domcontentloaded")
    page.get_by_role("heading", name="Funnel").first.wait_for()
    page.get_by_text("Leads in the cohorts").first.wait_for()
    # Plotly draws every chart into its own SVG; wait until all three have been drawn.
    charts = page.locator(".js-plotly-plot .main-svg")
    page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {FUNNEL_CHARTS}")
    assert charts.count() >= FUNNEL_CHARTS
    assert page.get_by_text("ui-test").count() >= 1  # the publication in the sidebar
    page.wait_for_timeout(1500)  # let the charts finish their layout transitions
    shot = ARTIFACTS / "funnel.png"
    page.screenshot(path=str(shot))
    _assert_real_picture(shot)

    # Also keep the whole page (cohorts and flow below the fold); Streamlit scrolls inside its own
    # container, so grow the viewport to the content's height.
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": min(int(height) + 50, 5000)})
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "funnel-full.png"))


def test_activations_page_renders_in_chromium(page, activations_url):
    page.goto(f"{activations_url}/activations", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Activations").first.wait_for()
    page.get_by_text("Queued for delivery").first.wait_for()
    page.get_by_text("Failed (latest attempt)").first.wait_for()
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 1")
    assert page.get_by_text("ui-activations").count() >= 1
    page.wait_for_timeout(1500)
    shot = ARTIFACTS / "activations.png"
    page.screenshot(path=str(shot))
    _assert_real_picture(shot)
