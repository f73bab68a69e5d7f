{#- A condition on `column` for a singular data test, which no get_where_subquery narrows: on a
    daily run (var data_test_scope = 'changed'), the leads the run recomputed (flagged in
    `scope_model`: rescored_leads_condition); with `today_state`, for a test of the marts of
    today's state, only on a run that did not restate them whole (today_state_restated_whole).
    Otherwise every lead. Applied to each input read by lead, so that the engine reads only those
    leads' rows. -#}
{% macro daily_tested_leads(column, scope_model='int_lead_scoring_scope', today_state=false) -%}
    {%- if execute and data_test_scope() == 'changed' and not (today_state and today_state_restated_whole()) -%}
        {{ rescored_leads_condition(column, scope_model) }}
    {%- else -%}
        (1 = 1)
    {%- endif -%}
{%- endmacro %}
