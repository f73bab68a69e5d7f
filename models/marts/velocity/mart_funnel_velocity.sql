-- Days between consecutive main-path stages (lead->mql ... opportunity->customer): one row per
-- scoring model, cohort (leads created in a month, or all cohorts), slice and step, with the
-- leads that made the step and the mean, median, P75 and P90 of their days; the steps of each
-- lead are fct_lead_funnel_steps' rows. A young cohort only shows its fast movers yet:
-- is_immature_90d flags it.

{#- Count, mean and percentiles of a step's days, at each cohort grain. -#}
{%- set duration_stats -%}
count(*) as leads,
        avg(days) as mean_days,
        {{ percentile_cont('days', 0.5) }} as median_days,
        {{ percentile_cont('days', 0.75) }} as p75_days,
        {{ percentile_cont('days', 0.9) }} as p90_days
{%- endset %}

with

steps as (

    select * from {{ ref('fct_lead_funnel_steps') }}

),

leads as (

    select * from {{ ref('int_lead_funnel_stages') }}

),

-- Each step with its lead's slice values.
sliced_steps as (

    select steps.*{{ funnel_slice_columns('leads') }}
    from steps
    inner join leads
        on leads.model_id = steps.model_id
        and leads.lead_id = steps.lead_id

),

per_cohort as (

    select
        model_id, is_primary_model, 'month' as cohort_scope, created_month as cohort_month,
        {{ funnel_slice_name_value() }}, step_order, step, from_stage, to_stage,
        {{ duration_stats }}
    from sliced_steps
    group by {{ funnel_slice_grouping_sets(['model_id', 'is_primary_model', 'created_month', 'step_order', 'step', 'from_stage', 'to_stage']) }}  -- noqa: PRS

),

all_cohorts as (

    select
        model_id, is_primary_model, 'all' as cohort_scope, cast(null as date) as cohort_month,
        {{ funnel_slice_name_value() }}, step_order, step, from_stage, to_stage,
        {{ duration_stats }}
    from sliced_steps
    group by {{ funnel_slice_grouping_sets(['model_id', 'is_primary_model', 'step_order', 'step', 'from_stage', 'to_stage']) }}  -- noqa: PRS

),

unioned as (

    select * from per_cohort
    union all
    select * from all_cohorts

),

final as (

    select
        model_id,
        is_primary_model,
        cohort_scope,
        cohort_month,
        slice_name,
        slice_value,
        cast(step_order as {{ dbt.type_int() }}) as step_order,
        step,
        from_stage,
        to_stage,
        leads,
        cast(mean_days as {{ type_double() }}) as mean_days,
        cast(median_days as {{ type_double() }}) as median_days,
        cast(p75_days as {{ type_double() }}) as p75_days,
        cast(p90_days as {{ type_double() }}) as p90_days,
        case when cohort_month is not null then {{ cohort_is_immature('cohort_month', 90) }} end as is_immature_90d,
        {{ scoring_as_of_date() }} as as_of_date
    from unioned

)

select * from final
