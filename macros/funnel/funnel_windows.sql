{#- The windows of "within N days" conversion: the cohort funnel reports each, and the data
    coverage mart says when the first cohort is mature for each. -#}
{% macro funnel_windows() -%}
    {{ return([30, 60, 90]) }}
{%- endmacro %}
