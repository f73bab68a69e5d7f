-- Health against the source texts' benchmarks (seed funnel_benchmarks): one row per scoring
-- model, month and metric, flagged below / within / above the typical range, with the texts'
-- alarm (criteria too strict / too loose). Each metric is measured on cohorts within the seed's
-- window_days:
--   lead_to_mql_rate - leads created in the month that became MQL (in order: skippers that jumped
--                      past mql never were MQLs), share of the cohort;
--   mql_to_sql_rate  - leads whose first MQL was in the month that reached sql or beyond;
--   lead_to_mql_days - median days from capture to first MQL, leads created in the month.
-- A month immature for the window is not compared: value and flags stay empty.

with

conversion as (

    select * from {{ ref('mart_funnel_conversion') }}
    where slice_name = 'all'

),

velocity as (

    select * from {{ ref('mart_funnel_velocity') }}
    where slice_name = 'all'
      and cohort_scope = 'month'

),

benchmarks as (

    select * from {{ ref('funnel_benchmarks') }}

),

measured as (

    select
        conversion.model_id,
        conversion.is_primary_model,
        conversion.cohort_month as period_month,
        benchmarks.metric,
        conversion.cohort_leads as base_leads,
        case benchmarks.window_days
            when 30 then conversion.reached_within_30d
            when 60 then conversion.reached_within_60d
            when 90 then conversion.reached_within_90d
        end as reached_leads,
        case benchmarks.window_days
            when 30 then conversion.conversion_within_30d
            when 60 then conversion.conversion_within_60d
            when 90 then conversion.conversion_within_90d
        end as value
    from conversion
    inner join benchmarks
        on (benchmarks.metric = 'lead_to_mql_rate'
            and conversion.cohort_basis = 'created_month'
            and conversion.funnel_kind = 'in_order'
            and conversion.stage = 'mql')
        or (benchmarks.metric = 'mql_to_sql_rate'
            and conversion.cohort_basis = 'mql_month'
            and conversion.funnel_kind = 'any_stage'
            and conversion.stage = 'sql')

    union all

    select
        velocity.model_id,
        velocity.is_primary_model,
        velocity.cohort_month as period_month,
        benchmarks.metric,
        velocity.leads as base_leads,
        velocity.leads as reached_leads,
        velocity.median_days as value
    from velocity
    inner join benchmarks
        on benchmarks.metric = 'lead_to_mql_days'
        and velocity.step = 'lead_to_mql'

),

compared as (

    select
        measured.model_id,
        measured.is_primary_model,
        measured.period_month,
        measured.metric,
        benchmarks.unit,
        benchmarks.window_days,
        measured.base_leads,
        measured.reached_leads,
        {{ cohort_is_immature('measured.period_month', 'benchmarks.window_days') }} as is_immature,
        benchmarks.typical_min,
        benchmarks.typical_max,
        benchmarks.alarm_below,
        benchmarks.alarm_below_label,
        benchmarks.alarm_above,
        benchmarks.alarm_above_label,
        case
            when not {{ cohort_is_immature('measured.period_month', 'benchmarks.window_days') }} then measured.value
        end as value
    from measured
    inner join benchmarks on benchmarks.metric = measured.metric

),

final as (

    select
        model_id,
        is_primary_model,
        period_month,
        metric,
        unit,
        cast(window_days as {{ dbt.type_int() }}) as window_days,
        base_leads,
        reached_leads,
        cast(value as {{ type_double() }}) as value,
        cast(typical_min as {{ type_double() }}) as typical_min,
        cast(typical_max as {{ type_double() }}) as typical_max,
        {{ benchmark_classification('value', 'compared') }},
        is_immature,
        {{ scoring_as_of_date() }} as as_of_date
    from compared

)

select * from final
