-- The primary model's creation cohorts (slice all) reconcile with dim_leads: per month, the
-- cohort is the leads created that month, the any-stage funnel counts leads whose
-- furthest_stage_order reaches the stage, the in-order funnel those whose in_order_stage_order
-- does, and the dispositions add up to the current stages. Returns every mismatch.
{{ config(meta={'dagster': {'ref': {'name': 'mart_funnel_conversion'}}}) }}

with

conversion as (

    select * from {{ ref('mart_funnel_conversion') }}
    where is_primary_model
      and cohort_basis = 'created_month'
      and slice_name = 'all'

),

dispositions as (

    select * from {{ ref('mart_funnel_dispositions') }}
    where is_primary_model
      and cohort_basis = 'created_month'
      and slice_name = 'all'

),

leads as (

    select
        dim_leads.*,
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as created_month
    from {{ ref('dim_leads') }} as dim_leads

),

stages as (

    select stage, stage_order from {{ ref('lifecycle_stages') }}
    where is_main_path

),

expected_funnel as (

    select
        leads.created_month,
        stages.stage,
        count(*) as cohort_leads,
        count(case when leads.furthest_stage_order >= stages.stage_order then 1 end) as any_stage_leads,
        count(case when leads.in_order_stage_order >= stages.stage_order then 1 end) as in_order_leads
    from leads
    cross join stages
    group by leads.created_month, stages.stage

),

expected_dispositions as (

    select
        created_month,
        count(*) as cohort_leads,
        count(case when current_stage = 'customer' then 1 end) as converted_leads,
        count(case when current_stage = 'recycled' then 1 end) as recycled_leads,
        count(case when current_stage = 'disqualified' then 1 end) as disqualified_leads,
        count(case when current_stage = 'closed_lost' then 1 end) as lost_leads
    from leads
    group by created_month

),

funnel_mismatches as (

    select
        'funnel' as checked,
        coalesce(expected_funnel.created_month, conversion.cohort_month) as cohort_month,
        coalesce(expected_funnel.stage, conversion.stage) as stage,
        conversion.funnel_kind
    from expected_funnel
    full outer join conversion
        on conversion.cohort_month = expected_funnel.created_month
        and conversion.stage = expected_funnel.stage
    where conversion.cohort_month is null
       or expected_funnel.created_month is null
       or conversion.cohort_leads <> expected_funnel.cohort_leads
       or conversion.reached_leads <> case conversion.funnel_kind
            when 'any_stage' then expected_funnel.any_stage_leads
            else expected_funnel.in_order_leads
          end

),

disposition_mismatches as (

    select
        'dispositions' as checked,
        coalesce(expected_dispositions.created_month, dispositions.cohort_month) as cohort_month,
        cast(null as {{ dbt.type_string() }}) as stage,
        cast(null as {{ dbt.type_string() }}) as funnel_kind
    from expected_dispositions
    full outer join dispositions on dispositions.cohort_month = expected_dispositions.created_month
    where dispositions.cohort_month is null
       or expected_dispositions.created_month is null
       or dispositions.cohort_leads <> expected_dispositions.cohort_leads
       or dispositions.converted_leads <> expected_dispositions.converted_leads
       or dispositions.recycled_leads <> expected_dispositions.recycled_leads
       or dispositions.disqualified_leads <> expected_dispositions.disqualified_leads
       or dispositions.lost_leads <> expected_dispositions.lost_leads

),

final as (

    select * from funnel_mismatches
    union all
    select * from disposition_mismatches

)

select * from final
