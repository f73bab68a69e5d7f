-- What became of each cohort so far: one row per scoring model, cohort (created month or month of
-- the first MQL) and slice, with the leads converted (customer), recycled, disqualified, lost
-- (closed_lost) and still open, as counts and shares of the cohort. Dispositions are as of the
-- scoring day, so a young cohort has more open leads: compare cohorts of the same age.
{%- set dispositions = ['converted', 'recycled', 'disqualified', 'lost', 'open'] %}

with

leads as (

    select * from {{ ref('int_lead_funnel_stages') }}

),

slices as (

    select * from {{ ref('int_lead_funnel_slices') }}

),

cohort_members as (

    {{ funnel_cohort_members('leads') }}

),

cohort_counts as (

    select
        cohort_members.model_id,
        cohort_members.is_primary_model,
        cohort_members.cohort_basis,
        cohort_members.cohort_month,
        slices.slice_name,
        slices.slice_value,
        {%- for disposition in dispositions %}
        count(case when cohort_members.disposition = '{{ disposition }}' then 1 end) as {{ disposition }}_leads,
        {%- endfor %}
        count(*) as cohort_leads
    from cohort_members
    inner join slices
        on slices.model_id = cohort_members.model_id
        and slices.lead_id = cohort_members.lead_id
    group by
        cohort_members.model_id,
        cohort_members.is_primary_model,
        cohort_members.cohort_basis,
        cohort_members.cohort_month,
        slices.slice_name,
        slices.slice_value

),

final as (

    select
        model_id,
        is_primary_model,
        cohort_basis,
        cohort_month,
        slice_name,
        slice_value,
        cohort_leads,
        {%- for disposition in dispositions %}
        {{ disposition }}_leads,
        {{ safe_ratio(disposition ~ '_leads', 'cohort_leads') }} as {{ disposition }}_share,
        {%- endfor %}
        cast({{ dbt.datediff(dbt.dateadd('month', 1, 'cohort_month'), scoring_as_of_date(), 'day') }} + 1 as {{ dbt.type_bigint() }}) as cohort_age_days,
        {{ scoring_as_of_date() }} as as_of_date
    from cohort_counts

)

select * from final
