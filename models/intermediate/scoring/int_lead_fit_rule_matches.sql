-- Which fit rules match which lead, per scoring model: one row per (model, lead, rule) that matches.
-- Fit uses the lead's latest known attributes (the raw export carries no attribute history).

with

leads as (

    select * from {{ ref('stg_raw__leads') }}

),

fit_rules as (

    select * from {{ ref('int_fit_rules') }}

),

matches as (

    select
        fit_rules.model_id,
        leads.lead_id,
        fit_rules.rule_id,
        max(fit_rules.points) as points,
        max(case when fit_rules.is_required_for_mql then 1 else 0 end) = 1 as is_required_for_mql
    from leads
    cross join fit_rules
    where {{ fit_rule_matches('fit_rules', 'leads') }}
    group by fit_rules.model_id, leads.lead_id, fit_rules.rule_id

),

final as (

    select * from matches

)

select * from final
