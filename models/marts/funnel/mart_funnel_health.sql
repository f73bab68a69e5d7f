-- Health against the source texts' benchmarks (seed funnel_benchmarks): one row per scoring
-- model, month and metric, flagged below / within / above the typical range, with the texts'
-- alarm (criteria too strict / too loose). Each metric is measured on cohorts within the seed's
-- window_days:
--   lead_to_mql_rate - leads created in the month that became MQL (in order: skippers that jumped
--                      past mql never were MQLs), share of the cohort;
--   mql_to_sql_rate  - leads whose first MQL was in the month that reached sql or beyond;
--   lead_to_mql_days - Days to MQL (median) of the leads created in the month: median over those
--                      that became an MQL of the days from creation to the first MQL, rounded to
--                      one decimal, as the MQL measure median_days_to_mql (mart_mql_measures).
-- A month immature for the window is not compared: value and flags stay empty. The two rates name
-- the cell of mart_funnel_conversion they are (cohort_basis, funnel_kind, stage), so readers of
-- that mart find them there for other windows and slices.

with

conversion as (

    select * from {{ ref('mart_funnel_conversion') }}
    where slice_name = 'all'

),

days_to_mql as (

    select
        model_id,
        is_primary_model,
        created_month,
        count(first_mql_at) as mql_leads,
        {{ round_number(percentile_cont('days_to_mql', 0.5), 1) }} as median_days_to_mql
    from {{ ref('int_lead_funnel_stages') }}
    group by model_id, is_primary_model, created_month
    having count(first_mql_at) > 0

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
        conversion.cohort_basis,
        conversion.funnel_kind,
        conversion.stage,
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
        days_to_mql.model_id,
        days_to_mql.is_primary_model,
        days_to_mql.created_month as period_month,
        benchmarks.metric,
        cast(null as {{ dbt.type_string() }}) as cohort_basis,
        cast(null as {{ dbt.type_string() }}) as funnel_kind,
        cast(null as {{ dbt.type_string() }}) as stage,
        days_to_mql.mql_leads as base_leads,
        days_to_mql.mql_leads as reached_leads,
        days_to_mql.median_days_to_mql as value
    from days_to_mql
    inner join benchmarks
        on benchmarks.metric = 'lead_to_mql_days'

),

compared as (

    select
        measured.model_id,
        measured.is_primary_model,
        measured.period_month,
        measured.metric,
        measured.cohort_basis,
        measured.funnel_kind,
        measured.stage,
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
        {{ scoring_as_of_date() }} as as_of_date,
        cohort_basis,
        funnel_kind,
        stage
    from compared

)

select * from final
