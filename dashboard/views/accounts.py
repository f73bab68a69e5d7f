"""Accounts: today's account scores of the model, which accounts are engaged and MQAs, when they
first became MQAs, the account hand-offs due in the date range, and the account funnel (account ->
MQA -> opportunity -> won)."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboard import data, ui

ctx = ui.context()
bi, f = ctx.bi, ctx.filters

st.title("Accounts")
accounts = data.accounts_current(bi, f.model_id)
if accounts.empty:
    st.info("No account has a score yet: leads roll up to accounts by CRM account or company domain (free-mail "
            "domains excluded), and company visits count too (docs/accounts.md).")
    st.stop()

first_mqa_days = accounts["first_mqa_date"].dropna().map(lambda day: day.date() if hasattr(day, "date") else day)
metrics = st.columns(4)
metrics[0].metric("Accounts", f"{len(accounts):,}", help="Accounts with a score under this model (marts.mart_account_scores_current).")
metrics[1].metric("Engaged accounts", f"{int(accounts['is_engaged_account'].sum()):,}",
                  help="Account engagement (top lead engagement scores plus company visits) at or above the model's "
                       "engaged_account_min_engagement (seed account_scoring), today.")
metrics[2].metric("MQAs today", f"{int(accounts['is_mqa'].sum()):,}",
                  help="Marketing-qualified accounts today: account score at or above mqa_threshold with enough engaged leads.")
metrics[3].metric("First MQAs in the range", f"{int(((first_mqa_days >= f.start) & (first_mqa_days <= f.end)).sum()):,}",
                  help="Accounts whose first MQA day is in the date range.")

chart = px.histogram(accounts, x="account_score", color="is_mqa", nbins=30, title="Account scores today",
                     labels={"account_score": "Account score", "is_mqa": "MQA"})
ui.show(chart)

st.subheader("Accounts by score")
st.dataframe(accounts.head(200), hide_index=True, column_config={
    "account_id": "Account", "account_name": "Name", "account_domain": "Domain", "account_source": "From",
    "leads_count": "Leads", "visits_count": "Visits",
    "account_score": st.column_config.NumberColumn("Account score", format="%.1f"),
    "best_fit_score": st.column_config.NumberColumn("Best fit", format="%.1f"),
    "lead_engagement_score": st.column_config.NumberColumn("Lead engagement", format="%.1f"),
    "visit_engagement_score": st.column_config.NumberColumn("Visit engagement", format="%.1f"),
    "engaged_leads": "Engaged leads", "is_engaged_account": "Engaged", "is_mqa": "MQA",
    "first_mqa_date": st.column_config.DateColumn("First MQA day"),
    "first_mqa_at": st.column_config.DatetimeColumn("First MQA (UTC)", format="YYYY-MM-DD HH:mm")})

st.subheader("Account hand-offs")
handoffs = data.account_activations(bi, f)
if handoffs.empty:
    st.caption("No account activation was due in the date range (rules with target account in "
               "seeds/activation_rules.csv, docs/activation.md).")
else:
    st.dataframe(handoffs, hide_index=True, column_config={
        "activation_id": "Activation", "action_id": "Action", "account_name": "Account", "account_domain": "Domain",
        "destination": "Destination", "due_at": st.column_config.DatetimeColumn("Due (UTC)", format="YYYY-MM-DD HH:mm"),
        "account_score": st.column_config.NumberColumn("Account score", format="%.1f"),
        "engaged_leads": "Engaged leads", "leads_count": "Leads", "top_engaged_lead_ids": "Top engaged leads",
        "is_deliverable": "Deliverable"})
    st.caption("Handed over on the due day by the delivery step, with the top engaged leads' emails "
               "(outbox folder <destination>/accounts/).")

st.subheader("Account funnel")
funnel = data.account_funnel(bi, f)
funnel["cumulative_conversion"] = funnel["reached_accounts"] / funnel["cohort_accounts"]
funnel["conversion_within_90d"] = funnel["reached_within_90d"] / funnel["mature_cohort_accounts"]
st.dataframe(funnel[["stage", "cohort_accounts", "reached_accounts", "cumulative_conversion", "conversion_within_90d"]],
             hide_index=True, column_config={
                 "stage": "Stage", "cohort_accounts": "Accounts in the cohorts", "reached_accounts": "Reached to date",
                 "cumulative_conversion": ui.percent_column("Of the cohorts"),
                 "conversion_within_90d": ui.percent_column("Within 90 days (mature cohorts)")})
st.caption("Cohorts: accounts first seen (first lead or identified company visit) in the months of the date range. An "
           "account counts at a stage once it reached it and every earlier one. The channel filter does not apply to accounts.")
