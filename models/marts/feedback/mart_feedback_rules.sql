-- Feedback per scoring rule: one row per scoring model and rule (fit and engagement) with the
-- feedback-scope leads that hit the rule before their first opportunity and those that did not,
-- the opportunity rate of each group, and lift = rate of the leads that hit it / the model's
-- overall rate. A positive rule whose hitters convert no better than the rest is a candidate for
-- fewer points.

with

hits as (

    select * from {{ ref('int_lead_rule_hits') }}

),

outcomes as (

    select * from {{ ref('int_lead_feedback_outcomes') }}

),

models as (

    select model_id, is_primary from {{ ref('int_scoring_models') }}

),

engagement_rules as (

    select model_id, rule_id, description, points, is_required_for_mql from {{ ref('int_engagement_rules') }}

),

-- int_fit_rules has one row per rule and match value.
fit_rules as (

    select model_id, rule_id, max(description) as description, max(points) as points, max(case when is_required_for_mql then 1 else 0 end) = 1 as is_required_for_mql
    from {{ ref('int_fit_rules') }}
    group by model_id, rule_id

),

rules as (

    select model_id, 'engagement' as rule_kind, rule_id, description, points, is_required_for_mql from engagement_rules
    union all
    select model_id, 'fit' as rule_kind, rule_id, description, points, is_required_for_mql from fit_rules

),

scope as (

    select
        model_id,
        count(*) as scope_leads,
        count(case when reached_opportunity then 1 end) as opportunity_leads
    from outcomes
    group by model_id

),

hit_counts as (

    select
        hits.model_id,
        hits.rule_kind,
        hits.rule_id,
        count(*) as hit_leads,
        count(case when outcomes.reached_opportunity then 1 end) as hit_opportunity_leads
    from hits
    inner join outcomes
        on outcomes.model_id = hits.model_id
        and outcomes.lead_id = hits.lead_id
    group by hits.model_id, hits.rule_kind, hits.rule_id

),

counted as (

    select
        rules.model_id,
        models.is_primary as is_primary_model,
        rules.rule_kind,
        rules.rule_id,
        rules.description,
        rules.points,
        rules.is_required_for_mql,
        coalesce(scope.scope_leads, 0) as scope_leads,
        coalesce(hit_counts.hit_leads, 0) as hit_leads,
        coalesce(hit_counts.hit_opportunity_leads, 0) as hit_opportunity_leads,
        coalesce(scope.scope_leads, 0) - coalesce(hit_counts.hit_leads, 0) as not_hit_leads,
        coalesce(scope.opportunity_leads, 0) - coalesce(hit_counts.hit_opportunity_leads, 0) as not_hit_opportunity_leads,
        {{ safe_ratio('scope.opportunity_leads', 'scope.scope_leads') }} as overall_opportunity_rate
    from rules
    inner join models on models.model_id = rules.model_id
    left join scope on scope.model_id = rules.model_id
    left join hit_counts
        on hit_counts.model_id = rules.model_id
        and hit_counts.rule_kind = rules.rule_kind
        and hit_counts.rule_id = rules.rule_id

),

final as (

    select
        model_id,
        is_primary_model,
        rule_kind,
        rule_id,
        description,
        cast(points as {{ type_double() }}) as points,
        is_required_for_mql,
        scope_leads,
        hit_leads,
        hit_opportunity_leads,
        {{ safe_ratio('hit_opportunity_leads', 'hit_leads') }} as hit_opportunity_rate,
        not_hit_leads,
        not_hit_opportunity_leads,
        {{ safe_ratio('not_hit_opportunity_leads', 'not_hit_leads') }} as not_hit_opportunity_rate,
        overall_opportunity_rate,
        {{ safe_ratio(safe_ratio('hit_opportunity_leads', 'hit_leads'), 'overall_opportunity_rate') }} as lift,
        {{ scoring_as_of_date() }} as as_of_date
    from counted

)

select * from final
