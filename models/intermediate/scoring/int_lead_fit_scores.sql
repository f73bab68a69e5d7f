-- Fit score per scoring model and lead (every lead, every model), and how many of the model's
-- required fit rules (gates) match. Incremental like the other scoring models: a run computes the
-- leads it rescores only (int_lead_scoring_scope).
{{ restated_by_lead() }}

with

leads as (

    select leads.*
    from {{ ref('stg_raw__leads') }} as leads
    {{ leads_in_scoring_scope('leads') }}

),

models as (

    select * from {{ ref('int_scoring_models') }}

),

matches as (

    select * from {{ ref('int_lead_fit_rule_matches') }}

),

matched_per_lead as (

    select
        model_id,
        lead_id,
        sum(points) as fit_score,
        count(*) as fit_rules_matched,
        count(case when is_required_for_mql then 1 end) as required_fit_rules_matched
    from matches
    group by model_id, lead_id

),

final as (

    select
        models.model_id,
        leads.lead_id,
        leads.created_at,
        cast(leads.created_at as date) as created_on,
        coalesce(matched_per_lead.fit_score, 0.0) as fit_score,
        coalesce(matched_per_lead.fit_rules_matched, 0) as fit_rules_matched,
        coalesce(matched_per_lead.required_fit_rules_matched, 0) as required_fit_rules_matched
    from leads
    cross join models
    left join matched_per_lead
        on matched_per_lead.model_id = models.model_id
        and matched_per_lead.lead_id = leads.lead_id

)

select * from final
