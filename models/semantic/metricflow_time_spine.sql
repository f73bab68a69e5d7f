-- The day spine MetricFlow needs to aggregate metrics over time (metric_time). Generated with
-- dbt's own portable date_spine; the range covers any lead history this project expects.

with

days as (

    {{ dbt.date_spine('day', "cast('2015-01-01' as date)", "cast('2036-01-01' as date)") }}

),

final as (

    select cast(date_day as date) as date_day
    from days

)

select * from final
