{#- A lead qualifies as an MQL while its MQL score is at or above the threshold and every required
    rule (gate) holds. -#}
{% macro mql_qualified(mql_score, gates_hold, threshold) -%}
    ({{ mql_score }} >= {{ threshold }} and {{ gates_hold }})
{%- endmacro %}
