{#- Whether a rule holds (for gates) with `occurrences` in its window. -#}
{% macro rule_holds_at(rule, occurrences) -%}
    ({{ occurrences }} >= coalesce({{ rule }}.min_count, 1))
{%- endmacro %}
