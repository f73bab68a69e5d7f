-- The funnel at lead level, for drill-down from any funnel cell: one row per scoring model and
-- lead (created on or before the scoring day) with its cohorts, the time it entered and reached
-- each main-path stage (any-stage and in-order views), its progress, its MQL episodes, current
-- stage, disposition and slice attributes. The aggregated funnel marts and mart_mql_measures are
-- built from the same rows.
--
-- A view over int_lead_funnel_stages (restated by lead): no second copy of a lead-grain table,
-- and the days in the current stage, the one column that changes because a day passed, are
-- computed on read.
{{ config(materialized=view_where_supported()) }}
{%- set stages = lifecycle_stage_names(main_path_only=true) %}

with

leads as (

    select * from {{ ref('int_lead_funnel_stages') }}

),

final as (

    select
        model_id,
        is_primary_model,
        lead_id,
        created_at,
        created_month,
        mql_month,
        lead_source,
        campaign,
        industry,
        country_code,
        cast(company_size as {{ dbt.type_int() }}) as company_size,
        company_size_band,
        fit_grade,
        {%- for stage in stages %}
        {{ stage }}_entered_at,
        {{ stage }}_reached_at,
        {{ stage }}_reached_in_order_at,
        {%- endfor %}
        cast(furthest_stage_order as {{ dbt.type_int() }}) as furthest_stage_order,
        cast(in_order_stage_order as {{ dbt.type_int() }}) as in_order_stage_order,
        has_skipped_stages,
        cast(mql_entries as {{ dbt.type_int() }}) as mql_entries,
        first_mql_at,
        cast(mql_episodes as {{ dbt.type_int() }}) as mql_episodes,
        cast(days_to_mql as {{ type_double() }}) as days_to_mql,
        current_stage,
        current_stage_entered_at,
        cast({{ days_in_stage('current_stage_entered_at') }} as {{ type_double() }}) as days_in_current_stage,
        disposition,
        {{ scoring_as_of_date() }} as as_of_date
    from leads

)

select * from final
