-- Lifecycle timestamps are in order. Per model and lead, the first transition is the creation at
-- created_at and every later one is no earlier than the one before. In dim_leads, first entries
-- follow the main path (mql >= created, sal >= mql, sql >= sal, opportunity >= sql, customer >=
-- opportunity) unless the lead skipped stages (then a skipped stage is empty, or a stage was
-- entered by a skip before the stage below it). Returns the offending rows.
{{ config(meta={'dagster': {'ref': {'name': 'fct_lead_stage_transitions'}}}) }}
{#- On a daily run for the same scoring day, the leads the run restated (daily_tested_leads). #}
{%- set tested = daily_tested_leads('lead_id', 'int_lead_lifecycle_scope', today_state=true) %}

with

transitions as (

    select
        model_id,
        lead_id,
        transition_number,
        to_stage,
        transitioned_at,
        lag(transitioned_at) over (
            partition by model_id, lead_id
            order by transition_number
        ) as previous_transitioned_at
    from {{ ref('fct_lead_stage_transitions') }}
    where {{ tested }}

),

leads as (

    select * from {{ ref('dim_leads') }}
    where {{ tested }}

),

final as (

    select
        'transition before the previous one' as problem,
        transitions.model_id,
        transitions.lead_id
    from transitions
    where transitions.transitioned_at < transitions.previous_transitioned_at

    union all

    select
        'first transition is not the creation' as problem,
        transitions.model_id,
        transitions.lead_id
    from transitions
    inner join leads on leads.lead_id = transitions.lead_id
    where transitions.transition_number = 1
      and (transitions.to_stage <> 'lead' or transitions.transitioned_at <> leads.created_at)

    union all

    select
        'main-path stages out of order without a skip' as problem,
        leads.primary_model_id as model_id,
        leads.lead_id
    from leads
    where not leads.has_skipped_stages
      and not coalesce(
          (leads.mql_first_entered_at is null or leads.mql_first_entered_at >= leads.created_at)
          and (leads.sal_first_entered_at is null or leads.sal_first_entered_at >= leads.mql_first_entered_at)
          and (leads.sql_first_entered_at is null or leads.sql_first_entered_at >= leads.sal_first_entered_at)
          and (leads.opportunity_first_entered_at is null or leads.opportunity_first_entered_at >= leads.sql_first_entered_at)
          and (leads.customer_first_entered_at is null or leads.customer_first_entered_at >= leads.opportunity_first_entered_at),
          false
      )

    union all

    select
        'stage entered before the lead was created' as problem,
        leads.primary_model_id as model_id,
        leads.lead_id
    from leads
    where leads.mql_first_entered_at < leads.created_at
       or leads.sal_first_entered_at < leads.created_at
       or leads.opportunity_first_entered_at < leads.created_at

)

select * from final
