-- The state of every engagement rule for every lead on each day that state changes: a day with
-- matching events, or the day an occurrence leaves the rule's window. Between two such days only
-- decay acts, so these rows are all that is needed for the rule's points on any later day
-- (macro rule_points_at). Rows after today are window expiries already scheduled.
--
-- Decayed sums need no recursion: with a reference day a (the lead's first matching day),
--   weighted(c) = 2^(-(c-a)/h) * sum over occurrences d <= c still in the window of n_d * 2^((d-a)/h)
-- which is a running sum of +n_d * 2^((d-a)/h) on day d and -n_d * 2^((d-a)/h) on expiry day
-- d + window_days. Keeping a per lead and rule keeps the factors far inside double precision.
--
-- For rules without decay the points only change on these days, so each row also carries the
-- change of the rule's points (points_delta) and of whether a required rule holds
-- (required_holds_delta): int_lead_score_changes adds them up in one running sum per lead instead
-- of looking up every rule's state on every day.
--
-- Recycling with reset_engagement (int_lead_engagement_resets): a sales rejection restarts the
-- lead's engagement from zero for MQL purposes, while the total score keeps it. For the leads it
-- concerns, each rule gets two chains of states: one over every occurrence (counts_for_total) and
-- one in which each occurrence also leaves at the first rejection at or after it, like a window
-- expiry (counts_for_mql). Every other lead has one chain that counts for both.
{{ restated_by_lead() }}

with

events as {{ materialized_when_scoped() }} (

    select events.*
    from {{ ref('stg_raw__events') }} as events
    {{ leads_in_scoring_scope('events') }}

),

-- Rules get a small integer key for the heavy part: grouping, joining and sorting on one integer
-- instead of two strings (model_id, rule_id) cut this model's CPU by a third at 20M events.
rules as (

    select
        engagement_rules.*,
        row_number() over (order by engagement_rules.model_id, engagement_rules.rule_id) as rule_key
    from {{ ref('int_engagement_rules') }} as engagement_rules

),

matched_events as (

    select
        rules.rule_key,
        events.lead_id,
        events.occurred_on,
        events.occurred_at
    from events
    inner join rules on rules.event_type = events.event_type
    where {{ event_matches_rule(rule='rules', event='events') }}

),

-- Occurrences per rule, lead and day, before the per-day cap (applied in `capped`).
daily_occurrences as (

    select
        matched_events.rule_key,
        matched_events.lead_id,
        matched_events.occurred_on,
        max(matched_events.occurred_at) as last_occurred_at,
        count(*) as occurrences
    from matched_events
    group by matched_events.rule_key, matched_events.lead_id, matched_events.occurred_on

),

resets as (

    select * from {{ ref('int_lead_engagement_resets') }}

),

reset_leads as (

    select distinct model_id, lead_id from resets

),

-- Leads with engagement resets, matched once more (a small share of the events) for their MQL
-- chain: each occurrence counts until the first rejection at or after it (an event at the very
-- time of the rejection is not after it).
reset_lead_events as {{ materialized_when_scoped() }} (

    select events.*
    from {{ ref('stg_raw__events') }} as events
    {{ leads_in_scoring_scope('events') }}
    where events.lead_id in (select resets.lead_id from resets)

),

reset_cut_events as (

    select
        rules.rule_key,
        events.lead_id,
        events.occurred_on,
        events.occurred_at,
        min(resets.reset_on) as reset_on
    from reset_lead_events as events
    inner join rules on rules.event_type = events.event_type
    inner join reset_leads
        on reset_leads.model_id = rules.model_id
        and reset_leads.lead_id = events.lead_id
    left join resets
        on resets.model_id = rules.model_id
        and resets.lead_id = events.lead_id
        and resets.reset_at >= events.occurred_at
    where {{ event_matches_rule(rule='rules', event='events') }}
    group by rules.rule_key, events.lead_id, events.event_id, events.occurred_on, events.occurred_at

),

-- Every occurrence once (chain_key = rule_key: the total score, and the MQL score of leads without
-- resets) and the leads with resets once more for their MQL score (chain_key = -rule_key), per day
-- and reset: the per-day cap applies before and after a rejection on its day separately. One
-- integer key per chain keeps the sorts below as cheap as with the rule alone.
occurrences as (

    select
        rule_key as chain_key,
        rule_key,
        lead_id,
        occurred_on,
        last_occurred_at,
        occurrences,
        cast(null as date) as reset_on
    from daily_occurrences

    union all

    select
        -1 * rule_key as chain_key,
        rule_key,
        lead_id,
        occurred_on,
        max(occurred_at) as last_occurred_at,
        count(*) as occurrences,
        reset_on
    from reset_cut_events
    group by rule_key, lead_id, occurred_on, reset_on

),

capped as (

    select
        occurrences.*,
        {{ apply_rule_cap('rules', 'max_per_day', 'occurrences.occurrences') }} as counted_occurrences,
        rules.window_days,
        rules.half_life_days
    from occurrences
    inner join rules on rules.rule_key = occurrences.rule_key

),

-- The anchor (first matching day) matters only for decaying rules: without decay every weight is
-- 1, so those rows skip the window that finds it.
counted as (

    select
        capped.*,
        min(capped.occurred_on) over (partition by capped.chain_key, capped.lead_id) as anchor_date
    from capped
    where capped.half_life_days is not null

    union all

    select
        capped.*,
        cast(null as date) as anchor_date
    from capped
    where capped.half_life_days is null

),

-- +occurrences on their day, -occurrences on the first day they are out of the window or, in an
-- MQL chain, on the day of the rejection that resets them, whichever comes first.
window_edges as (

    select 1 as direction
    union all
    select -1 as direction

),

leaving as (

    select
        counted.*,
        case
            when counted.window_days is null then counted.reset_on
            when counted.reset_on is not null
                and counted.reset_on < cast({{ dbt.dateadd('day', 'counted.window_days', 'counted.occurred_on') }} as date)
                then counted.reset_on
            else cast({{ dbt.dateadd('day', 'counted.window_days', 'counted.occurred_on') }} as date)
        end as leaves_on
    from counted

),

deltas as (

    select
        leaving.chain_key,
        leaving.lead_id,
        leaving.anchor_date,
        leaving.half_life_days,
        case when window_edges.direction = 1 then leaving.occurred_on else leaving.leaves_on end as state_date,
        case when window_edges.direction = 1 then leaving.last_occurred_at end as last_occurred_at,
        window_edges.direction * leaving.counted_occurrences as occurrence_delta,
        window_edges.direction * leaving.counted_occurrences
            * {{ decay_factor('-1 * ' ~ dbt.datediff('leaving.anchor_date', 'leaving.occurred_on', 'day'), 'leaving.half_life_days') }}
            as anchored_weight_delta
    from leaving
    cross join window_edges
    where window_edges.direction = 1 or leaving.leaves_on is not null

),

per_day as (

    select
        chain_key,
        lead_id,
        anchor_date,
        half_life_days,
        state_date,
        max(last_occurred_at) as last_occurred_at,
        sum(occurrence_delta) as occurrence_delta,
        sum(anchored_weight_delta) as anchored_weight_delta
    from deltas
    group by chain_key, lead_id, anchor_date, half_life_days, state_date

),

running as (

    select
        per_day.*,
        sum(occurrence_delta) over (
            partition by chain_key, lead_id
            order by state_date
            rows between unbounded preceding and current row
        ) as occurrences_in_window,
        sum(anchored_weight_delta) over (
            partition by chain_key, lead_id
            order by state_date
            rows between unbounded preceding and current row
        ) as anchored_weight,
        lead(state_date) over (
            partition by chain_key, lead_id
            order by state_date
        ) as next_state_date
    from per_day

),

scope as (

    select lead_id, scoring_fingerprint from {{ ref('int_lead_scoring_scope') }}

),

rule_changes as (

    select
        running.*,
        rules.model_id,
        rules.rule_id,
        rules.points,
        rules.max_points,
        rules.min_count,
        rules.is_required_for_mql,
        running.occurrences_in_window - running.occurrence_delta as previous_occurrences
    from running
    inner join rules on rules.rule_key = abs(running.chain_key)

),

final as (

    select
        running.model_id,
        running.lead_id,
        running.rule_id,
        running.chain_key > 0 as counts_for_total,
        (running.chain_key < 0 or reset_leads.lead_id is null) as counts_for_mql,
        running.state_date,
        running.next_state_date,
        running.last_occurred_at,
        cast(running.occurrences_in_window as {{ dbt.type_int() }}) as occurrences_in_window,
        -- Exactly 0 once nothing is in the window (no floating-point residue of the sums).
        case
            when running.occurrences_in_window = 0 then 0.0
            else running.anchored_weight * {{ decay_factor(dbt.datediff('running.anchor_date', 'running.state_date', 'day'), 'running.half_life_days') }}
        end as weighted_occurrences,
        -- Rules without decay: points after caps now minus before this day (as rule_points_at
        -- computes them; without decay the weighted count is the count, as a double).
        case when running.half_life_days is null then
            {{ rule_points('running', 'running.occurrences_in_window', 'running.anchored_weight') }}
            - {{ rule_points('running', 'running.previous_occurrences', '(running.anchored_weight - running.anchored_weight_delta)') }}
        end as points_delta,
        case when running.is_required_for_mql then
            (case when {{ rule_holds_at('running', 'running.occurrences_in_window') }} then 1 else 0 end)
            - (case when {{ rule_holds_at('running', 'running.previous_occurrences') }} then 1 else 0 end)
        else 0 end as required_holds_delta,
        scope.scoring_fingerprint
    from rule_changes as running
    inner join scope on scope.lead_id = running.lead_id
    left join reset_leads
        on reset_leads.model_id = running.model_id
        and reset_leads.lead_id = running.lead_id

)

select * from final
