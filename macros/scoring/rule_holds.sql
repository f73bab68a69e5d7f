{#- A rule holds (for required-for-MQL gates) while enough occurrences are in its window. -#}
{% macro rule_holds(state, rule) -%}
    {{ rule_holds_at(rule, state ~ ".occurrences_in_window") }}
{%- endmacro %}
