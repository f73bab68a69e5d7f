"""Lead explorer: one lead's MQL status (why it is or is not an MQL, how far from it), its score over
time, the score explained rule by rule, its scored events and its stage timeline."""

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
rules = data.score_explanation(bi, f.model_id, lead_id)
qualified, status = data.mql_status(profile, rules)
threshold = float(profile["mql_threshold"])
metrics = st.columns([1, 1, 1, 1.5, 1, 1, 1])  # room for hot_blocked
metrics[0].metric("Total score", f"{profile['total_score']:.1f}", help=f"MQL threshold {threshold:g}")
metrics[1].metric("Fit", f"{profile['fit_score']:.1f}")
metrics[2].metric("Engagement", f"{profile['engagement_score']:.1f}")
metrics[3].metric("Band", profile["score_band"],
                  help=f"Matrix cell {profile['score_matrix_cell']}. hot_blocked: at or above the threshold, but a gate "
                       "(required rule) fails - not MQL-ready.")
metrics[4].metric("Points to MQL", f"{profile['points_to_mql_threshold']:.1f}",
                  help="Points the MQL score still needs to reach the threshold; gates come on top.")
metrics[5].metric("Current stage", options.set_index("lead_id").loc[lead_id, "current_stage"])
metrics[6].metric("MQL episodes", f"{int(profile['mql_count'])}")
st.caption(" · ".join(str(v) for v in (profile["company_name"], profile["industry"], f"{profile['company_size']} employees",
                                       profile["job_title"], profile["country_code"], profile["lead_source"], profile["campaign"])
                      if v is not None and not (isinstance(v, float) and math.isnan(v)))
           + f" · created {pd.Timestamp(profile['created_at']):%Y-%m-%d}")

# --- MQL status: why (not), how far ---
(st.success if qualified else st.warning)(status)

# --- score over time, threshold and MQL episodes ---
st.subheader("Score over time")
history = data.score_history(bi, f.model_id, lead_id)
today = pd.DataFrame([{"score_date": pd.Timestamp(profile["as_of_date"]), "total_score": profile["total_score"],
                       "mql_score": profile.get("mql_score", profile["total_score"]), "score_band": profile["score_band"]}])
line = pd.concat([history.assign(score_date=pd.to_datetime(history["score_date"])), today], ignore_index=True)
line = line.drop_duplicates("score_date", keep="last")
episodes = data.lead_mql_episodes(bi, f.model_id, lead_id)
score_chart = go.Figure()
score_chart.add_scatter(name="total score", x=line["score_date"], y=line["total_score"], mode="lines+markers",
                        line=dict(color="#3182bd"))
if not line["mql_score"].isna().all() and (line["mql_score"] - line["total_score"]).abs().max() > 1e-9:
    score_chart.add_scatter(name="MQL score (after the reset)", x=line["score_date"], y=line["mql_score"], mode="lines",
                            line=dict(color="#756bb1", dash="dot"))
blocked = line[line["score_band"] == "hot_blocked"]
if len(blocked):
    score_chart.add_scatter(name="at the threshold, blocked by a gate", x=blocked["score_date"], y=blocked["total_score"],
                            mode="markers", marker=dict(symbol="x", size=11, color=ui.BAND_COLOURS["hot_blocked"]))
score_chart.add_scatter(name=f"MQL threshold {threshold:g}", x=[line["score_date"].min(), line["score_date"].max()],
                        y=[threshold, threshold], mode="lines", line=dict(color="#636363", dash="dash"))
if len(episodes):
    score_chart.add_scatter(name="MQL episodes", x=pd.to_datetime(episodes["mql_at"]), y=episodes["score_at_mql"],
                            mode="markers+text", text=[f"MQL {n}" for n in episodes["mql_episode"]], textposition="top center",
                            marker=dict(symbol="star", size=14, color=ui.BAND_COLOURS["hot"]))
score_chart.update_layout(title=f"Score of {lead_id}, {f.model_id}", yaxis=dict(title="points"), xaxis=dict(title=None))
ui.show(score_chart, height=340)
st.caption("The score on each day it changed and today; between them only decay acts (drawn as straight lines). "
           "Stars mark the start of each MQL episode.")

# --- score explanation: every rule's points, adding up to the total ---
st.subheader("Why this score")
explained = float(rules["points"].sum()) if len(rules) else 0.0
if math.isclose(explained, profile["total_score"], abs_tol=1e-6):
    st.success(f"The rules below add up to the total score: {explained:.2f} points.")
else:
    st.warning(f"The rules add up to {explained:.2f} points, the total score is {profile['total_score']:.2f}.")
contributing = rules[rules["points"] != 0]
if len(contributing):
    waterfall = go.Figure(go.Waterfall(
        x=[*(f"{r.rule_id} ({r.rule_kind})" for r in contributing.itertuples()), "Total"],
        y=[*contributing["points"], explained], measure=[*["relative"] * len(contributing), "total"],
        text=[*(f"{p:+.1f}" for p in contributing["points"]), f"{explained:.1f}"], textposition="outside",
        connector=dict(line=dict(color="#bdbdbd")),
    ))
    waterfall.update_layout(title=f"Points per rule, {f.model_id}", yaxis=dict(title="points"), showlegend=False)
    ui.show(waterfall)
shown = [c for c in ("rule_kind", "rule_id", "points", "is_required_for_mql", "rule_holds", "is_blocking_mql", "lead_has",
                     "rule_needs", "description", "matched_on", "occurrences_in_window", "min_count", "weighted_occurrences",
                     "window_days", "half_life_days", "max_points") if c in rules.columns]
st.dataframe(rules[shown], hide_index=True, column_config={
    "rule_kind": "Kind", "rule_id": "Rule", "description": "Description", "matched_on": "Matched on",
    "points": st.column_config.NumberColumn("Points", format="%.2f"), "is_required_for_mql": "Gate", "rule_holds": "Holds",
    "is_blocking_mql": "Blocks MQL", "lead_has": "Lead has", "rule_needs": "Needs",
    "occurrences_in_window": "Occurrences", "min_count": "Min count",
    "weighted_occurrences": st.column_config.NumberColumn("After decay", format="%.2f"),
    "window_days": "Window (days)", "half_life_days": "Half-life (days)", "max_points": "Cap"})
st.caption("Gates (required rules) are listed whether they hold or not, count rules also before they reach their "
           "minimum; rules whose points decayed below 0.01 are summed in one 'older contributions' row.")

# --- scored events ---
st.subheader("Scored events")
events = data.scored_events(bi, f.model_id, lead_id)
st.dataframe(events, hide_index=True, column_config={
    "occurred_at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm"), "event_type": "Event",
    "event_detail": "Detail", "rules": "Rules it matched", "is_counted": "Counted"})
st.caption(f"Events a rule of {f.model_id} matched, latest first (at most {data.EXPLORER_EVENTS_LIMIT}); "
           "'Counted' is false for occurrences beyond a rule's daily cap.")

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
