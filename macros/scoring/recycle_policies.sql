{#- What a sales rejection does to a lead's MQL score (seed scoring_models.recycle_policy):
    next_crossing (the default when empty) or reset_engagement. -#}
{% macro recycle_policies() -%}
    {{ return(['next_crossing', 'reset_engagement']) }}
{%- endmacro %}
