-- Period-based flow, labelled as such (measure_kind = 'flow'): one row per scoring model, month,
-- slice and lifecycle stage, with the entries into the stage that month (all stints, and leads
-- entering it for the first time), the exits, and the leads in the stage at the month's end
-- (balance(t) = balance(t-1) + entries(t) - exits(t)). flow_ratio_to_previous_stage divides a
-- month's entries by the previous main-path stage's entries in the same month: it mixes cohorts
-- and can exceed 1 - it is not a conversion rate (see mart_funnel_conversion for those).

with

transitions as (

    select * from {{ ref('fct_lead_stage_transitions') }}

),

leads as (

    select * from {{ ref('int_lead_funnel_stages') }}

),

stages as (

    select stage, stage_order, is_main_path from {{ ref('lifecycle_stages') }}

),

stints as (

    select
        transitions.model_id,
        transitions.is_primary_model,
        transitions.lead_id,
        transitions.to_stage as stage,
        cast({{ dbt.date_trunc('month', 'transitions.transitioned_at') }} as date) as entry_month,
        cast({{ dbt.date_trunc('month', 'transitions.exited_at') }} as date) as exit_month,
        row_number() over (
            partition by transitions.model_id, transitions.lead_id, transitions.to_stage
            order by transitions.transition_number
        ) = 1 as is_first_entry
    from transitions

),

months as (

    select distinct entry_month as flow_month from stints

),

-- Each stint with its lead's slice values.
sliced_stints as (

    select stints.*{{ funnel_slice_columns('leads') }}
    from stints
    inner join leads
        on leads.model_id = stints.model_id
        and leads.lead_id = stints.lead_id

),

entries as (

    select
        model_id, {{ funnel_slice_name_value() }}, stage, entry_month as flow_month,
        count(*) as entries,
        count(case when is_first_entry then 1 end) as first_entries
    from sliced_stints
    group by {{ funnel_slice_grouping_sets(['model_id', 'stage', 'entry_month']) }}  -- noqa: PRS

),

exits as (

    select
        model_id, {{ funnel_slice_name_value() }}, stage, exit_month as flow_month,
        count(*) as exits
    from sliced_stints
    where exit_month is not null
    group by {{ funnel_slice_grouping_sets(['model_id', 'stage', 'exit_month']) }}  -- noqa: PRS

),

-- Every model and slice value that has a stint.
slice_keys as (

    select model_id, is_primary_model, {{ funnel_slice_name_value() }}
    from sliced_stints
    group by {{ funnel_slice_grouping_sets(['model_id', 'is_primary_model']) }}  -- noqa: PRS

),

-- Every month for every model, slice and stage, so the balance carries over quiet months.
grid as (

    select
        slice_keys.model_id,
        slice_keys.is_primary_model,
        slice_keys.slice_name,
        slice_keys.slice_value,
        stages.stage,
        stages.stage_order,
        stages.is_main_path,
        months.flow_month
    from slice_keys
    cross join stages
    cross join months

),

flows as (

    select
        grid.*,
        coalesce(entries.entries, 0) as entries,
        coalesce(entries.first_entries, 0) as first_entries,
        coalesce(exits.exits, 0) as exits
    from grid
    left join entries
        on entries.model_id = grid.model_id
        and entries.slice_name = grid.slice_name
        and entries.slice_value = grid.slice_value
        and entries.stage = grid.stage
        and entries.flow_month = grid.flow_month
    left join exits
        on exits.model_id = grid.model_id
        and exits.slice_name = grid.slice_name
        and exits.slice_value = grid.slice_value
        and exits.stage = grid.stage
        and exits.flow_month = grid.flow_month

),

balances as (

    select
        flows.*,
        sum(entries - exits) over (
            partition by model_id, slice_name, slice_value, stage
            order by flow_month
            rows between unbounded preceding and current row
        ) as leads_in_stage_at_month_end,
        -- The previous main-path stage's entries in the same month (main-path stages only).
        case when is_main_path then lag(entries) over (
            partition by model_id, slice_name, slice_value, flow_month, is_main_path
            order by stage_order
        ) end as previous_stage_entries
    from flows

),

final as (

    select
        model_id,
        is_primary_model,
        'flow' as measure_kind,
        flow_month,
        slice_name,
        slice_value,
        stage,
        stage_order,
        is_main_path,
        entries,
        first_entries,
        exits,
        cast(leads_in_stage_at_month_end as {{ dbt.type_bigint() }}) as leads_in_stage_at_month_end,
        {{ safe_ratio('entries', 'previous_stage_entries') }} as flow_ratio_to_previous_stage,
        {{ scoring_as_of_date() }} as as_of_date
    from balances

)

select * from final
