-- Every lead scored today has one explanation row per required rule (gate) of its model, holding
-- or not, so a lead kept from being an MQL by a gate always shows which one and why.
{{ config(meta={'dagster': {'ref': {'name': 'fct_lead_score_explanations'}}}) }}
{#- On a daily run for the same scoring day, the leads the run restated (daily_tested_leads). #}
{%- set tested = daily_tested_leads('lead_id', 'int_lead_lifecycle_scope', today_state=true) %}

with

gate_rows as (

    select model_id, lead_id, count(*) as listed_gates
    from {{ ref('fct_lead_score_explanations') }}
    where is_required_for_mql
      and {{ tested }}
    group by model_id, lead_id

),

current_scores as (

    select model_id, lead_id from {{ ref('mart_lead_scores_current') }}
    where {{ tested }}

),

gates as (

    select * from {{ ref('int_scoring_model_gate_counts') }}

)

select
    current_scores.model_id,
    current_scores.lead_id,
    gates.required_fit_rules + gates.required_engagement_rules as gates,
    coalesce(gate_rows.listed_gates, 0) as listed_gates
from current_scores
inner join gates on gates.model_id = current_scores.model_id
left join gate_rows
    on gate_rows.model_id = current_scores.model_id
    and gate_rows.lead_id = current_scores.lead_id
where coalesce(gate_rows.listed_gates, 0) != gates.required_fit_rules + gates.required_engagement_rules
