{#- The configuration of a lead-grain mart of today's state (var scoring_as_of_date): today's
    score, the lead's row in dim_leads, what the CRM is sent. Restated by lead with the lifecycle
    chain (int_lead_lifecycle_scope) while the scoring day stays the one its table was built for,
    so a run a few minutes after the last one recomputes the leads it touched; restated whole on
    the first run of a new day (restates_every_lead_today), when the day's decay and days in stage
    have moved every lead. The model keeps its leads with leads_restated_today. Its daily data
    tests follow (meta daily_test_scope_today_state): the flagged leads' rows on the same scoring
    day, every row when int_lead_today_state_scope, built before it, says this run restates
    today's state whole. -#}
{% macro restated_by_lead_today() -%}
    {%- do ref('int_lead_today_state_scope') -%}
    {{ restated_by_lead('int_lead_lifecycle_scope', today_state=true) }}
    {{ config(meta={'daily_test_scope': 'lead_id', 'daily_test_scope_model': 'int_lead_lifecycle_scope', 'daily_test_scope_today_state': true}) }}
{%- endmacro %}
