"""Activations: the queue of the next delivery per action, the deliveries and failures of the delivery
log beside the BI file, and the activations per week and action."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from dashboard import data, ui

ctx = ui.context()
bi, f = ctx.bi, ctx.filters

st.title("Activations")
rules = data.activation_rules(bi, f.model_id)
queue = data.activation_queue(bi, f)
log = data.deliveries(bi, f)

# The BI file's queue is as of its publication; the delivery that followed is in the log only.
latest_outbox = {} if log is None else dict(log.loc[log["channel"] == "outbox", ["activation_id", "status"]].itertuples(index=False))
unknown = "not yet attempted" if log is not None else "no delivery log"
queue["delivery"] = [latest_outbox.get(a, unknown) for a in queue["activation_id"]]
delivered_since = int((queue["delivery"] == "delivered").sum())

metrics = st.columns(4)
metrics[0].metric("Queued for delivery", f"{len(queue):,}",
                  help="Due, within the rule's deliver_within_days, and not delivered to the outbox when the BI file was published "
                       "(marts.mart_activation_queue).")
metrics[1].metric("Due today", f"{int((pd.to_datetime(queue['due_date']).dt.date == ctx.as_of).sum()):,}",
                  help=f"Queued activations that became due on the scoring day ({ctx.as_of:%Y-%m-%d}).")
metrics[2].metric("Leads in the queue", f"{queue['lead_id'].nunique():,}")
metrics[3].metric("Delivered since the publication", f"{delivered_since:,}" if log is not None else "–",
                  help="Queued activations that the delivery log records as delivered to the outbox.")

# --- the queue per action -----------------------------------------------------------------------
st.subheader("Queue of the next delivery")
per_action = (queue.assign(due_today=pd.to_datetime(queue["due_date"]).dt.date == ctx.as_of)
              .groupby("action_id").agg(queued=("activation_id", "size"), due_today=("due_today", "sum")).reset_index())
per_action = rules.merge(per_action, on="action_id", how="outer").fillna({"queued": 0, "due_today": 0})
per_action = per_action.astype({"queued": int, "due_today": int}).sort_values(["queued", "action_id"], ascending=[False, True])
st.dataframe(per_action[["action_id", "description", "destination", "queued", "due_today"]], hide_index=True, column_config={
    "action_id": "Action", "description": "What it does", "destination": "Destination", "queued": "Queued", "due_today": "Due today"})
if rules.empty:
    st.info(f"No active activation rule applies to the model {f.model_id} (seed activation_rules).")
elif queue.empty:
    st.info("Nothing is queued for this model and these channels: every deliverable activation has been delivered, or none is due.")
else:
    shown = queue.assign(triggering_event=[
        "" if pd.isna(kind) else f"{kind} at {pd.Timestamp(at):%Y-%m-%d %H:%M}" if not pd.isna(at) else kind
        for kind, at in zip(queue["triggering_event_type"], queue["triggering_event_at"])])
    st.dataframe(shown[["lead_id", "action_id", "destination", "due_at", "total_score", "score_band", "top_reasons",
                        "triggering_event", "sales_owner", "delivery"]], hide_index=True, column_config={
        "lead_id": "Lead", "action_id": "Action", "destination": "Destination",
        "due_at": st.column_config.DatetimeColumn("Due (UTC)", format="YYYY-MM-DD HH:mm"),
        "total_score": st.column_config.NumberColumn("Score", format="%.1f"), "score_band": "Band",
        "top_reasons": "Top reasons", "triggering_event": "Triggering event", "sales_owner": "Sales owner",
        "delivery": st.column_config.TextColumn("Outbox since", help="The latest outbox attempt in the delivery log, which is newer than the BI file.")})
st.caption("The queue as published: the delivery runs after the publication, so the BI file never holds its own run's deliveries; "
           "the column *Outbox since* and the section below read the delivery log beside the BI file. "
           "Leads of the channels chosen; the date range does not apply to the queue.")

# --- deliveries and failures --------------------------------------------------------------------
st.subheader("Deliveries")
if log is None:
    st.info(f"No delivery log yet: the delivery step writes `{data.delivery_log_path(bi).name}` beside the BI file after each "
            "run. Until it has run, nothing has been delivered and the queue above is what it will send.")
elif log.empty:
    st.info("The delivery log has no attempt for this model's activations (and these channels) yet.")
else:
    counts = log.pivot_table(index=["action_id", "channel"], columns="status", values="activation_id", aggfunc="count", fill_value=0)
    counts = counts.reindex(columns=["delivered", "failed", "pending"], fill_value=0).reset_index()
    last = log.sort_values("logged_at").iloc[-1]
    status = st.columns(4)
    for column, name in zip(status, ("delivered", "failed", "pending")):
        column.metric(f"{name.capitalize()} (latest attempt)", f"{int(counts[name].sum()):,}",
                      help="Activations per destination and channel whose latest attempt in the log has this status.")
    status[3].metric("Last attempt (UTC)", f"{pd.Timestamp(last['logged_at']):%Y-%m-%d %H:%M}", help=f"By the delivery run {last['run_id']}.")
    st.dataframe(counts, hide_index=True, column_config={
        "action_id": "Action", "channel": "Channel", "delivered": "Delivered", "failed": "Failed", "pending": "Pending"})
    failures = log[log["status"] == "failed"]
    if failures.empty:
        st.success("No activation's latest attempt failed.")
    else:
        st.dataframe(failures[["lead_id", "action_id", "destination", "channel", "attempt", "detail", "logged_at"]], hide_index=True,
                     column_config={"lead_id": "Lead", "action_id": "Action", "destination": "Destination", "channel": "Channel",
                                    "attempt": "Attempts", "detail": "Error",
                                    "logged_at": st.column_config.DatetimeColumn("Last attempt (UTC)", format="YYYY-MM-DD HH:mm")})
    st.caption("Latest attempt per activation, destination and channel (outbox file or webhook) in the delivery log; "
               "a failed outbox delivery stays in the queue and is tried again by the next run.")

# --- volume over time ---------------------------------------------------------------------------
st.subheader("Activations per week")
volume = data.activation_volume(bi, f)
if volume.empty:
    ui.empty_warning()
    st.stop()
chart = px.line(volume, x="due_week", y="activations", color="action_id", markers=True, title="Activations per week and action",
                labels={"due_week": "Week of the due day", "activations": "activations", "action_id": "Action"})
chart.update_layout(xaxis=dict(tickformat="%d %b %Y"), yaxis=dict(rangemode="tozero", tickformat=",d"))
ui.show(chart)
st.caption("Every activation that became due in the range (marts.fct_lead_activations), delivered or not, by the week "
           "(from Monday) of its due day, so the first and last weeks of the range can be partial; activations older than the "
           "rule's deliver_within_days are history only and are never delivered.")
