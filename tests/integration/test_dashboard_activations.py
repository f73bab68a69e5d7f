"""The Activations page in Streamlit's AppTest, on a BI file published from a hand-made warehouse
(helpers.activation_warehouse: the activation marts, the seed activation_rules and what the sidebar
reads), with and without the delivery log beside it (lead_scoring/activation_log_export.py).

The hand-made file has no funnel marts, so the app's first run (the Funnel page) fails there; the
tests then switch to the Activations page, which must render without error.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import data
from helpers import APP_TIMEOUT, DASHBOARD_APP, activation_warehouse, metric, open_page, query
from lead_scoring.activation_log_export import export_delivery_log
from lead_scoring.bi_publication import publish

PAGE = "views/activations.py"


@pytest.fixture()
def bi_file(tmp_path) -> Path:
    """Published before any delivery, as the pipeline does: the warehouse has no log yet."""
    warehouse = activation_warehouse(tmp_path / "wh" / "lead_scoring.duckdb")
    target = tmp_path / "bi" / "bi.duckdb"
    publish(warehouse, target, run_id="activations-test", personal_data="hashed")
    return target


def delivered(tmp_path: Path, bi_file: Path) -> None:
    """The delivery that follows the publication: its log (helpers.DELIVERIES) beside the BI file."""
    export_delivery_log(activation_warehouse(tmp_path / "delivered" / "lead_scoring.duckdb", with_log=True), bi_file)


def activations_page(monkeypatch, bi_file: Path) -> AppTest:
    monkeypatch.setenv("LEAD_SCORING_BI_DB", str(bi_file))
    at = AppTest.from_file(str(DASHBOARD_APP), default_timeout=APP_TIMEOUT).run()
    return open_page(at, PAGE)


def table_with(at: AppTest, column: str):
    tables = [t.value for t in at.dataframe if column in t.value.columns]
    assert len(tables) == 1, [list(t.value.columns) for t in at.dataframe]
    return tables[0]


def test_the_page_shows_the_queue_per_action_and_says_there_is_no_delivery_log_yet(monkeypatch, bi_file):
    at = activations_page(monkeypatch, bi_file)
    assert at.title[0].value == "Activations"
    queued = query(bi_file, "select count(*) from marts.mart_activation_queue where model_id = 'hybrid_v1'")[0][0]
    assert metric(at, "Queued for delivery") == str(queued) == "4"
    assert metric(at, "Due today") == "3" and metric(at, "Leads in the queue") == "3"
    assert metric(at, "Delivered since the publication") == "–"
    assert any("No delivery log yet" in i.value and "delivery_log.parquet" in i.value for i in at.info)

    per_action = table_with(at, "description").set_index("action_id")
    assert per_action["queued"].to_dict() == {"mql_handoff": 1, "sales_notification": 1, "nurture_enrol": 1,
                                              "campaign_trigger": 1, "nurture_exit": 0}
    assert per_action.loc["campaign_trigger", ["destination", "description"]].tolist() == [
        "campaigns", "Visited the pricing page: start the pricing campaign"]
    leads = table_with(at, "top_reasons")
    assert sorted(zip(leads["lead_id"], leads["action_id"])) == [
        ("L1", "mql_handoff"), ("L1", "sales_notification"), ("L2", "nurture_enrol"), ("L3", "campaign_trigger")]
    assert set(leads["delivery"]) == {"no delivery log"}
    assert "form_submit at 2026-06-30 10:15" in leads["triggering_event"].tolist()

    (chart,) = at.get("plotly_chart")
    traces = {t["name"]: t for t in json.loads(chart.proto.spec)["data"]}
    assert set(traces) == {"mql_handoff", "sales_notification", "nurture_enrol", "nurture_exit", "campaign_trigger"}


def test_deliveries_and_failures_come_from_the_log_beside_the_bi_file(tmp_path, monkeypatch, bi_file):
    delivered(tmp_path, bi_file)
    at = activations_page(monkeypatch, bi_file)
    assert metric(at, "Queued for delivery") == "4"  # as published, before the delivery
    assert metric(at, "Delivered since the publication") == "1"
    # Latest attempt per activation and channel: L1's hand-off (outbox, webhook) and L5's older one
    # delivered, L3's campaign failed after two attempts.
    assert metric(at, "Delivered (latest attempt)") == "3" and metric(at, "Failed (latest attempt)") == "1"
    assert metric(at, "Last attempt (UTC)") == "2026-06-30 11:05"
    assert [m.help for m in at.metric if m.label == "Last attempt (UTC)"] == ["By the delivery run run-2026-06-30."]
    failures = table_with(at, "detail")
    assert failures[["lead_id", "action_id", "attempt", "detail"]].values.tolist() == [["L3", "campaign_trigger", 2, "disk full"]]
    leads = table_with(at, "top_reasons").set_index(["lead_id", "action_id"])["delivery"]
    assert leads[("L1", "mql_handoff")] == "delivered" and leads[("L3", "campaign_trigger")] == "failed"
    assert leads[("L2", "nurture_enrol")] == "not yet attempted"
    assert not at.info


def test_an_empty_log_and_another_model(tmp_path, monkeypatch, bi_file):
    """No delivery yet but the file exists (export without a log table): no attempt, said in words;
    the challenger model has its own queue and volume."""
    export_delivery_log(activation_warehouse(tmp_path / "empty" / "lead_scoring.duckdb"), bi_file)
    at = activations_page(monkeypatch, bi_file)
    assert any("no attempt" in i.value for i in at.info)
    assert metric(at, "Delivered since the publication") == "0"
    at.sidebar.selectbox(key="model").set_value("enterprise_gate_v1").run()
    assert not at.exception and metric(at, "Queued for delivery") == "1"


def test_the_weekly_volume_follows_the_date_range_and_channels(bi_file):
    bi = data.BI(str(bi_file))
    everything = data.Filters("hybrid_v1", dt.date(2026, 3, 1), dt.date(2026, 6, 30))
    volume = data.activation_volume(bi, everything)
    assert volume["activations"].sum() == 7 and volume["due_week"].min() == pd.Timestamp("2026-04-06")  # a Monday
    june = data.activation_volume(bi, data.Filters("hybrid_v1", dt.date(2026, 6, 1), dt.date(2026, 6, 30)))
    assert june.groupby("action_id")["activations"].sum().to_dict() == {
        "campaign_trigger": 1, "mql_handoff": 1, "nurture_enrol": 1, "sales_notification": 1}
    organic = data.Filters("hybrid_v1", everything.start, everything.end, ("organic_search",))
    assert data.activation_volume(bi, organic)["activations"].sum() == 3  # L1 twice, L3
    assert sorted(data.activation_queue(bi, organic)["lead_id"]) == ["L1", "L1", "L3"]
