{#- Whether the mart of today's state being built (restated_by_lead_today) recomputes every lead
    in this run (today_state_restatement_reason): otherwise the scoring day is the one its table
    was built for, and only the leads int_lead_lifecycle_scope flags changed. Each mart asks once
    and passes the answer to leads_restated_today; its pre-hook asks again. -#}
{% macro restates_every_lead_today() -%}
    {%- if not is_incremental() or not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {{ return(today_state_restatement_reason(model.name) is not none) }}
{%- endmacro %}
