{#- dbt-postgres's split_part only takes a literal part number (it compares it with 0 at compile
    time); a column or expression (e.g. int_fit_rules' value positions) is a positive part here. -#}
{% macro postgres__split_part(string_text, delimiter_text, part_number) -%}
    {%- if part_number is number -%}
        {{ dbt.postgres__split_part(string_text, delimiter_text, part_number) }}
    {%- else -%}
        {{ dbt.default__split_part(string_text, delimiter_text, part_number) }}
    {%- endif -%}
{%- endmacro %}
