-- How many required (gate) rules each scoring model has, fit and engagement. A lead meets the
-- gates when all of them hold (macro required_rules_hold).

with

models as (

    select model_id from {{ ref('int_scoring_models') }}

),

fit_rules as (

    select * from {{ ref('int_fit_rules') }}

),

engagement_rules as (

    select * from {{ ref('int_engagement_rules') }}

),

required_fit as (

    select model_id, count(distinct case when is_required_for_mql then rule_id end) as required_fit_rules
    from fit_rules
    group by model_id

),

required_engagement as (

    select model_id, count(case when is_required_for_mql then 1 end) as required_engagement_rules
    from engagement_rules
    group by model_id

),

final as (

    select
        models.model_id,
        coalesce(required_fit.required_fit_rules, 0) as required_fit_rules,
        coalesce(required_engagement.required_engagement_rules, 0) as required_engagement_rules
    from models
    left join required_fit on required_fit.model_id = models.model_id
    left join required_engagement on required_engagement.model_id = models.model_id

)

select * from final
