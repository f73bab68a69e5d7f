-- For the primary model the funnel's lead-level rows (fct_lead_funnel) agree with dim_leads:
-- same leads, first entry times, furthest and in-order stage (the in-order rule exists twice -
-- macro in_order_stage_order for every model, dim_leads for the primary one - and this keeps
-- them equal), current stage. Returns the leads that differ.
{{ config(meta={'dagster': {'ref': {'name': 'fct_lead_funnel'}}}) }}
{%- set stages = lifecycle_stage_names(main_path_only=true) %}
{#- On a daily run for the same scoring day, the leads the run restated (daily_tested_leads). #}
{%- set tested = daily_tested_leads('lead_id', 'int_lead_lifecycle_scope', today_state=true) %}

with

funnel as (

    select * from {{ ref('fct_lead_funnel') }}
    where is_primary_model
      and {{ tested }}

),

dim_leads as (

    select * from {{ ref('dim_leads') }}
    where {{ tested }}

),

final as (

    select
        coalesce(funnel.lead_id, dim_leads.lead_id) as lead_id,
        funnel.furthest_stage_order,
        dim_leads.furthest_stage_order as dim_furthest_stage_order,
        funnel.in_order_stage_order,
        dim_leads.in_order_stage_order as dim_in_order_stage_order
    from funnel
    full outer join dim_leads on dim_leads.lead_id = funnel.lead_id
    where funnel.lead_id is null
       or dim_leads.lead_id is null
       or funnel.furthest_stage_order <> dim_leads.furthest_stage_order
       or funnel.in_order_stage_order <> dim_leads.in_order_stage_order
       or funnel.current_stage <> dim_leads.current_stage
       or funnel.has_skipped_stages <> dim_leads.has_skipped_stages
       {%- for stage in stages %}
       or not ({{ dbt.equals('funnel.' ~ stage ~ '_entered_at', 'dim_leads.' ~ stage ~ '_first_entered_at') }})
       {%- endfor %}

)

select * from final
