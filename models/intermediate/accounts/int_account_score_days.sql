-- Account scores per scoring model and account on every day its score can change: a day one of
-- its leads' scores changed (the days of int_lead_score_changes up to today), a day the company
-- visited pages that page_view rules score (int_account_visits) or such a visit left a rule's
-- window; and on today (var scoring_as_of_date).
--
-- Between two such days every lead's engagement and the visits' points only decay and no lead is
-- created, so the account's best fit stays and its engagement, engaged leads and score can only
-- fall: an account crosses the MQA threshold (or gains an engaged lead) only on one of these
-- days, and its first MQA day is the first of them on which it qualifies. Each lead's engagement
-- is exact on every such day: on a day the lead's own score changed, the engagement
-- int_lead_score_changes computed for it; on another lead's or a visit's day, the part that does
-- not decay as of its latest score change, plus its decaying rules' states decayed to the day (as
-- int_lead_score_changes computes them). (Decaying only on those days: at 1M leads 8.6M of the
-- 23M lead-days are the lead's own change day, and the full build's query took 93-95 CPU s
-- instead of 111-126.)
--
-- Company visits (no lead) are scored by the engagement rules on page_view events, matched on
-- the page as events are (macro event_matches_rule), with the rule's per-day cap, window, decay
-- and max_points applied per account: the account's visit engagement, added to the summed top
-- lead engagement scores.
--
-- Only leads with a positive engagement take part in the ranking (a lead's penalty does not lower
-- its account); spans of zero engagement are left out before the join, which keeps the join to
-- the leads that engage.
--
-- Restated by account (int_account_scope): a run recomputes the change days of the accounts whose
-- leads, visits or settings changed, or which a new scoring day reaches - only their leads' score
-- changes and rule states are read - from the account's restate_from on (its whole history when
-- that is empty: the change days before it and their inputs are unchanged), and every account's
-- row for today (a day passing only decays
-- the scores, so today's row moves for every account). Today's row is summed from each lead's
-- score today as mart_lead_scores_current shows it (one definition of a lead's current score, and
-- an equi-join instead of a range join over every lead's history); a change day that is today is
-- computed with the other change days, and no second row is written for it.
--
-- The query is the macro account_score_days_batch. It runs in batches of accounts, one after the
-- other (account_history_batches: one batch unless the accounts' histories are large), so that
-- the memory it needs stays bounded whatever the number and size of the accounts.
{%- set batches = account_history_batches() %}
{{ restated_by_account(also_delete='not is_change_day', date_column='score_date') }}
{{ config(post_hook="{{ insert_batches(account_score_days_batch, 'account_history_batches') }}") }}

{{ first_batch(account_score_days_batch, batches) }}
