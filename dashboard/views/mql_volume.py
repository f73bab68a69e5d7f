"""MQL volume per day and channel: MQL episodes, first-time MQLs and re-MQLs after recycling."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboard import data, ui

ctx = ui.context()
bi, f = ctx.bi, ctx.filters

st.title("MQL volume")
ui.history_notes(("mqls", "MQL volumes"))
volume = data.mql_volume(bi, f)
if volume.empty:
    ui.empty_warning()
    st.stop()

words = data.mql_measure_words(bi)
episodes, first_time = int(volume["mql_episodes"].sum()), int(volume["first_time_mqls"].sum())
days = (f.end - f.start).days + 1
metrics = st.columns(4)
ui.measure_metric(metrics[0], words, "mql_episodes", f"{episodes:,}")
ui.measure_metric(metrics[1], words, "first_time_mqls", f"{first_time:,}")
ui.measure_metric(metrics[2], words, "re_mqls", f"{episodes - first_time:,}")
ui.measure_metric(metrics[3], words, "mql_episodes", f"{episodes / days:.2f}", " per day")

label = words["mql_episodes"].label
chart = px.bar(volume, x="mql_date", y="mql_episodes", color="channel", title=f"{label} per day and channel",
               labels={"mql_date": "MQL day", "mql_episodes": label, "channel": "Channel"})
chart.update_layout(barmode="stack", bargap=0.1)
ui.show(chart, height=420)

per_channel = (volume.groupby("channel", as_index=False)[["mql_episodes", "first_time_mqls"]].sum()
               .sort_values("mql_episodes", ascending=False))
per_channel["share"] = per_channel["mql_episodes"] / episodes
st.dataframe(per_channel, hide_index=True, column_config={
    "channel": "Channel", "mql_episodes": label, "first_time_mqls": words["first_time_mqls"].label,
    "share": ui.percent_column(f"Share of {label}")})
st.caption(f"Episodes with their MQL day in the range. {words['mql_episodes'].definition} "
           f"{words['first_time_mqls'].label}: {words['first_time_mqls'].definition[0].lower()}{words['first_time_mqls'].definition[1:]}")
