-- The leads the feedback loop learns from, one row per scoring model and lead: leads created at
-- least feedback_min_lead_age_days (seed funnel_settings) before the scoring day, so each had
-- time to convert. Outcomes are the any-stage times the lead reached sql, opportunity and
-- customer. peak_score_band is the highest band its score reached before sales qualified it (its
-- first sql-or-beyond time; to date when it never was), from the score history as known then -
-- not today's score, which the outcome itself may have moved.
{%- set as_of = scoring_as_of_date() %}

with

leads as (

    select * from {{ ref('int_lead_funnel_stages') }}

),

settings as (

    select * from {{ ref('int_funnel_settings') }}

),

scores as (

    select * from {{ ref('fct_lead_scores') }}

),

in_scope as (

    select leads.*
    from leads
    cross join settings
    where cast(leads.created_at as date) <= {{ dbt.dateadd('day', '-1 * settings.feedback_min_lead_age_days', as_of) }}

),

ranked_scores as (

    select
        scores.model_id,
        scores.lead_id,
        scores.changed_at,
        scores.total_score,
        {{ score_band_order('scores.score_band') }} as band_rank,
        row_number() over (partition by scores.model_id, scores.lead_id order by scores.score_date) as score_row
    from scores

),

-- The score history before the qualification (the creation-day score always counts).
peaks as (

    select
        in_scope.model_id,
        in_scope.lead_id,
        max(ranked_scores.band_rank) as peak_band_rank,
        max(ranked_scores.total_score) as peak_total_score
    from in_scope
    inner join ranked_scores
        on ranked_scores.model_id = in_scope.model_id
        and ranked_scores.lead_id = in_scope.lead_id
    where in_scope.sql_reached_at is null
       or ranked_scores.changed_at < in_scope.sql_reached_at
       or ranked_scores.score_row = 1
    group by in_scope.model_id, in_scope.lead_id

),

final as (

    select
        in_scope.model_id,
        in_scope.is_primary_model,
        in_scope.lead_id,
        in_scope.created_at,
        in_scope.sql_reached_at,
        in_scope.opportunity_reached_at,
        in_scope.customer_reached_at,
        in_scope.sql_reached_at is not null as reached_sql,
        in_scope.opportunity_reached_at is not null as reached_opportunity,
        in_scope.customer_reached_at is not null as reached_customer,
        {{ score_band_from_order('peaks.peak_band_rank') }} as peak_score_band,
        peaks.peak_total_score
    from in_scope
    inner join peaks
        on peaks.model_id = in_scope.model_id
        and peaks.lead_id = in_scope.lead_id

)

select * from final
