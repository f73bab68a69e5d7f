"""Scores: distribution per band, the scoring models side by side, and the threshold sweep."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboard import data, ui

ctx = ui.context()
bi, f = ctx.bi, ctx.filters

st.title("Scores")
ui.history_notes(("feedback", "Precision, recall, the threshold sweep and conversion per score band"),
                 ("opportunities", "Precision, recall and conversion to opportunity"))

# --- distribution per band ---
histogram = data.score_histogram(bi, f)
if histogram.empty:
    ui.empty_warning()
    st.stop()
bands = data.band_counts(histogram, data.score_bands(bi))
day = "today (decayed to the scoring day)" if f.end >= ctx.as_of else f"at their last change on or before {f.end:%Y-%m-%d}"
metrics = st.columns(len(bands) + 1)
metrics[0].metric("Leads scored", f"{int(bands['leads'].sum()):,}")
for column, band in zip(metrics[1:], bands.itertuples()):
    column.metric(f"{band.score_band.capitalize()} leads", f"{band.leads:,}", help=f"{ui.pct(band.share)} of the leads")

chart = go.Figure()
for band in bands["score_band"]:
    rows = histogram[histogram["score_band"] == band]
    chart.add_bar(name=band, x=rows["score_bin"] + 2.5, y=rows["leads"], width=5, marker_color=ui.BAND_COLOURS.get(band))
chart.add_vline(x=ctx.mql_threshold, line_dash="dash", annotation_text=f"MQL threshold {ctx.mql_threshold:g}")
chart.update_layout(barmode="stack", title=f"Total score per band: {f.model_id} (bins of 5 points)",
                    xaxis=dict(title="total score"), yaxis=dict(title="leads"))
ui.show(chart)
st.caption(f"Leads created in the range, scored {day}.")

# --- the models side by side ---
st.subheader("Scoring models compared")
words = data.mql_measure_words(bi)
comparison = data.model_comparison(bi, f)
shown, measure_columns = ui.measure_table(comparison, words, "mql_leads", "mql_lead_share", "median_days_to_mql")
st.dataframe(shown, hide_index=True, column_config={
    "model_id": "Model", "is_primary_model": "Primary", "mql_threshold": "Threshold", "leads": words["leads"].label,
    **measure_columns,
    "hot_today": "Hot today", "mql_precision": ui.percent_column("Precision"), "mql_recall": ui.percent_column("Recall")})
st.caption("Leads created in the range (and channels); MQLs up to the end of the range. Precision = share of MQLs that "
           "became opportunities, recall = share of opportunities that were MQL first, at each model's own threshold, "
           "over all channels and leads old enough for the feedback loop.")

# --- threshold sweep ---
st.subheader("Threshold sweep")
sweep = data.threshold_sweep(bi, f)
if sweep.empty:
    st.info("No threshold sweep for this model.")
    st.stop()
sweep_chart = go.Figure()
at_threshold = f"{words['mql_leads'].label} at the threshold"
sweep_chart.add_bar(name=at_threshold, x=sweep["threshold"], y=sweep["mql_leads"], marker_color="#c6dbef")
sweep_chart.add_scatter(name="precision", x=sweep["threshold"], y=sweep["mql_precision"], mode="lines+markers", yaxis="y2")
sweep_chart.add_scatter(name="recall", x=sweep["threshold"], y=sweep["mql_recall"], mode="lines+markers", yaxis="y2")
current = sweep.loc[sweep["is_current_threshold"], "threshold"]
if len(current):
    sweep_chart.add_vline(x=float(current.iloc[0]), line_dash="dash", annotation_text="current threshold")
sweep_chart.update_layout(title=f"MQL volume, precision and recall per threshold: {f.model_id}",
                          xaxis=dict(title="threshold"), yaxis=dict(title="leads"),
                          yaxis2=dict(title="precision / recall", overlaying="y", side="right", tickformat=".0%", range=[0, 1.02],
                                      tickvals=[0, 0.25, 0.5, 0.75, 1]))
ui.show(sweep_chart)
st.dataframe(sweep[["threshold", "is_current_threshold", "mql_leads", "mql_share", "mql_precision", "mql_recall"]],
             hide_index=True, column_config={
                 "threshold": "Threshold", "is_current_threshold": "Current", "mql_leads": at_threshold,
                 "mql_share": ui.percent_column("Share of leads"), "mql_precision": ui.percent_column("Precision"),
                 "mql_recall": ui.percent_column("Recall")})
st.caption("On history as it was known at the time: a lead is an MQL at a threshold at its first score change at or "
           "above it with the required rules holding; leads at least 90 days old, all channels.")

feedback = data.score_band_feedback(bi, f)
if len(feedback):
    st.subheader("Conversion per score band")
    st.dataframe(feedback, hide_index=True, column_config={
        "score_band": "Band (highest reached before SQL)", "leads": "Leads", "sql_rate": ui.percent_column("→ SQL"),
        "opportunity_rate": ui.percent_column("→ Opportunity"), "won_rate": ui.percent_column("→ Won"),
        "opportunity_lift": st.column_config.NumberColumn("Opportunity lift", format="%.2f"),
        "is_below_lower_band": "Converts worse than the band below"})
