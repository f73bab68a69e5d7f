-- How much history, and which kinds of facts, the marts rest on: one row per scoring model. A
-- new team's first weeks have no lead old enough for the feedback loop, no cohort mature for the
-- windowed conversion, and perhaps no opportunity or qualification update yet; the figures that
-- need them are empty. This row says which, and from which scoring day each one fills in, so a
-- BI tool can say so instead of showing blanks.
{%- set as_of = scoring_as_of_date() %}
{%- set windows = funnel_windows() %}

with

leads as (

    select * from {{ ref('int_lead_funnel_stages') }}

),

feedback_scope as (

    select * from {{ ref('int_lead_feedback_outcomes') }}

),

settings as (

    select * from {{ ref('int_funnel_settings') }}

),

models as (

    select model_id, is_primary from {{ ref('int_scoring_models') }}

),

events as (

    select event_type, occurred_at from {{ ref('stg_raw__events') }}

),

opportunities as (

    select created_at from {{ ref('stg_raw__opportunities') }}

),

lead_counts as (

    select
        model_id,
        count(*) as leads,
        min(created_at) as first_lead_created_at,
        min(created_month) as first_cohort_month,
        count(first_mql_at) as mql_leads
    from leads
    group by model_id

),

feedback_counts as (

    select model_id, count(*) as feedback_scope_leads
    from feedback_scope
    group by model_id

),

-- Facts up to the scoring day, as the lifecycle counts them.
fact_counts as (

    select
        (
            select count(*) from events
            where event_type = 'qualification_update' and cast(occurred_at as date) <= {{ as_of }}
        ) as qualification_updates,
        (
            select count(*) from opportunities
            where cast(created_at as date) <= {{ as_of }}
        ) as opportunities

),

final as (

    select
        models.model_id,
        models.is_primary as is_primary_model,
        {{ as_of }} as as_of_date,
        coalesce(lead_counts.leads, 0) as leads,
        lead_counts.first_lead_created_at,
        cast({{ dbt.datediff('cast(lead_counts.first_lead_created_at as date)', as_of, 'day') }} as integer) as oldest_lead_age_days,
        coalesce(lead_counts.mql_leads, 0) as mql_leads,
        settings.feedback_min_lead_age_days,
        coalesce(feedback_counts.feedback_scope_leads, 0) as feedback_scope_leads,
        cast({{ dbt.dateadd('day', 'settings.feedback_min_lead_age_days', 'cast(lead_counts.first_lead_created_at as date)') }} as date) as feedback_scope_starts_on,
        cast(lead_counts.first_cohort_month as date) as first_cohort_month,
        {%- for window in windows %}
        cast({{ cohort_mature_on('lead_counts.first_cohort_month', window) }} as date) as first_cohort_mature_{{ window }}d_on,
        {%- endfor %}
        fact_counts.qualification_updates,
        fact_counts.opportunities
    from models
    cross join settings
    cross join fact_counts
    left join lead_counts on lead_counts.model_id = models.model_id
    left join feedback_counts on feedback_counts.model_id = models.model_id

)

select * from final
