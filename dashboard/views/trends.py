"""Conversion trends against the benchmark bands: lead→MQL and MQL→SQL per cohort month."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import data, ui

ctx = ui.context()
bi, f = ctx.bi, ctx.filters

# Lead → MQL is the MQL measure lead_to_mql_rate (in-order MQLs / leads), here per month within the window.
TITLES = {"lead_to_mql_rate": (data.mql_measure_words(bi)["lead_to_mql_rate"].label, "cohort: leads created in the month; in order"),
          "mql_to_sql_rate": ("MQL → SQL", "cohort: leads whose first entry into mql was in the month; any stage")}

st.title("Conversion trends")
windows = data.windows(bi)
window = st.radio("Window", windows, index=len(windows) - 1, horizontal=True, key="trends_window",
                  format_func=lambda w: f"Within {w} days",
                  help="The benchmarks are measured within 90 days. A month is immature until its last day + the window has passed.")
ui.history_notes(("maturity", f"Rates within {window} days", window), ("qualification_updates", "MQL → SQL rates"))

trends = data.conversion_trends(bi, f, window)
bands = data.benchmarks(bi)
if trends.empty:
    ui.empty_warning()
    st.stop()


def flag(rate: float | None, low: float, high: float) -> str:
    if rate is None or pd.isna(rate):
        return "immature"
    return "below" if rate < low else "above" if rate > high else "within"


def trend_chart(metric: str, rows: pd.DataFrame) -> go.Figure:
    """Mature months as a solid line; immature months as hollow points at their rate so far."""
    low, high = bands[metric]
    mature, young = rows[~rows["is_immature"]], rows[rows["is_immature"]]
    fig = go.Figure()
    fig.add_hrect(y0=low, y1=high, fillcolor=ui.BENCHMARK_FILL, line_width=0,
                  annotation_text=f"typical {low:.0%}–{high:.0%}", annotation_position="top right")
    fig.add_scatter(name=f"within {window} days", x=mature["month"], y=mature["rate"], mode="lines+markers+text",
                    text=[ui.pct(v) for v in mature["rate"]], textposition="top center", line=dict(color="#3182bd", width=3))
    fig.add_scatter(name="immature: so far (to date)", x=young["month"], y=young["rate_to_date"], mode="markers",
                    marker=dict(symbol="circle-open", size=11, color="#3182bd"))
    top = max(high * 1.3, float(rows[["rate", "rate_to_date"]].max().max() or 0) * 1.15)
    fig.update_layout(title=f"{TITLES[metric][0]} per cohort month",
                      yaxis=dict(tickformat=".0%", range=[0, top]), xaxis=dict(tickformat="%b %Y", dtick="M1"))
    return fig


columns = st.columns(2)
for column, metric in zip(columns, TITLES):
    rows = trends[trends["metric"] == metric].reset_index(drop=True)
    low, high = bands[metric]
    latest = rows[~rows["is_immature"]].tail(1)
    with column:
        if len(latest):
            r = latest.iloc[0]
            column.metric(f"{TITLES[metric][0]}, latest mature month ({ui.month_label(r['month'])})", ui.pct(r["rate"]),
                          help=f"Typical range {low:.0%}–{high:.0%}")
        else:
            column.metric(f"{TITLES[metric][0]}, latest mature month", "–", help="No month is mature for this window yet.")
        ui.show(trend_chart(metric, rows))
        st.caption(TITLES[metric][1][0].upper() + TITLES[metric][1][1:] + ".")
        table = rows.assign(benchmark=[flag(v, low, high) for v in rows["rate"]])[
            ["month", "base_leads", "reached_within_window", "rate", "rate_to_date", "benchmark"]]
        st.dataframe(table, hide_index=True, column_config={
            "month": st.column_config.DateColumn("Month", format="MMM YYYY"),
            "base_leads": "Cohort", "reached_within_window": f"Reached within {window} d",
            "rate": ui.percent_column(f"Within {window} d"), "rate_to_date": ui.percent_column("To date"),
            "benchmark": "Benchmark"})
(mql_low, mql_high), (sql_low, sql_high) = bands["lead_to_mql_rate"], bands["mql_to_sql_rate"]
st.caption(f"Shaded: the typical range of seeds/funnel_benchmarks.csv (lead→MQL {mql_low:.0%}–{mql_high:.0%}, "
           f"MQL→SQL {sql_low:.0%}–{sql_high:.0%} in B2B); its alarm bounds (criteria too strict or too loose) are in the "
           "summary's benchmark health. Immature months have no rate for the window yet; "
           "their hollow points are the conversion so far and will still rise.")
