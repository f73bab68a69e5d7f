-- The state of every engagement rule for every lead on each day that state changes: a day with
-- matching events, or the day an occurrence leaves the rule's window. Between two such days only
-- decay acts, so these rows are all that is needed for the rule's points on any later day
-- (macro rule_points_at). Rows after today are window expiries already scheduled.
--
-- Decayed sums need no recursion: with a reference day a (the lead's first matching day),
--   weighted(c) = 2^(-(c-a)/h) * sum over occurrences d <= c still in the window of n_d * 2^((d-a)/h)
-- which is a running sum of +n_d * 2^((d-a)/h) on day d and -n_d * 2^((d-a)/h) on expiry day
-- d + window_days. Keeping a per lead and rule keeps the factors far inside double precision.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_rescored_leads() }}",
) }}

with

events as (

    select events.*
    from {{ ref('stg_raw__events') }} as events
    {{ leads_in_scoring_scope('events') }}

),

rules as (

    select * from {{ ref('int_engagement_rules') }}

),

matched_events as (

    select
        rules.model_id,
        rules.rule_id,
        events.lead_id,
        events.occurred_on,
        events.occurred_at
    from events
    inner join rules on rules.event_type = events.event_type
    where {{ event_matches_rule(rule='rules', event='events') }}

),

-- Per-day cap: at most max_per_day occurrences of a rule count on one day.
daily_occurrences as (

    select
        matched_events.model_id,
        matched_events.rule_id,
        matched_events.lead_id,
        matched_events.occurred_on,
        max(matched_events.occurred_at) as last_occurred_at,
        count(*) as occurrences
    from matched_events
    group by 1, 2, 3, 4

),

counted as (

    select
        daily_occurrences.*,
        case
            when rules.max_per_day is not null and daily_occurrences.occurrences > rules.max_per_day
                then rules.max_per_day
            else daily_occurrences.occurrences
        end as counted_occurrences,
        rules.window_days,
        rules.half_life_days,
        min(daily_occurrences.occurred_on) over (
            partition by daily_occurrences.model_id, daily_occurrences.rule_id, daily_occurrences.lead_id
        ) as anchor_date
    from daily_occurrences
    inner join rules
        on rules.model_id = daily_occurrences.model_id
        and rules.rule_id = daily_occurrences.rule_id

),

-- +occurrences on their day, -occurrences on the first day they are out of the window.
window_edges as (

    select 1 as direction union all select -1 as direction

),

deltas as (

    select
        counted.model_id,
        counted.rule_id,
        counted.lead_id,
        counted.anchor_date,
        counted.half_life_days,
        case
            when window_edges.direction = 1 then counted.occurred_on
            else cast({{ dbt.dateadd('day', 'counted.window_days', 'counted.occurred_on') }} as date)
        end as state_date,
        case when window_edges.direction = 1 then counted.last_occurred_at end as last_occurred_at,
        window_edges.direction * counted.counted_occurrences as occurrence_delta,
        window_edges.direction * counted.counted_occurrences
            * {{ decay_factor('-1 * ' ~ dbt.datediff('counted.anchor_date', 'counted.occurred_on', 'day'), 'counted.half_life_days') }}
            as anchored_weight_delta
    from counted
    cross join window_edges
    where window_edges.direction = 1 or counted.window_days is not null

),

per_day as (

    select
        model_id,
        rule_id,
        lead_id,
        anchor_date,
        half_life_days,
        state_date,
        max(last_occurred_at) as last_occurred_at,
        sum(occurrence_delta) as occurrence_delta,
        sum(anchored_weight_delta) as anchored_weight_delta
    from deltas
    group by 1, 2, 3, 4, 5, 6

),

running as (

    select
        per_day.*,
        sum(occurrence_delta) over (
            partition by model_id, rule_id, lead_id
            order by state_date
            rows between unbounded preceding and current row
        ) as occurrences_in_window,
        sum(anchored_weight_delta) over (
            partition by model_id, rule_id, lead_id
            order by state_date
            rows between unbounded preceding and current row
        ) as anchored_weight,
        lead(state_date) over (
            partition by model_id, rule_id, lead_id
            order by state_date
        ) as next_state_date
    from per_day

),

scope as (

    select lead_id, scoring_fingerprint from {{ ref('int_lead_scoring_scope') }}

),

final as (

    select
        running.model_id,
        running.lead_id,
        running.rule_id,
        running.state_date,
        running.next_state_date,
        running.last_occurred_at,
        cast(running.occurrences_in_window as {{ dbt.type_int() }}) as occurrences_in_window,
        -- Exactly 0 once nothing is in the window (no floating-point residue of the sums).
        case
            when running.occurrences_in_window = 0 then 0.0
            else running.anchored_weight * {{ decay_factor(dbt.datediff('running.anchor_date', 'running.state_date', 'day'), 'running.half_life_days') }}
        end as weighted_occurrences,
        scope.scoring_fingerprint
    from running
    inner join scope on scope.lead_id = running.lead_id

)

select * from final
