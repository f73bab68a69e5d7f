-- Days between consecutive main-path stages (lead->mql ... opportunity->customer): one row per
-- scoring model, cohort (leads created in a month, or all cohorts), slice and step, with the
-- leads that made the step and the mean, median, P75 and P90 of their days. A step counts the
-- first entries into both stages when both exist and are in order; skippers drop out by
-- themselves (strict policy: a skipped stage has no entry time). A young cohort only shows its
-- fast movers yet: is_immature_90d flags it.
{%- set stages = lifecycle_stage_names(main_path_only=true) %}

{#- Count, mean and percentiles of a step's days, at each cohort grain. -#}
{%- set duration_stats -%}
count(*) as leads,
        avg(days) as mean_days,
        {{ percentile_cont('days', 0.5) }} as median_days,
        {{ percentile_cont('days', 0.75) }} as p75_days,
        {{ percentile_cont('days', 0.9) }} as p90_days
{%- endset %}

with

leads as (

    select * from {{ ref('int_lead_funnel_stages') }}

),

slices as (

    select * from {{ ref('int_lead_funnel_slices') }}

),

steps as (

    {%- for stage in stages[:-1] %}
    {%- set next_stage = stages[loop.index] %}
    select
        model_id,
        is_primary_model,
        lead_id,
        created_month,
        {{ loop.index }} as step_order,
        '{{ stage }}_to_{{ next_stage }}' as step,
        '{{ stage }}' as from_stage,
        '{{ next_stage }}' as to_stage,
        {{ days_between(stage ~ '_entered_at', next_stage ~ '_entered_at') }} as days
    from leads
    where {{ stage }}_entered_at is not null
      and {{ next_stage }}_entered_at >= {{ stage }}_entered_at
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

sliced_steps as (

    select steps.*, slices.slice_name, slices.slice_value
    from steps
    inner join slices
        on slices.model_id = steps.model_id
        and slices.lead_id = steps.lead_id

),

per_cohort as (

    select
        model_id, is_primary_model, 'month' as cohort_scope, created_month as cohort_month,
        slice_name, slice_value, step_order, step, from_stage, to_stage,
        {{ duration_stats }}
    from sliced_steps
    group by model_id, is_primary_model, created_month, slice_name, slice_value, step_order, step, from_stage, to_stage

),

all_cohorts as (

    select
        model_id, is_primary_model, 'all' as cohort_scope, cast(null as date) as cohort_month,
        slice_name, slice_value, step_order, step, from_stage, to_stage,
        {{ duration_stats }}
    from sliced_steps
    group by model_id, is_primary_model, slice_name, slice_value, step_order, step, from_stage, to_stage

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
