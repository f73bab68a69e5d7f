-- Every lead created by the scoring day is in exactly one current stage: one current transition
-- per scoring model in fct_lead_stage_transitions, and one row in dim_leads (no lead missing,
-- none extra). Returns the offending leads.
{{ config(meta={'dagster': {'ref': {'name': 'dim_leads'}}}) }}
{#- On a daily run for the same scoring day, the leads the run restated (daily_tested_leads). #}
{%- set tested = daily_tested_leads('lead_id', 'int_lead_lifecycle_scope', today_state=true) %}

with

leads as (

    select lead_id from {{ ref('stg_raw__leads') }}
    where cast(created_at as date) <= {{ scoring_as_of_date() }}
      and {{ tested }}

),

scoring_models as (

    select model_id from {{ ref('int_scoring_models') }}

),

current_stages as (

    select model_id, lead_id, count(*) as current_stages
    from {{ ref('fct_lead_stage_transitions') }}
    where is_current_stage
      and {{ tested }}
    group by model_id, lead_id

),

dim_rows as (

    select lead_id, count(*) as dim_rows
    from {{ ref('dim_leads') }}
    where {{ tested }}
    group by lead_id

),

final as (

    select
        'fct_lead_stage_transitions' as checked_table,
        scoring_models.model_id,
        leads.lead_id,
        coalesce(current_stages.current_stages, 0) as rows_found
    from leads
    cross join scoring_models
    left join current_stages
        on current_stages.lead_id = leads.lead_id
        and current_stages.model_id = scoring_models.model_id
    where coalesce(current_stages.current_stages, 0) <> 1

    union all

    select
        'dim_leads' as checked_table,
        null as model_id,
        coalesce(leads.lead_id, dim_rows.lead_id) as lead_id,
        coalesce(dim_rows.dim_rows, 0) as rows_found
    from leads
    full outer join dim_rows on dim_rows.lead_id = leads.lead_id
    where leads.lead_id is null
       or coalesce(dim_rows.dim_rows, 0) <> 1

)

select * from final
