-- The leads the feedback loop learns from, one row per scoring model and lead: leads created at
-- least feedback_min_lead_age_days (seed funnel_settings) before the scoring day, so each had
-- time to convert. Outcomes are the any-stage times the lead reached sql, opportunity and
-- customer. peak_score_band is the highest band its score reached before sales qualified it (its
-- first sql-or-beyond time; to date when it never was), from the score history as known then -
-- not today's score, which the outcome itself may have moved.
--
-- A view over int_lead_funnel_stages (restated by lead), which holds all of this for every lead:
-- only the minimum age depends on the day alone, and it is applied here, on read, so a lead
-- growing old enough costs no restatement.
{{ config(materialized=view_where_supported()) }}
{%- set as_of = scoring_as_of_date() %}

with

leads as (

    select * from {{ ref('int_lead_funnel_stages') }}

),

settings as (

    select * from {{ ref('int_funnel_settings') }}

),

final as (

    select
        leads.model_id,
        leads.is_primary_model,
        leads.lead_id,
        leads.created_at,
        leads.sql_reached_at,
        leads.opportunity_reached_at,
        leads.customer_reached_at,
        leads.sql_reached_at is not null as reached_sql,
        leads.opportunity_reached_at is not null as reached_opportunity,
        leads.customer_reached_at is not null as reached_customer,
        leads.peak_score_band,
        leads.peak_total_score
    from leads
    cross join settings
    where cast(leads.created_at as date) <= {{ dbt.dateadd('day', '-1 * settings.feedback_min_lead_age_days', as_of) }}
      -- A lead with no score history yet is not in the loop.
      and leads.peak_score_band is not null

)

select * from final
