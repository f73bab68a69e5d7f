-- Score history per scoring model and lead, one row per day the lead's score changes: the day
-- the lead was created (fit only, plus any earlier activity) and every later day on which one of
-- its rules changes state. Rows after today are window expiries already scheduled; the mart
-- fct_lead_scores shows history up to today.
{{ config(
    materialized='incremental',
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

score_dates as (

    select model_id, lead_id, created_on as score_date
    from fit

    union

    select rule_states.model_id, rule_states.lead_id, rule_states.state_date as score_date
    from rule_states
    inner join fit
        on fit.model_id = rule_states.model_id
        and fit.lead_id = rule_states.lead_id
    where rule_states.state_date > fit.created_on

),

-- Each rule's latest state on or before each score date. (Measured at 1M leads: this hash join
-- with a range filter costs a quarter of the CPU of carrying states over a date x rule grid.)
rule_states_on_score_dates as (

    select
        score_dates.score_date,
        rule_states.*
    from score_dates
    inner join rule_states
        on rule_states.model_id = score_dates.model_id
        and rule_states.lead_id = score_dates.lead_id
        and rule_states.state_date <= score_dates.score_date
        and (rule_states.next_state_date is null or rule_states.next_state_date > score_dates.score_date)

),

rule_points as (

    select
        states.model_id,
        states.lead_id,
        states.score_date,
        {{ rule_points_at('states', 'rules', 'states.score_date') }} as rule_points,
        case when rules.is_required_for_mql and {{ rule_holds('states', 'rules') }} then 1 else 0 end as required_rule_holds,
        case when states.state_date = states.score_date then states.last_occurred_at end as last_occurred_at
    from rule_states_on_score_dates as states
    inner join rules
        on rules.model_id = states.model_id
        and rules.rule_id = states.rule_id

),

engagement as (

    select
        model_id,
        lead_id,
        score_date,
        sum(rule_points) as engagement_score,
        sum(required_rule_holds) as required_engagement_rules_holding,
        max(last_occurred_at) as last_event_at
    from rule_points
    group by model_id, lead_id, score_date

),

scored as (

    select
        score_dates.model_id,
        score_dates.lead_id,
        score_dates.score_date,
        fit.created_at,
        fit.fit_score,
        coalesce(engagement.engagement_score, 0.0) as engagement_score,
        fit.fit_score + coalesce(engagement.engagement_score, 0.0) as total_score,
        {{ required_rules_hold('fit.required_fit_rules_matched', 'engagement.required_engagement_rules_holding', 'gates') }} as required_rules_hold,
        engagement.last_event_at
    from score_dates
    inner join fit
        on fit.model_id = score_dates.model_id
        and fit.lead_id = score_dates.lead_id
    left join engagement
        on engagement.model_id = score_dates.model_id
        and engagement.lead_id = score_dates.lead_id
        and engagement.score_date = score_dates.score_date
    inner join gates on gates.model_id = score_dates.model_id

),

final as (

    select
        scored.model_id,
        scored.lead_id,
        scored.score_date,
        lead(scored.score_date) over (
            partition by scored.model_id, scored.lead_id
            order by scored.score_date
        ) as next_score_date,
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
