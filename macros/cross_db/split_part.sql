{#- Adapter versions of dbt's split_part (dbt.split_part dispatches to them first: dispatch in
    dbt_project.yml) where dbt's own do not fit this project. -#}

{#- dbt-postgres's split_part only takes a literal part number (it compares it with 0 at compile
    time); a column or expression (e.g. int_fit_rules' value positions) is a positive part here. -#}
{% macro postgres__split_part(string_text, delimiter_text, part_number) -%}
    {%- if part_number is number -%}
        {{ dbt.postgres__split_part(string_text, delimiter_text, part_number) }}
    {%- else -%}
        {{ dbt.default__split_part(string_text, delimiter_text, part_number) }}
    {%- endif -%}
{%- endmacro %}

{#- dbt-spark's split_part needs a literal part number (int_fit_rules passes a column); Spark
    3.3+ has split_part itself, with a literal delimiter and '' past the last part, as DuckDB. -#}
{% macro spark__split_part(string_text, delimiter_text, part_number) -%}
    split_part({{ string_text }}, {{ delimiter_text }}, {{ part_number }})
{%- endmacro %}
