-- Every time an activation rule's condition started (trigger_on enter) or stopped (exit) holding
-- for a lead, kept by the rule's re-trigger policy, with the facts behind it: one row per
-- activation, including those already scheduled after the scoring day (a decaying score leaving
-- nurture, int_lead_score_band_spans); fct_lead_activations shows those up to the scoring day.
--
-- A rule's condition at a time t is: the lead's score band in score_bands, its lifecycle stage
-- in lifecycle_stages, a matching event in the event_within_days before t (each when the rule
-- names it), and none of the suppressions that apply to the rule holding. Each part is a set of
-- intervals (band spans, stage stints, events' windows, suppressions); the condition is
-- evaluated once at each start and end of any of them, from running counts of the intervals
-- open at that time (a sweep, no lead x day grid), and an activation is a change of it.
--
-- Restated by lead with the lifecycle chain (int_lead_lifecycle_scope), whose fingerprint covers
-- the activation seeds, so an edit of the rules restates every lead.
--
-- The query is the macro lead_activation_edges_batch. It runs in batches of leads, one after the
-- other (activation_history_batches: one batch unless the restated leads' events are many), so
-- that the memory it needs stays bounded whatever the number of leads.
{%- set batches = activation_history_batches() %}
{{ restated_by_lead('int_lead_lifecycle_scope') }}
{{ config(post_hook="{{ insert_batches(lead_activation_edges_batch, 'activation_history_batches') }}") }}

{{ first_batch(lead_activation_edges_batch, batches) }}
