{#- What the lead has toward an engagement gate or count rule: its counted occurrences (after the
    per-day cap) in the window, on what counts for the MQL score. -#}
{% macro engagement_lead_has(occurrences, rule, mql_engagement_after) -%}
    cast({{ occurrences }} as {{ dbt.type_string() }})
    || case
        when {{ rule }}.window_days is not null then ' in the last ' || cast({{ rule }}.window_days as {{ dbt.type_string() }}) || ' days'
        else ' so far'
    end
    || case when {{ mql_engagement_after }} is not null then ' since the latest sales rejection' else '' end
{%- endmacro %}
