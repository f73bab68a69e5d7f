{#- What an engagement gate or count rule needs: min_count occurrences (one without). -#}
{% macro engagement_rule_needs(rule) -%}
    'at least ' || cast(coalesce({{ rule }}.min_count, 1) as {{ dbt.type_string() }})
{%- endmacro %}
