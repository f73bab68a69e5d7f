"""Velocity: days between the main-path stages (median, P75, P90) and speed to lead."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboard import data, ui

ctx = ui.context()
bi, f = ctx.bi, ctx.filters

st.title("Velocity")
ui.history_notes(("mqls", "Velocity and speed to lead"), ("qualification_updates", "The steps to and from SQL"),
                 ("opportunities", "The steps to opportunity and customer"))
steps = data.velocity(bi, f)
if steps.empty:
    ui.empty_warning()
    st.stop()
words = data.mql_measure_words(bi)
# The lead → mql step runs between the first entries into both stages: the in-order MQLs' days.
step_note = f" ({words['in_order_mqls'].label})"
steps["label"] = [" → ".join(ui.STAGE_LABELS[s] for s in step.split("_to_")) + (step_note if step == "lead_to_mql" else "")
                  for step in steps["step"]]
low, high = data.benchmarks(bi)["lead_to_mql_days"]

# Days to MQL as every page measures it: every lead created in the range that became an MQL.
metrics = st.columns(4)
mql_leads = data.mql_lead_measures(bi, f)
if len(mql_leads) and mql_leads.iloc[0]["mql_leads"]:
    r = mql_leads.iloc[0]
    ui.measure_metric(metrics[0], words, "median_days_to_mql", f"{r['median_days_to_mql']:.1f}")
    ui.measure_metric(metrics[1], words, "mql_leads", f"{int(r['mql_leads']):,}")
lead_to_mql = steps[steps["step"] == "lead_to_mql"]
if len(lead_to_mql):
    metrics[2].metric(f"{words['in_order_mqls'].label}: P90 days", f"{lead_to_mql.iloc[0]['p90_days']:.1f}",
                      help=f"The lead → MQL step (first entries into lead and mql): median {lead_to_mql.iloc[0]['median_days']:.1f} "
                           f"days over {int(lead_to_mql.iloc[0]['leads']):,} {words['in_order_mqls'].label.lower()}; "
                           f"benchmark {low:.0f}–{high:.0f} days")

# Speed to lead: a breach is no sales attempt within the SLA; pending SLAs have not ended yet.
speed = data.speed_to_lead(bi, f)
if len(speed) and speed.iloc[0]["mql_entries"]:
    sla = speed.iloc[0]
    decided = sla["met"] + sla["breached"]
    metrics[3].metric(f"Entries into mql attempted within {sla['sla_hours']:.0f} h", ui.pct(sla["met"] / decided if decided else None),
                      help=f"P50 {sla['p50_hours']:.0f} h, P95 {sla['p95_hours']:.0f} h to the first sales attempt; "
                           f"{int(sla['breached'])} breached, {int(sla['pending'])} pending of {int(sla['mql_entries'])} MQL entries")

st.dataframe(steps[["label", "leads", "median_days", "p75_days", "p90_days", "mean_days"]], hide_index=True, column_config={
    "label": "Step", "leads": "Leads",
    **{c: st.column_config.NumberColumn(c.replace("_days", "").replace("p", "P").capitalize() + " days", format="%.1f")
       for c in ("median_days", "p75_days", "p90_days", "mean_days")}})

# Box plots from the percentiles computed in the database: box P25-P75, line median, whiskers P10-P90.
box = go.Figure(go.Box(
    y=steps["label"], q1=steps["p25_days"], median=steps["median_days"], q3=steps["p75_days"],
    lowerfence=steps["p10_days"], upperfence=steps["p90_days"], mean=steps["mean_days"], orientation="h",
    marker_color="#3182bd",
))
box.update_layout(title="Days per step (box: P25-P75, line: median, whiskers: P10-P90, dashed: mean)",
                  xaxis=dict(title="days", rangemode="tozero"), yaxis=dict(autorange="reversed"), showlegend=False)
ui.show(box)

days = data.velocity_histogram(bi, f, "lead_to_mql")
histogram = go.Figure(go.Bar(x=days["day"] + 0.5, y=days["leads"], width=1, marker_color="#3182bd"))
histogram.add_vrect(x0=low, x1=high, fillcolor=ui.BENCHMARK_FILL, line_width=0,
                    annotation_text=f"typical {low:.0f}–{high:.0f} days", annotation_position="top left")
histogram.update_layout(title=f"Lead → MQL step{step_note}: leads per day from capture to MQL", xaxis=dict(title="days", rangemode="tozero"),
                        yaxis=dict(title="leads"))
ui.show(histogram, height=320)
st.caption("Leads created in the range. A step uses the first entries into both stages, when both exist and are in "
           "order, so leads that skipped a stage drop out of it. Young leads only show their fast movers yet.")
