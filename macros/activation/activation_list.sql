{#- A |-separated list cell of seed activation_rules or activation_suppressions as the models
    compare it (activation_list_has): lower case, without spaces, empty = null. -#}
{% macro activation_list(column) -%}
    nullif(replace(lower(trim({{ column }})), ' ', ''), '')
{%- endmacro %}
