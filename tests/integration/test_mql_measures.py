"""One MQL figure on every screen: each MQL measure (seed mql_measures) has the same value and the
same label in the mart (marts.mart_mql_measures), the summary, the dashboard pages (Streamlit
AppTest on a BI file published from the test warehouse, default filters: every lead and every
MQL) and the semantic layer (`mf query`), for the primary scoring model over the whole history."""

from __future__ import annotations

import csv
import json
import re

import duckdb
import pytest

from helpers import PROJECT_DIR, metric, mf, open_page, publish_copy, query, start_app
from lead_scoring.summary import render_summary

MEASURES = ("leads", "mql_leads", "mql_lead_share", "mql_episodes", "first_time_mqls", "re_mqls", "in_order_mqls",
            "lead_to_mql_rate", "mql_or_later_leads", "median_days_to_mql")


@pytest.fixture(scope="module")
def mart(built_warehouse) -> dict[str, tuple[str, float]]:
    """{measure: (label, value)} of the primary model, all slice."""
    rows = query(built_warehouse, """select measure, label, value from marts.mart_mql_measures
                                     where is_primary_model and slice_name = 'all'""")
    return {measure: (label, value) for measure, label, value in rows}


def seed_labels() -> dict[str, str]:
    with (PROJECT_DIR / "seeds" / "mql_measures.csv").open(encoding="utf-8", newline="") as seed:
        return {row["measure"]: row["label"] for row in csv.DictReader(seed)}


def as_number(text: str) -> float:
    """A figure as a page or the summary prints it: 1,234 / 12.9 / 14.4 %."""
    text = text.replace(",", "").strip()
    return float(text[:-1].strip()) / 100 if text.endswith("%") else float(text)


def test_the_mart_has_every_measure_with_the_seed_label_and_consistent_values(mart, built_warehouse):
    assert {m: label for m, (label, _) in mart.items()} == seed_labels() and set(mart) == set(MEASURES)
    value = {m: v for m, (_, v) in mart.items()}
    assert value["first_time_mqls"] == value["mql_leads"] > 0
    assert value["re_mqls"] == value["mql_episodes"] - value["mql_leads"]
    assert value["mql_lead_share"] == pytest.approx(value["mql_leads"] / value["leads"])
    assert value["lead_to_mql_rate"] == pytest.approx(value["in_order_mqls"] / value["leads"])
    assert value["in_order_mqls"] < value["mql_leads"] < value["mql_or_later_leads"]  # three different notions here
    # The definitions, counted here from the lead-level facts.
    leads, mql_leads, episodes, in_order, any_stage, median = query(built_warehouse, """
        select count(*), count(s.first_mql_at), sum(s.mql_count), count(f.mql_reached_in_order_at), count(f.mql_reached_at),
               round(median(date_diff('second', f.created_at, s.first_mql_at) / 86400.0), 1)
        from marts.fct_lead_funnel as f
        join marts.mart_lead_scores_current as s on s.model_id = f.model_id and s.lead_id = f.lead_id
        where f.is_primary_model""")[0]
    assert (value["leads"], value["mql_leads"], value["mql_episodes"], value["in_order_mqls"], value["mql_or_later_leads"]) == (
        leads, mql_leads, episodes, in_order, any_stage)
    assert value["median_days_to_mql"] == median
    assert query(built_warehouse, "select count(*) from marts.fct_lead_mql_episodes where is_primary_model") == [(episodes,)]


def test_the_summary_shows_the_mart_figures_with_their_labels(mart, built_warehouse):
    con = duckdb.connect(str(built_warehouse), read_only=True)
    try:
        text = render_summary(con)
    finally:
        con.close()
    section = text.split("== MQL measures per scoring model")[1].split("\n\n")[0]
    header, _, *lines = (re.split(r"\s{2,}", line.strip()) for line in section.splitlines()[1:])
    primary = next(i for i, name in enumerate(header) if name.endswith("(primary)"))
    shown = {cells[0]: cells[primary] for cells in lines}
    # Every measure, then the model's threshold and today's qualified leads (not MQL measures).
    assert list(shown) == [mart[m][0] for m in MEASURES] + ["MQL threshold", "at or above it with the gates holding today"]
    for measure, (label, value) in mart.items():
        assert as_number(shown[label]) == pytest.approx(value, abs=0.0005 if measure.endswith(("share", "rate")) else 0), measure
    # The benchmark ranges in the title are the seed's.
    assert "lead->MQL 5-15 % in order, 14-30 days to MQL" in text.split("== MQL measures per scoring model")[1].split("\n")[0]

    # The other tables name which measure their mql figures are, and agree with it.
    bands = text.split("== Leads per score band today ==")[1].split("\n\n")[0].strip().splitlines()
    assert mart["mql_leads"][0] in bands[0]
    assert sum(int(row.split()[-1].replace(",", "")) for row in bands[2:] if row.startswith("hybrid_v1")) == mart["mql_leads"][1]
    funnel = text.split("== Lifecycle funnel (primary model)")[1].split("\n\n")[0]
    assert mart["mql_or_later_leads"][0] in funnel and mart["in_order_mqls"][0] in funnel
    mql_row = next(line for line in funnel.splitlines() if line.startswith("mql "))
    cells = mql_row.split()
    assert (as_number(cells[1]), as_number(cells[4])) == (mart["mql_or_later_leads"][1], mart["in_order_mqls"][1])


