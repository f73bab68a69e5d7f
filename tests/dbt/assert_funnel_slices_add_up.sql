-- Every slice partitions its cohort: per model, cohort, funnel view and stage, the values of a
-- slice (channel, campaign, industry ...) add up to the slice "all" - cohort size, leads
-- reached and leads reached within 90 days. Returns the slices that do not.
{{ config(meta={'dagster': {'ref': {'name': 'mart_funnel_conversion'}}}) }}

with

conversion as (

    select * from {{ ref('mart_funnel_conversion') }}

),

slice_totals as (

    select
        model_id, cohort_basis, cohort_month, funnel_kind, stage, slice_name,
        sum(cohort_leads) as cohort_leads,
        sum(reached_leads) as reached_leads,
        sum(reached_within_90d) as reached_within_90d
    from conversion
    where slice_name <> 'all'
    group by model_id, cohort_basis, cohort_month, funnel_kind, stage, slice_name

),

all_rows as (

    select * from conversion
    where slice_name = 'all'

),

final as (

    select slice_totals.*
    from slice_totals
    left join all_rows
        on all_rows.model_id = slice_totals.model_id
        and all_rows.cohort_basis = slice_totals.cohort_basis
        and all_rows.cohort_month = slice_totals.cohort_month
        and all_rows.funnel_kind = slice_totals.funnel_kind
        and all_rows.stage = slice_totals.stage
    where all_rows.model_id is null
       or slice_totals.cohort_leads <> all_rows.cohort_leads
       or slice_totals.reached_leads <> all_rows.reached_leads
       or slice_totals.reached_within_90d <> all_rows.reached_within_90d

)

select * from final
