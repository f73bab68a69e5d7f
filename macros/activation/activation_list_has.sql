{#- True when the |-separated list `list_column` (as int_activation_rules stores it: lower case,
    no spaces) holds the text `item`. An empty list holds nothing; callers treat it as "any". -#}
{% macro activation_list_has(list_column, item) -%}
    ({{ dbt.position(dbt.concat(["'|'", item, "'|'"]), dbt.concat(["'|'", list_column, "'|'"])) }} > 0)
{%- endmacro %}
