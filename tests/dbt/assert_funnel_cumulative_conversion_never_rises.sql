-- Along the funnel, cumulative conversion (to date and within each window) never rises: a lead
-- counted at a stage is counted at every earlier stage, in both funnel views. Returns the stages
-- that convert more of the cohort than the stage before them.
{{ config(meta={'dagster': {'ref': {'name': 'mart_funnel_conversion'}}}) }}

with

conversion as (

    select * from {{ ref('mart_funnel_conversion') }}

),

with_previous as (

    select
        conversion.*,
        lag(cumulative_conversion) over (partition by model_id, cohort_basis, cohort_month, slice_name, slice_value, funnel_kind order by stage_order) as previous_cumulative,
        lag(reached_within_30d) over (partition by model_id, cohort_basis, cohort_month, slice_name, slice_value, funnel_kind order by stage_order) as previous_within_30d,
        lag(reached_within_60d) over (partition by model_id, cohort_basis, cohort_month, slice_name, slice_value, funnel_kind order by stage_order) as previous_within_60d,
        lag(reached_within_90d) over (partition by model_id, cohort_basis, cohort_month, slice_name, slice_value, funnel_kind order by stage_order) as previous_within_90d
    from conversion

),

final as (

    select *
    from with_previous
    where cumulative_conversion > previous_cumulative
       or reached_within_30d > previous_within_30d
       or reached_within_60d > previous_within_60d
       or reached_within_90d > previous_within_90d

)

-- A failing row keeps every column of the mart, whatever they are.
select * from final  -- noqa: AM04
