-- Why each lead has its current score: one row per scoring model, lead and rule that contributes
-- today (var scoring_as_of_date), fit and engagement rules alike. The points of a lead's rows add
-- up exactly to its total_score in mart_lead_scores_current, and points_for_mql to its mql_score:
-- under recycle_policy reset_engagement only events after the latest sales rejection
-- (mql_engagement_after) count toward the MQL score, fit always does.

with

rule_states as (

    {{ lead_rule_points_as_of(scoring_as_of_date()) }}

),

-- Leads whose engagement a rejection reset have a second state per rule, counting only for MQL.
mql_only_states as (

    select model_id, lead_id, rule_id, rule_points, rule_holds
    from rule_states
    where not counts_for_total

),

engagement_rules as (

    select
        rule_states.*,
        case
            when rule_states.counts_for_mql then rule_states.rule_points
            else coalesce(mql_only_states.rule_points, 0.0)
        end as points_for_mql,
        case
            when rule_states.counts_for_mql then rule_states.rule_holds
            else coalesce(mql_only_states.rule_holds, false)
        end as holds_for_mql
    from rule_states
    left join mql_only_states
        on mql_only_states.model_id = rule_states.model_id
        and mql_only_states.lead_id = rule_states.lead_id
        and mql_only_states.rule_id = rule_states.rule_id
    where rule_states.counts_for_total

),

resets as (

    {{ latest_engagement_resets(scoring_as_of_date()) }}

),

fit_matches as (

    select * from {{ ref('int_lead_fit_rule_matches') }}

),

fit_rules as (

    select model_id, rule_id, max(description) as description, max(attribute) as attribute
    from {{ ref('int_fit_rules') }}
    group by model_id, rule_id

),

leads as (

    select lead_id, created_at from {{ ref('stg_raw__leads') }}

),

fit_rows as (

    select
        fit_matches.model_id,
        fit_matches.lead_id,
        'fit' as rule_kind,
        fit_matches.rule_id,
        fit_rules.description,
        fit_rules.attribute as matched_on,
        cast(null as {{ dbt.type_int() }}) as occurrences_in_window,
        cast(null as {{ dbt.type_float() }}) as weighted_occurrences,
        cast(null as {{ dbt.type_int() }}) as window_days,
        cast(null as {{ dbt.type_float() }}) as half_life_days,
        cast(null as {{ dbt.type_float() }}) as max_points,
        cast(null as date) as last_change_date,
        fit_matches.points as points,
        fit_matches.points as points_for_mql,
        fit_matches.is_required_for_mql,
        true as rule_holds,
        true as holds_for_mql
    from fit_matches
    inner join fit_rules
        on fit_rules.model_id = fit_matches.model_id
        and fit_rules.rule_id = fit_matches.rule_id
    inner join leads on leads.lead_id = fit_matches.lead_id
    where cast(leads.created_at as date) <= {{ scoring_as_of_date() }}

),

engagement_rows as (

    select
        model_id,
        lead_id,
        'engagement' as rule_kind,
        rule_id,
        description,
        event_type as matched_on,
        occurrences_in_window,
        weighted_occurrences,
        window_days,
        half_life_days,
        max_points,
        last_change_date,
        rule_points as points,
        points_for_mql,
        is_required_for_mql,
        rule_holds,
        holds_for_mql
    from engagement_rules
    where rule_points != 0
       or points_for_mql != 0
       or (is_required_for_mql and (rule_holds or holds_for_mql))

),

rule_rows as (

    select * from fit_rows
    union all
    select * from engagement_rows

),

final as (

    select
        rule_rows.*,
        resets.mql_engagement_after
    from rule_rows
    left join resets
        on resets.model_id = rule_rows.model_id
        and resets.lead_id = rule_rows.lead_id

)

select * from final
