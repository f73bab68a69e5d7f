-- Why each lead has its current score: one row per scoring model, lead and rule that contributes
-- today (var scoring_as_of_date), fit and engagement rules alike. The points of a lead's rows add
-- up exactly to its total_score in mart_lead_scores_current.

with

engagement_rules as (

    {{ lead_rule_points_as_of(scoring_as_of_date()) }}

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
        fit_matches.is_required_for_mql,
        true as rule_holds
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
        is_required_for_mql,
        rule_holds
    from engagement_rules
    where rule_points != 0 or (is_required_for_mql and rule_holds)

),

final as (

    select * from fit_rows
    union all
    select * from engagement_rows

)

select * from final
