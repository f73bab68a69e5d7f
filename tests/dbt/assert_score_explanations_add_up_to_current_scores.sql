-- Every lead's explanation rows add up to its current total score and their points_for_mql to its
-- MQL score (no unexplained points).
{{ config(meta={'dagster': {'ref': {'name': 'fct_lead_score_explanations'}}}) }}

with

explained as (

    select model_id, lead_id, sum(points) as explained_points, sum(points_for_mql) as explained_mql_points
    from {{ ref('fct_lead_score_explanations') }}
    group by model_id, lead_id

),

current_scores as (

    select * from {{ ref('mart_lead_scores_current') }}

)

select
    current_scores.model_id,
    current_scores.lead_id,
    current_scores.total_score,
    coalesce(explained.explained_points, 0) as explained_points,
    current_scores.mql_score,
    coalesce(explained.explained_mql_points, 0) as explained_mql_points
from current_scores
left join explained
    on explained.model_id = current_scores.model_id
    and explained.lead_id = current_scores.lead_id
where abs(current_scores.total_score - coalesce(explained.explained_points, 0)) > 1e-6
   or abs(current_scores.mql_score - coalesce(explained.explained_mql_points, 0)) > 1e-6
