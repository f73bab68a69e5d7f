"""Funnel: the cohort funnel of the leads created in the range, per cohort, and the monthly flow."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import data, ui

ctx = ui.context()
bi, f = ctx.bi, ctx.filters

st.title("Funnel")

left, right = st.columns(2)
kind = left.radio("Funnel view", ["in_order", "any_stage"], horizontal=True, key="funnel_kind",
                  format_func=lambda k: "In order" if k == "in_order" else "Any stage",
                  help="In order: a lead counts at a stage only if it went through every earlier one "
                       "(skippers drop out). Any stage: a lead counts at every stage up to its furthest.")
window = right.radio("Conversion", ["to_date", *data.windows(bi)], horizontal=True, key="funnel_window",
                     format_func=lambda w: "To date" if w == "to_date" else f"Within {w} days",
                     help="Within N days compares only cohorts old enough for N days (mature cohorts).")
ui.history_notes(
    ("maturity", "Comparisons between cohorts" if window == "to_date" else f"Conversion rates within {window} days",
     90 if window == "to_date" else window),
    ("qualification_updates", "The SQL counts"),
    ("opportunities", "The opportunity and customer counts"),
)

cohorts = data.conversion(bi, f, "created_month", kind)
if cohorts.empty:
    ui.empty_warning()
    st.stop()

# A cohort younger than the window can still grow: it is left out of the windowed funnel and marked.
if window == "to_date":
    reached, immature = "reached_leads", pd.Series(False, index=cohorts.index)
else:
    reached, immature = f"reached_within_{window}d", cohorts[f"is_immature_{window}d"].astype(bool)
counted = cohorts[~immature]
excluded = sorted(cohorts.loc[immature, "cohort_month"].unique())
totals = counted.groupby(["stage_order", "stage"], as_index=False)[reached].sum().sort_values("stage_order")
by_stage = dict(zip(totals["stage"], totals[reached]))
cohort_leads = by_stage.get("lead", 0)

# --- headline numbers and the funnel chart ---
# The funnel's MQL stage is one of two MQL measures, by view: in-order MQLs or "reached MQL or later".
words = data.mql_measure_words(bi)
within = "" if window == "to_date" else f" within {window} days"
mql_measure, mql_rate = ("in_order_mqls", "lead_to_mql_rate") if kind == "in_order" else ("mql_or_later_leads", None)
metrics = st.columns(5)
metrics[0].metric("Leads in the cohorts", f"{cohort_leads:,}")
ui.measure_metric(metrics[1], words, mql_measure, f"{by_stage.get('mql', 0):,}", within)
mql_share = ui.pct(by_stage.get("mql", 0) / cohort_leads if cohort_leads else None)
if mql_rate:
    ui.measure_metric(metrics[2], words, mql_rate, mql_share, within)
else:
    metrics[2].metric(f"{words[mql_measure].label}, share of the cohort{within}", mql_share, help=words[mql_measure].definition)
metrics[3].metric("Reached opportunity", f"{by_stage.get('opportunity', 0):,}")
metrics[4].metric("Customers", f"{by_stage.get('customer', 0):,}")

if cohort_leads:
    funnel = go.Figure(go.Funnel(
        y=[ui.STAGE_LABELS[s] for s in totals["stage"]], x=totals[reached],
        texttemplate="%{value:,}<br>%{percentInitial:.1%} of the cohort · %{percentPrevious:.0%} of the previous stage", marker=dict(color="#3182bd"),
    ))
    funnel.update_layout(title="Cohort funnel: leads created in the range")
    ui.show(funnel, height=420)
months = sorted(counted["cohort_month"].unique())
caption = f"Cohorts {ui.month_label(months[0])} – {ui.month_label(months[-1])}" if months else "No mature cohort yet"
if excluded:
    caption += f"; left out as immature for {window} days: {', '.join(ui.month_label(m) for m in excluded)}"
st.caption(caption + ".")

# --- per cohort: cumulative conversion by stage, immature cohorts hatched ---
st.subheader("By cohort")
stage_order = cohorts.drop_duplicates("stage").sort_values("stage_order")["stage"]
wide = cohorts.pivot_table(index="cohort_month", columns="stage", values=reached, aggfunc="sum")[stage_order]
lead_counts = cohorts[cohorts["stage_order"] == 1].set_index("cohort_month")["cohort_leads"]
is_young = cohorts.groupby("cohort_month")[f"is_immature_{90 if window == 'to_date' else window}d"].any()
labels = [ui.month_label(m) + (" (immature)" if is_young[m] else "") for m in wide.index]
by_cohort = go.Figure()
for stage in [s for s in wide.columns if s != "lead"]:
    by_cohort.add_bar(
        name=ui.STAGE_LABELS[stage], x=labels, y=wide[stage] / lead_counts.reindex(wide.index),
        marker=dict(pattern_shape=["/" if is_young[m] else "" for m in wide.index],
                    opacity=[0.5 if is_young[m] else 1.0 for m in wide.index]),
    )
by_cohort.update_layout(barmode="group", yaxis=dict(title="share of the cohort", tickformat=".0%"),
                        title=f"Cumulative conversion per cohort ({'to date' if window == 'to_date' else f'within {window} days'})")
ui.show(by_cohort)
st.caption("Hatched: the cohort is immature (its month ended less than "
           f"{90 if window == 'to_date' else window} days before the scoring day); do not compare it with mature cohorts.")
table = wide.rename(columns={**ui.STAGE_LABELS, "mql": words[mql_measure].label}).reset_index()
share_label = words[mql_rate].label if mql_rate else f"{words[mql_measure].label}, share"
table[share_label] = (wide["mql"] / lead_counts.reindex(wide.index)).to_numpy() if "mql" in wide else None
table["Immature"] = [bool(is_young[m]) for m in wide.index]
st.dataframe(table, hide_index=True, column_config={
    "cohort_month": st.column_config.DateColumn("Cohort", format="MMM YYYY"), share_label: ui.percent_column(share_label)})

# --- flow: entries during each month, mixing cohorts ---
st.subheader("Flow")
flows = data.flow(bi, f)
if flows.empty:
    ui.empty_warning()
    st.stop()
flow_chart = go.Figure()
for stage in flows.drop_duplicates("stage").sort_values("stage_order")["stage"][1:]:
    rows = flows[flows["stage"] == stage]
    flow_chart.add_bar(name=ui.STAGE_LABELS[stage], x=[ui.month_label(m) for m in rows["flow_month"]], y=rows["entries"])
new_leads = flows[flows["stage"] == "lead"]
flow_chart.add_scatter(name="New leads (right axis)", x=[ui.month_label(m) for m in new_leads["flow_month"]],
                       y=new_leads["entries"], mode="lines+markers", yaxis="y2", line=dict(color="#636363"))
flow_chart.update_layout(barmode="group", title="Stage entries per month",
                         yaxis=dict(title="entries"), yaxis2=dict(title="new leads", overlaying="y", side="right", rangemode="tozero", tickformat=",d"))
ui.show(flow_chart)
st.caption("Flow counts entries into a stage during the month, whatever the lead's cohort: it mixes cohorts, "
           "its ratios can exceed 100 %, and it is not a conversion rate.")
