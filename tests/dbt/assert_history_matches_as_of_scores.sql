-- Point in time: on a day 45 days before today, the as-of macro reproduces every score-history
-- row of that day exactly, so history and as-of queries cannot disagree.
{{ config(meta={'dagster': {'ref': {'name': 'fct_lead_scores'}}}) }}
{%- set check_day = "cast(" ~ dbt.dateadd('day', -45, scoring_as_of_date()) ~ " as date)" %}
{#- On a daily run, the leads the run rescored (daily_tested_leads). #}
{%- set tested = daily_tested_leads('lead_id') %}

with

history as (

    select * from {{ ref('fct_lead_scores') }}
    where score_date = {{ check_day }}
      and {{ tested }}

),

as_of_check_day as (

    {{ lead_scores_as_of(check_day, lead_filter=tested) }}

)

select
    history.model_id,
    history.lead_id,
    history.total_score,
    as_of_check_day.total_score as as_of_total,
    history.mql_score,
    as_of_check_day.mql_score as as_of_mql_score,
    history.is_mql_qualified,
    as_of_check_day.is_mql_qualified as as_of_qualified
from history
left join as_of_check_day
    on as_of_check_day.model_id = history.model_id
    and as_of_check_day.lead_id = history.lead_id
where as_of_check_day.lead_id is null
   or abs(history.total_score - as_of_check_day.total_score) > 1e-9
   or abs(history.mql_score - as_of_check_day.mql_score) > 1e-9
   or (history.mql_engagement_after is null) != (as_of_check_day.mql_engagement_after is null)
   or history.mql_engagement_after != as_of_check_day.mql_engagement_after
   or history.is_mql_qualified != as_of_check_day.is_mql_qualified
