-- The feedback marts count the same leads: per model, the score bands add up to the scope, the
-- rules' hit and not-hit leads do too, and the scope is every dim_leads lead created at least
-- feedback_min_lead_age_days before the scoring day. Returns the models that differ.
{{ config(meta={'dagster': {'ref': {'name': 'mart_feedback_score_bands'}}}) }}

with

bands as (

    select model_id, sum(leads) as band_leads, sum(opportunity_leads) as band_opportunity_leads
    from {{ ref('mart_feedback_score_bands') }}
    group by model_id

),

sweep as (

    select model_id, max(scope_leads) as sweep_scope_leads
    from {{ ref('mart_feedback_threshold_sweep') }}
    group by model_id

),

rules as (

    select model_id, min(scope_leads) as min_scope_leads, max(scope_leads) as max_scope_leads
    from {{ ref('mart_feedback_rules') }}
    group by model_id

),

settings as (

    select * from {{ ref('int_funnel_settings') }}

),

dim_scope as (

    select
        count(*) as scope_leads,
        count(case when dim_leads.furthest_stage_order >= 5 then 1 end) as opportunity_leads
    from {{ ref('dim_leads') }} as dim_leads
    cross join settings
    where cast(dim_leads.created_at as date) <= {{ dbt.dateadd('day', '-1 * settings.feedback_min_lead_age_days', scoring_as_of_date()) }}

),

final as (

    select bands.model_id, bands.band_leads, sweep.sweep_scope_leads, rules.min_scope_leads, rules.max_scope_leads, dim_scope.scope_leads
    from bands
    cross join dim_scope
    left join sweep on sweep.model_id = bands.model_id
    left join rules on rules.model_id = bands.model_id
    where bands.band_leads <> dim_scope.scope_leads
       or bands.band_opportunity_leads <> dim_scope.opportunity_leads
       or coalesce(sweep.sweep_scope_leads, -1) <> dim_scope.scope_leads
       or coalesce(rules.min_scope_leads, -1) <> dim_scope.scope_leads
       or coalesce(rules.max_scope_leads, -1) <> dim_scope.scope_leads

)

select * from final
