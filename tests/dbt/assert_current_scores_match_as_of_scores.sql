-- Today's scores, summed from the explanation rows (mart_lead_scores_current reads
-- fct_lead_score_explanations, which decays each rule's stored state on read), equal the scores
-- recomputed from every rule's whole state history (macro lead_scores_as_of): the explanation of a
-- score holds every point of it, and the states restated by lead are the ones of today.
{{ config(meta={'dagster': {'ref': {'name': 'mart_lead_scores_current'}}}) }}
{#- On a daily run for the same scoring day, the leads the run restated (daily_tested_leads). #}
{%- set tested = daily_tested_leads('lead_id', 'int_lead_lifecycle_scope', today_state=true) %}

with

current_scores as (

    select * from {{ ref('mart_lead_scores_current') }}
    where {{ tested }}

),

as_of_scores as (

    {{ lead_scores_as_of(scoring_as_of_date(), lead_filter=tested) }}

)

select
    coalesce(current_scores.model_id, as_of_scores.model_id) as model_id,
    coalesce(current_scores.lead_id, as_of_scores.lead_id) as lead_id,
    current_scores.total_score,
    as_of_scores.total_score as as_of_total_score,
    current_scores.mql_score,
    as_of_scores.mql_score as as_of_mql_score,
    current_scores.required_rules_hold,
    as_of_scores.required_rules_hold as as_of_required_rules_hold
from current_scores
full outer join as_of_scores
    on as_of_scores.model_id = current_scores.model_id
    and as_of_scores.lead_id = current_scores.lead_id
where current_scores.lead_id is null
   or as_of_scores.lead_id is null
   or abs(current_scores.total_score - as_of_scores.total_score) > 1e-9
   or abs(current_scores.mql_score - as_of_scores.mql_score) > 1e-9
   or current_scores.required_rules_hold != as_of_scores.required_rules_hold
   or current_scores.is_mql_qualified != as_of_scores.is_mql_qualified
   or current_scores.score_band != as_of_scores.score_band
   or (current_scores.mql_engagement_after is null) != (as_of_scores.mql_engagement_after is null)
   or current_scores.mql_engagement_after != as_of_scores.mql_engagement_after
