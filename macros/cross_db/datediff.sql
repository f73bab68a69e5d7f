{#- Adapter versions of dbt's datediff (dbt.datediff dispatches to them first: dispatch in
    dbt_project.yml) where dbt's own do not fit this project. -#}

{#- Whole days and seconds as bigint, as on DuckDB (Spark's datediff is an int), so contracts
    that say bigint hold on both. -#}
{% macro spark__datediff(first_date, second_date, datepart) -%}
    cast({{ dbt.spark__datediff(first_date, second_date, datepart) }} as bigint)
{%- endmacro %}
