-- Score history per scoring model and lead, one row per day the lead's score changes: the day
-- the lead was created (fit only, plus any earlier activity) and every later day on which one of
-- its rules changes state. Rows after today are window expiries already scheduled; the mart
-- fct_lead_scores shows history up to today.
{{ config(
    materialized=incremental_where_supported(),
    incremental_strategy='append',
    pre_hook="{{ delete_rescored_leads() }}",
) }}

with

fit as (

    select fit.*
    from {{ ref('int_lead_fit_scores') }} as fit
    {{ leads_in_scoring_scope('fit') }}

),

rule_states as (

    select rule_states.*
    from {{ ref('int_lead_rule_score_changes') }} as rule_states
    {{ leads_in_scoring_scope('rule_states') }}

),

rules as (

    select * from {{ ref('int_engagement_rules') }}

),

models as (

    select * from {{ ref('int_scoring_models') }}

),

scope as (

    select lead_id, scoring_fingerprint from {{ ref('int_lead_scoring_scope') }}

),

gates as (

    select * from {{ ref('int_scoring_model_gates') }}

),

-- Every day a lead's score can change: its creation day, and each later day one of its rules
-- changes state (earlier states count from the creation day). Rules without decay bring the change
-- of their points and gates (int_lead_rule_score_changes.points_delta, required_holds_delta), so
-- their total on any day is a running sum; only decaying rules need their state on every day.
changes as (

    select
        model_id,
        lead_id,
        created_on as score_date,
        0.0 as points_delta,
        0 as required_holds_delta,
        cast(null as {{ dbt.type_timestamp() }}) as last_occurred_at
    from fit

    union all

    select
        rule_states.model_id,
        rule_states.lead_id,
        case when rule_states.state_date > fit.created_on then rule_states.state_date else fit.created_on end as score_date,
        coalesce(rule_states.points_delta, 0.0) as points_delta,
        rule_states.required_holds_delta,
        case when rule_states.state_date >= fit.created_on then rule_states.last_occurred_at end as last_occurred_at
    from rule_states
    inner join fit
        on fit.model_id = rule_states.model_id
        and fit.lead_id = rule_states.lead_id

),

score_dates as (

    select
        model_id,
        lead_id,
        score_date,
        sum(points_delta) as points_delta,
        sum(required_holds_delta) as required_holds_delta,
        max(last_occurred_at) as last_event_at
    from changes
    group by model_id, lead_id, score_date

),

running as (

    select
        score_dates.*,
        sum(points_delta) over same_lead as undecayed_points,
        sum(required_holds_delta) over same_lead as required_engagement_rules_holding,
        lead(score_date) over (partition by model_id, lead_id order by score_date) as next_score_date
    from score_dates
    window same_lead as (partition by model_id, lead_id order by score_date rows between unbounded preceding and current row)

),

-- Decaying rules: each one's latest state on or before each score date, decayed to that date. (A
-- hash join with a range filter; measured at 1M leads it cost less than carrying states over a
-- date x rule grid, and only the decaying rules' states take part.)
decaying_states as (

    -- points_delta is null exactly for decaying rules; a plain filter keeps the optimizer from
    -- joining every rule's states first.
    select * from rule_states
    where rule_states.points_delta is null

),

decaying_points as (

    select
        score_dates.model_id,
        score_dates.lead_id,
        score_dates.score_date,
        sum({{ rule_points_at('states', 'rules', 'score_dates.score_date') }}) as decaying_points
    from score_dates
    inner join decaying_states as states
        on states.model_id = score_dates.model_id
        and states.lead_id = score_dates.lead_id
        and states.state_date <= score_dates.score_date
        and (states.next_state_date is null or states.next_state_date > score_dates.score_date)
    inner join rules
        on rules.model_id = states.model_id
        and rules.rule_id = states.rule_id
    group by score_dates.model_id, score_dates.lead_id, score_dates.score_date

),

scored as (

    select
        running.model_id,
        running.lead_id,
        running.score_date,
        running.next_score_date,
        fit.created_at,
        fit.fit_score,
        running.undecayed_points + coalesce(decaying_points.decaying_points, 0.0) as engagement_score,
        fit.fit_score + (running.undecayed_points + coalesce(decaying_points.decaying_points, 0.0)) as total_score,
        {{ required_rules_hold('fit.required_fit_rules_matched', 'running.required_engagement_rules_holding', 'gates') }} as required_rules_hold,
        running.last_event_at
    from running
    inner join fit
        on fit.model_id = running.model_id
        and fit.lead_id = running.lead_id
    left join decaying_points
        on decaying_points.model_id = running.model_id
        and decaying_points.lead_id = running.lead_id
        and decaying_points.score_date = running.score_date
    inner join gates on gates.model_id = running.model_id

),

final as (

    select
        scored.model_id,
        scored.lead_id,
        scored.score_date,
        scored.next_score_date,
        scored.fit_score,
        scored.engagement_score,
        scored.total_score,
        scored.required_rules_hold,
        {{ score_classification('models', 'scored.fit_score', 'scored.engagement_score', 'scored.total_score', 'scored.required_rules_hold') }},
        -- When the change happened: the last scored event of the day, else the start of the day
        -- (a window expiry), never before the lead existed.
        case
            when scored.last_event_at is not null and scored.last_event_at > scored.created_at then scored.last_event_at
            when cast(scored.score_date as {{ dbt.type_timestamp() }}) > scored.created_at then cast(scored.score_date as {{ dbt.type_timestamp() }})
            else scored.created_at
        end as changed_at,
        scope.scoring_fingerprint
    from scored
    inner join models on models.model_id = scored.model_id
    inner join scope on scope.lead_id = scored.lead_id

)

select * from final
