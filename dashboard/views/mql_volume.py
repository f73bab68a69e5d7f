"""MQL volume per day and channel."""

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

total, first_time = int(volume["mqls"].sum()), int(volume["first_time_mqls"].sum())
days = (f.end - f.start).days + 1
metrics = st.columns(4)
metrics[0].metric("MQLs", f"{total:,}", help="MQL episodes with their MQL day in the range")
metrics[1].metric("First-time MQLs", f"{first_time:,}")
metrics[2].metric("Re-MQLs after recycling", f"{total - first_time:,}")
metrics[3].metric("MQLs per day", f"{total / days:.2f}")

chart = px.bar(volume, x="mql_date", y="mqls", color="channel", title="MQLs per day and channel",
               labels={"mql_date": "MQL day", "mqls": "MQLs", "channel": "Channel"})
chart.update_layout(barmode="stack", bargap=0.1)
ui.show(chart, height=420)

per_channel = (volume.groupby("channel", as_index=False)[["mqls", "first_time_mqls"]].sum()
               .sort_values("mqls", ascending=False))
per_channel["share"] = per_channel["mqls"] / total
st.dataframe(per_channel, hide_index=True, column_config={
    "channel": "Channel", "mqls": "MQLs", "first_time_mqls": "First-time", "share": ui.percent_column("Share")})
st.caption("An MQL episode is the first crossing of the threshold, or the next one after a sales rejection "
           "(recycling); first-time MQLs are the first episodes.")
