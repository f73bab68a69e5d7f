-- Score history per scoring model and lead, one row per day the lead's score changes: the day
-- the lead was created (fit only, plus any earlier activity) and every later day on which one of
-- its rules changes state. Rows after today are window expiries already scheduled; the mart
-- fct_lead_scores shows history up to today.
--
-- Beside the total, each row carries the MQL score (the total, except that under recycle_policy
-- reset_engagement engagement before the latest sales rejection does not count) and whether the
-- row is an upward crossing of the threshold. The score rises only on these rows (decaying rules
-- have positive points, penalties do not decay, gates change only with rule states) and between
-- two rows it only decays. So the lead crosses upwards on day D exactly when D is a row day, it
-- qualifies on D and it did not on D - 1, judged with the decay up to that day: the crossings of
-- the score as it is on every day, without a lead x day grid.
--
-- The query is the macro lead_score_changes_batch. It runs in batches of leads, one after the
-- other (lead_history_batches: one batch unless the rescored leads' rule states are many), so
-- that the memory it needs stays bounded whatever the number of leads.
{%- set batches = lead_history_batches() %}
{{ restated_by_lead() }}
{{ config(post_hook="{{ insert_batches(lead_score_changes_batch, 'lead_history_batches') }}") }}

{{ first_batch(lead_score_changes_batch, batches) }}
