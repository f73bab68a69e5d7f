{#- The policy of a text-typed seed cell, as the scoring models read it. -#}
{% macro recycle_policy(column) -%}
    lower(coalesce(nullif(trim({{ column }}), ''), 'next_crossing'))
{%- endmacro %}
