{#- What a sales rejection does to a lead's MQL score (seed scoring_models.recycle_policy):
    next_crossing (the default when empty) or reset_engagement. -#}
{% macro recycle_policies() -%}
    {{ return(['next_crossing', 'reset_engagement']) }}
{%- endmacro %}

{#- The policy of a text-typed seed cell, as the scoring models read it. -#}
{% macro recycle_policy(column) -%}
    lower(coalesce(nullif(trim({{ column }}), ''), 'next_crossing'))
{%- endmacro %}
