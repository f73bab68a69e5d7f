"""Lead explorer: one lead's score explained rule by rule, and its stage timeline."""

from __future__ import annotations

import math

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from dashboard import data, ui

ctx = ui.context()
bi, f = ctx.bi, ctx.filters

st.title("Lead explorer")
options = data.lead_options(bi, f)
if options.empty:
    ui.empty_warning()
    st.stop()
labels = {r.lead_id: f"{r.lead_id} · {r.channel} · {r.score_band} {r.total_score:.0f} pts · {r.current_stage}"
          for r in options.itertuples()}
lead_id = st.selectbox("Lead", list(labels), key="explorer_lead", format_func=labels.get,
                       help=f"Leads created in the range, highest score first (at most {data.EXPLORER_LIMIT:,}); type to search.")

profile = data.lead_profile(bi, f.model_id, lead_id)
metrics = st.columns(6)
metrics[0].metric("Total score", f"{profile['total_score']:.1f}", help=f"MQL threshold {profile['mql_threshold']:g}")
metrics[1].metric("Fit", f"{profile['fit_score']:.1f}")
metrics[2].metric("Engagement", f"{profile['engagement_score']:.1f}")
metrics[3].metric("Band · cell", f"{profile['score_band']} · {profile['score_matrix_cell']}")
metrics[4].metric("Current stage", options.set_index("lead_id").loc[lead_id, "current_stage"])
metrics[5].metric("MQL episodes", f"{int(profile['mql_count'])}")
st.caption(" · ".join(str(v) for v in (profile["company_name"], profile["industry"], f"{profile['company_size']} employees",
                                       profile["job_title"], profile["country_code"], profile["lead_source"], profile["campaign"])
                      if v is not None and not (isinstance(v, float) and math.isnan(v)))
           + f" · created {pd.Timestamp(profile['created_at']):%Y-%m-%d}")

# --- score explanation: every rule's points, adding up to the total ---
st.subheader("Why this score")
rules = data.score_explanation(bi, f.model_id, lead_id)
explained = float(rules["points"].sum()) if len(rules) else 0.0
if math.isclose(explained, profile["total_score"], abs_tol=1e-6):
    st.success(f"The {len(rules)} rules below add up to the total score: {explained:.2f} points.")
else:
    st.warning(f"The rules add up to {explained:.2f} points, the total score is {profile['total_score']:.2f}.")
if len(rules):
    waterfall = go.Figure(go.Waterfall(
        x=[*(f"{r.rule_id} ({r.rule_kind})" for r in rules.itertuples()), "Total"],
        y=[*rules["points"], explained], measure=[*["relative"] * len(rules), "total"],
        text=[*(f"{p:+.1f}" for p in rules["points"]), f"{explained:.1f}"], textposition="outside",
        connector=dict(line=dict(color="#bdbdbd")),
    ))
    waterfall.update_layout(title=f"Points per rule, {f.model_id}", yaxis=dict(title="points"), showlegend=False)
    ui.show(waterfall)
st.dataframe(rules, hide_index=True, column_config={
    "rule_kind": "Kind", "rule_id": "Rule", "description": "Description", "matched_on": "Matched on",
    "occurrences_in_window": "Occurrences", "weighted_occurrences": st.column_config.NumberColumn("After decay", format="%.2f"),
    "window_days": "Window (days)", "half_life_days": "Half-life (days)", "max_points": "Cap",
    "points": st.column_config.NumberColumn("Points", format="%.2f"), "is_required_for_mql": "Gate", "rule_holds": "Holds"})

# --- stage timeline ---
st.subheader("Stage timeline")
timeline = data.stage_timeline(bi, f.model_id, lead_id)
if len(timeline):
    stages = list(dict.fromkeys(s for s in ui.STAGE_LABELS if s in set(timeline["stage"])))
    chart = px.timeline(timeline, x_start="entered_at", x_end="until", y="stage", color="stage",
                        category_orders={"stage": stages}, hover_data=["reason", "source_event_type", "days_in_stage"])
    chart.update_layout(title="Stints per stage (the current one runs to the end of the scoring day)", showlegend=False,
                        yaxis=dict(title=None))
    ui.show(chart, height=300)
st.dataframe(timeline.drop(columns=["until"]), hide_index=True, column_config={
    "transition_number": "#", "from_stage": "From", "stage": "To", "entered_at": "Entered", "exited_at": "Exited",
    "days_in_stage": st.column_config.NumberColumn("Days", format="%.1f"), "is_current_stage": "Current",
    "is_skip": "Skip", "skipped_stages": "Skipped", "source_event_type": "Because of", "mql_episode": "MQL episode",
    "reason": "Reason", "sales_owner": "Owner"})
