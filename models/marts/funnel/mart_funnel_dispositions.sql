-- What became of each cohort so far: one row per scoring model, cohort (created month or month of
-- the first MQL) and slice, with the leads converted (customer), recycled, disqualified, lost
-- (closed_lost) and still open, as counts and shares of the cohort. Dispositions are as of the
-- scoring day, so a young cohort has more open leads: compare cohorts of the same age.
{%- set dispositions = ['converted', 'recycled', 'disqualified', 'lost', 'open'] %}

with

leads as (

    select funnel_stages.*{{ funnel_slice_columns('funnel_stages') }}
    from {{ ref('int_lead_funnel_stages') }} as funnel_stages

),

cohort_members as (

    {{ funnel_cohort_members('leads') }}

),

cohort_counts as (

    select
        model_id,
        is_primary_model,
        cohort_basis,
        cohort_month,
        {{ funnel_slice_name_value() }},
        {%- for disposition in dispositions %}
        count(case when disposition = '{{ disposition }}' then 1 end) as {{ disposition }}_leads,
        {%- endfor %}
        count(*) as cohort_leads
    from cohort_members
    group by {{ funnel_slice_grouping_sets(['model_id', 'is_primary_model', 'cohort_basis', 'cohort_month']) }}  -- noqa: PRS

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
