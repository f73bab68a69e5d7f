-- Why each lead has its current score and why it is or is not an MQL, today (var
-- scoring_as_of_date): one row per scoring model, lead and rule that contributes (fit rules that
-- match, engagement rules with points), every required rule (gate) whether it holds or not, and
-- count rules on their way to min_count - the last two with what the lead has against what the
-- rule needs. Rules decayed below 0.01 points (both points and points_for_mql) are not listed:
-- they add up to one remainder row per lead (rule_kind 'remainder'). So the points of a lead's
-- rows still add up exactly to its total_score in mart_lead_scores_current, and points_for_mql to
-- its mql_score: under recycle_policy reset_engagement only events after the latest sales
-- rejection (mql_engagement_after) count toward the MQL score, fit always does.
--
-- A view over int_lead_current_rule_states, which holds each rule's state today before decay and
-- is restated by lead: only the decay - and so which rules are listed - changes with the day
-- alone, and it is computed on read (macro lead_score_explanations, which the marts of today's
-- state read for the leads they recompute). Built after int_lead_today_state_scope, which says
-- whether its daily data tests can check only the restated leads (the day has not moved).
{{ config(materialized=view_where_supported()) }}
-- depends_on: {{ ref('int_lead_today_state_scope') }}

{{ lead_score_explanations() }}