def test_every_dashboard_page_shows_the_mart_figures_with_their_labels(mart, built_warehouse, tmp_path, monkeypatch):
    bi = publish_copy(built_warehouse, tmp_path, "measures")
    label = {m: lab for m, (lab, _) in mart.items()}
    value = {m: v for m, (_, v) in mart.items()}
    at = start_app(monkeypatch, bi)

    # Funnel, in order (default) and any stage, to date over every cohort.
    assert as_number(metric(at, label["in_order_mqls"])) == value["in_order_mqls"]
    assert as_number(metric(at, label["lead_to_mql_rate"])) == pytest.approx(value["lead_to_mql_rate"], abs=0.0005)
    at.radio(key="funnel_kind").set_value("any_stage").run()
    assert as_number(metric(at, label["mql_or_later_leads"])) == value["mql_or_later_leads"]

    open_page(at, "views/mql_volume.py")
    for measure in ("mql_episodes", "first_time_mqls", "re_mqls"):
        assert as_number(metric(at, label[measure])) == value[measure], measure

    open_page(at, "views/velocity.py")
    assert as_number(metric(at, label["median_days_to_mql"])) == value["median_days_to_mql"]
    assert as_number(metric(at, label["mql_leads"])) == value["mql_leads"]

    open_page(at, "views/scores.py")
    comparison = next(t for t in at.dataframe if "mql_leads" in t.value.columns)
    config = json.loads(comparison.proto.columns)
    for measure in ("mql_leads", "mql_lead_share", "median_days_to_mql", "leads"):
        assert config[measure]["label"] == label[measure], measure
    row = comparison.value.set_index("model_id").loc["hybrid_v1"]
    assert (row["leads"], row["mql_leads"], row["median_days_to_mql"]) == (value["leads"], value["mql_leads"], value["median_days_to_mql"])
    assert row["mql_lead_share"] == pytest.approx(100 * value["mql_lead_share"])  # percent points, shown with one decimal
    assert [config[m]["type_config"]["format"] for m in ("mql_lead_share", "median_days_to_mql")] == ["%.1f %%", "%.1f"]
    # Every model, not only the primary one.
    for model, mql_leads, days in query(bi, """select model_id, max(value) filter (where measure = 'mql_leads'),
                                                      max(value) filter (where measure = 'median_days_to_mql')
                                               from marts.mart_mql_measures where slice_name = 'all' group by model_id"""):
        assert tuple(comparison.value.set_index("model_id").loc[model, ["mql_leads", "median_days_to_mql"]]) == (mql_leads, days)


def test_the_semantic_layer_has_the_measures_with_the_same_names_labels_and_values(mart, mf_project, built_warehouse, tmp_path):  # noqa: F811 (fixture)
    manifest = json.loads((mf_project / "target" / "semantic_manifest.json").read_text())
    labels = {m["name"]: m["label"] for m in manifest["metrics"]}
    assert {m: labels.get(m) for m in MEASURES} == seed_labels()

    out = tmp_path / "measures.csv"
    result = mf(["query", "--metrics", ",".join(MEASURES), "--csv", str(out)], mf_project, built_warehouse)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with out.open() as f:
        (row,) = list(csv.DictReader(f))
    for measure in MEASURES:
        assert float(row[measure]) == pytest.approx(mart[measure][1]), measure


def test_the_benchmark_health_measures_days_to_mql_per_month_as_the_measure_does(built_warehouse):
    """mart_funnel_health's lead_to_mql_days of a month is Days to MQL (median) of the leads created that month."""
    health = dict(query(built_warehouse, """select period_month, value from marts.mart_funnel_health
                                            where is_primary_model and metric = 'lead_to_mql_days' and not is_immature"""))
    per_month = dict(query(built_warehouse, """select created_month, round(median(days_to_mql), 1) from marts.fct_lead_funnel
                                               where is_primary_model and first_mql_at is not null group by created_month"""))
    assert health and all(health[month] == per_month[month] for month in health)
