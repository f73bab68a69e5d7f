-- Cohort funnel: one row per scoring model, cohort (leads created in a month, or leads whose
-- first MQL was in a month), slice, funnel view (any_stage / in_order) and main-path stage, with
-- how many of the cohort reached the stage (to date, and within 30/60/90 days of entering the
-- cohort), next-step and cumulative conversion, and the maturity flags. A cohort immature for a
-- window has no rate for it (the count so far is kept): it is not compared with mature cohorts.
{%- set stages = lifecycle_stage_names(main_path_only=true) %}
{%- set kinds = funnel_kinds() %}
{%- set windows = funnel_windows() %}
{%- set reached_suffix = {'any_stage': '_reached_at', 'in_order': '_reached_in_order_at'} %}
{%- set kind_stages = [] %}
{%- for kind in kinds %}{% for stage in stages %}{% do kind_stages.append((kind, stage)) %}{% endfor %}{% endfor %}

with

leads as (

    select funnel_stages.*{{ funnel_slice_columns('funnel_stages') }}
    from {{ ref('int_lead_funnel_stages') }} as funnel_stages

),

stages as (

    select stage, stage_order from {{ ref('lifecycle_stages') }}
    where is_main_path

),

-- Two cohort views of the same leads: by creation month and by the month of the first MQL.
cohort_members as (

    {{ funnel_cohort_members('leads') }}

),

cohort_counts as (

    select
        model_id,
        is_primary_model,
        cohort_basis,
        cohort_month,
        first_stage_order,
        {{ funnel_slice_name_value() }},
        {%- for kind, stage in kind_stages %}
        {%- set reached = stage ~ reached_suffix[kind] %}
        count({{ reached }}) as {{ kind }}__{{ stage }},
        {%- for window in windows %}
        count(case when {{ entered_within_days('cohort_entered_at', reached, window) }} then 1 end) as {{ kind }}__{{ stage }}__{{ window }}d,
        {%- endfor %}
        {%- endfor %}
        count(*) as cohort_leads
    from cohort_members
    group by {{ funnel_slice_grouping_sets(['model_id', 'is_primary_model', 'cohort_basis', 'cohort_month', 'first_stage_order']) }}  -- noqa: PRS

),

stage_rows as (

    {%- for kind, stage in kind_stages %}
    select
        model_id,
        is_primary_model,
        cohort_basis,
        cohort_month,
        first_stage_order,
        slice_name,
        slice_value,
        '{{ kind }}' as funnel_kind,
        '{{ stage }}' as stage,
        cohort_leads,
        {{ kind }}__{{ stage }} as reached_leads,
        {%- for window in windows %}
        {{ kind }}__{{ stage }}__{{ window }}d as reached_within_{{ window }}d{{ ',' if not loop.last }}
        {%- endfor %}
    from cohort_counts
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

with_previous_stage as (

    select
        stage_rows.*,
        stages.stage_order,
        lag(stage_rows.reached_leads) over (
            partition by
                stage_rows.model_id,
                stage_rows.cohort_basis,
                stage_rows.cohort_month,
                stage_rows.slice_name,
                stage_rows.slice_value,
                stage_rows.funnel_kind
            order by stages.stage_order
        ) as previous_stage_reached_leads
    from stage_rows
    inner join stages on stages.stage = stage_rows.stage
    where stages.stage_order >= stage_rows.first_stage_order

),

final as (

    select
        model_id,
        is_primary_model,
        cohort_basis,
        cohort_month,
        slice_name,
        slice_value,
        funnel_kind,
        stage,
        stage_order,
        cohort_leads,
        reached_leads,
        -- The cohort's first stage is compared with the cohort itself.
        coalesce(previous_stage_reached_leads, cohort_leads) as previous_stage_leads,
        {{ safe_ratio('reached_leads', 'coalesce(previous_stage_reached_leads, cohort_leads)') }} as next_step_conversion,
        {{ safe_ratio('reached_leads', 'cohort_leads') }} as cumulative_conversion,
        {%- for window in windows %}
        reached_within_{{ window }}d,
        case
            when not {{ cohort_is_immature('cohort_month', window) }}
                then {{ safe_ratio('reached_within_' ~ window ~ 'd', 'cohort_leads') }}
        end as conversion_within_{{ window }}d,
        {{ cohort_is_immature('cohort_month', window) }} as is_immature_{{ window }}d,
        {%- endfor %}
        {{ scoring_as_of_date() }} as as_of_date
    from with_previous_stage

)

select * from final
