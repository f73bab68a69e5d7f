-- The flow's running balance ends where the lifecycle is: at the last month, the leads in each
-- stage (slice all) equal the leads whose current stage it is, per scoring model; and the
-- first entries of every month add up to the leads that ever entered the stage. Returns the
-- stages that differ.
{{ config(meta={'dagster': {'ref': {'name': 'mart_funnel_flow'}}}) }}

with

flow as (

    select * from {{ ref('mart_funnel_flow') }}
    where slice_name = 'all'

),

transitions as (

    select * from {{ ref('fct_lead_stage_transitions') }}

),

last_month as (

    select model_id, stage, leads_in_stage_at_month_end
    from flow
    where flow.flow_month = (select max(latest.flow_month) from flow as latest)

),

first_entries as (

    select model_id, stage, sum(first_entries) as first_entries
    from flow
    group by model_id, stage

),

expected as (

    select
        model_id,
        to_stage as stage,
        count(case when is_current_stage then 1 end) as current_leads,
        count(distinct lead_id) as leads_ever
    from transitions
    group by model_id, to_stage

),

final as (

    select last_month.model_id, last_month.stage, last_month.leads_in_stage_at_month_end, expected.current_leads, first_entries.first_entries, expected.leads_ever
    from last_month
    inner join first_entries
        on first_entries.model_id = last_month.model_id
        and first_entries.stage = last_month.stage
    left join expected
        on expected.model_id = last_month.model_id
        and expected.stage = last_month.stage
    where last_month.leads_in_stage_at_month_end <> coalesce(expected.current_leads, 0)
       or first_entries.first_entries <> coalesce(expected.leads_ever, 0)

)

select * from final
