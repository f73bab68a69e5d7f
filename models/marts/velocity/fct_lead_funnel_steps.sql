-- The steps between consecutive main-path stages at lead level (lead->mql ... opportunity->customer):
-- one row per scoring model, lead and step it made, with the days between the first entries into
-- both stages. A step counts when both entries exist and are in order; skippers drop out by
-- themselves (strict policy: a skipped stage has no entry time). mart_funnel_velocity aggregates
-- these rows per cohort and slice; readers filter them to any range of creation days.
{%- set stages = lifecycle_stage_names(main_path_only=true) %}

with

leads as (

    select * from {{ ref('int_lead_funnel_stages') }}

),

steps as (

    {%- for stage in stages[:-1] %}
    {%- set next_stage = stages[loop.index] %}
    select
        model_id,
        is_primary_model,
        lead_id,
        created_at,
        created_month,
        lead_source,
        cast({{ loop.index }} as {{ dbt.type_int() }}) as step_order,
        '{{ stage }}_to_{{ next_stage }}' as step,
        '{{ stage }}' as from_stage,
        '{{ next_stage }}' as to_stage,
        {{ stage }}_entered_at as from_entered_at,
        {{ next_stage }}_entered_at as to_entered_at,
        cast({{ days_between(stage ~ '_entered_at', next_stage ~ '_entered_at') }} as {{ type_double() }}) as days
    from leads
    where {{ stage }}_entered_at is not null
      and {{ next_stage }}_entered_at >= {{ stage }}_entered_at
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

final as (

    select * from steps

)

select * from final
